import Foundation
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import ValuesFile
@testable import Wizard

/// The wizard as a pure state machine: send actions, check state and effects.
final class WizardStateTests: XCTestCase, WizardTesting {
    func type(_ state: inout WizardState, _ text: String) {
        for character in text { _ = update(&state, .key(.character(character))) }
    }

    func testLiveValidationAsYouType() {
        var state = newState()
        focus(&state, on: "pv.size")
        send(&state, .control("u"))
        type(&state, "abc")
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.pv.size" })
        let item = state.items[state.focus]
        XCTAssertFalse(Forms.problems(of: item, in: state).isEmpty, "the error is shown under the field")
        send(&state, .control("u"))
        type(&state, "20Gi")
        XCTAssertEqual(state.problems.errors, [])
        focus(&state, on: "pvc.size")
        send(&state, .control("u"))
        type(&state, "30Gi")
        XCTAssertEqual(state.problems.errors.map(\.path), ["cacheRegistry.pvc.size"])
    }

    func testMovingIsNeverBlockedByErrors() {
        var state = newState()
        focus(&state, on: "pv.size")
        send(&state, .control("u"))
        type(&state, "bad")
        for step in Step.allCases.dropFirst(2) {
            send(&state, .pageDown)
            XCTAssertEqual(state.step, step)
        }
        send(&state, .pageUp, .pageUp)
        XCTAssertEqual(state.step, .probes)
    }

    func testTabMovesThroughFieldsAndSteps() {
        var state = newState()
        let count = state.items.count
        for _ in 0..<count { send(&state, .tab) }
        XCTAssertEqual(state.step, .storage)
        XCTAssertEqual(state.focus, 0)
        send(&state, .backTab)
        XCTAssertEqual(state.step, .general)
        XCTAssertEqual(state.focus, count - 1)
    }

    func testStorageModeShowsOnlyItsFields() {
        var state = newState()
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))
        XCTAssertTrue(state.items.contains { $0.id == .field("pv.hostPath") })
        send(&state, .right)
        XCTAssertEqual(state.config.view.storageMode, .nfs)
        XCTAssertFalse(state.items.contains { $0.id == .field("pv.hostPath") })
        XCTAssertTrue(state.items.contains { $0.id == .field("pv.volumeSource.nfs.server") })
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.pv.volumeSource.nfs.server" })
        send(&state, .right)
        XCTAssertEqual(state.config.view.storageMode, .dynamic, "no source: the cluster's default StorageClass provisions it")
        XCTAssertFalse(state.items.contains { $0.id == .field("pv.name") })
        XCTAssertEqual(state.problems.errors, [])
        XCTAssertTrue(state.problems.warnings.contains { $0.path == "cacheRegistry.pvc.storageClass" && $0.message.contains("default StorageClass") })
        focus(&state, on: "pv.storageClass")
        type(&state, "fast")
        XCTAssertEqual(state.config.view.storageMode, .dynamic)
        XCTAssertFalse(state.problems.contains { $0.path == "cacheRegistry.pvc.storageClass" })
    }

    func testFindJumpsToFieldByLabelOrPath() {
        var state = newState()
        send(&state, .control("f"))
        type(&state, "targetPort")
        send(&state, .enter)
        XCTAssertNil(state.dialog)
        XCTAssertEqual(state.step, .service)
        XCTAssertEqual(state.items[state.focus].id, .field("service.targetPort"))
        send(&state, .control("f"))
        type(&state, "memory limit")
        send(&state, .enter)
        XCTAssertEqual(state.items[state.focus].id, .field("deployment.resources.limits.memory"))
    }

    func testHelpShowsTheRegistryText() {
        var state = newState()
        focus(&state, on: "pv.size")
        send(&state, .function(1))
        XCTAssertEqual(state.dialog, .help)
        XCTAssertTrue(view(state).text.contains("Capacity of the PersistentVolume"))
        send(&state, .escape)
        XCTAssertNil(state.dialog)
    }

    func testQuitAsksWhenDirty() {
        var state = newState()
        XCTAssertEqual(send(&state, .control("c")), [.exit(status: 0)], "nothing to lose: quit at once")
        focus(&state, on: "pv.size")
        type(&state, "0")
        XCTAssertEqual(send(&state, .control("c")), [])
        XCTAssertEqual(state.dialog, .quit(choice: 0))
        XCTAssertEqual(send(&state, .enter), [], "Enter takes the safe choice")
        XCTAssertNil(state.dialog)
        send(&state, .function(12))
        XCTAssertEqual(send(&state, .character("n")), [])
        send(&state, .control("c"))
        XCTAssertEqual(send(&state, .character("y")), [.exit(status: 1)])
    }

    func testWritingIsRefusedWithErrors() {
        var state = newState()
        focus(&state, on: "service.port")
        send(&state, .control("u"))
        type(&state, "0")
        XCTAssertEqual(send(&state, .function(10)), [])
        XCTAssertEqual(state.dialog, .write(plan: nil, choice: 0))
        XCTAssertTrue(view(state).text.contains("Writing is refused"))
        XCTAssertEqual(send(&state, .enter), [], "no write effect")
    }

    /// Problems follow every update by themselves: a value committed by the key that opens the write is checked
    /// before the write is allowed, and keys that change nothing they come from leave them as they were.
    func testProblemsAreRecomputedOncePerUpdateWhenTheirInputsChange() {
        var state = newState()
        focus(&state, on: .pvcSize)
        send(&state, .control("u"), .paste("30Gi"))
        let inputs = state.validatedInputs
        send(&state, .right, .left)
        XCTAssertEqual(state.validatedInputs, inputs, "moving the cursor recomputes nothing")
        send(&state, .function(10))
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.pvc.size" }, "\(state.problems)")
        XCTAssertEqual(state.dialog, .write(plan: nil, choice: 0), "the write is refused on the value F10 committed")
        XCTAssertEqual(state.validatedInputs, state.validationInputs)
    }

    func testWriteFlowEffects() throws {
        var state = newState()
        let effects = send(&state, .control("s"))
        XCTAssertEqual(effects, [.inspectDisk(outputDir: "manifests", valuesPath: "values.yaml"), .generateTLS(state.generationSpec)],
                       "a new setup's own pair is generated with the look at the disk")
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: false)))
        XCTAssertEqual(state.dialog, .write(plan: nil, choice: 0), "the plan waits for the pair")
        try deliverGeneratedPair(&state)
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertEqual(plan.files.map(\.name).filter { !$0.hasPrefix("trust/") },
                       ["pv.yaml", "pvc.yaml", "deployment.yaml", "service.yaml", "networkpolicy.yaml", "secret.yaml", "kustomization.yaml"])
        XCTAssertTrue(plan.files.map(\.name).contains("trust/ca.crt"), "nodes and clients get the CA")
        XCTAssertTrue(plan.overwrites.isEmpty)
        let fresh = try ValuesDocument(bytes: plan.valuesBytes, name: "values.yaml")
        XCTAssertEqual(try fresh.config().merged, state.config.merged, "the fresh values file reads back as the configuration")
        XCTAssertEqual(send(&state, .enter), [.write(plan)])
        _ = update(&state, .writeFinished(.written(["values.yaml"])))
        XCTAssertEqual(state.dialog, .done(["values.yaml"]))
        XCTAssertFalse(state.isDirty)
        XCTAssertEqual(send(&state, .character("q")), [.exit(status: 0)])
    }

    func testWriteAsksBeforeOverwriting() throws {
        var state = newState()
        try deliverGeneratedPair(&state)
        send(&state, .function(10))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: ["pv.yaml": "old"], valuesFileExists: true)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertEqual(plan.overwrites, ["values.yaml", "manifests/pv.yaml"])
        XCTAssertEqual(send(&state, .enter), [], "Enter takes the highlighted Cancel")
        send(&state, .function(10))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: ["pv.yaml": "old"], valuesFileExists: true)))
        XCTAssertEqual(send(&state, .character("y")), [.write(plan)], "y writes exactly the plan that was shown")
    }

    func testTheWritePlanWaitsForAFreshLookAtTheDisk() throws {
        var state = newState()
        try deliverGeneratedPair(&state)
        send(&state, .function(10))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: false)))
        send(&state, .escape, .function(10))
        XCTAssertEqual(state.dialog, .write(plan: nil, choice: 0), "no plan from the earlier snapshot")
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: ["pv.yaml": "x"], valuesFileExists: false)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertEqual(plan.overwrites, ["manifests/pv.yaml"])
    }

    func testEditWritesTheSmallestDiff() throws {
        let original = Array("# mine\ncacheRegistry:\n  service:\n    port: 443 # keep\n".utf8)
        let document = try ValuesDocument(bytes: original, name: "v.yaml")
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: original, config: try document.config(), now: Date())
        focus(&state, on: "service.port")
        send(&state, .control("u"))
        type(&state, "8443")
        let bytes = try WritePlanner.valuesBytes(state)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "# mine\ncacheRegistry:\n  service:\n    port: 8443 # keep\n")
        let tabs = PreviewBuilder.tabs(state)
        XCTAssertEqual(tabs.first { $0.title == "values diff" }?.lines.map(\.text), [
            "@@ cacheRegistry.service.port  line 4",
            "     1 # mine", "     2 cacheRegistry:", "     3   service:",
            "-    4     port: 443 # keep", "+    4     port: 8443 # keep",
            "     5 ",
        ], "three lines of context and the key path of the change")
    }

    func testThePreviewsTwoSecretsHaveDistinctTitles() throws {
        let original = Array(("cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n"
            + "        server: nfs.example.com\n        path: /x\n  pvc:\n    accessMode: ReadWriteMany\n"
            + "  deployment:\n    replicas: 2\n").utf8)
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: original,
                                config: try ValuesDocument(bytes: original, name: "v.yaml").config(), now: Date())
        state.tls.source = .generate
        let titles = PreviewBuilder.tabs(state).map(\.title)
        XCTAssertEqual(titles.filter { $0.contains("Secret") }, ["HTTP Secret", "TLS Secret"])
        XCTAssertEqual(Set(titles).count, titles.count, "every tab has its own title: \(titles)")
    }

    func testPreviewIsBuiltOnceAndRefreshedWhenTheDiskIsRead() throws {
        let original = Array("cacheRegistry:\n  service:\n    port: 443\n".utf8)
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: original,
                                config: try ValuesDocument(bytes: original, name: "v.yaml").config(), now: Date())
        XCTAssertEqual(send(&state, .function(2)), [.inspectDisk(outputDir: "manifests", valuesPath: "v.yaml")])
        let manifests = { (state: WizardState) in state.previewTabs.first { $0.title == "manifests diff" }?.lines.map(\.text) ?? [] }
        XCTAssertEqual(manifests(state), ["# reading the manifests in manifests..."])
        send(&state, .down, .right)
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true)))
        XCTAssertEqual(manifests(state).first, "# pv.yaml")
    }

    func testTLSKeysAreRedacted() {
        var state = newState()
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
        state.tls.source = .generate
        state.tls.generated = GeneratedTLSMaterial(spec: state.generationSpec, pair: PEMPair(certificatePEM: "CERT", keyPEM: key))
        send(&state, .function(2))
        let secretTab = state.previewTabs.firstIndex { $0.title == "TLS Secret" }!
        state.dialog = .preview(tab: secretTab, scroll: 0)
        let screen = view(state).text
        XCTAssertTrue(screen.contains("tls.key: <redacted: 103 bytes>"), screen)
        XCTAssertFalse(screen.contains(Base64.encode(Array(key.utf8)).prefix(30)))
        XCTAssertEqual(PreviewBuilder.redact("  key: \"\(String(repeating: "QUJD", count: 20))\" # pragma"), "  key: <redacted: 60 bytes>")
    }

    func testResizeAndTooSmall() {
        var state = newState()
        _ = update(&state, .resize(width: 60, height: 20))
        XCTAssertTrue(view(state).text.contains("Terminal too small: need 80x24, have 60x20"))
        XCTAssertEqual(send(&state, .tab), [])
        _ = update(&state, .resize(width: 80, height: 24))
        XCTAssertTrue(view(state).text.contains("General"))
        focus(&state, on: "pv.size")
        type(&state, "0")
        _ = update(&state, .resize(width: 60, height: 20))
        XCTAssertEqual(send(&state, .control("c")), [], "unsaved changes: it asks even on the small screen")
        XCTAssertTrue(view(state).text.contains("Quit without writing? y / n"))
        XCTAssertEqual(send(&state, .character("n")), [])
        XCTAssertNil(state.dialog)
        send(&state, .control("c"))
        XCTAssertEqual(send(&state, .character("y")), [.exit(status: 1)])
    }

    func testMouseFocusesStepsAndFields() {
        var state = newState()
        _ = update(&state, .click(row: 5, column: 4))
        XCTAssertEqual(state.step, .service)
        _ = update(&state, .click(row: 6, column: 30))
        XCTAssertEqual(state.focus, 2)
    }

    func testLongValuesDoNotBreakTheLayout() {
        var state = newState()
        focus(&state, on: "deployment.image.repository")
        type(&state, String(repeating: "a", count: 10_000))
        let canvas = view(state)
        XCTAssertEqual(canvas.text.split(separator: "\n").count, 24)
        XCTAssertTrue(canvas.text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.deployment.image.repository" })
    }

    func testEnvListsAreKeptAsWritten() throws {
        var config = RegistryConfig()
        config.overrides = Value.emptyMapping.setting(.sequence([.mapping([Entry(key: "name", value: .string("S")),
            Entry(key: "valueFrom", value: .mapping([Entry(key: "secretKeyRef", value: .mapping([Entry(key: "name", value: .string("s"))]))]))])]),
            at: "deployment.env")
        var state = WizardState(mode: .setup, valuesPath: "v.yaml", config: config, now: Date())
        _ = update(&state, .intent(.goTo(step: .registry, focus: 0)))
        let env = try XCTUnwrap(state.items.firstIndex { $0.id == .field("deployment.env") })
        XCTAssertEqual(Forms.text(of: .field("deployment.env"), in: state), "[{name: S, valueFrom: {secretKeyRef: {name: s}}}]",
                       "a list of env is shown as flow YAML, not as k=v pairs")
        _ = update(&state, .intent(.goTo(step: .registry, focus: env)))
        _ = update(&state, .key(.down))
        XCTAssertEqual(state.config, config, "visiting the row changes nothing")
        XCTAssertTrue(state.items.contains { $0.id == .field("deployment.nodeSelector") })
    }

    func testPasteIsOneEdit() {
        var state = newState()
        focus(&state, on: "deployment.image.tag")
        send(&state, .control("u"), .paste("2.8.3"))
        XCTAssertEqual(state.config.view.string("deployment.image.tag"), "2.8.3")
        XCTAssertEqual(state.cursor, 5)
        send(&state, .home, .paste("v"))
        XCTAssertEqual(state.config.view.string("deployment.image.tag"), "v2.8.3")
    }

    func testLineDiff() {
        XCTAssertEqual(LineDiff.changes(from: "a\nb\nc", to: "a\nx\nc"), [.removed(line: 2, text: "b"), .added(line: 2, text: "x")])
        XCTAssertEqual(LineDiff.changes(from: "a\nb", to: "a\nb\nc"), [.added(line: 3, text: "c")])
        XCTAssertEqual(LineDiff.changes(from: "a\nb\nc\nd", to: "b\nd"), [.removed(line: 1, text: "a"), .removed(line: 3, text: "c")])
        XCTAssertEqual(LineDiff.changes(from: "same", to: "same"), [])
    }
}

/// Every Review row jumps to the row that fixes it, list and map keys included.
final class ReviewJumpTests: XCTestCase, WizardTesting {
    func testTheNodesNetworkIsAddedWhereTheWarningIsAndEveryRowLandsOnItsField() throws {
        var config = RegistryConfig()
        for text in ["service.type=NodePort", "service.nodePort=30500", "deployment.replicas=1.5",
                     "deployment.resources.limits.cpu=0.5Gi", "deployment.podAnnotations=x", "pv.mountOptions=hard"] {
            config = config.applying(try Assignment(parsing: text))
        }
        var state = WizardState(mode: .setup, valuesPath: "values.yaml", config: config, width: 100, height: 30, now: Date())
        XCTAssertFalse(state.problems.isEmpty)
        for (index, problem) in state.problems.enumerated() {
            _ = update(&state, .intent(.showProblem(index)))
            let item = try XCTUnwrap(state.focusedItem, "\(problem)")
            XCTAssertTrue(Forms.problems(of: item, in: state).contains(problem), "\(problem) lands on \(item.label)")
        }
        let nodes = try XCTUnwrap(state.problems.firstIndex { $0.code == .nodesNotAdmitted })
        _ = update(&state, .intent(.showProblem(nodes)))
        XCTAssertEqual(state.focusedItem?.id, .field(.networkPolicyFrom))
        _ = update(&state, .intent(.setText("[{ipBlock: {cidr: 10.0.0.0/16}}]")))
        XCTAssertFalse(state.problems.contains { $0.code == .nodesNotAdmitted }, "\(state.problems)")
        XCTAssertEqual(state.config.view.value(.networkPolicyFrom), .sequence([
            .mapping([Entry(key: "ipBlock", value: .mapping([Entry(key: "cidr", value: .string("10.0.0.0/16"))]))]),
        ]))
        _ = update(&state, .intent(.setText("[{ipBlock: ")))
        XCTAssertTrue(state.problems.contains { $0.path == "cacheRegistry.networkPolicy.from" && $0.severity == .error })
    }
}

/// The list editor: a list field edited row by row, each change checked as the whole list.
final class ListEditorTests: XCTestCase, WizardTesting {
    func testRowsAreAddedEditedAndRemovedAndEachIsChecked() throws {
        var config = RegistryConfig()
        for text in ["service.type=NodePort", "service.nodePort=30500"] {
            config = config.applying(try Assignment(parsing: text))
        }
        var state = WizardState(mode: .setup, valuesPath: "values.yaml", config: config, width: 100, height: 30, now: Date())
        focus(&state, on: .networkPolicyFrom)
        XCTAssertTrue(state.focusedItem?.note.contains("^E edits it row by row") == true, state.focusedItem?.note ?? "")
        send(&state, .control("e"))
        XCTAssertEqual(state.dialog, .list(path: .networkPolicyFrom, selection: 0, editing: nil))
        XCTAssertTrue(view(state).text.contains("no items yet"))
        send(&state, .character("a"))
        send(&state, .paste("{ipBlock: {cidr: 10.0.0"))
        XCTAssertTrue(view(state).text.contains("not YAML yet"), view(state).text)
        send(&state, .enter)
        XCTAssertEqual(state.dialog, .list(path: .networkPolicyFrom, selection: 0, editing: "{ipBlock: {cidr: 10.0.0"),
                       "a row that is not YAML is not taken")
        send(&state, .paste(".0/16}}"), .enter)
        XCTAssertFalse(state.problems.contains { $0.code == .nodesNotAdmitted }, "the nodes' network is admitted")
        send(&state, .character("a"), .paste("{namespaceSelector: {matchLabels: {team: ci}}}"), .enter)
        XCTAssertEqual(state.config.view.value(.networkPolicyFrom)?.items?.count, 2)
        send(&state, .up, .character("d"))
        XCTAssertEqual(state.config.view.value(.networkPolicyFrom)?.items?.first?["namespaceSelector"] != nil, true)
        XCTAssertTrue(state.problems.contains { $0.code == .nodesNotAdmitted }, "removing the ipBlock row warns again")
        send(&state, .enter, .control("u"), .paste("{ipBlock: {cidr: 192.168.0.0/24}}"), .escape)
        XCTAssertEqual(state.config.view.value(.networkPolicyFrom)?.items?.first?["namespaceSelector"] != nil, true,
                       "Esc leaves the row as it was")
        send(&state, .escape)
        XCTAssertNil(state.dialog)
    }
}

/// The Mirrors step: presets and URLs add caches, each cache's keys are edited on its own screen and checked live,
/// a problem of one cache leads to that screen, and a cache is removed from it.
final class MirrorsStepTests: XCTestCase, WizardTesting {
    func row(_ state: WizardState, _ id: ItemID) -> Int { state.items.firstIndex { $0.id == id }! }

    func testCachesAreAddedEditedOnTheirOwnScreenAndRemoved() throws {
        var state = newState(width: 100, height: 60)
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: 0)))
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: row(state, .addMirror(0)))))
        send(&state, .enter)
        XCTAssertEqual(Mirrors.list(state.config).map(\.name), ["docker-io"])
        XCTAssertEqual(state.openMirror, 0, "a cache just added opens on its own screen")
        XCTAssertEqual(Forms.text(of: .mirrorField(0, "storage.hostPath"), in: state), "/var/lib/registry-docker-io",
                       "a key left out shows what the cache gets without it")
        XCTAssertEqual(Forms.text(of: .mirrorField(0, "resources.limits.memory"), in: state), "512Mi")
        XCTAssertEqual(state.focusedItem?.id, .mirrorField(0, "name"))
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: row(state, .closeMirror))))
        send(&state, .enter)
        XCTAssertNil(state.openMirror)
        XCTAssertEqual(state.focusedItem?.id, .mirror(0), "Back lands on the cache's row in the list")
        XCTAssertFalse(state.items.contains { $0.id == .addMirror(0) }, "docker.io is cached: its preset goes")
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: row(state, .addMirrorURL))))
        send(&state, .paste("https://registry.example.com:5000"), .enter)
        let added = Mirrors.list(state.config)[1]
        XCTAssertEqual(added.name, "registry-example-com-5000")
        XCTAssertEqual(added.config(in: state.config).nodeAddress, "127.0.0.1:30502", "the next free NodePort")

        // Its own screen: each key a row, checked as it is typed.
        XCTAssertEqual(state.openMirror, 1)
        XCTAssertTrue(view(state).text.contains("Back to the list"), view(state).text)
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: row(state, .mirrorField(1, "ttl")))))
        send(&state, .paste("soon"))
        let ttl = state.items[state.focus]
        XCTAssertTrue(Forms.problems(of: ttl, in: state).contains { $0.code == .badValue }, "the TTL's problem under its row")
        send(&state, .control("u"), .paste("72h"), .tab)
        XCTAssertEqual(Mirrors.list(state.config)[1].item["ttl"], .string("72h"))
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: row(state, .mirrorField(1, "service.nodePort")))))
        send(&state, .control("u"), .paste("30501"))
        XCTAssertTrue(state.problems.contains { $0.code == .mirrorAddress && $0.path == "cacheRegistry.mirrors[1].service.nodePort" })

        // A problem of a cache, from Review, opens that cache's screen on its row.
        _ = update(&state, .intent(.goTo(step: .general, focus: 0)))
        XCTAssertNil(state.openMirror, "leaving the step closes the cache's screen")
        let index = state.problems.firstIndex { $0.code == .mirrorAddress }!
        _ = update(&state, .intent(.showProblem(index)))
        XCTAssertEqual(state.step, .mirrors)
        XCTAssertEqual(state.openMirror, 1)
        XCTAssertEqual(state.focusedItem?.id, .mirrorField(1, "service.nodePort"))

        _ = update(&state, .intent(.goTo(step: .review, focus: 0)))
        let review = view(state).text
        XCTAssertTrue(review.contains("Caches (nodes pull through the node address)"), review)
        XCTAssertTrue(review.split(separator: "\n").contains {
            $0.contains("cache-docker-io ") && $0.contains("https://registry-1.docker.io") && $0.contains("127.0.0.1:30501")
        }, review)
        _ = update(&state, .intent(.showProblem(state.problems.firstIndex { $0.code == .mirrorAddress }!)))
        _ = update(&state, .intent(.goTo(step: .mirrors, focus: row(state, .removeMirror(1)))))
        send(&state, .enter)
        XCTAssertNil(state.openMirror)
        XCTAssertEqual(Mirrors.list(state.config).map(\.name), ["docker-io"])
    }
}
