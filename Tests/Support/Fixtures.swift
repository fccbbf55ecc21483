import Foundation

/// Test fixtures: the repository's own (`Tests/Fixtures`, always present) and the real files beside the
/// checkout (`../shared/fixtures`), which tests use when present and skip, with a reason, when not.
public enum Fixtures {
    /// `Tests/Fixtures` in this repository.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures").standardized
    /// `../shared/fixtures` beside the checkout.
    public static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/fixtures").standardized

    /// Why shared fixtures are skipped, or nil when they are present.
    public static var sharedMissingReason: String? {
        FileManager.default.fileExists(atPath: shared.path) ? nil
            : "\(shared.path) is absent: the real values files live beside the checkout, not in it"
    }

    /// A repository fixture's text: `chart-values.yaml`, `example-values.yaml`, `example-values-crlf.yaml`,
    /// `example-values-4space.yaml`.
    public static func text(_ name: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(name), encoding: .utf8)
    }

    /// A shared fixture's text (check `sharedMissingReason` first).
    public static func sharedText(_ name: String) throws -> String {
        try String(contentsOf: shared.appendingPathComponent(name), encoding: .utf8)
    }
}

/// A small deterministic generator (SplitMix64) for property tests.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
