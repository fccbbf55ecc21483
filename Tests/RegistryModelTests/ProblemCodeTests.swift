import Foundation
import XCTest
@testable import RegistryModel

/// Codes are a contract with pipelines: a code keeps its rule forever, and the README lists them all.
final class ProblemCodeTests: XCTestCase {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// `Golden/problem-codes.txt` records every code ever given; a code may be added, never moved to another rule.
    func testCodesAreNeverRenumbered() throws {
        let recorded = try String(contentsOf: here.appendingPathComponent("Golden/problem-codes.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let current = Dictionary(uniqueKeysWithValues: ProblemCode.allCases.map { ($0.rawValue, "\($0)") })
        for entry in recorded {
            XCTAssertEqual(current[entry[0]], entry[1], "\(entry[0]) was the rule \(entry[1]); give a new rule a new code")
        }
        let listed = Set(recorded.map { $0[0] })
        for code in ProblemCode.allCases where !listed.contains(code.rawValue) {
            XCTFail("\(code.rawValue) (\(code)) is new: add `\(code.rawValue) \(code)` to Golden/problem-codes.txt")
        }
    }

    func testReadmeListsEveryCode() throws {
        let readme = try String(contentsOf: here.appendingPathComponent("../../README.md").standardized, encoding: .utf8)
        XCTAssertTrue(readme.contains("<!-- codes:begin -->\n" + ProblemCode.markdownTable() + "\n<!-- codes:end -->"),
                      "README's code table is stale: copy `codes --markdown` into it")
    }

    func testEveryProblemPrintsItsCode() {
        var config = RegistryConfig()
        config = config.applying(Assignment(path: "pv.size", value: .string("abc")))
        let problems = Validator.validate(config)
        XCTAssertTrue(problems.contains { $0.description.hasPrefix("error[CR103] cacheRegistry.pv.size: ") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.description.hasPrefix("warning[CR204] cacheRegistry.deployment.nodeSelector: ") })
    }
}
