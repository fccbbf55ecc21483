import RegistryModel

/// The files an export writes: one per resource plus `kustomization.yaml`, or one stream.
public struct OutputLayout: Sendable {
    /// One output file.
    public struct File: Sendable, Equatable {
        /// The path relative to the manifests folder (`deployment.yaml`, `trust/ca.crt`).
        public let name: String
        public let contents: String
        /// Secrets are written 0600.
        public let isSecret: Bool
        /// A script (the post-renderer wrapper), written 0755.
        public let isExecutable: Bool
        public init(name: String, contents: String, isSecret: Bool, isExecutable: Bool = false) {
            self.name = name
            self.contents = contents
            self.isSecret = isSecret
            self.isExecutable = isExecutable
        }
    }

    public var files: [File]
    /// Every name an export may write directly in the folder, in the order they are rendered, for removing stale
    /// ones.
    public static let allFileNames = OutputFile.allCases.filter { $0.isExportOutput && $0.folder == nil }.map(\.name)
    /// Folders this program writes whole, each known as ours by the file in it that carries the marker.
    public static let ownFolders: [(folder: String, markedFile: String)] = [(TrustFiles.folder, TrustFiles.readme)]
        + OutputFile.allCases.compactMap { file in file.folder.map { ($0, file.name) } }
    /// The names among them that hold a secret (written 0600, and never removed without saying so).
    public static let secretFileNames = Set(OutputFile.allCases.filter(\.holdsSecret).map(\.name))
    public static let marker = "app.kubernetes.io/managed-by: cache-registry-setup"

    /// `trust` files (`TrustFiles`) go beside the manifests, not into the kustomization or a single stream.
    public init(rendered: RenderedSet, singleFile: Bool, trust: [File] = []) throws(Emitter.EmitError) {
        let hasSecret = rendered.resources.contains { $0.kind == "Secret" }
        if singleFile {
            let stream = try Emitter.stream(rendered.resources.map(\.object))
            files = [File(name: OutputFile.stream.name, contents: stream, isSecret: hasSecret)]
            return
        }
        var files: [File] = []
        for resource in rendered.resources {
            files.append(
                File(
                    name: resource.fileName, contents: try Emitter.yaml(resource.object),
                    isSecret: resource.kind == "Secret"))
        }
        let kustomization: Value = [
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "metadata": ["name": "cache-registry",
                                                   "annotations": ["config.kubernetes.io/local-config": "true"]],
            "labels": .sequence([]),
            "resources": .sequence(files.map { .string($0.name) }),
        ]
        files.append(File(name: OutputFile.kustomization.name,
                contents: "# " + OutputLayout.marker + "\n" + (try Emitter.yaml(kustomization.removing("labels"))),
                isSecret: false))
        self.files = files + trust
    }

    /// Whether a file's text was written by this program.
    public static func isOurs(_ text: String) -> Bool { text.contains(marker) }
}
