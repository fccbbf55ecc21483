import RegistryModel

/// What a platform team runs the registry with beyond the core set: the NetworkPolicy, the metrics Service and
/// ServiceMonitor, the debug listener's env, and the pod's scheduling keys.
enum ProductionResources {
    /// The label that marks the metrics Service, which the ServiceMonitor selects.
    static let metricsLabel = "cache-registry-setup/metrics"

    static func resources(_ config: RegistryConfig, labels: [Entry]) -> [RenderedResource] {
        let view = config.view
        var resources: [RenderedResource] = []
        if view.hasNetworkPolicy { resources.append(networkPolicy(config, labels: labels)) }
        if view.flag(.metricsEnabled) {
            let name = view.text(.serviceName) + "-metrics"
            let metricsLabels = labels + [Entry(key: metricsLabel, value: .string("true"))]
            // A ClusterIP Service of its own, so metrics are never on a NodePort or LoadBalancer.
            resources.append(Renderer.resource("v1", "Service", name, namespace: config.namespace, labels: metricsLabels,
                                               file: "metrics-service.yaml", body: [Entry(key: "spec", value: .mapping([
                Entry(key: "type", value: .string("ClusterIP")),
                Entry(key: "selector", value: .mapping([Entry(key: "app", value: .string(view.text(.deploymentSelector)))])),
                Entry(key: "ports", value: .sequence([.mapping([
                    Entry(key: "name", value: .string("metrics")),
                    Entry(key: "port", value: .int(view.integer(.metricsPort))),
                    Entry(key: "targetPort", value: .string("metrics")),
                    Entry(key: "protocol", value: .string("TCP")),
                ])])),
            ]))]))
            if view.flag(.metricsServiceMonitor) {
                resources.append(Renderer.resource("monitoring.coreos.com/v1", "ServiceMonitor", name, namespace: config.namespace,
                                                   labels: labels, file: "servicemonitor.yaml", body: [Entry(key: "spec", value: .mapping([
                    Entry(key: "selector", value: .mapping([Entry(key: "matchLabels", value: .mapping([
                        Entry(key: metricsLabel, value: .string("true")),
                        Entry(key: "app", value: .string(view.text(.deploymentSelector))),
                    ]))])),
                    Entry(key: "endpoints", value: .sequence([.mapping([
                        Entry(key: "port", value: .string("metrics")),
                        Entry(key: "path", value: .string("/metrics")),
                        Entry(key: "scheme", value: .string("http")),
                    ])])),
                ]))]))
            }
        }
        return resources
    }

    /// Ingress to the registry (and metrics) ports from the release's namespace and the peers given; egress
    /// limited to DNS and the upstream when asked.
    static func networkPolicy(_ config: RegistryConfig, labels: [Entry]) -> RenderedResource {
        let view = config.view
        var ports: [Value] = [.mapping([Entry(key: "protocol", value: .string("TCP")), Entry(key: "port", value: .int(view.targetPort))])]
        if view.flag(.metricsEnabled) {
            ports.append(.mapping([Entry(key: "protocol", value: .string("TCP")), Entry(key: "port", value: .int(view.integer(.metricsPort)))]))
        }
        // An empty podSelector in a peer means every pod of the policy's own namespace.
        let peers: [Value] = [.mapping([Entry(key: "podSelector", value: .emptyMapping)])] + (view.value(.networkPolicyFrom)?.items ?? [])
        var spec: [Entry] = [
            Entry(key: "podSelector", value: .mapping([Entry(key: "matchLabels", value: .mapping([
                Entry(key: "app", value: .string(view.text(.deploymentSelector)))]))])),
            Entry(key: "policyTypes", value: .sequence([.string("Ingress")] + (view.flag(.networkPolicyEgress) ? [.string("Egress")] : []))),
            Entry(key: "ingress", value: .sequence([.mapping([Entry(key: "from", value: .sequence(peers)),
                                                             Entry(key: "ports", value: .sequence(ports))])])),
        ]
        if view.flag(.networkPolicyEgress) {
            var rules: [Value] = [.mapping([
                Entry(key: "to", value: .sequence([.mapping([
                    Entry(key: "namespaceSelector", value: .emptyMapping),
                    Entry(key: "podSelector", value: .mapping([Entry(key: "matchLabels", value: .mapping([
                        Entry(key: "k8s-app", value: .string("kube-dns"))]))])),
                ])])),
                Entry(key: "ports", value: .sequence(["UDP", "TCP"].map { .mapping([Entry(key: "protocol", value: .string($0)), Entry(key: "port", value: .int(53))]) })),
            ])]
            if view.bool(.proxyEnabled) == true {
                // The upstream's address is not known here (a CDN), its port is.
                rules.append(.mapping([Entry(key: "ports", value: .sequence([.mapping([
                    Entry(key: "protocol", value: .string("TCP")), Entry(key: "port", value: .int(upstreamPort(view))),
                ])]))]))
            }
            spec.append(Entry(key: "egress", value: .sequence(rules)))
        }
        return Renderer.resource("networking.k8s.io/v1", "NetworkPolicy", view.text(.deploymentName), namespace: config.namespace,
                                 labels: labels, file: "networkpolicy.yaml", body: [Entry(key: "spec", value: .mapping(spec))])
    }

    /// The upstream's port: its URL's, else 443 for https and 80 for http.
    static func upstreamPort(_ view: RegistryConfig.View) -> Int {
        let url = view.text(.proxyRemoteURL)
        let authority = url.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) { return port }
        return url.hasPrefix("http://") ? 80 : 443
    }

    /// The debug listener: metrics on it when asked; registry 3's image opens it on :5001 with pprof, so there
    /// it stays on the pod's loopback with pprof off unless metrics are on.
    static func debugEnv(_ view: RegistryConfig.View) -> [Value] {
        let three = view.registryMajor.map { $0 >= 3 } == true
        if view.flag(.metricsEnabled) {
            return [Renderer.envVar("REGISTRY_HTTP_DEBUG_ADDR", ":\(view.integer(.metricsPort))"),
                    Renderer.envVar("REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED", "true")]
                + (three ? [Renderer.envVar("REGISTRY_HTTP_DEBUG_PPROF_ENABLED", "false")] : [])
        }
        return three ? [Renderer.envVar("REGISTRY_HTTP_DEBUG_ADDR", "127.0.0.1:\(view.integer(.metricsPort))"),
                        Renderer.envVar("REGISTRY_HTTP_DEBUG_PPROF_ENABLED", "false")] : []
    }

    static func metricsContainerPorts(_ view: RegistryConfig.View) -> [Value] {
        guard view.flag(.metricsEnabled) else { return [] }
        return [.mapping([Entry(key: "name", value: .string("metrics")), Entry(key: "containerPort", value: .int(view.integer(.metricsPort))),
                          Entry(key: "protocol", value: .string("TCP"))])]
    }

    /// The pod's scheduling keys as given; a spread constraint without a selector selects the registry's pods.
    static func scheduling(_ view: RegistryConfig.View) -> [Entry] {
        var entries: [Entry] = []
        if let name = view.string(.deploymentPriorityClassName) { entries.append(Entry(key: "priorityClassName", value: .string(name))) }
        if let secrets = view.value(.deploymentImagePullSecrets)?.items, !secrets.isEmpty {
            entries.append(Entry(key: "imagePullSecrets", value: .sequence(secrets)))
        }
        if let tolerations = view.value(.deploymentTolerations)?.items, !tolerations.isEmpty {
            entries.append(Entry(key: "tolerations", value: .sequence(tolerations)))
        }
        if let constraints = view.value(.deploymentTopologySpread)?.items, !constraints.isEmpty {
            let selector = Value.mapping([Entry(key: "matchLabels", value: .mapping([Entry(key: "app", value: .string(view.text(.deploymentSelector)))]))])
            entries.append(Entry(key: "topologySpreadConstraints", value: .sequence(constraints.map { constraint in
                guard let fields = constraint.entries, constraint["labelSelector"] == nil else { return constraint }
                return .mapping(fields + [Entry(key: "labelSelector", value: selector)])
            })))
        }
        return entries
    }
}
