import COpenBLAS
import Foundation

/// The OpenBLAS kernels ("core", in OpenBLAS's words) the matrix products run on, chosen once
/// per process before the first BLAS call.
///
/// A DYNAMIC_ARCH OpenBLAS (Debian's, for one) picks its kernels from the CPU model at load time.
/// OpenBLAS 0.3.21 does not know recent models (a Sapphire Rapids VM that reports "Intel(R)
/// Xeon(R) Processor", for one) and then falls back to `Prescott`, its SSE3 kernels, 3–4 times
/// slower than the AVX-512 ones on the same CPU. When OpenBLAS fell back to such a generic core
/// although the CPU has AVX2 + FMA or AVX-512, the kernels are re-chosen in-process
/// (`gotoblas_dynamic_init` reads `OPENBLAS_CORETYPE`): `SkylakeX` with AVX-512, `Haswell`
/// with AVX2 + FMA, as later OpenBLAS releases do themselves for unknown models.
///
/// `OPENBLAS_CORETYPE` set by the user always wins (OpenBLAS reads it at load time and nothing
/// is changed); `NEURODEX_KEEP_BLAS_CORE=1` keeps the core OpenBLAS detected.
///
/// Different kernels sum in other orders, so activations may differ in their last bits from one
/// core to another: results are bit-stable for one machine and core, not across cores.
public struct BLASCore: Sendable, Equatable, CustomStringConvertible {
    /// The core the products run on, as `openblas_get_corename()` names it.
    public var name: String
    /// The core OpenBLAS picked by itself at load time.
    public var detected: String
    /// Why `name` is in use.
    public var reason: Reason
    /// A core of more SIMD width that the CPU has, when `OPENBLAS_CORETYPE` forced a narrower
    /// one: nil otherwise. (This machine's environment sets `Haswell` on an AVX-512 Zen 5, where
    /// SkylakeX runs the forward's products 1.4–1.7× faster; docs/benchmarks.md.)
    public var widerCore: String? = nil

    public enum Reason: String, Sendable {
        /// OpenBLAS's own choice, left alone (it is not a generic fallback, or the CPU has
        /// nothing better).
        case detectedByOpenBLAS = "detected by OpenBLAS"
        /// `OPENBLAS_CORETYPE` was set in the environment.
        case environment = "set by OPENBLAS_CORETYPE"
        /// `NEURODEX_KEEP_BLAS_CORE=1` kept OpenBLAS's choice.
        case kept = "kept by NEURODEX_KEEP_BLAS_CORE"
        /// Chosen from the CPU's features because OpenBLAS fell back to a generic core.
        case chosenFromCPUFeatures = "chosen from the CPU's features"
    }

    /// The core in use, chosen on first use (every OpenBLAS call in Neurodex goes through
    /// `BLASLibrary.openBLAS`, which asks for it first).
    public static var current: BLASCore { selectedCore }

    /// "SkylakeX (chosen from the CPU's features; OpenBLAS detected Prescott)".
    /// "Haswell (set by OPENBLAS_CORETYPE; the CPU has AVX-512: SkylakeX may be faster)".
    public var description: String {
        switch (reason, widerCore) {
        case (.chosenFromCPUFeatures, _): "\(name) (\(reason.rawValue); OpenBLAS detected \(detected))"
        case (_, let wider?): "\(name) (\(reason.rawValue); the CPU has \(Self.avx512Cores.contains(wider) ? "AVX-512" : "AVX2"): \(wider) may be faster)"
        default: "\(name) (\(reason.rawValue))"
        }
    }

    /// The core to switch to, or nil to keep `detected`: a better one only when `detected` is
    /// a generic (pre-AVX2) core and `cpuFlags` (as in /proc/cpuinfo) show AVX2 + FMA or AVX-512.
    public static func replacement(forDetected detected: String, cpuFlags: Set<String>) -> String? {
        guard !avx2Cores.contains(detected) && !avx512Cores.contains(detected) else { return nil }
        return widerCore(than: detected, cpuFlags: cpuFlags)
    }

    /// A core with wider vectors than `core` that `cpuFlags` allow (SkylakeX, then Haswell), or
    /// nil when `core` already uses the widest the CPU has.
    public static func widerCore(than core: String, cpuFlags: Set<String>) -> String? {
        guard !avx512Cores.contains(core) else { return nil }
        if avx512Flags.isSubset(of: cpuFlags) { return "SkylakeX" }
        if !avx2Cores.contains(core) && avx2Flags.isSubset(of: cpuFlags) { return "Haswell" }
        return nil
    }

    /// OpenBLAS x86-64 cores with AVX2 + FMA kernels, and with AVX-512 kernels.
    static let avx2Cores: Set<String> = ["Haswell", "Zen"]
    static let avx512Cores: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]
    /// What the SkylakeX kernels use, and what the Haswell kernels use.
    static let avx512Flags: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "fma"]
    static let avx2Flags: Set<String> = ["avx2", "fma"]
}

private let selectedCore: BLASCore = selectCore()

/// Runs once, before any BLAS call (see `BLASCore`).
private func selectCore() -> BLASCore {
    let detected = openBLASCoreName()
    let environment = ProcessInfo.processInfo.environment
    if let forced = environment["OPENBLAS_CORETYPE"], !forced.isEmpty {
        return BLASCore(name: detected, detected: detected, reason: .environment,
                        widerCore: BLASCore.widerCore(than: detected, cpuFlags: cpuFlags()))
    }
    if environment["NEURODEX_KEEP_BLAS_CORE"] == "1" {
        return BLASCore(name: detected, detected: detected, reason: .kept)
    }
    guard let wanted = BLASCore.replacement(forDetected: detected, cpuFlags: cpuFlags()),
          let quit = openBLASFunction("gotoblas_dynamic_quit"),
          let initialize = openBLASFunction("gotoblas_dynamic_init")
    else {
        return BLASCore(name: detected, detected: detected, reason: .detectedByOpenBLAS)
    }
    setenv("OPENBLAS_CORETYPE", wanted, 1)
    quit()
    initialize()
    unsetenv("OPENBLAS_CORETYPE")  // so that child processes make their own choice
    let now = openBLASCoreName()
    return BLASCore(name: now, detected: detected, reason: now == detected ? .detectedByOpenBLAS : .chosenFromCPUFeatures)
}

private func openBLASCoreName() -> String {
    openblas_get_corename().map { String(cString: $0) } ?? "unknown"
}

/// A `void f(void)` of the loaded OpenBLAS, found at run time: only DYNAMIC_ARCH builds have
/// the dynamic-dispatch entry points.
private func openBLASFunction(_ name: String) -> (@convention(c) () -> Void)? {
    #if os(Linux)
    let everyLoadedLibrary: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT in glibc
    #else
    let everyLoadedLibrary = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT in Darwin
    #endif
    guard let symbol = dlsym(everyLoadedLibrary, name) else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
}

/// The CPU feature flags of the first processor in /proc/cpuinfo; empty where there is none.
private func cpuFlags() -> Set<String> {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
          let colon = line.firstIndex(of: ":")
    else { return [] }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
}
