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

    @OptionGroup var options: FileOptions

    @Option(name: [.customShort("o"), .long], help: "Output folder, or - for standard output.")
    var output: String = "manifests"

    @Flag(name: .long, help: "Write one multi-document file (cache-registry.yaml) instead of one file per resource.")
    var singleFile = false

    @Option(name: .customLong("set"), help: "Override a value: --set pv.size=50Gi (repeatable).")
    var overrides: [String] = []

    func run() throws {
        let document = try options.document()
        var config = try options.config(of: document)
        for text in overrides {
            do { config = config.applying(try Assignment(parsing: text)) } catch { throw CommandFailure.usage(error.description) }
        }
        let problems = Checks.problems(config, document: document)
        Checks.print(problems, file: options.file)
        if !problems.errors.isEmpty {
            Output.error("not exported: the configuration has \(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let tls = document.flatMap(RegistryTLSMaterial.init(document:)).flatMap { material in
            material.keyPEM.map { ManagedTLS(certificatePEM: material.certificatePEM, keyPEM: $0) }
        }
        let httpSecret = output == "-" ? HTTPSecretStore.fresh() : HTTPSecretStore.value(in: output)
        let rendered = Renderer.render(config, tls: tls, httpSecret: httpSecret)
        let layout = OutputLayout(rendered: rendered, singleFile: singleFile || output == "-")
        if output == "-" {
            for note in rendered.notes { Output.error("to do: \(note)") }
            do { try FileHandle.standardOutput.write(contentsOf: Data((layout.files.first?.contents ?? "").utf8)) } catch {
                throw CommandFailure.usage("cannot write the manifests to standard output: \(error.localizedDescription)")
            }
            return
        }
        let written = try ManifestWriter.write(layout.files, to: output)
        for note in rendered.omitted { print("note: \(note.reason)") }
        for note in rendered.notes { print("to do: \(note)") }
        print("wrote \(written.map { (output as NSString).appendingPathComponent($0) }.joined(separator: ", "))")
    }
}

/// Writes an output layout into a folder atomically and removes stale files this program wrote before.
enum ManifestWriter {
    static func write(_ files: [OutputLayout.File], to folder: String) throws -> [String] {
        do { try FileAccess.makeFolder(folder) } catch { throw CommandFailure.usage(error.description) }
        for file in files {
            do {
                try FileAccess.writeAtomically(Array(file.contents.utf8), to: (folder as NSString).appendingPathComponent(file.name),
                                               newFileMode: file.isSecret ? 0o600 : 0o644)
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
