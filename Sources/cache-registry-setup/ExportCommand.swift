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
        let assignments = try Checks.overrides(overrides)
        for (_, assignment) in assignments { config = config.applying(assignment) }
        let problems = Checks.problems(config, files: files, overrides: assignments)
        Checks.print(problems, file: file.isEmpty ? "values" : file.joined(separator: ", "))
        if !problems.errors.isEmpty {
            Output.error("not exported: the configuration has \(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let tls = files.flatMap(ManagedTLS.init(files:))
        let httpSecret: String
        do { httpSecret = output == "-" ? HTTPSecretStore.fresh() : try HTTPSecretStore.value(in: output) } catch {
            throw CommandFailure.usage(error.description)
        }
        let rendered = Renderer.render(config, tls: tls, httpSecret: httpSecret)
        let stream = singleFile || output == "-"
        let trust = tls.map { TrustFiles.files(certificatePEM: $0.certificatePEM, config: config) } ?? []
        let layout: OutputLayout
        do { layout = try OutputLayout(rendered: rendered, singleFile: stream, trust: stream ? [] : trust) } catch {
            throw CommandFailure.usage(error.description)
        }
        if output == "-" {
            for note in rendered.notes { Output.error("note: \(note)") }
            if Renderer.generatesHTTPSecret(config.view) {
                Output.error(Problem.warning(.httpSecretChanges, .deploymentReplicas, "the shared HTTP secret is new on every export to "
                                             + "standard output, so GitOps tools see a change each run; name an existing Secret in "
                                             + "deployment.httpSecret.existingSecret, or export into a folder, where it is kept").description)
            }
            do { try FileHandle.standardOutput.write(contentsOf: Data((layout.files.first?.contents ?? "").utf8)) } catch {
                throw CommandFailure.usage("cannot write the manifests to standard output: it was closed")
            }
            return
        }
        let wrapper = NextSteps.wrapperFile(config, valuesFiles: file, outputDir: output, workingDirectory: Environment.workingDirectory,
                                            executable: Environment.executable)
        // The claim this folder applied before, if its spec changes in what a bound claim cannot change.
        let claimPath = PathName.join(output, "pvc.yaml")
        var previousClaim: String?
        if access(claimPath, F_OK) == 0 {
            do {
                let text = String(validating: try FileAccess.readFile(claimPath, limit: 1 << 20, what: "a manifest"), as: UTF8.self)
                previousClaim = text.flatMap { OutputLayout.isOurs($0) ? $0 : nil }
            } catch {
                Output.error("note: \(error); the claim written before is not compared with this one")
            }
        }
        let newClaim = layout.files.first { $0.name == "pvc.yaml" }?.contents
        var transaction = FileTransaction()
        let removedSecrets: [String]
        let report: FileTransaction.Report
        do {
            removedSecrets = try ManifestWriter.stage(layout.files + (wrapper.map { [$0] } ?? []), in: output, into: &transaction)
            report = try ManifestWriter.commit(transaction, in: output)
        } catch { throw CommandFailure.usage(error.description) }
        for note in rendered.omitted { Output.line("note: \(note.reason)") }
        for note in rendered.notes { Output.line("note: \(note)") }
        if let previousClaim, let newClaim, ClaimChange.specText(previousClaim) != ClaimChange.specText(newClaim) {
            Output.error("\(ClaimChange.problem(config)) (\(claimPath))")
        }
        let listed = layout.files.filter { !$0.name.hasPrefix(TrustFiles.folder + "/") }.map { file in
            let path = PathName.join(output, file.name)
            return file.isSecret ? "\(path) (\(ManifestWriter.modeText(report.mode(of: path))))" : path
        }
        let trustNote = trust.isEmpty ? "" : ", and \(PathName.join(output, TrustFiles.folder))/ (\(trust.count) files: see its README.txt)"
        Output.line("wrote \(listed.joined(separator: ", "))\(trustNote)")
        for failure in report.notRemoved { Output.error("warning: a stale file could not be removed: \(failure)") }
        for path in removedSecrets where report.removed.contains(path) {
            Output.error("note: removed \(path), a Secret this program wrote before: this configuration manages no such Secret")
        }
        let context = NextSteps.Context(valuesFiles: file, outputDir: output, managesTLS: tls != nil, valuesCarryTLS: tls != nil,
                                        besideChart: files?.holdsOtherComponents ?? false)
        Output.line("next, with \(config.route.rawValue), in this order:")
        for (index, step) in NextSteps.lines(config, context).enumerated() { Output.line("  \(index + 1). \(step)") }
        if let ignored = ChartRules.ignoredNote(config) { Output.line("note: \(ignored)") }
        if let missing = ValuesFiles.unreadTLSValues(beside: file) {
            Output.error("warning: \(missing) holds the registry's TLS pair but was not read: give it too, as in "
                         + "export -f \(file.last ?? "values.yaml") -f \(missing)")
        }
    }
}

extension ManagedTLS {
    /// The pair the values files carry under `registryTls`, when they hold the key too.
    init?(files: ValuesFiles) {
        guard let material = files.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:)), let key = material.keyPEM else { return nil }
        self.init(certificatePEM: material.certificatePEM, keyPEM: key)
    }
}

/// Where the program runs from: the inputs that make the post-renderer wrapper's paths absolute.
enum Environment {
    static var workingDirectory: String { FileManager.default.currentDirectoryPath }

    /// This executable's own path (`/proc/self/exe`), so the wrapper runs the same program.
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath("/proc/self/exe", &buffer) != nil else { return "cache-registry-setup" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Puts an output layout into a transaction, with the removal of stale files this program wrote before, and commits
/// it under the folders' locks.
enum ManifestWriter {
    /// Adds the files and the stale removals; returns the Secret files among the removals, which are announced.
    static func stage(_ files: [OutputLayout.File], in folder: String,
                      into transaction: inout FileTransaction) throws(ValuesFileError) -> [String] {
        for file in files {
            transaction.write(Array(file.contents.utf8), to: PathName.join(folder, file.name), kind: file.isSecret ? .secret : .regular,
                              mode: file.isExecutable ? 0o755 : nil)
        }
        let names = Set(files.map(\.name))
        var removedSecrets: [String] = []
        for stale in OutputLayout.allFileNames where !names.contains(stale) {
            let path = PathName.join(folder, stale)
            guard access(path, F_OK) == 0 else { continue }
            if try isOurs(path) {
                transaction.remove(path)
                if OutputLayout.secretFileNames.contains(stale) { removedSecrets.append(path) }
            }
        }
        // A trust folder this program wrote is replaced whole, so the hosts of an old service name do not linger.
        let trust = PathName.join(folder, TrustFiles.folder)
        let readme = PathName.join(trust, "README.txt")
        if access(readme, F_OK) == 0, try isOurs(readme) {
            let enumerator = FileManager.default.enumerator(atPath: trust)
            while let relative = enumerator?.nextObject() as? String {
                let name = TrustFiles.folder + "/" + relative
                var info = stat()
                if !names.contains(name), lstat(PathName.join(folder, name), &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
                    transaction.remove(PathName.join(folder, name))
                }
            }
        }
        return removedSecrets
    }

    /// Whether a file in the output folder was written by this program; one that cannot be read is an error, not
    /// taken as absent (it would be replaced without asking).
    static func isOurs(_ path: String) throws(ValuesFileError) -> Bool {
        do { return OutputLayout.isOurs(String(decoding: try FileAccess.readFile(path), as: UTF8.self)) } catch {
            throw ValuesFileError("\(error.description); nothing was changed")
        }
    }

    /// Commits while holding the locks of the output folder (which covers its `trust/` subfolders) and of the
    /// folders of the other files it writes (the values files).
    static func commit(_ transaction: FileTransaction, in folder: String) throws(ValuesFileError) -> FileTransaction.Report {
        let inside = PathName.join(folder, "")
        let others = (transaction.writes.map(\.path) + transaction.removals).filter { !$0.hasPrefix(inside) }
        let lock = try FileLock(folderOf: [PathName.join(folder, OutputLayout.kustomizationName)] + others)
        defer { lock.release() }
        let report = try transaction.commit()
        for folder in Set(transaction.removals.map(PathName.folder(of:))) { removeEmptyFolders(from: folder) }
        return report
    }

    /// Removes a folder of the trust tree left empty by the removals, and its empty parents inside `trust/`.
    static func removeEmptyFolders(from folder: String) {
        var current = folder
        while current.contains("/" + TrustFiles.folder + "/") || current.hasPrefix(TrustFiles.folder + "/"), rmdir(current) == 0 {
            current = PathName.folder(of: current)
        }
    }

    /// How a mode is printed: `0600`.
    static func modeText(_ mode: mode_t?) -> String {
        guard let mode else { return "mode unknown" }
        let digits = String(mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
