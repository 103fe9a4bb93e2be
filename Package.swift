// swift-tools-version:6.0
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

        // Digests, canonical JSON and the text of a token: the identity of stored content.
        .target(name: "Canonical", dependencies: ["CLibCrypto"]),

        .target(name: "Kernels", dependencies: ["COpenBLAS"]),
        .target(name: "ModelFiles", dependencies: ["Kernels"]),
        .target(name: "Tokenizers", dependencies: ["Canonical"]),
        .target(name: "Models", dependencies: ["Kernels", "ModelFiles", "Tokenizers"]),
        .target(name: "Store", dependencies: ["CLMDB", grdb, "Canonical"]),
        .target(name: "Indexer", dependencies: [
            "Models", "Tokenizers", "Store", "Kernels", "Canonical", "CZlib", "CZstd",
        ]),
        .target(name: "Analysis", dependencies: ["Kernels", "COpenBLAS"]),
        .target(name: "Query", dependencies: ["Store"]),
        .target(name: "Export", dependencies: ["Store", "Query", "Tokenizers", "Canonical"]),
        .target(name: "Study", dependencies: ["Analysis", "Store", "Query", "Export", "Canonical"]),
        // What the CLI prints and the HTTP API serves: the JSON documents, their one encoder,
        // and the tables and report text of analysis results.
        .target(name: "Responses", dependencies: ["Store", "Query", "Analysis", "Study", "Export"]),
        .executableTarget(name: "NeurodexCLI", dependencies: [
            "Store", "Indexer", "Models", "ModelFiles", "Tokenizers", "Query", "Export", "Analysis", "Study", "Responses",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "NeurodexBench", dependencies: ["Models", "ModelFiles", "Kernels", "Store", "Indexer", "Tokenizers", "Query", "Export", "Analysis", "Study"]),

        .testTarget(name: "CanonicalTests", dependencies: ["Canonical"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "ModelFiles", "Kernels", "Tokenizers"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "IndexerTests", dependencies: ["Indexer", "Models", "ModelFiles", "Tokenizers", "Store", "Kernels"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Kernels"]),
        .testTarget(name: "QueryTests", dependencies: ["Query", "Store", grdb]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Query", "Store", "Tokenizers"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Responses", "Analysis", "Export", "Query", "Store", "Kernels", "COpenBLAS"]),
        .testTarget(name: "ResponsesTests", dependencies: ["Responses", "Store", "Query", "Analysis", "Study"]),
        .testTarget(name: "CLITests", dependencies: ["NeurodexCLI", "Indexer", "ModelFiles", "Tokenizers", "Export"]),
        .testTarget(name: "FuzzTests", dependencies: ["ModelFiles", "Models", "Tokenizers", "Indexer", "Export"]),
    ]
)
