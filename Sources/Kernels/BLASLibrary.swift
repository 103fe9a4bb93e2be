import COpenBLAS
import Foundation
import Synchronization

/// Which BLAS library the matrix products should run on, as `NEURODEX_BLAS` (or a command's
/// `--blas`) names it: `openblas` (the default, the library Neurodex links), `mkl` (Intel MKL,
/// searched for at run time), or the path of an MKL `libmkl_rt.so.N`.
public enum BLASChoice: Sendable, Equatable, CustomStringConvertible {
    case openBLAS
    /// MKL from `path`, or when nil from the first of `MKLLibrary.searchedNames` and
    /// `MKLLibrary.pipDirectories` that loads.
    case mkl(path: String?)

    /// The environment variable that names the choice.
    public static let environmentVariable = "NEURODEX_BLAS"

    /// Parses `openblas`, `mkl` or a path (anything with a `/`); empty means `openblas`.
    public init(parsing text: String) throws(BLASLibraryError) {
        switch text.trimmingCharacters(in: .whitespaces) {
        case "", "openblas": self = .openBLAS
        case "mkl": self = .mkl(path: nil)
        case let path where path.contains("/"): self = .mkl(path: path)
        default: throw .invalidChoice(text)
        }
    }

    /// The choice `environment` makes (`NEURODEX_BLAS`; OpenBLAS when unset).
    public init(environment: [String: String]) throws(BLASLibraryError) {
        try self.init(parsing: environment[Self.environmentVariable] ?? "")
    }

    public var description: String {
        switch self {
        case .openBLAS: "openblas"
        case .mkl(nil): "mkl"
        case .mkl(let path?): path
        }
    }
}

/// Why the BLAS library asked for cannot be used.
public enum BLASLibraryError: Error, Equatable, CustomStringConvertible {
    case invalidChoice(String)
    /// MKL was asked for and no `libmkl_rt` loaded from any of the places tried.
    case mklNotFound(tried: [String])
    /// The library loaded but lacks a function Neurodex calls.
    case missingFunction(String, library: String)
    /// MKL refused to fix its code branch (conditional numerical reproducibility).
    case reproducibilityRefused(branch: Int32, status: Int32)

    public var description: String {
        switch self {
        case .invalidChoice(let text):
            "\(BLASChoice.environmentVariable) (or --blas) must be openblas, mkl or the path of MKL's libmkl_rt.so, got '\(text)'"
        case .mklNotFound(let tried):
            "MKL was asked for but libmkl_rt did not load from \(tried.joined(separator: ", ")); "
                + "install it with `pip install mkl` or give the path of libmkl_rt.so.N"
        case .missingFunction(let name, let library):
            "\(library) has no \(name): it is not an MKL libmkl_rt"
        case .reproducibilityRefused(let branch, let status):
            "MKL refused to fix its code branch \(branch) for reproducible results (mkl_cbwr_set returned \(status))"
        }
    }
}

/// The BLAS library the matrix products run on: the linked OpenBLAS, or Intel MKL's
/// `libmkl_rt` loaded with `dlopen`. `sgemm`, `blockedSgemm` and `BLAS` call through `current`
/// unless told otherwise.
///
/// MKL is set up, before its first computation, for the guarantees `blockedSgemm` gives:
/// - Conditional numerical reproducibility (`mkl_cbwr_set`) on the code branch MKL picks for
///   this CPU: without it MKL's results depend on the alignment of the operands, so a token's
///   activations would depend on where its rows sit in the batch. `MKL_CBWR` set by the user wins.
/// - Its GNU OpenMP threading layer when libgomp loads (so that `BLAS.setThreadCount` works),
///   else the sequential one. `MKL_THREADING_LAYER` set by the user wins.
///
/// Different libraries (like different OpenBLAS cores) sum in other orders: activations may
/// differ in their last bits from one to another, so a run records the library it used when it
/// is not OpenBLAS.
public struct BLASLibrary: Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case openBLAS, mkl }

    public let kind: Kind
    /// What ran, without paths: "OpenBLAS SkylakeX", "MKL 2026.2, CNR branch AVX512_E1".
    public let name: String
    /// `name` and how it came to be: the OpenBLAS core's reason, MKL's threads and file.
    public let description: String

    typealias SgemmFunction = @convention(c) (
        CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
        Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
        Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias SetThreadsFunction = @convention(c) (Int32) -> Void
    typealias GetThreadsFunction = @convention(c) () -> Int32

    /// `cblas_sgemm` of the library.
    let sgemm: SgemmFunction
    let setThreads: SetThreadsFunction
    let getThreads: GetThreadsFunction

    /// The linked OpenBLAS, on the core `BLASCore` chooses.
    public static var openBLAS: BLASLibrary {
        let core = BLASCore.current
        return BLASLibrary(kind: .openBLAS, name: "OpenBLAS \(core.name)", description: "OpenBLAS \(core)",
                           sgemm: cblas_sgemm, setThreads: openblas_set_num_threads, getThreads: openblas_get_num_threads)
    }

    /// The library `choice` names, loaded (MKL) or set up (OpenBLAS's core) if not yet.
    public static func load(_ choice: BLASChoice) throws(BLASLibraryError) -> BLASLibrary {
        switch choice {
        case .openBLAS: openBLAS
        case .mkl(let path): try MKLLibrary.shared(path: path)
        }
    }

    /// The library of this process, chosen on first use from `NEURODEX_BLAS`. Stops the process
    /// when that library cannot be loaded: commands call `loadCurrent()` first to report it.
    public static var current: BLASLibrary {
        switch processLibrary {
        case .success(let library): return library
        case .failure(let error): fatalError("\(error)")
        }
    }

    /// `current`, or why it cannot be loaded.
    @discardableResult
    public static func loadCurrent() throws(BLASLibraryError) -> BLASLibrary {
        try processLibrary.get()
    }

    /// Sets how many threads the library uses for each call (process-wide). When you
    /// parallelize over cores yourself, set 1 to avoid oversubscription. Sequential MKL stays at 1.
    public func setThreadCount(_ threads: Int) {
        setThreads(Int32(clamping: max(1, threads)))
    }

    /// The number of threads the library uses for each call.
    public var threadCount: Int { Int(getThreads()) }
}

private let processLibrary: Result<BLASLibrary, BLASLibraryError> = Result { () throws(BLASLibraryError) in
    try BLASLibrary.load(BLASChoice(environment: ProcessInfo.processInfo.environment))
}

/// Loading and setting up MKL's single dynamic library, `libmkl_rt`.
enum MKLLibrary {
    /// Names tried through the dynamic loader (LD_LIBRARY_PATH, the system's directories).
    static let searchedNames = ["libmkl_rt.so.3", "libmkl_rt.so.2"]

    /// The MKL loaded for each path asked for (nil: searched), so that it is set up once.
    private static let loaded = Mutex<[String?: BLASLibrary]>([:])

    static func shared(path: String?) throws(BLASLibraryError) -> BLASLibrary {
        try loaded.withLock { (libraries: inout [String?: BLASLibrary]) throws(BLASLibraryError) in
            if let library = libraries[path] { return library }
            let library = try load(path: path)
            libraries[path] = library
            return library
        }
    }

    private static func load(path: String?) throws(BLASLibraryError) -> BLASLibrary {
        let candidates = path.map { [$0] }
            ?? searchedNames + pipDirectories().flatMap { directory in searchedNames.map { "\(directory)/\($0)" } }
        guard let (file, handle) = candidates.lazy.compactMap({ file in dlopen(file, RTLD_NOW | RTLD_LOCAL).map { (file, $0) } }).first
        else { throw .mklNotFound(tried: candidates) }

        func function<F>(_ name: String, as type: F.Type) throws(BLASLibraryError) -> F {
            guard let symbol = dlsym(handle, name) else { throw .missingFunction(name, library: file) }
            return unsafeBitCast(symbol, to: type)
        }
        let setThreadingLayer = try function("MKL_Set_Threading_Layer", as: (@convention(c) (Int32) -> Int32).self)
        let setBranch = try function("MKL_CBWR_Set", as: (@convention(c) (Int32) -> Int32).self)
        let getBranch = try function("MKL_CBWR_Get", as: (@convention(c) (Int32) -> Int32).self)
        let autoBranch = try function("MKL_CBWR_Get_Auto_Branch", as: (@convention(c) () -> Int32).self)
        let versionString = try function("MKL_Get_Version_String", as: (@convention(c) (UnsafeMutablePointer<CChar>?, Int32) -> Void).self)
        let sgemm = try function("cblas_sgemm", as: BLASLibrary.SgemmFunction.self)
        let setThreads = try function("MKL_Set_Num_Threads", as: BLASLibrary.SetThreadsFunction.self)
        let getThreads = try function("MKL_Get_Max_Threads", as: BLASLibrary.GetThreadsFunction.self)

        // The threading layer first: MKL fixes it at its first other call.
        let environment = ProcessInfo.processInfo.environment
        let threading: String
        if let layer = environment["MKL_THREADING_LAYER"], !layer.isEmpty {
            threading = "threading layer \(layer) (set by MKL_THREADING_LAYER)"
        } else if dlopen("libgomp.so.1", RTLD_NOW | RTLD_LOCAL) != nil {
            _ = setThreadingLayer(ThreadingLayer.gnu)
            threading = "GNU OpenMP threads"
        } else {
            _ = setThreadingLayer(ThreadingLayer.sequential)
            threading = "sequential (no libgomp)"
        }
        if environment["MKL_CBWR", default: ""].isEmpty {
            let branch = autoBranch()
            let status = setBranch(branch)
            guard status == 0 else { throw .reproducibilityRefused(branch: branch, status: status) }
        }
        let branch = getBranch(ReproducibilityBranch.query)
        var text = [CChar](repeating: 0, count: 256)
        versionString(&text, Int32(text.count))
        let versionText = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let name = "MKL \(version(fromVersionString: versionText)), CNR branch \(ReproducibilityBranch.name(branch))"
        return BLASLibrary(kind: .mkl, name: name, description: "\(name), \(threading) (\(file))",
                           sgemm: sgemm, setThreads: setThreads, getThreads: getThreads)
    }

    /// "2026.2" from "Intel(R) oneAPI Math Kernel Library Version 2026.2-Product Build …".
    static func version(fromVersionString text: String) -> String {
        guard let start = text.range(of: "Version ")?.upperBound else { return text }
        return String(text[start...].prefix { !$0.isWhitespace && $0 != "-" })
    }

    /// The `lib` directories `pip install mkl` puts libmkl_rt in: the active virtual or conda
    /// environment's, and those of `python3` (its prefix, and its user base for `--user`).
    static func pipDirectories() -> [String] {
        let environment = ProcessInfo.processInfo.environment
        var prefixes = ["VIRTUAL_ENV", "CONDA_PREFIX"].compactMap { environment[$0] }.filter { !$0.isEmpty }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sys, site; print(sys.prefix); print(site.getuserbase())"]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = FileHandle.nullDevice
        if (try? python.run()) != nil {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            python.waitUntilExit()
            if python.terminationStatus == 0 {
                prefixes += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            }
        }
        var seen = Set<String>()
        return prefixes.map { "\($0)/lib" }.filter { seen.insert($0).inserted }
    }

    /// `MKL_THREADING_*` of mkl_service.h.
    enum ThreadingLayer {
        static let sequential: Int32 = 1
        static let gnu: Int32 = 3
    }

    /// `MKL_CBWR_*` of mkl_cbwr.h: the code branches and the query for the one in use.
    enum ReproducibilityBranch {
        static let query: Int32 = 1  // MKL_CBWR_BRANCH
        static let names: [Int32: String] = [
            0: "OFF", 1: "OFF", 2: "AUTO", 3: "COMPATIBLE", 4: "SSE2", 6: "SSSE3", 7: "SSE4_1", 8: "SSE4_2",
            9: "AVX", 10: "AVX2", 12: "AVX512", 14: "AVX512_E1",
        ]
        static func name(_ branch: Int32) -> String { names[branch] ?? "\(branch)" }
    }
}
