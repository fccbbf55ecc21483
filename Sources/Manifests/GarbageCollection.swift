import RegistryModel

/// Distribution's `garbage-collect` as a Job: on the registry's claim (on its node when the volume is one node's),
/// with its image and config, run while the registry is read-only and goes on serving pulls, with the steps in
/// order. Below distribution 3.0 untagged manifests are kept: `--delete-untagged` there deletes the children of
/// image indexes (multi-arch images, BuildKit's attestations), so their tags no longer pull (distribution#3004,
/// #3178; fixed in 3.0).
public enum GarbageCollection {

    /// The read-only switch as distribution reads it: the whole `storage.maintenance` map. The single key
    /// (`REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED`) makes 2.8 to 3.1 panic ("readonly config key must contain
    /// additional keys", distribution#1736, #3765).
    public static let readOnlyVariable = "REGISTRY_STORAGE_MAINTENANCE"
    public static let readOnlyValue = #"{"readonly":{"enabled":true}}"#

    /// The config file the official image reads (registry 3 moved it).
    public static func configPath(_ view: RegistryConfig.View) -> String {
        view.registryMajor.map { $0 >= 3 } == true ? "/etc/distribution/config.yml" : "/etc/docker/registry/config.yml"
    }

    /// Whether the image's distribution deletes untagged manifests safely (3.0 on; an image whose tag names no
    /// version is taken as older).
    public static func deletesUntagged(_ view: RegistryConfig.View) -> Bool {
        view.registryMajor.map { $0 >= 3 } == true
    }

    /// The command the Job runs; with `dryRun`, distribution's own `--dry-run`, which deletes nothing and lists
    /// what would go.
    public static func command(_ view: RegistryConfig.View, dryRun: Bool = false) -> [String] {
        ["/bin/registry", "garbage-collect"] + (deletesUntagged(view) ? ["--delete-untagged"] : [])
            + (dryRun ? ["--dry-run"] : []) + [configPath(view)]
    }

    public static func jobName(_ view: RegistryConfig.View) -> String { view.text(.deploymentName) + "-gc" }

    /// The Job, from the Deployment's own pod: the same volumes, security, scheduling, image and env, one container
    /// that runs the collection and exits, never restarted, labels the registry's Service does not select, and, on
    /// storage one node holds, the registry's node.
    public static func job(_ config: RegistryConfig, dryRun: Bool = false) -> RenderedResource {
        let view = config.view
        let labels =
            Renderer.commonLabels(config).filter { $0.key != "app" } + [
                Entry(key: "app", value: .string(view.text(.deploymentSelector) + "-gc"))
            ]
        let deployment = Renderer.deployment(config, labels: labels, tls: nil).object
        let pod = deployment["spec"]?["template"]?["spec"]?.entries ?? []
        let registry = deployment["spec"]?["template"]?["spec"]?["containers"]?.items?.first?.entries ?? []
        let dropped: Set<String> = ["ports", "livenessProbe", "readinessProbe", "name"]
        let container = [Entry(key: "name", value: "garbage-collect"),
                         Entry(key: "command", value: .sequence(command(view, dryRun: dryRun).map(Value.string)))]
            + registry.filter { !dropped.contains($0.key) }
        var podSpec = pod.filter { $0.key != "affinity" }.map { entry in
            entry.key == "containers" ? Entry(key: "containers", value: [.mapping(container)]) : entry
        } + [Entry(key: "restartPolicy", value: "Never")]
        if let affinity = jobAffinity(view, pod: pod) { podSpec.append(Entry(key: "affinity", value: affinity)) }
        return Renderer.resource(
            "batch/v1", "Job", jobName(view), namespace: config.namespace, labels: labels, file: .gcJob,
            body: [
            Entry(key: "spec", value: [
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 86400,
                "template": ["metadata": ["labels": .mapping(labels)], "spec": .mapping(podSpec)],
            ]),
        ])
    }

    /// The values' affinity, and on storage only one node holds (hostPath, ReadWriteOnce) the registry pod's node,
    /// where the volume is (a ReadWriteOnce volume mounts in several pods of one node).
    static func jobAffinity(_ view: RegistryConfig.View, pod: [Entry]) -> Value? {
        let own = view.value(.deploymentAffinity).flatMap { $0.entries?.isEmpty == false ? $0 : nil }
        guard !view.isShared else { return own }
        let sameNode: Value = ["requiredDuringSchedulingIgnoredDuringExecution": [[
            "labelSelector": ["matchLabels": ["app": .string(view.text(.deploymentSelector))]],
            "topologyKey": "kubernetes.io/hostname",
        ]]]
        return (own ?? .emptyMapping).setting(sameNode, at: KeyPath(["podAffinity"]))
    }

    /// The maintenance steps in order. The registry goes read-only (pulls go on, pushes are refused), the Job
    /// collects, and the registry goes back to read-write whatever the Job did; every step ends with the registry
    /// serving pulls.
    public static func steps(_ config: RegistryConfig, file: String, dryRun: Bool = false) -> [String] {
        let view = config.view
        let ns = "kubectl -n \(config.namespace)"
        let deployment = "deploy/\(view.text(.deploymentName))"
        let job = "job/\(jobName(view))"
        let why = deletesUntagged(view) ? "" : "; untagged manifests stay until the image is registry 3: below 3.0 "
            + "--delete-untagged deletes the children of multi-arch images (distribution#3004)"
        if dryRun {
            return ["\(ns) apply -f \(file)   (a dry run: nothing is deleted, and the registry goes on as it is)",
                    "\(ns) wait --for=condition=complete \(job) --timeout=60m; \(ns) logs \(job)   (what a collection "
                        + "would delete\(why))",
                    "\(ns) delete \(job)"]
        }
        return [
            "\(ns) set env \(deployment) '\(readOnlyVariable)=\(readOnlyValue)'   (read-only: pulls go on, pushes "
                + "are refused with 405 until the last steps)",
            "\(ns) rollout status \(deployment)",
            "\(ns) apply -f \(file)",
            "\(ns) wait --for=condition=complete \(job) --timeout=60m; \(ns) logs \(job)   (what was deleted\(why))",
            "\(ns) set env \(deployment) \(readOnlyVariable)-   (read-write again, whatever the Job did: run it after "
                + "a failed or timed-out wait too)",
            "\(ns) rollout status \(deployment)",
            "\(ns) delete \(job)",
        ]
    }
}
