import Foundation
import XCTest

/// Golden files: text a test produces, compared with the copy checked in beside the test. `UPDATE_GOLDEN=1`
/// writes the new text instead; the diff is then reviewed like any change.
public enum Golden {
    /// Whether this run refreshes the golden files.
    public static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil }

    /// Compares `text` with `name` in `folder` (refreshing it first when updating); `what` names it in the failure.
    public static func check(_ text: String, _ name: String, in folder: URL, what: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let path = folder.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(to: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: path, encoding: .utf8)
        XCTAssertEqual(text, golden, "\(what) \(name) differs from its golden file; refresh with UPDATE_GOLDEN=1 and "
            + "review the diff", file: file, line: line)
    }
}
