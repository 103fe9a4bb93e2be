import Testing
import COpenBLAS
@testable import Kernels

@Suite struct BLASCoreTests {
    static let skylakeFlags: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw",
                                            "avx512dq", "avx512vl"]
    static let haswellFlags: Set<String> = ["sse3", "avx", "avx2", "fma"]

    @Test func aGenericFallbackIsReplacedByTheBestCoreTheCPUCanRun() {
        #expect(BLASCore.replacement(forDetected: "Prescott", cpuFlags: Self.skylakeFlags) == "SkylakeX")
        #expect(BLASCore.replacement(forDetected: "Sandybridge", cpuFlags: Self.skylakeFlags) == "SkylakeX")
        #expect(BLASCore.replacement(forDetected: "Prescott", cpuFlags: Self.haswellFlags) == "Haswell")
    }

    @Test func openBLASsOwnChoiceOfAVX2OrAVX512KernelsIsKept() {
        for core in ["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"] {
            #expect(BLASCore.replacement(forDetected: core, cpuFlags: Self.skylakeFlags) == nil, "\(core)")
        }
    }

    @Test func aCPUWithoutAVX2KeepsTheGenericCore() {
        #expect(BLASCore.replacement(forDetected: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(BLASCore.replacement(forDetected: "Prescott", cpuFlags: ["avx2"]) == nil)  // no FMA
        #expect(BLASCore.replacement(forDetected: "Prescott", cpuFlags: []) == nil)
    }

    /// A core forced by `OPENBLAS_CORETYPE` is named with the wider one the CPU has, if any.
    @Test func aForcedNarrowCoreIsToldOfTheWiderOne() {
        #expect(BLASCore.widerCore(than: "Haswell", cpuFlags: Self.skylakeFlags) == "SkylakeX")
        #expect(BLASCore.widerCore(than: "Zen", cpuFlags: Self.skylakeFlags) == "SkylakeX")
        #expect(BLASCore.widerCore(than: "Prescott", cpuFlags: Self.haswellFlags) == "Haswell")
        #expect(BLASCore.widerCore(than: "Haswell", cpuFlags: Self.haswellFlags) == nil)
        #expect(BLASCore.widerCore(than: "Cooperlake", cpuFlags: Self.skylakeFlags) == nil)
        #expect(BLASCore.widerCore(than: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        let forced = BLASCore(name: "Haswell", detected: "Haswell", reason: .environment, widerCore: "SkylakeX")
        #expect(forced.description == "Haswell (set by OPENBLAS_CORETYPE; the CPU has AVX-512: SkylakeX may be faster)")
        #expect(BLASCore(name: "Haswell", detected: "Haswell", reason: .environment).description
                == "Haswell (set by OPENBLAS_CORETYPE)")
    }

    /// The core in use is the one OpenBLAS reports, and a replacement is made only from a generic core.
    @Test func theCurrentCoreIsTheOneOpenBLASRuns() {
        let core = BLASCore.current
        #expect(core.name == String(cString: openblas_get_corename()))
        if core.reason == .chosenFromCPUFeatures {
            #expect(BLASCore.replacement(forDetected: core.detected, cpuFlags: Self.skylakeFlags) != nil)
        }
    }
}
