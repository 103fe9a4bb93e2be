// swift-tools-version:6.1
import PackageDescription

let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")

let package = Package(
    name: "Neurodex",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "neurodex", targets: ["NeurodexCLI"]),
        .executable(name: "neurodex-bench", targets: ["NeurodexBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The server of `neurodex serve`; its default traits (swift-configuration, full
        // Foundation) are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Already in Hummingbird's graph; named for the server's logger and listening socket.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),

        // Elementwise kernels in C, and the capture kernel's group step, compiled for SSE2, AVX2
        // and AVX-512 and chosen at run time (Swift has no per-function target attributes).
        .target(name: "CKernels"),
        .target(name: "CCapture", dependencies: ["CKernels"]),

        // Digests, canonical JSON and the text of a token: the identity of stored content.
        .target(name: "Canonical", dependencies: ["CLibCrypto"]),

        .target(name: "Kernels", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "ModelFiles", dependencies: ["Kernels"]),
        .target(name: "Tokenizers", dependencies: ["Canonical"]),
        .target(name: "Models", dependencies: ["Kernels", "ModelFiles", "Tokenizers"]),
        .target(name: "Store", dependencies: ["CLMDB", grdb, "Canonical"]),
        .target(name: "Indexer", dependencies: [
            "Models", "Tokenizers", "Store", "Kernels", "Canonical", "CZlib", "CZstd", "CCapture",
        ]),
        .target(name: "Analysis", dependencies: ["Kernels"]),
        .target(name: "Query", dependencies: ["Store"]),
        .target(name: "Export", dependencies: ["Store", "Query", "Tokenizers", "Canonical"]),
        .target(name: "Study", dependencies: ["Analysis", "Kernels", "Store", "Query", "Export", "Canonical"]),
        // What the CLI prints and the HTTP API serves: the JSON documents, their one encoder,
        // and the tables and report text of analysis results.
        .target(name: "Responses", dependencies: ["Store", "Query", "Analysis", "Study", "Export"]),
        // `neurodex serve`: the HTTP JSON API and the viewer (files embedded by Tools/embed_viewer.sh).
        .target(name: "Server", dependencies: [
            "Store", "Query", "Export", "Analysis", "Study", "Responses", "Models", "Tokenizers", "Indexer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], exclude: ["Viewer"]),
        .executableTarget(name: "NeurodexCLI", dependencies: [
            "Store", "Indexer", "Models", "Kernels", "ModelFiles", "Tokenizers", "Query", "Export", "Analysis", "Study", "Responses",
            "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "NeurodexBench", dependencies: ["Models", "ModelFiles", "Kernels", "Store", "Indexer", "Tokenizers", "Query", "Responses", "Export", "Analysis", "Study"]),

        .testTarget(name: "CanonicalTests", dependencies: ["Canonical"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "ModelFiles", "Kernels", "Tokenizers"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "IndexerTests", dependencies: ["Indexer", "Models", "ModelFiles", "Tokenizers", "Store", "Kernels"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Kernels"]),
        .testTarget(name: "QueryTests", dependencies: ["Query", "Store", "Kernels", grdb]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Query", "Store", "Tokenizers"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Responses", "Analysis", "Export", "Query", "Store", "Kernels"]),
        .testTarget(name: "ResponsesTests", dependencies: ["Responses", "Store", "Query", "Analysis", "Study", "Kernels"]),
        .testTarget(name: "CLITests", dependencies: ["NeurodexCLI", "Indexer", "ModelFiles", "Tokenizers", "Export"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "ModelFiles", "Models", "Tokenizers",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "FuzzTests", dependencies: ["ModelFiles", "Models", "Tokenizers", "Indexer", "Export"]),
    ]
)
