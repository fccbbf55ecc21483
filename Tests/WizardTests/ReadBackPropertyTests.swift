import Diagnostics
import Foundation
import TestSupport
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import RegistryTLS
@testable import ValuesFile
@testable import Wizard

/// What the wizard writes reads back as exactly what it showed: random sessions (storage modes, sizes, names,
/// replicas, TLS sources, edits and undos) on a fresh start and on each fixture, then the values file it would
/// write is read back through the one reader (`ValuesDocument.config`): the configuration, the problems and
/// the manifests are the wizard's.
final class ReadBackPropertyTests: XCTestCase {
    static let edits: [(KeyPath, [String])] = [
        (.pvSize, ["20Gi", "50Gi", "1Ti", "10Gi", "abc"]), (.pvcSize, ["1Gi", "10Gi", "20Gi", "30Gi"]),
        (.pvName, ["docker-registry-pv", "data-pv"]), (.pvcName, ["docker-registry-pvc", "claim"]),
        (.pvHostPath, ["/var/lib/registry", "/srv/registry", "relative"]), (.pvStorageClass, ["fast-ssd", "standard", ""]),
        (.pvcStorageClass, ["fast-ssd", ""]), (.pvNFSServer, ["nfs.example.com", "10.0.0.5"]), (.pvNFSPath, ["/exports/registry"]),
        (.deploymentReplicas, ["1", "2", "3", "0"]), (.deploymentName, ["cache-registry", "reg"]),
        (.deploymentImageTag, ["2", "2.8", "2.8.3", "latest"]), (.serviceName, ["cache-registry-svc", "registry"]),
        (.servicePort, ["443", "8443", "5443"]), (.serviceTargetPort, ["5000", "6000"]),
        (.deploymentTlsSecretName, ["registry-tls-secret", "other-tls"]),
        ("deployment.resources.limits.cpu", ["1", "2", "1500m"]), ("deployment.resources.requests.memory", ["128Mi", "256Mi"]),
    ]

    /// One fixture's starting state; `bytes` empty means a fresh setup on built-in defaults.
    func start(_ bytes: [UInt8], name: String) throws -> WizardState {
        guard !bytes.isEmpty else { return WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), now: Date()) }
        let document = try ValuesDocument(bytes: bytes, name: name)
        return WizardState(mode: .edit, valuesPath: name, originalBytes: bytes, config: try document.config(),
                           document: document, now: Date())
    }

    func focus(_ state: inout WizardState, on id: ItemID) -> Bool {
        for step in Step.allCases {
            var copy = state
            copy.step = step
            if let index = copy.items.firstIndex(where: { $0.id == id }) {
                _ = update(&state, .intent(.goTo(step: step, focus: index)))
                return true
            }
        }
        return false
    }

    /// A random session of key presses through `update`, as a person would make them.
    func session(_ state: inout WizardState, _ random: inout SeededGenerator, generated: inout [GenerationSpec: GeneratedTLSMaterial]) {
        var originals: [KeyPath: String] = [:]
        for _ in 0..<Int(random.next() % 12 + 3) {
            switch random.next() % 7 {
            case 0, 1:
                // Storage mode: Right or Left on the mode row.
                guard focus(&state, on: .storageMode) else { continue }
                _ = update(&state, .key(random.next() % 2 == 0 ? .right : .left))
            case 2, 3, 4:
                let (path, values) = Self.edits[Int(random.next() % UInt64(Self.edits.count))]
                guard focus(&state, on: .field(path)) else { continue }
                if originals[path] == nil { originals[path] = Forms.text(of: .field(path), in: state) }
                _ = update(&state, .key(.control("u")))
                let value = values[Int(random.next() % UInt64(values.count))]
                if !value.isEmpty { _ = update(&state, .key(.paste(value))) }
            case 5:
                // Undo an edit: the field gets back the text it had.
                let edited = originals.keys.sorted()
                guard !edited.isEmpty else { continue }
                let path = edited[Int(random.next() % UInt64(edited.count))], text = originals[path] ?? ""
                guard focus(&state, on: .field(path)) else { continue }
                _ = update(&state, .key(.control("u")))
                if !text.isEmpty { _ = update(&state, .key(.paste(text))) }
            default:
                // TLS source: existing or generate (import needs files on disk, covered elsewhere).
                guard focus(&state, on: .tlsSource) else { continue }
                _ = update(&state, .key(.left))
                if state.tls.source == .importFiles { _ = update(&state, .key(.left)) }
            }
        }
        if state.tls.source == .generate {
            let spec = state.generationSpec
            if generated[spec] == nil, let pair = try? TLSGenerator.generate(names: spec.names, days: spec.days, now: Date()) {
                generated[spec] = GeneratedTLSMaterial(spec: spec, pair: pair)
            }
            if let material = generated[spec] { _ = update(&state, .tlsGenerated(material)) }
        }
    }

    /// Returns whether the session reached the manifest check (it is skipped while the wizard shows errors).
    @discardableResult
    func checkReadBack(_ state: WizardState, label: String) throws -> Bool {
        let bytes = try WritePlanner.valuesBytes(state)
        let written = try ValuesDocument(bytes: bytes, name: state.valuesPath)
        // What a person runs afterwards: helm (or export) with the values file, then values-tls.yaml if written.
        let tlsValues = try WritePlanner.tlsValuesFile(state).map { try ValuesDocument(bytes: $0.bytes, name: $0.path) }
        let files = ValuesFiles([written] + (tlsValues.map { [$0] } ?? []))
        let readBack = try files.config(namespace: state.config.namespace, release: state.config.release)
        XCTAssertEqual(readBack.merged, state.config.merged, "\(label): the written file means what the wizard showed")
        // The problems of the files read back, by the one function every command uses.
        let fileProblems = Diagnostics.problems(Diagnostics.Inputs(config: readBack, files: files, now: Date()))
        let shown = state.problems.filter { !$0.path.hasPrefix("tls.") && $0.path != "outputDir" }
        XCTAssertEqual(Set(fileProblems.map(\.description)), Set(shown.map(\.description)), "\(label): the same problems")
        // The manifests: rendered from the files they are byte for byte those the wizard writes.
        guard state.problems.errors.isEmpty else { return false }
        let disk = DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: false, httpSecret: "test-http-secret")
        let plan = try WritePlanner.plan(state, disk: disk)
        XCTAssertEqual(plan.valuesBytes, bytes)
        // What export plans for the files read back, through the same plan export uses.
        let material = files.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:))
        let fileTLS = material.flatMap { material in material.keyPEM.map { PEMPair(certificatePEM: material.certificatePEM, keyPEM: $0) } }
        let exported = try OutputPlan(OutputPlan.Inputs(
            config: readBack, tls: fileTLS, httpSecret: disk.httpSecret, valuesFiles: state.nextStepsContext.valuesFiles,
            outputDir: state.outputDir, workingDirectory: state.workingDirectory, executable: state.executable))
        XCTAssertEqual(exported.files, plan.files, "\(label): export of the written files renders the wizard's manifests")
        XCTAssertEqual(state.plannedFiles, plan.summary.map(\.path), "\(label): the Review step lists the files the write dialog writes")
        return true
    }

    func fixtures() throws -> [(String, [UInt8])] {
        var result: [(String, [UInt8])] = [("fresh setup", [])]
        for name in ["chart-values.yaml", "example-values.yaml", "example-values-crlf.yaml", "example-values-4space.yaml"] {
            result.append((name, Array(try Fixtures.text(name).utf8)))
        }
        // The chart's values without the section (as the chart's current values file is).
        let chart = try Fixtures.text("chart-values.yaml")
        let start = chart.range(of: "# Cache Registry component config")!.lowerBound, end = chart.range(of: "# BuildKit builds")!.lowerBound
        result.append(("chart without cacheRegistry", Array((String(chart[..<start]) + String(chart[end...])).utf8)))
        if Fixtures.sharedMissingReason == nil {
            let real = Fixtures.shared.appendingPathComponent("real")
            for name in try FileManager.default.contentsOfDirectory(atPath: real.path).sorted() where name.hasSuffix(".yaml") {
                result.append((name, Array(try Data(contentsOf: real.appendingPathComponent(name)))))
            }
        } else {
            print("ReadBackPropertyTests: real values files skipped: \(Fixtures.sharedMissingReason ?? "")")
        }
        return result
    }

    func testRandomSessionsReadBackAsTheWizardShowed() throws {
        var random = SeededGenerator(seed: 7)
        var generated: [GenerationSpec: GeneratedTLSMaterial] = [:]
        let all = try fixtures()
        let sessions = max(300, all.count * 6)
        var checked = 0
        for round in 0..<sessions {
            let (name, bytes) = all[round % all.count]
            var state = try start(bytes, name: name)
            session(&state, &random, generated: &generated)
            if try checkReadBack(state, label: "session \(round) on \(name)") { checked += 1 }
        }
        // The manifests are compared only for sessions without errors: the property must keep exercising them.
        XCTAssertGreaterThan(checked, sessions / 3, "only \(checked) of \(sessions) sessions reached the manifest check")
    }

    func testEveryModeWrittenFreshReadsBackInThatMode() throws {
        for presses in 0..<3 {
            var state = try start([], name: "values.yaml")
            XCTAssertTrue(focus(&state, on: .storageMode))
            for _ in 0..<presses { _ = update(&state, .key(.right)) }
            let mode = state.config.view.storageMode
            let written = try ValuesDocument(bytes: try WritePlanner.valuesBytes(state), name: "values.yaml").config()
            XCTAssertEqual(written.view.storageMode, mode)
            if mode != .hostPath {
                XCTAssertTrue(String(decoding: try WritePlanner.valuesBytes(state), as: UTF8.self).contains("hostPath: null"),
                              "\(mode): the chart's default host path is switched off in the file")
            }
        }
    }

    func testUndoingEveryEditGivesBackTheStartByteForByteAndRedoGivesBackTheEnd() throws {
        var random = SeededGenerator(seed: 11)
        var generated: [GenerationSpec: GeneratedTLSMaterial] = [:]
        let all = try fixtures()
        for round in 0..<max(120, all.count * 3) {
            let (name, bytes) = all[round % all.count]
            let initial = try start(bytes, name: name)
            var state = initial
            session(&state, &random, generated: &generated)
            let end = state
            var presses = 0
            while !state.undoStack.isEmpty || !(state.focusedSnapshot?.sameEdits(as: state.currentSnapshot) ?? true) {
                _ = update(&state, .key(.control("z")))
                presses += 1
                XCTAssertLessThan(presses, 200, "undo ends")
            }
            XCTAssertEqual(state.config, initial.config, "round \(round) on \(name): every edit undone")
            XCTAssertEqual(try WritePlanner.valuesBytes(state), try WritePlanner.valuesBytes(initial),
                           "round \(round) on \(name): the file it would write is the start, byte for byte")
            while !state.redoStack.isEmpty { _ = update(&state, .key(.control("y"))) }
            XCTAssertEqual(state.config, end.config, "round \(round) on \(name): every edit redone")
        }
    }

    func testUndoIsOneStepPerFieldAndANewEditDropsTheRedo() throws {
        var state = try start([], name: "values.yaml")
        XCTAssertTrue(focus(&state, on: .field(.pvSize)))
        _ = update(&state, .key(.control("u")))
        _ = update(&state, .key(.paste("30Gi")))
        XCTAssertTrue(focus(&state, on: .field(.servicePort)))
        _ = update(&state, .key(.control("u")))
        _ = update(&state, .key(.paste("8443")))
        _ = update(&state, .key(.control("z")))
        XCTAssertEqual(state.config.view.int(.servicePort), 443, "the port edit, typed in one go, is one step")
        XCTAssertEqual(state.config.view.text(.pvSize), "30Gi")
        _ = update(&state, .key(.control("z")))
        XCTAssertEqual(state.config.view.text(.pvSize), "20Gi")
        _ = update(&state, .key(.control("y")))
        XCTAssertEqual(state.config.view.text(.pvSize), "30Gi")
        XCTAssertTrue(focus(&state, on: .field(.pvcSize)))
        _ = update(&state, .key(.control("u")))
        _ = update(&state, .key(.paste("10Gi")))
        _ = update(&state, .key(.tab))
        XCTAssertTrue(state.redoStack.isEmpty, "a new edit drops what was undone")
    }
}
