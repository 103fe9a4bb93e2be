import Foundation
import Testing
@testable import Kernels

@Suite struct BLASChoiceTests {
    @Test func namesAndPathsParse() throws {
        #expect(try BLASChoice(parsing: "openblas") == .openBLAS)
        #expect(try BLASChoice(parsing: "") == .openBLAS)
        #expect(try BLASChoice(parsing: " mkl ") == .mkl(path: nil))
        #expect(try BLASChoice(parsing: "/opt/intel/lib/libmkl_rt.so.2") == .mkl(path: "/opt/intel/lib/libmkl_rt.so.2"))
        #expect(try BLASChoice(parsing: "./libmkl_rt.so.3") == .mkl(path: "./libmkl_rt.so.3"))
    }

    @Test func theEnvironmentVariableChoosesAndOpenBLASIsTheDefault() throws {
        #expect(try BLASChoice(environment: [:]) == .openBLAS)
        #expect(try BLASChoice(environment: ["NEURODEX_BLAS": "mkl"]) == .mkl(path: nil))
    }

    @Test func anUnknownLibraryIsAnError() {
        #expect(throws: BLASLibraryError.invalidChoice("blis")) { try BLASChoice(parsing: "blis") }
        #expect(throws: BLASLibraryError.invalidChoice("MKL")) { try BLASChoice(parsing: "MKL") }
    }

    @Test func aMissingMKLIsOneLineNamingWhereItLooked() {
        let path = "/nonexistent/libmkl_rt.so.3"
        #expect(throws: BLASLibraryError.mklNotFound(tried: [path])) { try BLASLibrary.load(.mkl(path: path)) }
        let message = BLASLibraryError.mklNotFound(tried: [path]).description
        #expect(message.contains(path) && message.contains("pip install mkl") && !message.contains("\n"))
    }

    @Test func mklsVersionStringGivesItsVersion() {
        let text = "Intel(R) oneAPI Math Kernel Library Version 2026.2-Product Build 20260915 for Intel(R) 64 architecture applications"
        #expect(MKLLibrary.version(fromVersionString: text) == "2026.2")
    }

    /// `NEURODEX_BLAS=mkl swift test` runs every product of the tests on MKL.
    @Test func theProcessRunsOnTheLibraryItsEnvironmentNames() throws {
        let choice = try BLASChoice(environment: ProcessInfo.processInfo.environment)
        #expect(BLASLibrary.current.kind == (choice == .openBLAS ? .openBLAS : .mkl))
    }

    @Test func openBLASIsNamedByItsCore() {
        let library = BLASLibrary.openBLAS
        #expect(library.kind == .openBLAS)
        #expect(library.name == "OpenBLAS \(BLASCore.current.name)")
    }
}

/// MKL, when it can be loaded here (`pip install mkl` puts it where `BLASLibrary` looks).
let installedMKL: BLASLibrary? = try? BLASLibrary.load(.mkl(path: nil))

/// The products on MKL: close to the reference, and `blockedSgemm`'s bit-for-bit guarantees.
@Suite(.enabled(if: installedMKL != nil, "MKL is not installed (pip install mkl): not tested"))
struct MKLTests {
    let mkl = installedMKL!

    @Test func isSetUpForReproducibleResults() {
        #expect(mkl.kind == .mkl)
        #expect(mkl.name.hasPrefix("MKL ") && mkl.name.contains("CNR branch"))
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matchesReference(transposeA: Bool, transposeB: Bool) {
        expectSgemmMatchesReference(transposeA: transposeA, transposeB: transposeB, on: mkl)
    }

    @Test(arguments: [false, true])
    func blockedMatchesReference(transposeB: Bool) {
        expectBlockedMatchesReference(transposeB: transposeB, on: mkl)
    }

    @Test func blockedRowsDependOnlyOnTheirInput() {
        expectBlockedRowsDependOnlyOnTheirInput(on: mkl)
    }

    /// A token's rows sit anywhere in a batch: MKL's results must not depend on the operands'
    /// alignment, which its reproducibility mode (`BLASLibrary`) is there to rule out.
    @Test func blockedRowsDoNotDependOnWhereTheOperandsSit() {
        let (m, n, k) = (SgemmBlocks.rows, 600, 129)
        let a = randomValues(m * k, seed: 9)
        let b = randomValues(k * n, seed: 10)
        func product(offset: Int) -> [Float] {
            // A, B and C each start `offset` floats into their buffers.
            let shiftedA = [Float](repeating: 0, count: offset) + a
            let shiftedB = [Float](repeating: 0, count: offset) + b
            var c = [Float](repeating: 0, count: offset + m * n)
            shiftedA.withUnsafeBufferPointer { aBuffer in
                shiftedB.withUnsafeBufferPointer { bBuffer in
                    c.withUnsafeMutableBufferPointer { cBuffer in
                        blockedSgemm(aBuffer.baseAddress! + offset, bBuffer.baseAddress! + offset,
                                     into: cBuffer.baseAddress! + offset, m: m, n: n, k: k, threads: 2, on: mkl)
                    }
                }
            }
            return Array(c[offset...])
        }
        let aligned = product(offset: 0)
        for offset in 1...7 { #expect(product(offset: offset) == aligned, "offset \(offset)") }
    }

    @Test func threadCountIsApplied() {
        let previous = mkl.threadCount
        mkl.setThreadCount(1)
        #expect(mkl.threadCount == 1)
        if mkl.description.contains("GNU OpenMP") {
            mkl.setThreadCount(2)
            #expect(mkl.threadCount == 2)
        }
        mkl.setThreadCount(previous)
    }
}
