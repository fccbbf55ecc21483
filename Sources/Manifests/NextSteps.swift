import RegistryModel

/// What to run after writing, for one install route only, with what must exist first, in order: the last screen,
/// `export` and plain mode print the same lines.
public enum NextSteps {
    /// What the lines depend on besides the configuration.
    public struct Context: Sendable {
        /// The values files Helm reads, in order (`values.yaml`, then `values-tls.yaml`).
        public var valuesFiles: [String]
        public var outputDir: String
        /// This program writes the registry's TLS Secret (`secret.yaml`, or `registryTls` for the chart).
        public var managesTLS: Bool
        /// The values hold `registryTls.crt` and `.key`, from which the chart makes `registry-tls-secret`.
        public var valuesCarryTLS: Bool
        /// The edited file is the chart's values file (it holds other components).
        public var besideChart: Bool
        public init(valuesFiles: [String], outputDir: String, managesTLS: Bool, valuesCarryTLS: Bool, besideChart: Bool)
        {
            self.valuesFiles = valuesFiles
            self.outputDir = outputDir
            self.managesTLS = managesTLS
            self.valuesCarryTLS = valuesCarryTLS
            self.besideChart = besideChart
        }
    }

    /// The file Helm's `--post-renderer` runs, beside the manifests.
    public static let postRenderWrapper = "post-render.sh"

    public static func lines(_ config: RegistryConfig, _ context: Context) -> [String] {
        let view = config.view
        let namespace = config.namespace
        var steps: [String] = []
        let helm = config.route != .kubectl
        if !helm { steps.append("kubectl create namespace \(namespace)   (once; skip it if the namespace exists)") }
        let secret = view.text(.deploymentTlsSecretName)
        let created = context.managesTLS && config.route != .helm
            || config.route == .helm && context.valuesCarryTLS && secret == "registry-tls-secret"
        if view.enabled && !created {
            steps.append("kubectl -n \(namespace) create secret tls \(secret) --cert=tls.crt --key=tls.key   (the "
                + "registry serves it; nothing here creates it)")
        }
        if view.enabled, view.bool(.proxyEnabled) == true, let name = view.string(.proxyPasswordSecretName) {
            steps.append("kubectl -n \(namespace) create secret generic \(name) "
                + "--from-literal=\(view.text(.proxyPasswordSecretKey))=TOKEN   (the upstream's password)")
        }
        if view.enabled, Renderer.needsHTTPSecret(view), let name = view.string(.deploymentHTTPSecretExisting) {
            steps.append("kubectl -n \(namespace) create secret generic \(name) --from-literal="
                         + "\(view.string(.deploymentHTTPSecretKey) ?? Renderer.httpSecretKey)=$(openssl rand -hex 32) "
                         + "  (the replicas' shared HTTP secret)")
        }
        if context.managesTLS && view.enabled {
            steps.append("copy \(PathName.join(context.outputDir, TrustFiles.folder))/ to every node, as its "
                + "README.txt says, "
                + "so nodes trust the certificate")
        }
        let files = context.valuesFiles.map { "-f \($0)" }.joined(separator: " ")
        let upgrade = "helm upgrade --install \(config.release) <kubiya-runner chart> -n \(namespace) "
            + "--create-namespace \(files)"
        switch config.route {
        case .kubectl:
            steps.append("kubectl apply -k \(context.outputDir)")
            if context.besideChart {
                steps.append("when you install the chart, add --set cacheRegistry.enabled=false, so that it does not "
                    + "create the same objects")
            }
        case .helm:
            steps.append(upgrade)
        case .helmPostRender:
            steps.append(upgrade + " --post-renderer \(PathName.join(context.outputDir, postRenderWrapper))")
        }
        return steps
    }

    /// The post-renderer wrapper: runs this program's `post-render` on the same values files, namespace and release,
    /// reusing the HTTP secret of the manifests folder. Paths are absolute, so Helm may run it from anywhere.
    public static func wrapper(executable: String, valuesFiles: [String], namespace: String, release: String,
                               manifests: String) -> String {
        let files = valuesFiles.map { "-f " + shellQuoted($0) }.joined(separator: " ")
        return "#!/bin/sh\n"
            + "# Helm post-renderer written by cache-registry-setup (\(OutputLayout.marker)).\n"
            + "# helm upgrade --install ... --post-renderer "
            + "\(shellQuoted(PathName.join(manifests, postRenderWrapper)))\n"
            + "exec \(shellQuoted(executable)) post-render \(files) -n \(shellQuoted(namespace)) --release "
            + "\(shellQuoted(release)) "
            + "--reuse-from \(shellQuoted(manifests))\n"
    }

    /// The wrapper as a file of the manifests folder, for the `helm-post-render` route; paths made absolute against
    /// `workingDirectory`, so Helm may run it from anywhere.
    public static func wrapperFile(
        _ config: RegistryConfig, valuesFiles: [String], outputDir: String, workingDirectory: String,
                                   executable: String) -> OutputLayout.File? {
        guard config.route == .helmPostRender, config.view.enabled else { return nil }
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : PathName.join(workingDirectory, path) }
        let script = wrapper(
            executable: executable, valuesFiles: valuesFiles.map(absolute), namespace: config.namespace,
                             release: config.release, manifests: absolute(outputDir))
        return OutputLayout.File(name: postRenderWrapper, contents: script, isSecret: false, isExecutable: true)
    }

    /// A word for `sh`: single-quoted unless it is plainly safe.
    static func shellQuoted(_ word: String) -> String {
        let safe =
            !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@".contains($0)) }
        return safe ? word : "'" + word.replacing("'", with: "'\\''") + "'"
    }
}
