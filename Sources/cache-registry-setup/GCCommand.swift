import ArgumentParser
import Foundation
import Manifests
import Output
import RegistryModel
import ValuesFile

/// `gc`: the garbage-collection Job for the registry's storage, and the maintenance steps around it.
struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Write gc-job.yaml (registry garbage-collect on the registry's claim) and print the maintenance "
            + "steps.")

    @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
    @OptionGroup var options: ScopeOptions
    @Option(name: [.customShort("o"), .long], help: "Folder for gc-job.yaml, or - for standard output.") var output:
        String = "manifests"
    @Flag(name: .customLong("dry-run"), help: ArgumentHelp("A Job that deletes nothing and lists what a collection "
        + "would delete (garbage-collect --dry-run)."))
    var dryRun = false

    func run() throws {
        let files = try options.files(file)
        let config = try options.config(of: files)
        try Checks.requireNoErrors(config, files: files, names: file, command: "gc", outcome: "nothing was written")
        guard config.view.enabled else { throw CommandFailure.refused("gc: cacheRegistry.enabled is false: there is no "
            + "registry to collect") }
        let job: OutputLayout.File
        do { job = try OutputPlan.gcJob(config, dryRun: dryRun) } catch {
            throw CommandFailure.failed("gc: \(error)")
        }
        if output == "-" {
            Output.data(job.contents)
            return
        }
        let path = PathName.join(output, job.name)
        do {
            _ = try ManifestWriter.commit(
                [job], in: output, alongside: FileTransaction(fileSystem: Environment.disk), replacingOutput: false,
                wait: Environment.lockWait)
        } catch { throw CommandFailure.file(error.description) }
        Output.line("wrote \(path)")
        Output.line(dryRun ? "then, in this order (a dry run: the registry goes on as it is):"
            : "then, in this order (the registry stays up read-only while the Job runs: garbage-collect must not run "
                + "beside writes):")
        for (index, step) in GarbageCollection.steps(config, file: path, dryRun: dryRun).enumerated() {
            Output.line("  \(index + 1). \(step)")
        }
    }
}
