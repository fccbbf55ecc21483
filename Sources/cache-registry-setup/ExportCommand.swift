import ArgumentParser
import Foundation
import Manifests
import RegistryModel
import RegistryTLS
import ValuesFile

/// `export`: renders the manifests headlessly, for scripts and CI.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Render the Kubernetes manifests (files per resource plus kustomization.yaml, or one stream with -o -).")

    @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
    @OptionGroup var options: ScopeOptions

    @Option(name: [.customShort("o"), .long], help: "Output folder, or - for standard output.")
    var output: String = "manifests"

    @Flag(name: .long, help: "Write one multi-document file (cache-registry.yaml) instead of one file per resource.")
    var singleFile = false

    @Option(name: .customLong("set"), help: "Override a value: --set pv.size=50Gi (repeatable).")
    var overrides: [String] = []

    func run() throws {
        let files = try options.files(file)
        var config = try options.config(of: files)
        var assignments: [(text: String, assignment: Assignment)] = []
        for text in overrides {
            do { assignments.append((text, try Assignment(parsing: text))) } catch { throw CommandFailure.usage(error.description) }
        }
        for (_, assignment) in assignments { config = config.applying(assignment) }
        let problems = Checks.citingOverrides(Checks.problems(config, files: files), assignments)
        Checks.print(problems, file: file.isEmpty ? "values" : file.joined(separator: ", "))
        if !problems.errors.isEmpty {
            Output.error("not exported: the configuration has \(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let tls = files?.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:)).flatMap { material in
            material.keyPEM.map { ManagedTLS(certificatePEM: material.certificatePEM, keyPEM: $0) }
        }
        let httpSecret = output == "-" ? HTTPSecretStore.fresh() : HTTPSecretStore.value(in: output)
        let rendered = Renderer.render(config, tls: tls, httpSecret: httpSecret)
        let stream = singleFile || output == "-"
        let trust = tls.map { TrustFiles.files(certificatePEM: $0.certificatePEM, config: config) } ?? []
        let layout = OutputLayout(rendered: rendered, singleFile: stream, trust: stream ? [] : trust)
        if output == "-" {
            for note in rendered.notes { Output.error("note: \(note)") }
            do { try FileHandle.standardOutput.write(contentsOf: Data((layout.files.first?.contents ?? "").utf8)) } catch {
                throw CommandFailure.usage("cannot write the manifests to standard output: it was closed")
            }
            return
        }
        let written = try ManifestWriter.write(layout.files, to: output)
        for note in rendered.omitted { print("note: \(note.reason)") }
        for note in rendered.notes { print("note: \(note)") }
        let listed = written.filter { !$0.hasPrefix(TrustFiles.folder + "/") }.map { (output as NSString).appendingPathComponent($0) }
        let trustNote = trust.isEmpty ? "" : ", and \((output as NSString).appendingPathComponent(TrustFiles.folder))/ (\(trust.count) files: see its README.txt)"
        print("wrote \(listed.joined(separator: ", "))\(trustNote)")
    }
}

/// Writes an output layout into a folder atomically and removes stale files this program wrote before.
enum ManifestWriter {
    static func write(_ files: [OutputLayout.File], to folder: String) throws -> [String] {
        do { try FileAccess.makeFolder(folder) } catch { throw CommandFailure.usage(error.description) }
        // A trust folder this program wrote is replaced whole, so hosts of an old service name do not linger.
        let trust = (folder as NSString).appendingPathComponent(TrustFiles.folder)
        if let readme = try? FileAccess.readFile((trust as NSString).appendingPathComponent("README.txt")),
           OutputLayout.isOurs(String(decoding: readme, as: UTF8.self)) {
            try? FileManager.default.removeItem(atPath: trust)
        }
        for file in files {
            let path = (folder as NSString).appendingPathComponent(file.name)
            do {
                try FileAccess.makeFolder((path as NSString).deletingLastPathComponent)
                try FileAccess.writeAtomically(Array(file.contents.utf8), to: path, newFileMode: file.isSecret ? 0o600 : 0o644)
            } catch { throw CommandFailure.usage(error.description) }
        }
        for stale in OutputLayout.allFileNames where !files.contains(where: { $0.name == stale }) {
            let path = (folder as NSString).appendingPathComponent(stale)
            if let bytes = try? FileAccess.readFile(path), OutputLayout.isOurs(String(decoding: bytes, as: UTF8.self)) {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        return files.map(\.name)
    }
}
