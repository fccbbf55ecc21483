import Foundation
import TestSupport
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import ValuesFile
@testable import Wizard

/// What a write replaces and says: real counts, a file changed on disk, secrets kept off the screen.
final class WizardWriteTests: XCTestCase, WizardTesting {
    func testAFreshSetupOverAnExistingValuesFileShowsTheRealCountsAndOffersEdit() throws {
        let existing = Array(try Fixtures.text("chart-values.yaml").utf8)
        let lines = existing.split(separator: 10, omittingEmptySubsequences: false).count - 1
        var state = newState(width: 100, height: 30)
        try deliverGeneratedPair(&state)
        send(&state, .function(10))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true,
                                                       valuesFileMode: 0o644, valuesFileBytes: existing)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        let values = plan.summary.first { $0.path == "values.yaml" }
        XCTAssertEqual(values?.removed, lines, "every line of the file it replaces is counted")
        XCTAssertEqual(plan.valuesReadBefore, existing, "the write is refused if the file changes before it")
        let screen = view(state).text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: " ")
        XCTAssertTrue(screen.contains("cache-registry-setup edit values.yaml"), screen)
    }

    /// Editing an installed configuration into another storage mode: the write dialog says the claim is recreated.
    func testAStorageModeChangeSaysTheClaimMustBeRecreated() throws {
        let original = Array("cacheRegistry:\n  enabled: true\n".utf8)
        let document = try ValuesDocument(bytes: original, name: "v.yaml")
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: original, config: try document.config(),
                                width: 100, height: 40, document: document, now: Date())
        func writeDialog() -> String {
            send(&state, .function(10))
            _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true)))
            defer { state.dialog = nil }
            return view(state).text.replacingOccurrences(of: "│", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" })
                .joined(separator: " ")
        }
        focus(&state, on: .pvcSize)
        send(&state, .control("u"), .paste("30Gi"), .enter)
        XCTAssertFalse(writeDialog().contains("immutable"), "a larger claim is changed in place")
        state.config = state.config.applying(Assignment(path: .pvHostPath, value: .null))
            .applying(Assignment(path: .pvcStorageClass, value: .string("fast")))
        state.revalidate()
        let screen = writeDialog()
        XCTAssertTrue(screen.contains("claim's spec is immutable") && screen.contains("delete pvc docker-registry-pvc"), screen)
    }

    func testAFileChangedOnDiskIsReloadedWithTheSessionsEditsOnTop() throws {
        let original = Array("cacheRegistry:\n  pv:\n    size: 20Gi\n".utf8)
        let document = try ValuesDocument(bytes: original, name: "v.yaml")
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: original, config: try document.config(), document: document, now: Date())
        focus(&state, on: .pvcSize)
        send(&state, .control("u"), .paste("10Gi"), .enter)
        _ = update(&state, .writeFinished(.changedOnDisk("v.yaml")))
        XCTAssertEqual(state.dialog, .changedOnDisk(path: "v.yaml", choice: 1))
        XCTAssertEqual(send(&state, .enter), [.reload("v.yaml")], "Enter takes the highlighted Reload")
        let changed = Array("cacheRegistry:\n  pv:\n    size: 20Gi\n  service:\n    port: 8443\n".utf8)
        let effects = update(&state, .reloaded(.success(changed)))
        XCTAssertEqual(state.originalBytes, changed)
        XCTAssertEqual(state.config.view.int(.servicePort), 8443, "the other writer's change is kept")
        XCTAssertEqual(state.config.view.text(.pvcSize), "10Gi", "this session's edit is kept on top")
        XCTAssertTrue(effects.contains(.inspectDisk(outputDir: "manifests", valuesPath: "v.yaml")), "the write dialog opens again")
        let written = String(decoding: try WritePlanner.valuesBytes(state), as: UTF8.self)
        XCTAssertTrue(written.contains("port: 8443") && written.contains("10Gi"), written)
    }

    /// What the file says beside its values (lines that hold the registry's address, its pushers) is read again
    /// with it: after another writer moved those lines, the Service step names where they are now.
    func testReloadTakesInTheFilesAddressLinesAgain() throws {
        let address = RegistryConfig().registryAddress
        let original = Array("toolManager:\n  env:\n    KUBIYA_IMAGE_REGISTRY_ADDRESS: \(address)\ncacheRegistry:\n  pv:\n    size: 20Gi\n".utf8)
        let document = try ValuesDocument(bytes: original, name: "v.yaml")
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: original, config: try document.config(), document: document, now: Date())
        XCTAssertEqual(state.pushers.map(\.line), [3])
        XCTAssertEqual(state.addressReferences[address]?.map(\.line), [3])
        XCTAssertTrue(state.besideChart, "it holds another component of the chart")
        let changed = Array("# two lines\n# above\ntoolManager:\n  env:\n    KUBIYA_IMAGE_REGISTRY_ADDRESS: \(address)\nglobal: {}\ncacheRegistry:\n  pv:\n    size: 20Gi\n".utf8)
        _ = update(&state, .reloaded(.success(changed)))
        XCTAssertEqual(state.pushers.map(\.line), [5], "the pusher's line is where it is now")
        XCTAssertEqual(state.addressReferences[address]?.map(\.line), [5])
    }

    func testTheChangedOnDiskDialogCanBeLeft() {
        var state = newState()
        _ = update(&state, .writeFinished(.changedOnDisk("values.yaml")))
        XCTAssertTrue(view(state).text.contains("changed on disk since it was read"))
        send(&state, .escape)
        XCTAssertNil(state.dialog)
    }

    func testThePreviewNeverShowsTheHTTPSecret() throws {
        var state = newState(width: 100, height: 30)
        for text in ["pv.hostPath=null", "pv.volumeSource.nfs.server=10.0.0.5", "pv.volumeSource.nfs.path=/x", "deployment.replicas=2"] {
            state.config = state.config.applying(try Assignment(parsing: text))
        }
        let secret = "4d5e6f" + String(repeating: "ab", count: 29)
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: false, httpSecret: secret)))
        let lines = PreviewBuilder.tabs(state).flatMap(\.lines).map(\.text)
        let encoded = Base64.encode(Array(secret.utf8))
        XCTAssertFalse(lines.contains { $0.contains(encoded) || $0.contains(secret) }, "the generated HTTP secret stays off the screen")
        XCTAssertTrue(lines.contains { $0.contains("http-secret: <redacted: 64 bytes>") }, lines.joined(separator: "\n"))
    }
}

/// Every line readable at 80x24 and 100x30: rows end at the border, the preview wraps, summaries are not cut.
final class ReadableLinesTests: XCTestCase, WizardTesting {
    /// Every row of the screen keeps its right border where the box draws one.
    func assertBordersKept(_ canvas: Canvas, _ context: String) {
        for (index, line) in canvas.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where index >= 2 && index < canvas.height - 2 {
            XCTAssertEqual(line.last, "│", "row \(index) of \(context) loses its border:\n\(canvas.text)")
        }
    }

    func testTheUpdateReferencesRowEndsAtTheBorderAndCountsEveryLine() throws {
        for (width, height) in [(80, 24), (100, 30)] {
            var state = try chartState(width: width, height: height)
            focus(&state, on: .serviceName)
            send(&state, .control("u"), .paste("registry"))
            _ = update(&state, .intent(.goTo(step: .service, focus: 0)))
            let row = try XCTUnwrap(state.items.first { $0.id == .updateReferences })
            XCTAssertEqual(row.note, "4 other lines hold the old address")
            let screen = view(state)
            assertBordersKept(screen, "the Service step at \(width)x\(height)")
            for line in [":24", ":38 toolManager.volumeMounts[1].mountPath", ":43 toolManager.command[2]", ":121 dagger.buildkitConfig"] {
                XCTAssertTrue(screen.text.contains("values.yaml" + line), "the row lists values.yaml\(line) as set --update-references does")
            }
        }
    }

    func testThePreviewWrapsLongLines() throws {
        var state = newState(width: 80, height: 24)
        let long = String(repeating: "x", count: 150)
        state.config = state.config.applying(try Assignment(parsing: "deployment.env.LONG=\(long)"))
        send(&state, .function(2))
        let deployment = try XCTUnwrap(state.previewTabs.firstIndex { $0.title == "Deployment" })
        state.dialog = .preview(tab: deployment, scroll: 0)
        let rows = PreviewLayout.rows(state.previewTabs[deployment], width: state.width)
        let start = try XCTUnwrap(rows.firstIndex { $0.text.contains("xxxx") })
        let joined = rows[start...].prefix { $0.text.contains("x") }.map { $0.text.trimmingCharacters(in: " ") }.joined()
        XCTAssertTrue(joined.contains(long), "the whole value is on the rows it wraps to")
        XCTAssertTrue(rows.allSatisfy { $0.text.count <= state.width - 4 })
        state.dialog = .preview(tab: deployment, scroll: state.lastScroll(deployment))
        XCTAssertTrue(view(state).text.contains("lines"), "End reaches the last wrapped row")
    }

    func testAFreshSetupPreviewsTheValuesFileItWrites() {
        var state = newState(width: 100, height: 30)
        send(&state, .function(2))
        let tab = state.previewTabs.first { $0.title == "values.yaml" }
        XCTAssertEqual(tab?.lines.map(\.text).joined(separator: "\n") ?? "",
                       FreshValuesFile.render(state.config).split(separator: "\n", omittingEmptySubsequences: false)
                           .dropLast().joined(separator: "\n"))
    }

    func testTheReviewListsFilesToWriteWhole() throws {
        var state = newState(width: 80, height: 24)
        state.outputDir = "/tmp/run1/manifests-of-a-long-name"
        _ = update(&state, .intent(.goTo(step: .review, focus: 0)))
        let text = view(state).text.replacingOccurrences(of: "│", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertTrue(text.contains("Files to write"), text)
        XCTAssertTrue(text.contains("/tmp/run1/manifests-of-a-long-name/ pv.yaml PV"), "the folder is whole, once: \(text)")
        XCTAssertTrue(text.contains("deployment.yaml Deployment cache-registry service.yaml"), "names whole below it: \(text)")
        XCTAssertFalse(text.contains("Files written"))
    }
}

/// `?` lists every key from the one keymap, and the README's key table is that keymap.
final class KeyHelpTests: XCTestCase, WizardTesting {
    func testQuestionMarkListsEveryKeyAt80x24ScrollingToTheRest() {
        var state = newState(width: 80, height: 24)
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))  // the storage mode row: a choice, not a text field
        send(&state, .character("?"))
        XCTAssertEqual(state.dialog, .keys(scroll: 0))
        var seen = ""
        for _ in 0..<KeyListLayout.lines.count {
            seen += view(state).text
            send(&state, .down)
        }
        let screen = seen.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: " ")
        for row in Keymap.rows {
            XCTAssertTrue(screen.contains(row.meaning.split(separator: " ").prefix(4).joined(separator: " ")), "\(row.keys):\n\(seen)")
        }
        XCTAssertEqual(state.dialog, .keys(scroll: KeyListLayout.lines.count - KeyListLayout.visibleLines(height: 24)),
                       "scrolling stops at the last line")
        send(&state, .escape)
        XCTAssertNil(state.dialog)
        _ = update(&state, .intent(.goTo(step: .general, focus: 0)))  // a text field: ? is typed
        send(&state, .character("?"))
        XCTAssertNil(state.dialog)
    }

    func testEveryLineOfTheKeyListFitsTheBoxAt80Columns() {
        for line in KeyListLayout.lines { XCTAssertLessThanOrEqual(line.count, 72, line) }
    }

    func testTheReadmeKeyTableIsTheKeymap() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").standardized
        let text = try String(contentsOf: readme, encoding: .utf8)
        XCTAssertTrue(text.contains(Keymap.markdownTable()), "README's key table is stale: paste `cache-registry-setup keys --markdown`")
    }

    func testTheStatusLineHintsComeFromTheKeymap() {
        let state = newState(width: 80, height: 24)
        XCTAssertEqual(Keymap.statusHints(), "F1 Help ? Keys F2 Preview F10 Write ^F Find PgDn Step ^C Quit")
        XCTAssertEqual(Keymap.statusHints(fitting: 60), "F1 Help ? Keys F2 Preview F10 Write ^F Find ^C Quit",
                       "a hint that does not fit goes whole; quitting stays")
        XCTAssertTrue(view(state).text.split(separator: "\n").last!.contains(Keymap.statusHints(fitting: 60)))
    }

    /// Every binding is reachable: no earlier row binds the same key in the same context.
    func testNoBindingIsShadowed() {
        for row in Keymap.rows {
            for binding in row.bindings {
                guard case .key(let key) = binding.trigger else { continue }
                XCTAssertEqual(Keymap.intent(for: key, in: [binding.context]), binding.intent, "\(row.keys) \(key) in \(binding.context)")
            }
        }
    }
}

/// A wide window shows the focused field's help beside the form, as menuconfig shows descriptions.
final class HelpPaneTests: XCTestCase, WizardTesting {
    func testAWideWindowShowsTheFocusedFieldsHelpBesideTheForm() {
        var state = newState(width: 132, height: 43)
        focus(&state, on: .pvSize)
        let screen = view(state).text
        XCTAssertTrue(screen.contains("Key: cacheRegistry.pv.size"), screen)
        XCTAssertTrue(screen.contains("Example: 50Gi") && screen.contains("Default: 20Gi"), screen)
        send(&state, .control("u"), .paste("abc"))
        let pane = view(state).text.split(separator: "\n").map { String($0.suffix(50)) }.joined(separator: "\n")
        XCTAssertTrue(pane.contains("✗ \"abc\" is not a quantity") || pane.contains("✗ is not a quantity"), pane)
        let narrow = newState(width: 100, height: 30)
        XCTAssertFalse(view(narrow).text.contains("Key: cacheRegistry"), "narrow windows keep F1")
    }
}
