import CKernels

/// The instruction sets the C kernels (`CKernels`, and the capture's `CCapture`) are compiled
/// for, in increasing order (`neurodex_isa`). Every one gives bit-identical results.
public enum InstructionSet: Int32, CaseIterable, Sendable, Comparable {
    case baseline, avx2, avx512

    /// The widest this CPU and OS support: what the kernels use unless told otherwise.
    public static let best = InstructionSet(rawValue: neurodex_best_isa()) ?? .baseline
    /// Those this CPU and OS support, narrowest first.
    public static var available: [InstructionSet] { allCases.filter { $0 <= best } }

    public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }
}
