/// What the kubiya-runner chart's own templates (chart 0.7.0, `templates/components/cache-registry/`) make of the
/// values: problems for the `helm` route, each citing the template lines it comes from. Errors where Helm would fail or
/// install something broken, warnings where it silently differs from our manifests.
public enum ChartRules {
    static let deployment = "cache-registry-deployment.yaml", pv = "cache-registry-pv.yaml",
        pvc = "cache-registry-pvc.yaml"
    static let otherRoutes = "or install with --route kubectl or helm-post-render"
    /// The TLS Secret the chart's pre-install hook makes from `registryTls` (`shared-secrets/registry-secret.yaml`):
    /// on the Helm routes it is the registry's one TLS Secret when `deployment.tlsSecretName` names it.
    public static let hookTLSSecretName = "registry-tls-secret"

    /// The published pair the chart's own defaults bring in, on a Helm route where the values carry no pair of
    /// their own (the caller knows) and the registry serves the hook's Secret.
    public static func defaultPairProblem(_ config: RegistryConfig) -> Problem? {
        let view = config.view
        guard config.route != .kubectl, view.enabled,
            view.text(.deploymentTlsSecretName) == hookTLSSecretName
        else { return nil }
        return Problem(.warning, .publishedPair, .registryCertificate, "is not replaced by these values, so the "
            + "chart's defaults bring in its published pair, and its pre-install hook (registry-secret.yaml) serves "
            + "it as \(hookTLSSecretName): its private key is public, so anyone can impersonate the registry; "
            + "replace it: tls generate -f FILE writes a new pair into values-tls.yaml, then give helm -f FILE -f "
            + "values-tls.yaml", first: true)
    }

    public static func problems(_ config: RegistryConfig) -> [Problem] {
        let view = config.view
        guard config.route == .helm, view.enabled else { return [] }
        var problems = view.storageMode.chartProblems(view)
        if view.targetPort != 5000 {
            problems.append(.error(.chartPort, .serviceTargetPort, "is \(view.targetPort), but the chart's container "
                + "listens on 5000 whatever the values say (\(deployment):37 and :41), so the Service would send "
                + "traffic to a port nothing listens on: keep 5000, \(otherRoutes)"))
        }
        if let env = view.value(.deploymentEnv) {
            if env.items != nil {
                problems.append(.error(.chartEnvForm, .deploymentEnv, "is a list, but the chart ranges over it as "
                    + "NAME: value pairs and passes each value "
                    + "through tpl (\(deployment):48-53), so Helm fails to render: write it as a "
                    + "mapping of strings"))
            }
            for entry in env.entries ?? [] where entry.value.scalar?.kind != .string {
                problems.append(
                    .error(
                        .chartEnvValue, KeyPath(["deployment", "env", entry.key]),
                        "is \(entry.value.typeName), but the chart's tpl needs a "
                                       + "string (\(deployment):51), so Helm fails to render: quote it"))
            }
        }
        let replicas = view.int(.deploymentReplicas) ?? 1
        if replicas == 0 {
            problems.append(.error(.chartReplicasDefault, .deploymentReplicas, "is 0, but the chart's `default 1` "
                + "renders 1 replica (\(deployment):12): set enabled to false to stop the registry, \(otherRoutes)"))
        }
        let env = view.value(.deploymentEnv)
        let hasSecret = env?["REGISTRY_HTTP_SECRET"] != nil
            || (env?.items ?? []).contains { $0["name"]?.scalar?.text == "REGISTRY_HTTP_SECRET" }
        if replicas > 1 && !hasSecret {
            problems.append(.warning(.chartHTTPSecret, .deploymentReplicas, "\(replicas) replicas through the chart "
                + "share no REGISTRY_HTTP_SECRET (the chart renders none, \(deployment):39-53): an upload that starts "
                + "on one replica fails on another; set deployment.env.REGISTRY_HTTP_SECRET, \(otherRoutes)"))
        }
        return problems
    }

    /// What the chart's templates leave out: the keys this configuration sets that they never read, then what our
    /// manifests add that the chart does not render. Empty unless the route is `helm`.
    public static func ignored(_ config: RegistryConfig) -> [String] {
        let view = config.view
        guard config.route == .helm, view.enabled else { return [] }
        let set = FieldRegistry.all.filter {
            !$0.chartReads && config.overrides.value(at: $0.path).map { !$0.isNull } == true
        }
        let fixed = ["the container hardening (non-root, read-only root, no privilege escalation, seccomp)",
                     "the pod disruption budget and anti-affinity of several replicas", "the generated HTTP secret",
                     "the hostPath node affinity", "the Recreate strategy"]
        return set.map(\.path.description) + fixed
    }

    /// The one note that lists what the chart ignores, or nil.
    public static func ignoredNote(_ config: RegistryConfig) -> String? {
        let items = ignored(config)
        guard !items.isEmpty else { return nil }
        return "the chart's templates ignore " + items.joined(separator: ", ")
            + "; --route helm-post-render installs our manifests through Helm instead"
    }
}
