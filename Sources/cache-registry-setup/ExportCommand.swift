import ArgumentParser
import Diagnostics
import Foundation
import Manifests
import Output
import RegistryModel
import RegistryTLS
import ValuesFile

/// `export`: renders the manifests headlessly, for scripts and CI.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Render the Kubernetes manifests (files per resource plus kustomization.yaml, or one stream with -o "
            + "-).")

    @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
    @OptionGroup var options: ScopeOptions

    @Option(name: [.customShort("o"), .long], help: "Output folder, or - for standard output.")
    var output: String = "manifests"

    @Flag(name: .long, help: "Write one multi-document file (cache-registry.yaml) instead of one file per resource.")
    var singleFile = false

    @OptionGroup var overrides: ValueOverrides

    @Option(help: ArgumentHelp("The chart the printed helm commands install: its repository/name "
        + "(kubiya/kubiya-runner) or its folder."))
    var chart: String?

    func run() throws {
        let files = try options.files(file)
        let (config, assignments) = try Checks.applying(overrides, to: try options.config(of: files))
        let problems = Diagnostics.problems(config, files: files, overrides: assignments, now: Environment.now)
        Checks.print(problems, file: file.isEmpty ? "values" : file.joined(separator: ", "))
        if !problems.errors.isEmpty {
            Output.error("not exported: the configuration has \(problems.errors.count) "
                + "error\(problems.errors.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let tls = files.flatMap(PEMPair.init(files:))
        let httpSecret: String
        do {
            httpSecret = output == "-" ? HTTPSecretStore.fresh()
                : try HTTPSecretStore.value(in: output, fileSystem: Environment.disk)
        } catch {
            throw CommandFailure.file(error.description)
        }
        // The claim this folder applied before, to say when its spec changes in what a bound claim cannot change.
        let claimPath = PathName.join(output, OutputFile.claim.name)
        var previousClaim: Value?
        if output != "-", FileAccess.exists(claimPath, in: Environment.disk) {
            do {
                let bytes = try FileAccess.readFile(claimPath, limit: 1 << 20, what: "a manifest", in: Environment.disk)
                previousClaim = ClaimChange.spec(ofFile: String(decoding: bytes, as: UTF8.self))
            } catch {
                Output.error("note: \(error); the claim written before is not compared with this one")
            }
        }
        let plan: OutputPlan
        do {
            plan = try OutputPlan(OutputPlan.Inputs(
                config: config, tls: tls, httpSecret: httpSecret, valuesFiles: file, outputDir: output,
                workingDirectory: Environment.workingDirectory, executable: Environment.executable,
                singleFile: singleFile || output == "-", previousClaim: previousClaim))
        } catch {
            throw CommandFailure.failed(error.description)
        }
        let rendered = plan.rendered
        if output == "-" {
            for note in rendered.notes { Output.error("note: \(note)") }
            for problem in plan.problems { Output.error(problem.description) }
            Output.data(plan.files.first?.contents ?? "")
            return
        }
        let removedSecrets: [String]
        let report: FileTransaction.Report
        do {
            let outcome = try ManifestWriter.commit(
                plan.files, in: output, alongside: FileTransaction(fileSystem: Environment.disk), replacingOutput: true,
                wait: Environment.lockWait)
            (report, removedSecrets) = (outcome.report, outcome.removedSecrets)
        } catch { throw CommandFailure.file(error.description) }
        for note in rendered.omitted { Output.line("note: \(note.reason)") }
        for note in rendered.notes { Output.line("note: \(note)") }
        for problem in plan.problems { Output.error("\(problem) (\(claimPath))") }
        let listed = plan.files.filter { !$0.name.hasPrefix(TrustFiles.folder + "/") }.map { file in
            let path = PathName.join(output, file.name)
            return file.isSecret ? "\(path) (\(ManifestWriter.modeText(report.mode(of: path))))" : path
        }
        let trustNote = plan.trustFiles.isEmpty ? "" : ", and \(PathName.join(output, TrustFiles.folder))/ "
            + "(\(plan.trustFiles.count) "
            + "files: see its README.txt)"
        Output.line("wrote \(listed.joined(separator: ", "))\(trustNote)")
        for failure in report.notRemoved { Output.error("warning: a stale file could not be removed: \(failure)") }
        for path in removedSecrets where report.removed.contains(path) {
            Output.error("note: removed \(path), a Secret this program wrote before: this configuration manages no "
                + "such Secret")
        }
        let context = NextSteps.Context(
            valuesFiles: file, outputDir: output, managesTLS: tls != nil,
            valuesTLS: tls.map { PublishedPairs.contains(certificatePEM: $0.certificatePEM) ? .published : .own }
                ?? .none,
            besideChart: files?.holdsOtherComponents ?? false, chart: chart,
            helm: config.route == .helmPostRender ? Environment.helmOnPath : nil,
            replacedClaim: .from(previous: previousClaim, changes: plan.claimChanges))
        Output.line("next, with \(config.route.rawValue), in this order:")
        for (index, step) in NextSteps.lines(config, context).enumerated() { Output.line("  \(index + 1). \(step)") }
        if let ignored = ChartRules.ignoredNote(config) { Output.line("note: \(ignored)") }
        if let missing = ValuesFiles.unreadTLSValues(beside: file, in: Environment.disk) {
            Output.error("warning: \(missing) holds the registry's TLS pair but was not read: give it too, as in "
                         + "export -f \(file.last ?? "values.yaml") -f \(missing)")
        }
    }
}

extension PEMPair {
    /// The pair the values files carry under `registryTls`, when they hold the key too.
    init?(files: ValuesFiles) {
        guard let material = files.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:)),
            let key = material.keyPEM
        else { return nil }
        self.init(certificatePEM: material.certificatePEM, keyPEM: key)
    }
}
