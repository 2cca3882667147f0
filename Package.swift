// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "labeld",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "labeld", targets: ["labeld"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // System libraries (each imported by exactly one Swift target).
        .systemLibrary(name: "CCairoPango", pkgConfig: "pangocairo",
                       providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        .systemLibrary(name: "CZint", providers: [.apt(["libzint-dev"])]),
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CCUPS", providers: [.apt(["libcups2-dev"])]),
        // zxing-cpp (libzxing-dev) behind a C function: the decoder verification reads rasters with.
        // Independent of zint, which draws them.
        .target(name: "CZXing", linkerSettings: [.linkedLibrary("ZXing")]),

        // Shared by every module below the use cases: one keyed cache, one condition-guarded state.
        .target(name: "LabeldSupport", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "LabelModel", dependencies: ["LabeldSupport", .product(name: "Yams", package: "Yams")]),
        .target(name: "Barcode", dependencies: ["LabeldSupport", "LabelModel", "CZint"]),
        .target(name: "Rendering", dependencies: ["LabeldSupport", "LabelModel", "Barcode", "CCairoPango", "CDeflate", "CZXing"]),
        // One SQL layer, two engines: SQLite through GRDB (the embedded default) and PostgreSQL through
        // postgres-nio (several nodes on one database). The stores below are written once against it.
        .target(name: "Storage", dependencies: [
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Fulfillment", dependencies: [
            "LabeldSupport", "CDeflate", "Storage", .product(name: "Logging", package: "swift-log"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "PrintSpool", dependencies: [
            "LabeldSupport", "LabelModel", "Rendering", "CCUPS", "Storage", .product(name: "Logging", package: "swift-log"),
        ]),
        // 택배연동: carrier APIs (CJ대한통운) for routing, waybill numbers and bookings; below the use cases.
        .target(name: "CarrierLink", dependencies: [
            "LabeldSupport", "Fulfillment", .product(name: "Logging", package: "swift-log"),
        ]),
        // The use cases of printing (a scan, a shipment, a batch, product labels, reprint, cancel,
        // confirm): what the HTTP service and the CLI both call. No HTTP here.
        .target(name: "Printing", dependencies: [
            "LabeldSupport", "LabelModel", "Rendering", "Fulfillment", "PrintSpool", "Storage",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "LabelServer", dependencies: [
            "LabeldSupport", "LabelModel", "Barcode", "Rendering", "Fulfillment", "PrintSpool", "Printing", "CarrierLink", "Storage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .executableTarget(name: "labeld", dependencies: [
            "LabeldSupport", "LabelModel", "Barcode", "Rendering", "Fulfillment", "PrintSpool", "Printing", "LabelServer", "CarrierLink",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            "Storage",
        ]),

        .target(name: "LabelTesting", dependencies: [
            "LabeldSupport", "LabelModel", "Rendering", "Fulfillment", "PrintSpool", "Printing",
            "Storage", .product(name: "Logging", package: "swift-log"),
        ],
                path: "Tests/LabelTesting"),
        .testTarget(name: "LabeldSupportTests", dependencies: ["LabeldSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "LabelTesting"]),
        .testTarget(name: "PrintingTests", dependencies: [
            "Printing", "PrintSpool", "Fulfillment", "LabelModel", "Rendering", "LabelTesting", "Storage",
        ]),
        .testTarget(name: "LabelModelTests", dependencies: ["LabelModel", "LabelTesting"]),
        .testTarget(name: "CarrierLinkTests", dependencies: [
            "CarrierLink", "Fulfillment", "Printing", "PrintSpool", "LabelTesting", "Storage",
        ]),
        .testTarget(name: "BarcodeTests", dependencies: ["Barcode", "Rendering", "LabelTesting"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "LabelModel", "Barcode", "LabelTesting", "Fulfillment"],
                    exclude: ["Golden", "Fixtures"]),
        .testTarget(name: "labeldTests", dependencies: ["LabelTesting", "Storage"]),
        .testTarget(name: "PrintSpoolTests", dependencies: [
            "PrintSpool", "Printing", "Fulfillment", "LabelModel", "Rendering", "LabelTesting", "LabeldSupport",
            "Storage", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "LabelServerTests", dependencies: [
            "LabelServer", "Printing", "PrintSpool", "Fulfillment", "LabelModel", "Rendering", "LabelTesting", "LabeldSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "FulfillmentTests", dependencies: [
            "Fulfillment", "LabelTesting", "LabelModel",
            "Storage",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], exclude: ["Fixtures"]),
    ],
    cxxLanguageStandard: .cxx17
)

for target in package.targets where target.type != .system && target.name != "CZXing" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
