import Foundation
import XCTest
import TestSupport
@testable import RegistryModel
@testable import Wizard

/// Golden screens for every step, the preview, dialogs and the too-small screen, at 80x24, 100x30 and in mono
/// (mono screens add a layer that shows bold, underline and reverse, which carry state without colour).
/// Refresh with UPDATE_GOLDEN=1 and review the diff.
final class GoldenScreenTests: XCTestCase, WizardTesting {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func state(width: Int, height: Int, glyphs: Glyphs = .unicode) -> WizardState {
        var config = RegistryConfig()
        config = config.applying(Assignment(path: "pvc.size", value: .string("30Gi")))
        return WizardState(mode: .setup, valuesPath: "values.yaml", config: config, width: width, height: height, glyphs: glyphs, now: Date())
    }

    func screens(width: Int, height: Int, glyphs: Glyphs = .unicode) -> [(String, Canvas)] {
        var result: [(String, Canvas)] = []
        for step in Step.allCases {
            var s = state(width: width, height: height, glyphs: glyphs)
            _ = update(&s, .intent(.goTo(step: step, focus: 0)))
            result.append(("step-\(step.rawValue.lowercased())", view(s)))
        }
        // Every dialog is opened as a person opens it: through update.
        var s = state(width: width, height: height, glyphs: glyphs)
        func after(_ intents: Intent...) -> Canvas {
            for intent in intents { _ = update(&s, .intent(intent)) }
            return view(s)
        }
        result.append(("help", after(.goTo(step: .storage, focus: 2), .showHelp)))
        result.append(("preview", after(.close, .openPreview, .switchTab(by: 1), .switchTab(by: 1))))
        result.append(("find", after(.close, .openFind, .insertText("size"), .moveSelection(by: 1))))
        result.append(("write-refused", after(.close, .requestWrite)))
        result.append(("keys", after(.close, .showKeys)))
        result.append(("keys-end", after(.scroll(.bottom))))
        // The claim's size typed back to its default: no errors, and the session has changes to lose.
        var ok = self.state(width: width, height: height, glyphs: glyphs)
        let claim = ok.findMatches("pvc.size").first { $0.item.id == .field(.pvcSize) }!
        for intent: Intent in [.goTo(step: claim.step, focus: claim.index), .setText("10Gi"), .goTo(step: .general, focus: 0),
                               .requestWrite] {
            _ = update(&ok, .intent(intent))
        }
        _ = update(&ok, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: ["pv.yaml": "x"], valuesFileExists: false)))
        result.append(("write", view(ok)))
        _ = update(&ok, .intent(.close))
        _ = update(&ok, .intent(.quit))
        result.append(("quit", view(ok)))
        var small = self.state(width: 60, height: 20, glyphs: glyphs)
        _ = update(&small, .intent(.goTo(step: .general, focus: 0)))
        result.append(("too-small", view(small)))
        return result
    }

    func attributeLayer(_ canvas: Canvas) -> String {
        (0..<canvas.height).map { row in
            String((0..<canvas.width).map { column -> Character in
                let style = canvas[row, column].style
                switch (style.bold, style.underline, style.reverse) {
                case (false, false, false): return "."
                case (true, false, false): return "B"
                case (false, true, false): return "U"
                case (false, false, true): return "R"
                default: return "*"
                }
            })
        }.joined(separator: "\n")
    }

    func check(_ name: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try Golden.check(text, name + ".txt", in: GoldenScreenTests.folder, what: "screen", file: file, line: line)
    }

    func testGoldenScreens80x24() throws {
        for (name, canvas) in screens(width: 80, height: 24) { try check("\(name)-80x24", canvas.text) }
    }

    func testGoldenScreens100x30() throws {
        for (name, canvas) in screens(width: 100, height: 30) { try check("\(name)-100x30", canvas.text) }
    }

    func testGoldenScreensMono() throws {
        for (name, canvas) in screens(width: 80, height: 24, glyphs: .ascii) {
            try check("\(name)-mono-80x24", canvas.text + "\n\n" + attributeLayer(canvas))
        }
    }

    /// Screens where long text must read whole: the references row, Review's file paths under a long -o, a wrapped
    /// preview line, and the help pane beside the form on a wide window.
    func readableScreens(width: Int, height: Int) throws -> [(String, Canvas)] {
        var result: [(String, Canvas)] = []
        var renamed = try chartState(width: width, height: height)
        focus(&renamed, on: .serviceName)
        send(&renamed, .control("u"), .paste("registry"))
        let references = try XCTUnwrap(renamed.items.firstIndex { $0.id == .updateReferences })
        _ = update(&renamed, .intent(.goTo(step: .service, focus: references)))
        result.append(("references", view(renamed)))

        var review = newState(width: width, height: height)
        let folderRow = try XCTUnwrap(Forms.items(.general, in: review).firstIndex { $0.id == .outputDir })
        for intent: Intent in [.goTo(step: .general, focus: folderRow), .setText("/tmp/ci/run1/manifests"),
                               .goTo(step: .review, focus: 0)] {
            _ = update(&review, .intent(intent))
        }
        result.append(("review-paths", view(review)))

        var preview = newState(width: width, height: height)
        let url = "https://hooks.example.com/registry/events/notify/cache-registry/kubiya/runners/production/eu-west-1"
        focus(&preview, on: .deploymentEnv)
        _ = update(&preview, .intent(.setText("REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL=\(url)")))
        _ = update(&preview, .intent(.openPreview))
        let tab = try XCTUnwrap(preview.previewTabs.firstIndex { $0.title.lowercased().contains("deployment") })
        let rows = PreviewLayout.rows(preview.previewTabs[tab], width: width)
        let wrapped = try XCTUnwrap(rows.firstIndex { $0.continued }, "the chart's values file has lines longer than the preview")
        for _ in 0..<tab { _ = update(&preview, .intent(.switchTab(by: 1))) }
        _ = update(&preview, .intent(.scroll(.lines(max(0, wrapped - 3)))))
        result.append(("preview-wrap", view(preview)))
        return result
    }

    func testReadableScreens() throws {
        for (name, canvas) in try readableScreens(width: 80, height: 24) { try check("\(name)-80x24", canvas.text) }
        for (name, canvas) in try readableScreens(width: 100, height: 30) { try check("\(name)-100x30", canvas.text) }
        for (width, height) in [(80, 24), (100, 30)] {
            // Wide characters take two columns: every later cell and the right border stay in place.
            var state = newState(width: width, height: height)
            focus(&state, on: .pvHostPath)
            send(&state, .control("u"), .paste("/srv/レジストリ/データ📦"))
            let canvas = view(state)
            try check("wide-path-\(width)x\(height)", canvas.text)
            for row in 2..<(height - 2) {
                let columns = (0..<width).filter { !canvas[row, $0].isContinuation }.map { TerminalColumns.of(canvas[row, $0].character) }
                XCTAssertEqual(columns.reduce(0, +), width, "row \(row) is \(width) columns wide")
                XCTAssertEqual(canvas[row, width - 1].character, "│", "row \(row) keeps its border")
            }
            XCTAssertEqual(canvas.cursor?.column, 16 + 2 + 18 + TerminalColumns.of("/srv/レジストリ/データ📦"), "the cursor after the last column")
        }
        var wide = try chartState(width: 132, height: 43)
        focus(&wide, on: .pvHostPath)
        try check("help-pane-132x43", view(wide).text)
    }

    func testEveryStepNameIsReachableAt80x24() {
        let canvas = view(state(width: 80, height: 24))
        for step in Step.allCases { XCTAssertTrue(canvas.text.contains(step.rawValue), step.rawValue) }
        XCTAssertTrue(canvas.text.contains("F1 Help"))
        XCTAssertTrue(canvas.text.contains("1 error, 1 warning"))
    }
}

/// The canvas counts terminal columns: wide characters take two cells, combining marks stay on their base.
final class CanvasColumnTests: XCTestCase {
    func testWideAndCombiningCharacters() {
        var canvas = Canvas(width: 10, height: 1)
        XCTAssertEqual(canvas.put("a日b", row: 0, column: 0), 4)
        XCTAssertTrue(canvas[0, 2].isContinuation)
        XCTAssertEqual(canvas[0, 3].character, "b")
        XCTAssertEqual(canvas.put("e\u{301}x", row: 0, column: 5), 2, "é with a combining accent is one column")
        XCTAssertEqual(canvas[0, 5].character, "e\u{301}")
        XCTAssertEqual(canvas.text, "a日b e\u{301}x")
        canvas.put("Z", row: 0, column: 2)
        XCTAssertEqual(canvas[0, 1].character, " ", "overwriting half of a wide character blanks the other half")
        var narrow = Canvas(width: 4, height: 1)
        XCTAssertEqual(narrow.put("ab日", row: 0, column: 0, limit: 3), 3, "a wide character that does not fit leaves a blank")
        XCTAssertEqual(narrow.text, "ab")
    }
}
