// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cache-registry-setup",
    products: [
        .executable(name: "cache-registry-setup", targets: ["cache-registry-setup"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "RegistryModel"),
        .target(name: "ValuesFile", dependencies: ["RegistryModel", .product(name: "Yams", package: "Yams")]),
        .target(name: "Manifests", dependencies: ["RegistryModel", "ValuesFile", .product(name: "Yams", package: "Yams"),
                                                  .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "RegistryTLS", dependencies: [
            "RegistryModel",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "Diagnostics", dependencies: ["RegistryModel", "ValuesFile", "RegistryTLS"]),
        .target(name: "Wizard", dependencies: ["RegistryModel", "Manifests", "ValuesFile", "RegistryTLS", "Diagnostics"]),
        .target(name: "Output", dependencies: ["RegistryModel", "ValuesFile", "Manifests"]),
        .target(name: "Effects", dependencies: ["RegistryModel", "ValuesFile", "Manifests", "RegistryTLS", "Wizard", "Output"]),
        .target(name: "CTLSProbe", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "Doctor", dependencies: ["CTLSProbe", "RegistryModel", "RegistryTLS", .product(name: "X509", package: "swift-certificates")]),
        .target(name: "CursesShim", dependencies: ["CNcursesw"], linkerSettings: [.linkedLibrary("ncursesw"), .linkedLibrary("tinfo")]),
        .target(name: "Terminal", dependencies: ["CursesShim", "Wizard", "RegistryModel"]),
        .executableTarget(name: "cache-registry-setup", dependencies: [
            "RegistryModel", "ValuesFile", "Manifests", "RegistryTLS", "Wizard", "Terminal", "Doctor", "Diagnostics", "Effects",
            "Output",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["ValuesFile", "RegistryModel"], path: "Tests/Support"),
        .testTarget(name: "RegistryModelTests", dependencies: ["RegistryModel"], exclude: ["Golden"]),
        .testTarget(name: "ValuesFileTests", dependencies: ["ValuesFile", "RegistryModel", "TestSupport"]),
        .testTarget(name: "ManifestsTests", dependencies: ["Manifests", "RegistryModel", "TestSupport",
                                                           .product(name: "Yams", package: "Yams")], exclude: ["Golden"]),
        .testTarget(name: "RegistryTLSTests", dependencies: ["RegistryTLS", "RegistryModel"]),
        .testTarget(name: "WizardTests", dependencies: ["Wizard", "RegistryModel", "ValuesFile", "Manifests", "RegistryTLS", "Diagnostics",
                                                        "TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "RegistryModel", "RegistryTLS",
                                                        .product(name: "X509", package: "swift-certificates")]),
        .testTarget(name: "EffectsTests", dependencies: ["Effects", "Output", "ValuesFile", "Wizard", "Manifests", "RegistryModel",
                                                         "TestSupport"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "Wizard"], exclude: []),
    ]
)
