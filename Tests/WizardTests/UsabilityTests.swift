import Foundation
import TestSupport
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import RegistryTLS
@testable import ValuesFile
@testable import Wizard

/// Every word readable at 80 columns, every key predictable, every reference to the registry kept consistent.
final class UsabilityTests: XCTestCase, WizardTesting {
    /// The screen's words in one line: box drawing removed and runs of spaces folded, so wrapped text reads whole.
    func words(_ canvas: Canvas, from column: Int = 15, to end: Int = 200) -> String {
        let glyphs = Set("│┌┐└┘─┬┴")
        return canvas.text.split(separator: "\n").map { line in
            String(line.prefix(end).dropFirst(column).map { glyphs.contains($0) ? " " : $0 })
        }
            .joined(separator: " ").split(separator: " ").joined(separator: " ")
    }

    func folded(_ text: String) -> String { text.split(separator: " ").joined(separator: " ") }

    // MARK: Keys

    func testControlCWorksInEveryDialog() {
        for open in [Key.function(1), .control("f"), .function(2), .function(10)] {
            var clean = newState()
            send(&clean, open)
            XCTAssertNotNil(clean.dialog, "\(open) opens a dialog")
            XCTAssertEqual(send(&clean, .control("c")), [.exit(status: 0)], "nothing to lose: Ctrl-C quits from \(open)")
            var dirty = newState()
            focus(&dirty, on: .pvSize)
            send(&dirty, .control("u"), .paste("30Gi"), .character("0"))
            send(&dirty, open)
            XCTAssertEqual(send(&dirty, .control("c")), [])
            XCTAssertEqual(dirty.dialog, .quit(choice: 0), "unsaved changes: Ctrl-C from \(open) asks first")
            XCTAssertEqual(send(&dirty, .control("c")), [.exit(status: 1)], "Ctrl-C in the quit dialog quits")
        }
    }

    func testEscapeRestoresTheValueAFieldHadWhenFocused() {
        var state = newState()
        focus(&state, on: .pvSize)
        send(&state, .control("u"), .paste("abc"))
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.pv.size" })
        send(&state, .escape)
        XCTAssertEqual(Forms.text(of: .field(.pvSize), in: state), "20Gi")
        XCTAssertEqual(state.problems.errors, [])
        XCTAssertFalse(state.isDirty)
    }

    func testFindReachesFieldsTheStorageModeHides() {
        let state = newState()
        let hidden = state.findMatches("nfs.server")
        XCTAssertEqual(hidden.count, 1)
        XCTAssertEqual(hidden.first?.hiddenIn, "nfs", "says which mode shows it")
        XCTAssertEqual(hidden.first?.item.id, .storageMode, "choosing it goes to the storage mode")
        var found = state
        send(&found, .control("f"), .paste("nfs.server"))
        XCTAssertTrue(words(view(found), from: 2).contains("pv.volumeSource.nfs.server nfs mode"), words(view(found), from: 2))
    }

    func testFieldsWithOneValidValueAreFacts() {
        var state = newState()
        focus(&state, on: "deployment.livenessProbe.httpGet.port")
        XCTAssertEqual(state.items[state.focus].widget, .fact)
        send(&state, .character("9"), .control("u"))
        XCTAssertEqual(state.config, RegistryConfig(), "typing does not change a fact")
        XCTAssertTrue(words(view(state)).contains("5000 (= targetPort)"))
    }

    func testHelpOnAReviewRowShowsThatProblemsField() {
        var state = newState()
        focus(&state, on: .pvcSize)
        send(&state, .control("u"), .paste("30Gi"))
        _ = update(&state, .intent(.goTo(step: .review, focus: 0)))
        send(&state, .function(1))
        let screen = words(view(state), from: 10, to: 70)
        XCTAssertTrue(screen.contains("Key: cacheRegistry.pvc.size"), screen)
        XCTAssertTrue(screen.contains("Storage the claim requests"), screen)
        XCTAssertTrue(screen.contains("30Gi is larger than pv.size 20Gi"), screen)
    }

    func testPreviewHomeEndAndLabelledTabs() throws {
        var state = try chartState()
        focus(&state, on: .servicePort)
        send(&state, .control("u"), .paste("8443"))
        send(&state, .function(2))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true)))
        let last = state.previewTabs.count - 1
        send(&state, .left)
        XCTAssertEqual(state.dialog, .preview(tab: last, scroll: 0))
        let screen = view(state).text.split(separator: "\n")[2]
        XCTAssertTrue(screen.contains(state.previewTabs[last].title), "the current tab is shown with its label: \(screen)")
        send(&state, .end)
        guard case .preview(_, let bottom)? = state.dialog else { return XCTFail() }
        XCTAssertEqual(bottom, state.lastScroll(last))
        send(&state, .down)
        XCTAssertEqual(state.dialog, .preview(tab: last, scroll: bottom), "no scrolling past the end")
        send(&state, .home)
        XCTAssertEqual(state.dialog, .preview(tab: last, scroll: 0))
    }

    func testTheManifestsFolderIsCheckedAsYouType() {
        var state = newState()
        _ = update(&state, .intent(.goTo(step: .general, focus: state.items.firstIndex { $0.id == .outputDir }!)))
        XCTAssertEqual(send(&state, .control("u"), .paste("/etc/passwd")), [.checkFolder("/etc/passwd")])
        _ = update(&state, .folderChecked(path: "/etc/passwd", problem: "is a file, not a folder; choose another folder"))
        XCTAssertTrue(state.problems.errors.contains { $0.path == "outputDir" })
        XCTAssertTrue(words(view(state)).contains("is a file, not a folder"))
        send(&state, .control("u"))
        XCTAssertTrue(state.problems.errors.contains { $0.path == "outputDir" && $0.message.contains("must not be empty") })
    }

    // MARK: The registry's address

    func testRenamingTheServiceUpdatesEveryReference() throws {
        var state = try chartState(width: 100, height: 40)
        focus(&state, on: .serviceName)
        send(&state, .control("u"), .paste("registry"))
        let references = state.problems.filter(\.isAddressReference)
        XCTAssertEqual(references.map(\.path), ["toolManager.volumeMounts[1].mountPath", "toolManager.command[2]", "dagger.buildkitConfig"])
        XCTAssertEqual(references.map(\.line), [38, 43, 121])
        XCTAssertTrue(references.allSatisfy { Forms.step(of: $0) == .service })
        _ = update(&state, .intent(.goTo(step: .service, focus: 0)))
        let row = try XCTUnwrap(state.items.firstIndex { $0.id == .updateReferences })
        XCTAssertTrue(words(view(state)).contains("toolManager.command[2]") || state.items.count > 0)
        XCTAssertEqual(state.findMatches("toolManager").first?.item.id, .updateReferences, "Ctrl-F finds it")
        _ = update(&state, .intent(.goTo(step: .service, focus: row)))
        send(&state, .enter)
        XCTAssertTrue(state.updateReferences)
        XCTAssertFalse(state.problems.contains { $0.isAddressReference || $0.path.hasPrefix("toolManager") }, "\(state.problems)")
        let before = try Fixtures.text("chart-values.yaml")
        let after = String(decoding: try WritePlanner.valuesBytes(state), as: UTF8.self)
        let changed = LineDiff.changes(from: before, to: after).compactMap { change -> Int? in
            if case .added(let line, _) = change { return line } else { return nil }
        }
        XCTAssertEqual(changed, [24, 38, 43, 108, 121], "the four references and the name, nothing else")
        XCTAssertFalse(after.split(separator: "\n").contains { !$0.hasPrefix("#") && $0.contains("cache-registry-svc.kubiya") },
                       "only the comment still names the old address")
        XCTAssertTrue(after.contains("[registry.\"registry.kubiya\"]") && after.contains("certs.d/registry.kubiya"))
    }

    // MARK: Every word readable at 80x24

    func testLongMessagesAreReadableWhole() throws {
        var state = try chartState()
        focus(&state, on: .serviceName)
        send(&state, .control("u"), .paste("registry"))
        focus(&state, on: .pvcSize)
        send(&state, .control("u"), .paste("30Gi"))
        // The Review step lists every problem: each message reads whole, wrapped.
        var review = state
        review.height = 80
        _ = update(&review, .intent(.goTo(step: .review, focus: 0)))
        let reviewed = words(view(review))
        for problem in review.problems {
            XCTAssertTrue(reviewed.contains(folded("\(problem.path): \(problem.message)")), "cut: \(problem.path): \(problem.message)\n\(view(review).text)")
        }
        // The TLS step's note, the Write step, a help dialog with a long "Accepts" line, a Find with long paths.
        var tls = newState()
        _ = update(&tls, .intent(.goTo(step: .tls, focus: 0)))
        send(&tls, .control("g"))
        XCTAssertTrue(words(view(tls)).contains("and, for Helm, to values-tls.yaml (0600); manifests/trust/ tells nodes to trust it."), view(tls).text)
        var write = newState()
        _ = update(&write, .intent(.goTo(step: .write, focus: 0)))
        XCTAssertTrue(words(view(write)).contains("Manifests: manifests/ (one file per resource + kustomization.yaml)"), view(write).text)
        var help = newState()
        focus(&help, on: .serviceName)
        send(&help, .function(1))
        XCTAssertTrue(words(view(help), from: 10, to: 70).contains("Accepts: a DNS-1035 label (a lower-case letter, then letters, digits and '-')"),
                      words(view(help), from: 10, to: 70))
        var find = newState()
        send(&find, .control("f"), .paste("memory"))
        let found = words(view(find), from: 2)
        XCTAssertTrue(found.contains("deployment.resources.requests.memory Registry"), found)
        XCTAssertTrue(found.contains("Esc closes"))
        // Choice labels fit their field.
        var storage = newState()
        _ = update(&storage, .intent(.goTo(step: .storage, focus: 0)))
        for _ in StorageMode.wizardChoices {
            XCTAssertTrue(view(storage).text.contains("◀ \(storage.config.view.storageMode.label) ▶"))
            send(&storage, .right)
        }
    }

    func testTextFieldsWidenWithTheWindow() {
        var state = newState(width: 100, height: 30)
        focus(&state, on: .pvHostPath)
        let path = "/srv/registry/images-and-layers/storage-a"  // 41 characters
        send(&state, .control("u"), .paste(path), .down)
        XCTAssertTrue(view(state).text.contains(path.dropLast()), "a 100-column window shows a 40-character host path whole")
        let forty = String(path.prefix(40))
        focus(&state, on: .pvHostPath)
        send(&state, .control("u"), .paste(forty), .end)
        XCTAssertTrue(view(state).text.contains(forty), "a 40-character path shows whole while the cursor stands after it")
    }

    func testAPrivateKeyIntoAReadableValuesFileIsWritten0600ByDefault() throws {
        var state = try chartState()
        state.chartTLS = RegistryTLSMaterial(certificateBase64: "x", keyBase64: nil)
        chooseTLSSource(&state, .generate)
        let pair = try TLSGenerator.generate(names: state.generationSpec.names, days: 30, now: Date())
        _ = update(&state, .tlsGenerated(GeneratedTLSMaterial(spec: state.generationSpec, pair: pair)))
        send(&state, .function(10))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true, valuesFileMode: 0o644)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertTrue(plan.keyInReadableValues && plan.restrictValuesMode, "plain Enter writes a key-holding values file 0600")
        XCTAssertTrue(words(view(state), from: 3, to: 77).contains("will hold a private key, so it is written 0600 (p: keep 0644)"),
                      view(state).text)
        XCTAssertEqual(send(&state, .enter), [.write(plan)])
        send(&state, .function(10))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true, valuesFileMode: 0o644)))
        send(&state, .character("p"))
        guard case .write(let wider?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertFalse(wider.restrictValuesMode, "keeping the wider mode is an explicit choice")
        XCTAssertTrue(words(view(state), from: 3, to: 77).contains("will hold a private key and stay 0644: others can read it (p: 0600)"),
                      view(state).text)
    }
}
