import Foundation
import TestSupport
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import RegistryTLS
@testable import ValuesFile
@testable import Wizard

/// The TLS step: the three sources, live checks of imported files, generation, and where the material goes.
final class WizardTLSTests: XCTestCase {
    func tlsSourceItem(_ state: inout WizardState) {
        _ = update(&state, .intent(.goTo(step: .tls, focus: 0)))
        let index = state.items.firstIndex { $0.id == .tlsSource }!
        state.setFocus(index)
    }

    func testImportChecksFilesLive() throws {
        var state = WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), now: Date())
        tlsSourceItem(&state)
        _ = update(&state, .key(.left))
        XCTAssertEqual(state.tls.source, .importFiles)
        XCTAssertTrue(state.problems.errors.contains { $0.path == "tls.certificate" }, "a certificate must be chosen")
        state.setFocus(state.items.firstIndex { $0.id == .tlsCertificate }!)
        var effects: [Effect] = []
        for character in "/tmp/a.crt" { effects = update(&state, .key(.character(character))) }
        XCTAssertEqual(effects, [.loadTLSFiles(certificate: "/tmp/a.crt", key: "")])
        let other = try TLSGenerator.generate(names: ["example.com"], days: 90, now: Date())
        _ = update(&state, .tlsFilesLoaded(.loaded(RegistryTLSMaterial.imported(certificatePEM: other.certificatePEM, keyPEM: other.keyPEM,
                                                                             certificateFile: "/tmp/a.crt", keyFile: "/tmp/a.key"))))
        XCTAssertTrue(state.problems.errors.contains { $0.message.contains("cache-registry-svc.kubiya") })
        _ = update(&state, .tlsFilesLoaded(.failed(input: .certificate, message: "/tmp/a.crt: no such file")))
        XCTAssertTrue(state.problems.errors.contains { $0.message == "/tmp/a.crt: no such file" })
        // A key that does not match, or is no key, is shown under the key file's row, not the certificate's.
        let mine = try TLSGenerator.generate(names: state.config.serviceNames(), days: 90, now: Date())
        _ = update(&state, .tlsFilesLoaded(.loaded(RegistryTLSMaterial.imported(certificatePEM: mine.certificatePEM, keyPEM: other.keyPEM,
                                                                             certificateFile: "/tmp/a.crt", keyFile: "/tmp/a.key"))))
        XCTAssertEqual(state.problems.errors.filter { $0.message.contains("does not match") }.map(\.path), ["tls.key"])
    }

    func testGenerateWritesASecretAndRegistryTLSIntoTheChartValues() throws {
        let chart = try Fixtures.text("chart-values.yaml")
        let document = try ValuesDocument(bytes: Array(chart.utf8), name: "values.yaml")
        var state = WizardState(mode: .edit, valuesPath: "values.yaml", originalBytes: document.bytes, config: try document.config(),
                                document: document, now: Date())
        tlsSourceItem(&state)
        _ = update(&state, .key(.left))
        XCTAssertEqual(state.tls.source, .generate)
        let effects = update(&state, .key(.function(10)))
        XCTAssertTrue(effects.contains(.generateTLS(state.generationSpec)))
        let generated = try TLSGenerator.generate(names: state.generationSpec.names, days: 365, now: Date())
        _ = update(&state, .tlsGenerated(GeneratedTLSMaterial(spec: state.generationSpec, pair: generated)))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan: \(String(describing: state.dialog))") }
        let secret = try XCTUnwrap(plan.files.first { $0.name == "secret.yaml" })
        XCTAssertTrue(secret.isSecret, "written 0600")
        XCTAssertTrue(secret.contents.contains(Base64.encode(Array(generated.certificatePEM.utf8))))
        let written = String(decoding: plan.valuesBytes, as: UTF8.self)
        let changed = LineDiff.changes(from: chart, to: written)
        XCTAssertEqual(changed.count, 4, "only registryTls.crt and registryTls.key change")
        XCTAssertTrue(written.contains("crt: \"\(Base64.encode(Array(generated.certificatePEM.utf8)))\""))
        let preview = PreviewBuilder.tabs(state).first { $0.title == "values diff" }!.lines.map(\.text).joined(separator: "\n")
        XCTAssertFalse(preview.contains(Base64.encode(Array(generated.keyPEM.utf8))), "the key is redacted in the diff")
        XCTAssertTrue(preview.contains("key: <redacted:"))
    }

    func testExistingSecretChecksTheChartCertificateAgainstTheServiceName() throws {
        let chart = try Fixtures.text("chart-values.yaml")
        let document = try ValuesDocument(bytes: Array(chart.utf8), name: "values.yaml")
        var state = WizardState(mode: .edit, valuesPath: "values.yaml", originalBytes: document.bytes, config: try document.config(),
                                document: document, now: Date())
        XCTAssertEqual(state.problems.errors, [])
        let match = state.findMatches("service.name").first!
        _ = update(&state, .intent(.goTo(step: match.step, focus: match.index)))
        _ = update(&state, .key(.control("u")))
        for character in "other-registry" { _ = update(&state, .key(.character(character))) }
        XCTAssertTrue(state.problems.errors.contains { $0.path == "registryTls.crt" && $0.message.contains("other-registry.kubiya") })
    }

    /// The Review step, the preview and the write dialog list the same files, also while a pair is generated.
    func testReviewPreviewAndWriteListTheSameFiles() throws {
        var state = WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), width: 100, height: 40, now: Date())
        XCTAssertEqual(state.tls.source, .generate, "a new setup generates its pair")
        _ = update(&state, .intent(.goTo(step: .review, focus: 0)))
        let review = view(state).text
        XCTAssertTrue(review.contains("manifests/secret.yaml") && review.contains("(generated on write)"), "\n" + review)
        XCTAssertFalse(review.contains("no Secret"), "no screen says there is no Secret while one will be written")
        _ = update(&state, .key(.function(2)))
        XCTAssertTrue(state.previewTabs.map(\.title).contains("TLS Secret"))
        XCTAssertFalse(state.previewTabs.map(\.title).contains("(no Secret)"))
        _ = update(&state, .key(.escape))
        let listed = state.plannedFiles
        for file in listed { XCTAssertTrue(review.contains(file), "Review lists \(file)") }
        _ = update(&state, .key(.function(10)))
        let generated = try TLSGenerator.generate(names: state.generationSpec.names, days: 365, now: Date())
        _ = update(&state, .tlsGenerated(GeneratedTLSMaterial(spec: state.generationSpec, pair: generated)))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: false)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertEqual(plan.summary.map(\.path), listed, "the write dialog lists what Review listed")
        XCTAssertEqual(state.plannedFiles, listed)
    }

    /// An edit that cannot be made stops the write with its message; nothing is planned.
    func testAnEditThatCannotBeMadeStopsTheWrite() throws {
        let text = "cacheRegistry:\n  pv:\n    hostPath: /var/lib\n      /registry\n"
        let document = try ValuesDocument(bytes: Array(text.utf8), name: "v.yaml")
        var state = WizardState(mode: .edit, valuesPath: "v.yaml", originalBytes: document.bytes, config: try document.config(), now: Date())
        let match = state.findMatches("pv.hostPath").first { $0.item.id == .field(.pvHostPath) }!
        _ = update(&state, .intent(.goTo(step: match.step, focus: match.index)))
        _ = update(&state, .key(.control("u")))
        _ = update(&state, .key(.paste("/srv/registry")))
        _ = update(&state, .key(.function(10)))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true)))
        guard case .failed(let message)? = state.dialog else { return XCTFail("expected the write to stop: \(String(describing: state.dialog))") }
        XCTAssertTrue(message.hasPrefix("cannot edit v.yaml: "), message)
        XCTAssertTrue(message.contains("v.yaml:3"), "names the line: \(message)")
    }

    /// A new setup generates its own pair: F10 starts the certificate, so the first write serves TLS; Esc on the TLS
    /// source (a choice) puts its value back.
    func testANewSetupGeneratesItsPairAndEscRevertsTheSourceChoice() throws {
        var state = WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), now: Date())
        XCTAssertEqual(state.tls.source, .generate)
        XCTAssertFalse(state.isDirty, "nothing chosen yet")
        let effects = update(&state, .key(.function(10)))
        XCTAssertTrue(effects.contains(.generateTLS(state.generationSpec)), "\(effects)")
        _ = update(&state, .key(.escape))
        _ = update(&state, .intent(.goTo(step: .tls, focus: 0)))
        let source = state.items.firstIndex { $0.id == .tlsSource }!
        _ = update(&state, .intent(.goTo(step: .tls, focus: source)))
        _ = update(&state, .key(.left))
        XCTAssertEqual(state.tls.source, .importFiles)
        XCTAssertTrue(state.isDirty)
        _ = update(&state, .key(.escape))
        XCTAssertEqual(state.tls.source, .generate, "Esc puts the choice back")
        XCTAssertFalse(state.isDirty)
    }

    /// A new setup with a generated pair: the values file holds no key, values-tls.yaml (beside it) holds the pair
    /// that secret.yaml holds, and trust/ has the certificate for every name.
    func testGeneratedPairGoesToValuesTLSAndTrust() throws {
        var state = WizardState(mode: .setup, valuesPath: "deploy/values.yaml", config: RegistryConfig(), outputDir: "deploy/manifests", now: Date())
        _ = update(&state, .intent(.goTo(step: .tls, focus: 0)))
        _ = update(&state, .key(.control("g")))
        let generated = try TLSGenerator.generate(names: state.generationSpec.names, days: 365, now: Date())
        _ = update(&state, .tlsGenerated(GeneratedTLSMaterial(spec: state.generationSpec, pair: generated)))
        _ = update(&state, .key(.function(10)))
        _ = update(&state, .diskInspected(DiskSnapshot(outputDir: "deploy/manifests", manifests: [:], valuesFileExists: false)))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        let values = String(decoding: plan.valuesBytes, as: UTF8.self)
        XCTAssertFalse(values.contains("\nregistryTls:") || values.contains(Base64.encode(Array(generated.keyPEM.utf8))), "values.yaml holds no key")
        let tlsValues = try XCTUnwrap(plan.tlsValues)
        XCTAssertEqual(tlsValues.path, "deploy/values-tls.yaml")
        let document = try ValuesDocument(bytes: tlsValues.bytes, name: tlsValues.path)
        XCTAssertEqual(document.topLevelString(["registryTls", "crt"]), Base64.encode(Array(generated.certificatePEM.utf8)))
        XCTAssertEqual(document.topLevelString(["registryTls", "key"]), Base64.encode(Array(generated.keyPEM.utf8)))
        let secret = try XCTUnwrap(plan.files.first { $0.name == "secret.yaml" })
        XCTAssertTrue(secret.contents.contains(Base64.encode(Array(generated.certificatePEM.utf8))))
        let trust = plan.files.filter { $0.name.hasPrefix("trust/") }.map(\.name)
        XCTAssertTrue(trust.contains("trust/ca.crt") && trust.contains("trust/README.txt"))
        for name in state.config.serviceNames() {
            XCTAssertTrue(trust.contains("trust/containerd/certs.d/\(name)/hosts.toml"), name)
            XCTAssertTrue(trust.contains("trust/docker/certs.d/\(name)/ca.crt"), name)
        }
        XCTAssertEqual(plan.summary.map(\.path), state.plannedFiles)
        XCTAssertTrue(state.plannedFiles.contains("deploy/values-tls.yaml") && state.plannedFiles.contains("deploy/manifests/trust/"))
        let diff = PreviewBuilder.tabs(state).map { $0.lines.map(\.text).joined(separator: "\n") }.joined(separator: "\n")
        XCTAssertFalse(diff.contains(Base64.encode(Array(generated.keyPEM.utf8))), "the key is never previewed")
    }
}
