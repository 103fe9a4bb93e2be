// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Neurodex",
    platforms: [.macOS(.v13)],
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

        .target(name: "Kernels", dependencies: ["COpenBLAS"]),
        .target(name: "ModelFiles", dependencies: ["Kernels"]),
        .target(name: "Tokenizers"),
        .target(name: "Models", dependencies: ["Kernels", "ModelFiles"]),
        .target(name: "Store", dependencies: ["CLMDB", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Indexer", dependencies: ["Models", "Tokenizers", "Store"]),
        .target(name: "Analysis", dependencies: ["Store", "Kernels"]),
        .target(name: "Export", dependencies: ["Store", "Analysis", "Tokenizers"]),
        .executableTarget(name: "NeurodexCLI", dependencies: [
            "Store", "Indexer", "Analysis", "Export", "Models", "Tokenizers", "ModelFiles",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "NeurodexBench", dependencies: [
            "Store", "Indexer", "Analysis", "Models", "Kernels",
        ]),

        .testTarget(name: "StoreTests", dependencies: ["Store"]),
    ]
)
