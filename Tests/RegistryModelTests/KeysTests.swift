import XCTest
@testable import RegistryModel

/// The key paths code uses outside the field registry are declared once and each is one the registry knows.
final class KeysTests: XCTestCase {
    func testEveryDeclaredKeyIsInTheRegistry() {
        XCTAssertFalse(KeyPath.declared.isEmpty)
        for path in KeyPath.declared {
            XCTAssertTrue(FieldRegistry.field(path) != nil || FieldRegistry.containers.contains(path), "\(path) is neither a field nor a mapping of fields")
        }
        XCTAssertEqual(Set(KeyPath.declared).count, KeyPath.declared.count, "each key is declared once")
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
