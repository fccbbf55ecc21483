import RegistryModel
import ValuesFile

/// What to run after writing, for one install route only, in an order that works on a fresh cluster: the namespace
/// first, the Secrets nothing here creates, the install, `doctor` last. The last screen, `export` and plain mode
/// print the same lines; the tests run the Helm commands they give (with `template` for `upgrade --install`).
public enum NextSteps {
    /// What `registryTls` the values files hold.
    public enum ValuesTLS: Sendable {
        /// None: the chart's own defaults bring in its published pair.
        case none
        /// The chart's published pair, whose key everyone has.
        case published
        /// A pair of their own.
        case own
    }

    /// The Helm major version the commands are for: Helm 4 takes a plugin name after `--post-renderer`, Helm 3 a
    /// path.
    public enum HelmMajor: Int, Sendable { case three = 3, four = 4 }

    /// What the lines depend on besides the configuration.
    public struct Context: Sendable {
        /// The values files Helm reads, in order (`values.yaml`, then `values-tls.yaml`).
        public var valuesFiles: [String]
        public var outputDir: String
        /// This program writes the registry's TLS pair (`secret.yaml`, or `registryTls` for the chart).
        public var managesTLS: Bool
        /// The pair the values files hold in `registryTls`, from which the chart's hook makes `registry-tls-secret`.
        public var valuesTLS: ValuesTLS
        /// The edited file is the chart's values file (it holds other components).
        public var besideChart: Bool
        /// The chart to install (`kubiya/kubiya-runner`, a folder); nil: `$KUBIYA_CHART`, explained once.
        public var chart: String?
        /// The Helm on PATH; nil when none was found (then both majors' commands are given).
        public var helm: HelmMajor?
        /// The claim the folder applied before cannot become this one in place (a storage switch): the steps
        /// replace it. Its PV, when it was bound to one of ours.
        public var replacedClaim: ReplacedClaim?

        public init(valuesFiles: [String], outputDir: String, managesTLS: Bool, valuesTLS: ValuesTLS, besideChart: Bool,
                    chart: String? = nil, helm: HelmMajor? = nil, replacedClaim: ReplacedClaim? = nil) {
            self.replacedClaim = replacedClaim
            self.valuesFiles = valuesFiles
            self.outputDir = outputDir
            self.managesTLS = managesTLS
            self.valuesTLS = valuesTLS
            self.besideChart = besideChart
            self.chart = chart
            self.helm = helm
        }
    }

    /// A claim applied before that this write replaces, and the PV it was bound to (nil: a class made its volume).
    public struct ReplacedClaim: Sendable, Equatable {
        public let volume: String?
        public init(volume: String?) { self.volume = volume }

        /// From the claim's binding spec as the folder holds it, when this write changes it.
        public static func from(previous: Value?, changes: Bool) -> ReplacedClaim? {
            guard changes else { return nil }
            let volume = previous?["volumeName"]?.scalar?.text
            return ReplacedClaim(volume: volume?.isEmpty == false ? volume : nil)
        }
    }

    static let postRenderWrapper = OutputFile.postRenderWrapper.name
    static let pluginFolder = OutputFile.helmPlugin.folder ?? ""
    /// The placeholder for the chart when none was given.
    static let chartPlaceholder = "\"$KUBIYA_CHART\""

    /// The name the Helm 4 plugin is installed under: one per release.
    public static func pluginName(_ config: RegistryConfig) -> String { "cache-registry-\(config.release)" }

    public static func lines(_ config: RegistryConfig, _ context: Context) -> [String] {
        let view = config.view
        let namespace = config.namespace
        var steps = ["kubectl create namespace \(namespace)   (once; skip it if the namespace exists)"]
        guard view.enabled else { return steps + install(config, context, valuesFiles: context.valuesFiles) }
        let installsChart = config.route != .kubectl || context.besideChart
        if installsChart && context.chart == nil {
            steps.append("export KUBIYA_CHART=kubiya/kubiya-runner   (the kubiya-runner chart the helm command below "
                + "installs: its repository/name after helm repo add, or its folder; --chart REF prints it here)")
        }
        var valuesFiles = context.valuesFiles
        let secret = view.text(.deploymentTlsSecretName)
        let hookServes = config.route != .kubectl && secret == Renderer.chartTLSSecretName
        if hookServes && context.valuesTLS != .own {
            // The chart's published pair (its defaults', or in the file) is what its pre-install hook would serve.
            let last = valuesFiles.last ?? "values.yaml"
            let target = context.valuesTLS == .published ? last : ValuesFiles.tlsValuesPath(beside: last)
            steps.append("cache-registry-setup tls generate -f \(shellQuoted(last)) -n \(namespace) -o "
                + "\(shellQuoted(context.outputDir))   (the values bring in the chart's published TLS pair, whose key "
                + "everyone has, and its pre-install hook makes \(Renderer.chartTLSSecretName) from it: this writes a "
                + "new pair into \(target), which the helm command below reads)")
            if !valuesFiles.contains(target) { valuesFiles.append(target) }
        } else if !hookServes && (config.route == .helm || !context.managesTLS) {
            let names = (config.certificateNames + config.certificateIPs.map { "IP " + $0 })
                .joined(separator: ", ")
            let generate = "cache-registry-setup tls generate -f \(shellQuoted(valuesFiles.last ?? "values.yaml")) -n "
                + "\(namespace) -o \(shellQuoted(context.outputDir))"
            steps.append("kubectl -n \(namespace) create secret tls \(secret) --cert=tls.crt --key=tls.key   (the "
                + "registry serves it; nothing here creates it. Its certificate must cover \(names); \(generate) "
                + "makes such a pair)")
        }
        if view.bool(.proxyEnabled) == true, let name = view.string(.proxyPasswordSecretName) {
            steps.append("kubectl -n \(namespace) create secret generic \(name) "
                + "--from-literal=\(view.text(.proxyPasswordSecretKey))=TOKEN   (the upstream's password)")
        }
        if view.storageMode == .s3, let name = view.string(.s3CredentialsSecret) {
            steps.append(StorageMode.credentialsCommand(view, name, namespace: namespace) + "   (the bucket's keys)")
        }
        if Renderer.needsHTTPSecret(view), let name = view.string(.deploymentHTTPSecretExisting) {
            steps.append("kubectl -n \(namespace) create secret generic \(name) --from-literal="
                         + "\(view.string(.deploymentHTTPSecretKey) ?? Renderer.httpSecretKey)=$(openssl rand -hex 32) "
                         + "  (the replicas' shared HTTP secret)")
        }
        if context.managesTLS, config.nodeAddress != nil {
            steps.append("copy \(PathName.join(context.outputDir, TrustFiles.folder))/ to every node, as its "
                + "README.txt says, so nodes trust the certificate")
        }
        if let replaced = context.replacedClaim, view.storageMode.hasClaim || replaced.volume != nil {
            steps += replacing(replaced, config, install: install(config, context, valuesFiles: valuesFiles))
        } else {
            steps += install(config, context, valuesFiles: valuesFiles)
        }
        steps.append(doctor(config, valuesFiles: valuesFiles))
        return steps
    }

    /// A storage switch on an installed registry: stop it, replace the claim (and the PV, whose source cannot
    /// change either), install, start it again. The data stays where it was.
    static func replacing(_ replaced: ReplacedClaim, _ config: RegistryConfig, install: [String]) -> [String] {
        let view = config.view
        let namespace = config.namespace, deployment = view.text(.deploymentName)
        var steps = ["kubectl -n \(namespace) scale deployment/\(deployment) --replicas=0   (the claim's spec changes "
            + "and a bound claim's cannot: the registry stops while its storage is replaced)"]
        steps.append("kubectl -n \(namespace) delete pvc \(view.text(.pvcName)) --ignore-not-found   (the data does "
            + "not move: the new volume starts empty; copy what you need before this)")
        if let volume = replaced.volume {
            steps.append("kubectl delete pv \(volume) --ignore-not-found   (a PV's source cannot change; with reclaim "
                + "policy Retain the data stays on its disk. Kept, a PV whose claim was deleted is Released and keeps "
                + "its claimRef, so it never binds again until kubectl patch pv \(volume) --type merge -p "
                + "'{\"spec\":{\"claimRef\":null}}')")
        }
        return steps + install + ["kubectl -n \(namespace) scale deployment/\(deployment) "
            + "--replicas=\(view.integer(.deploymentReplicas))   (once the new claim is Bound)"]
    }

    /// The install itself: one command, or Helm 4's plugin install before it.
    static func install(_ config: RegistryConfig, _ context: Context, valuesFiles: [String]) -> [String] {
        let chart = context.chart.map(shellQuoted) ?? chartPlaceholder
        let files = valuesFiles.map { "-f " + shellQuoted($0) }.joined(separator: " ")
        let upgrade = "helm upgrade --install \(shellQuoted(config.release)) \(chart) -n \(config.namespace) "
            + "--create-namespace \(files)"
        switch config.route {
        case .kubectl:
            var steps = ["kubectl apply -k \(shellQuoted(context.outputDir))"]
            if context.besideChart {
                steps.append("helm upgrade --install \(shellQuoted(config.release)) \(chart) -n \(config.namespace) "
                    + "\(files) --set cacheRegistry.enabled=false --set registryTls.crt= --set registryTls.key=   "
                    + "(whenever you install the chart: it then makes neither the registry nor its TLS Secret)")
            }
            return steps
        case .helm:
            return [upgrade]
        case .helmPostRender:
            let wrapper = shellQuoted(PathName.join(context.outputDir, postRenderWrapper))
            let plugin = "helm plugin install \(shellQuoted(PathName.join(context.outputDir, pluginFolder)))   (once; "
                + "helm plugin uninstall \(pluginName(config)) first if it points at another folder)"
            let four = upgrade + " --post-renderer \(pluginName(config))"
            switch context.helm {
            case .three?: return [upgrade + " --post-renderer \(wrapper)"]
            case .four?: return [plugin, four]
            case nil: return ["with Helm 3: \(upgrade) --post-renderer \(wrapper)", "with Helm 4: \(plugin)",
                              "with Helm 4: \(four)"]
            }
        }
    }

    /// `doctor` against what nodes meet: the node address, or a port-forward when nodes have none.
    static func doctor(_ config: RegistryConfig, valuesFiles: [String]) -> String {
        let files = valuesFiles.map { " -f " + shellQuoted($0) }.joined()
        let namespace = " -n \(config.namespace)"
        let caches = Mirrors.list(config).filter { !$0.name.isEmpty }
        if !caches.isEmpty {
            // Every cache at its node address: the registry and each mirror (nodes pull through them).
            return "cache-registry-setup doctor\(files)\(namespace) --all   (checks the registry and "
                + caches.map(\.objectName).joined(separator: ", ") + " as nodes meet them)"
        }
        if config.nodeAddress != nil {
            return "cache-registry-setup doctor\(files)\(namespace)   (checks the registry as a node meets it)"
        }
        let view = config.view
        return "kubectl -n \(config.namespace) port-forward service/\(view.text(.serviceName)) "
            + "8443:\(view.integer(.servicePort)) & cache-registry-setup doctor\(files)\(namespace) --address "
            + "127.0.0.1:8443   (checks TLS, /v2/ and pushes through a port-forward: no node address is set)"
    }

    /// The post-renderer wrapper: runs this program's `post-render` on the same values files, namespace and release,
    /// reusing the HTTP secret of the manifests folder. Paths are absolute, so Helm may run it from anywhere.
    public static func wrapper(executable: String, valuesFiles: [String], namespace: String, release: String,
                               manifests: String) -> String {
        let files = valuesFiles.map { "-f " + shellQuoted($0) }.joined(separator: " ")
        return "#!/bin/sh\n"
            + "# Helm post-renderer written by cache-registry-setup (\(OutputLayout.marker)).\n"
            + "# Helm 3: helm upgrade --install ... --post-renderer "
            + "\(shellQuoted(PathName.join(manifests, postRenderWrapper)))\n"
            + "exec \(shellQuoted(executable)) post-render \(files) -n \(shellQuoted(namespace)) --release "
            + "\(shellQuoted(release)) "
            + "--reuse-from \(shellQuoted(manifests))\n"
    }

    /// The Helm 4 plugin (`type: postrenderer/v1`) that runs the wrapper.
    static func plugin(_ config: RegistryConfig, wrapper: String) throws(Emitter.EmitError) -> String {
        let manifest: Value = [
            "apiVersion": "v1",
            "type": "postrenderer/v1",
            "name": .string(pluginName(config)),
            "version": "1.0.0",
            "runtime": "subprocess",
            "runtimeConfig": ["platformCommand": [["command": .string(wrapper)]]],
        ]
        let text = try Emitter.yaml(manifest)
        return "# Helm 4 post-renderer plugin written by cache-registry-setup (\(OutputLayout.marker)).\n"
            + "# helm plugin install <this folder>, then helm upgrade --install ... --post-renderer "
            + "\(pluginName(config))\n" + text
    }

    /// The wrapper and the Helm 4 plugin as files of the manifests folder, for the `helm-post-render` route; paths
    /// made absolute against `workingDirectory`, so Helm may run them from anywhere.
    public static func helmFiles(
        _ config: RegistryConfig, valuesFiles: [String], outputDir: String, workingDirectory: String,
        executable: String
    ) throws(Emitter.EmitError) -> [OutputLayout.File] {
        guard config.route == .helmPostRender, config.view.enabled else { return [] }
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : PathName.join(workingDirectory, path) }
        let manifests = absolute(outputDir)
        let script = wrapper(executable: executable, valuesFiles: valuesFiles.map(absolute),
                             namespace: config.namespace, release: config.release, manifests: manifests)
        return [
            OutputLayout.File(name: postRenderWrapper, contents: script, isSecret: false, isExecutable: true),
            OutputLayout.File(name: OutputFile.helmPlugin.name,
                              contents: try plugin(config, wrapper: PathName.join(manifests, postRenderWrapper)),
                              isSecret: false),
        ]
    }

    /// A word for `sh`: single-quoted unless it is plainly safe.
    static func shellQuoted(_ word: String) -> String {
        let safe =
            !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@".contains($0)) }
        return safe ? word : "'" + word.replacing("'", with: "'\\''") + "'"
    }
}
