import ArgumentParser
import Foundation
import Manifests
import Output
import RegistryModel
import ValuesFile

/// `post-render`: a Helm post-renderer. Helm pipes the release's rendered manifests to standard input and applies
/// what comes out: the same stream with the cache registry's objects replaced by ours, rendered from the same values.
struct PostRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post-render",
        abstract: "Helm post-renderer: replace the chart's cache registry objects in the stream on standard input with "
            + "ours.")

    @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
    @Option(name: [.customShort("n"), .long], help: ArgumentHelp(ProblemLocation.Setting.namespace.help))
    var namespace: String = RegistryConfig.defaultNamespace
    @Option(name: .long, help: ArgumentHelp(ProblemLocation.Setting.release.help))
    var release: String = RegistryConfig.defaultRelease
    @Option(name: .customLong("reuse-from"), help: ArgumentHelp("A manifests folder whose HTTP secret is reused (the "
        + "wrapper passes its own)."))
    var reuseFrom: String?

    /// The most bytes read from Helm: a release's manifests are megabytes, never gigabytes.
    static let streamLimit = 256 << 20

    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("post-render needs the values files Helm reads: post-render "
            + "-f values.yaml") }
    }

    func run() throws {
        var options = ScopeOptions()
        options.namespace = namespace
        options.release = release
        options.route = .helmPostRender
        let files = try options.files(file)
        let config = try options.config(of: files)
        try Checks.requireNoErrors(config, files: files, names: file, command: "post-render", outcome: "nothing was "
            + "printed")
        let input = try StandardStream.readInput(
            limit: PostRenderCommand.streamLimit, what: "a Helm release's manifests")
        guard let stream = String(validating: input, as: UTF8.self) else {
            throw CommandFailure.refused("post-render: the stream on standard input is not UTF-8 text; nothing was "
                + "printed")
        }
        var httpSecret = HTTPSecretStore.fresh()
        if reuseFrom == nil && Renderer.generatesHTTPSecret(config.view) {
            Output.error("warning: the shared HTTP secret is new on every run without --reuse-from DIR; every upgrade "
                + "restarts the replicas: name an existing Secret in deployment.httpSecret.existingSecret")
        }
        if let reuseFrom {
            do { httpSecret = try HTTPSecretStore.value(in: reuseFrom, fileSystem: Environment.disk) } catch {
                throw CommandFailure.file(error.description)
            }
        }
        // The objects export renders for the same values, from the same plan.
        let plan: OutputPlan
        do {
            plan = try OutputPlan(OutputPlan.Inputs(
                config: config, tls: files.flatMap(PEMPair.init(files:)), httpSecret: httpSecret,
                valuesFiles: file, outputDir: reuseFrom ?? ".", workingDirectory: Environment.workingDirectory,
                executable: Environment.executable, singleFile: true))
        } catch {
            throw CommandFailure.failed("post-render: \(error)")
        }
        do {
            Output.data(try PostRenderer.splice(stream, config: config, rendered: plan.rendered))
        } catch {
            throw CommandFailure.refused("post-render: \(error.description)")
        }
    }
}
