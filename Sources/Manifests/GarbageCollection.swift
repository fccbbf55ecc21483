import RegistryModel

/// Distribution's `garbage-collect` as a Job: on the registry's claim, node constraints, image and config, run
/// while nothing writes (the registry scaled to 0, or read-only on shared storage), with the steps in order.
public enum GarbageCollection {
    public static let fileName = "gc-job.yaml"

    /// The config file the official image reads (registry 3 moved it).
    public static func configPath(_ view: RegistryConfig.View) -> String {
        view.registryMajor.map { $0 >= 3 } == true ? "/etc/distribution/config.yml" : "/etc/docker/registry/config.yml"
    }

    /// The command the Job runs.
    public static func command(_ view: RegistryConfig.View) -> [String] {
        ["/bin/registry", "garbage-collect", "--delete-untagged", configPath(view)]
    }

    public static func jobName(_ view: RegistryConfig.View) -> String { view.text(.deploymentName) + "-gc" }

    /// The Job, from the Deployment's own pod: the same volumes, security, scheduling, image and env, one container
    /// that runs the collection and exits, never restarted, and labels the registry's Service does not select.
    public static func job(_ config: RegistryConfig) -> RenderedResource {
        let view = config.view
        let labels =
            Renderer.commonLabels(config).filter { $0.key != "app" } + [
                Entry(key: "app", value: .string(view.text(.deploymentSelector) + "-gc"))
            ]
        let deployment = Renderer.deployment(config, labels: labels, pvcName: view.text(.pvcName), tls: nil).object
        let pod = deployment["spec"]?["template"]?["spec"]?.entries ?? []
        let registry = deployment["spec"]?["template"]?["spec"]?["containers"]?.items?.first?.entries ?? []
        let dropped: Set<String> = ["ports", "livenessProbe", "readinessProbe", "name"]
        let container = [Entry(key: "name", value: "garbage-collect"),
                         Entry(key: "command", value: .sequence(command(view).map(Value.string)))]
            + registry.filter { !dropped.contains($0.key) }
        let podSpec = pod.map { entry in
            entry.key == "containers" ? Entry(key: "containers", value: [.mapping(container)]) : entry
        } + [Entry(key: "restartPolicy", value: "Never")]
        return Renderer.resource(
            "batch/v1", "Job", jobName(view), namespace: config.namespace, labels: labels, file: fileName,
            body: [
            Entry(key: "spec", value: [
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 86400,
                "template": ["metadata": ["labels": .mapping(labels)], "spec": .mapping(podSpec)],
            ]),
        ])
    }

    /// The maintenance steps in order: scale to 0 and collect (one writer at a time on ReadWriteOnce or hostPath
    /// storage, on the registry's node), or, on shared storage, read-only while the Job runs.
    public static func steps(_ config: RegistryConfig, file: String) -> [String] {
        let view = config.view
        let ns = "kubectl -n \(config.namespace)"
        let deployment = "deploy/\(view.text(.deploymentName))"
        let job = "job/\(jobName(view))"
        let collect = [
            "\(ns) apply -f \(file)",
            "\(ns) wait --for=condition=complete \(job) --timeout=60m   (then \(ns) logs \(job) lists what was "
                + "deleted)",
            "\(ns) delete \(job)",
        ]
        if view.isShared {
            return ["\(ns) set env \(deployment) REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED=true   (pushes are "
                + "refused, pulls go on)",
                    "\(ns) rollout status \(deployment)"]
                + collect
                + ["\(ns) set env \(deployment) REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED-", "\(ns) rollout status "
                    + "\(deployment)"]
        }
        return ["\(ns) scale \(deployment) --replicas=0   (garbage-collect must not run beside writes)",
                "\(ns) wait --for=delete pod -l app=\(view.text(.deploymentSelector)) --timeout=5m"]
            + collect
            + ["\(ns) scale \(deployment) --replicas=\(view.replicas)"]
    }
}
