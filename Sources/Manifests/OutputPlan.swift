import RegistryModel

/// Everything one write puts in the output folder, computed in one place, as git's index is one staged tree that
/// the commit then writes: the rendered objects, their files (or one stream), `trust/` for nodes, the Helm
/// post-renderer and its plugin, and whether the claim the folder applied before must be recreated. The wizard,
/// `export`, `tls generate`, `gc` and `post-render` all take their files and objects from here.
public struct OutputPlan: Sendable {
    /// What a plan is made from.
    public struct Inputs: Sendable {
        public var config: RegistryConfig
        /// The TLS pair the program manages (its Secret, `trust/`), when it does.
        public var tls: PEMPair?
        /// The replicas' shared HTTP secret, when one is generated here.
        public var httpSecret: String?
        /// The values files Helm reads, in order (for the post-renderer, which reads them too).
        public var valuesFiles: [String]
        public var outputDir: String
        /// Where the program runs and which executable it is: the post-renderer's paths are made absolute.
        public var workingDirectory: String
        public var executable: String
        /// One stream (`--single-file`, `-o -`) instead of a file per object.
        public var singleFile: Bool
        /// The binding spec of the claim applied before (`ClaimChange.spec`), to compare with this one.
        public var previousClaim: Value?

        public init(config: RegistryConfig, tls: PEMPair?, httpSecret: String?, valuesFiles: [String],
                    outputDir: String, workingDirectory: String, executable: String, singleFile: Bool = false,
                    previousClaim: Value? = nil) {
            self.config = config
            self.tls = tls
            self.httpSecret = httpSecret
            self.valuesFiles = valuesFiles
            self.outputDir = outputDir
            self.workingDirectory = workingDirectory
            self.executable = executable
            self.singleFile = singleFile
            self.previousClaim = previousClaim
        }
    }

    public let rendered: RenderedSet
    /// The files, relative to the output folder, in the order they are written.
    public let files: [OutputLayout.File]
    /// Those of `trust/` among them.
    public let trustFiles: [OutputLayout.File]
    /// The claim differs from the one the folder applied before in what a bound claim cannot change.
    public let claimChanges: Bool
    /// What the write itself causes: a claim that must be recreated, a shared HTTP secret that is new on every
    /// export to standard output (`outputDir` `-`).
    public let problems: [Problem]

    public init(_ inputs: Inputs) throws(Emitter.EmitError) {
        let config = inputs.config
        rendered = Renderer.render(config, tls: inputs.tls, httpSecret: inputs.httpSecret)
        trustFiles = inputs.singleFile ? [] : inputs.tls.map {
            TrustFiles.files(certificatePEM: $0.certificatePEM, config: config)
        } ?? []
        var layout = try OutputLayout(rendered: rendered, singleFile: inputs.singleFile, trust: trustFiles)
        if !inputs.singleFile, let readme = OutputPlan.mirrorsReadme(config, rendered: rendered) {
            layout.files.append(readme)
        }
        if !inputs.singleFile {
            layout.files += try NextSteps.helmFiles(
                config, valuesFiles: inputs.valuesFiles, outputDir: inputs.outputDir,
                workingDirectory: inputs.workingDirectory, executable: inputs.executable)
        }
        files = layout.files
        let claim = rendered.resources.first { $0.fileName == OutputFile.claim.name }?.object
        claimChanges = ClaimChange.differs(previous: inputs.previousClaim, new: ClaimChange.bindingSpec(claim))
        var problems = claimChanges ? [ClaimChange.problem(config)] : []
        if inputs.outputDir == "-", Renderer.generatesHTTPSecret(config.view) {
            problems.append(.warning(.httpSecretChanges, .deploymentReplicas, "the shared HTTP secret is new on every "
                + "export to standard output, so GitOps tools see a change each run; name an existing Secret in "
                + "deployment.httpSecret.existingSecret, or export into a folder, where it is kept"))
        }
        self.problems = problems
    }

    /// `mirrors/README.txt`: each cache, its upstream, its node address and its files; nil without mirrors.
    static func mirrorsReadme(_ config: RegistryConfig, rendered: RenderedSet) -> OutputLayout.File? {
        let mirrors = Mirrors.list(config).filter { !$0.name.isEmpty }
        guard !mirrors.isEmpty, config.view.enabled else { return nil }
        var lines = ["# \(OutputLayout.marker)", "The caches beside the registry, one folder each (kustomization.yaml "
            + "above applies them all):", ""]
        for mirror in mirrors {
            let folder = Renderer.mirrorFolder(mirror)
            let address = mirror.config(in: config).nodeAddress ?? "none: nodes cannot pull through it"
            lines += ["\(folder)/", "    caches      \(mirror.upstream ?? "")", "    node address \(address)",
                      "    objects     " + rendered.resources.filter { $0.fileName.hasPrefix(folder + "/") }
                          .map { "\($0.kind) \($0.name)" }.joined(separator: ", "), ""]
        }
        return OutputLayout.File(name: OutputFile.mirrorsReadme.name, contents: lines.joined(separator: "\n"),
                                 isSecret: false)
    }

    /// `tls generate`'s files: the certificate, its key and the TLS Secret, for the manifests folder.
    public static func tlsPair(_ config: RegistryConfig, _ tls: PEMPair) throws(Emitter.EmitError)
        -> [OutputLayout.File]
    {
        var kubectl = config
        kubectl.route = .kubectl  // the Secret file, whatever route installs the chart's own
        var files = [
            OutputLayout.File(name: OutputFile.certificate.name, contents: tls.certificatePEM, isSecret: false),
            OutputLayout.File(name: OutputFile.key.name, contents: tls.keyPEM, isSecret: true),
        ]
        if let secret = Renderer.render(kubectl, tls: tls).resources.first(where: {
            $0.fileName == OutputFile.tlsSecret.name
        }) {
            files.append(OutputLayout.File(name: OutputFile.tlsSecret.name, contents: try Emitter.yaml(secret.object),
                                           isSecret: true))
        }
        return files
    }

    /// `gc`'s Job, marked as this program's.
    public static func gcJob(_ config: RegistryConfig, dryRun: Bool) throws(Emitter.EmitError) -> OutputLayout.File {
        let job = GarbageCollection.job(config, dryRun: dryRun)
        return OutputLayout.File(name: OutputFile.gcJob.name,
                                 contents: "# \(OutputLayout.marker)\n" + (try Emitter.yaml(job.object)),
                                 isSecret: false)
    }
}
