import XCTest
@testable import RegistryModel

/// The key paths code uses outside the field registry are declared once and each is one the registry knows.
final class KeysTests: XCTestCase {
    /// Every `static let NAME: KeyPath = "PATH"` in Keys.swift, read from the source so none is left out.
    func declaredKeys() throws -> [(name: String, path: KeyPath)] {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/RegistryModel/Keys.swift").standardized
        let text = try String(contentsOf: source, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"static let (\w+): KeyPath = "([^"]+)""#)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (String(text[Range(match.range(at: 1), in: text)!]), KeyPath(stringLiteral: String(text[Range(match.range(at: 2), in: text)!])))
        }
    }

    func testEveryDeclaredKeyIsInTheRegistry() throws {
        let declared = try declaredKeys()
        XCTAssertGreaterThan(declared.count, 50)
        for (name, path) in declared {
            XCTAssertTrue(FieldRegistry.field(path) != nil || FieldRegistry.containers.contains(path),
                          "KeyPath.\(name) = \(path) is neither a field nor a mapping of fields")
        }
        XCTAssertEqual(Set(declared.map(\.path)).count, declared.count, "each key is declared once")
        XCTAssertEqual(KeyPath.pvSize, declared.first { $0.name == "pvSize" }?.path, "the source read is the one compiled")
    }

    func testKnownKeysAndSuggestions() {
        XCTAssertTrue(FieldRegistry.isKnown("pv.size"))
        XCTAssertTrue(FieldRegistry.isKnown("deployment.env.REGISTRY_HTTP_SECRET"), "inside a field kept as YAML")
        XCTAssertTrue(FieldRegistry.isKnown("pv.volumeSource.csi.driver"), "any volume source")
        XCTAssertFalse(FieldRegistry.isKnown("pv.sise"))
        XCTAssertEqual(FieldRegistry.unknownKeyMessage("pv.sise"), "unknown key; did you mean pv.size?")
        XCTAssertEqual(FieldRegistry.owningField("deployment.livenessProbe")?.step, .probes)
        XCTAssertEqual(FieldRegistry.owningField("deployment.env.X")?.path, .deploymentEnv)
    }
}
