import XCTest
@testable import RegistryModel
@testable import ValuesFile

/// `# cache-registry-setup: allow CODE` acknowledges warnings at the key below it (or on its own line), never errors.
final class WaiverTests: XCTestCase {
    func document(_ text: String) throws -> ValuesDocument { try ValuesDocument(bytes: Array(text.utf8), name: "v.yaml") }

    func problems(_ text: String, allow: Set<ProblemCode> = []) throws -> [Problem] {
        let files = ValuesFiles([try document(text)])
        return files.acknowledging(files.locate(Validator.validate(try files.config())), allow: allow)
    }

    func testWaiverAboveTheKeyAllowsThatWarningOnly() throws {
        let text = "cacheRegistry:\n  # cache-registry-setup: allow CR204 (one node)\n\n  deployment:\n    replicas: 1\n  pv:\n    size: abc\n"
        let found = try problems(text)
        let pinned = try XCTUnwrap(found.first { $0.code == .hostPathUnpinned })
        XCTAssertEqual(pinned.line, 4)
        XCTAssertEqual(pinned.allowedBy, "v.yaml:2")
        XCTAssertNil(found.first { $0.code == .badValue }?.allowedBy, "errors are never waived")
        XCTAssertTrue(Waivers(try document(text)).unknownCodes.isEmpty, "the reason in parentheses is no code")
    }

    func testTrailingWaiverAndUnknownCodes() throws {
        let text = "cacheRegistry:\n  deployment: # cache-registry-setup: allow CR2O4, CR301\n    replicas: 1\n"
        XCTAssertNil(try problems(text).first { $0.code == .hostPathUnpinned }?.allowedBy, "CR2O4 is not CR204")
        XCTAssertEqual(Waivers(try document(text)).unknownCodes, ["v.yaml:2: CR2O4 is not a problem code"])
    }

    func testAllowFlagAcknowledgesByCode() throws {
        let found = try problems("cacheRegistry:\n  enabled: true\n", allow: [.hostPathUnpinned, .badValue])
        XCTAssertEqual(found.first { $0.code == .hostPathUnpinned }?.allowedBy, "--allow")
    }

    func testAWaiverForAnotherCodeWaivesNothing() throws {
        let found = try problems("cacheRegistry:\n  # cache-registry-setup: allow CR501\n  deployment:\n    replicas: 1\n")
        XCTAssertNil(found.first { $0.code == .hostPathUnpinned }?.allowedBy)
    }
}
