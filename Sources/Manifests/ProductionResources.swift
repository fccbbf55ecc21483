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
        guard view.flag(.metricsEnabled) else { return resources }
        let name = view.text(.serviceName) + "-metrics"
        let app = Value.string(view.text(.deploymentSelector))
        // A ClusterIP Service of its own, so metrics are never on a NodePort or LoadBalancer.
        resources.append(Renderer.resource("v1", "Service", name, namespace: config.namespace,
                labels: labels + [Entry(key: metricsLabel, value: "true")], file: "metrics-service.yaml",
                body: [
            Entry(key: "spec", value: [
                "type": "ClusterIP",
                "selector": ["app": app],
                            "ports": [
                                [
                                    "name": "metrics", "port": .int(view.integer(.metricsPort)),
                                    "targetPort": "metrics", "protocol": "TCP",
                                ]
                            ]
            ]),
        ]))
        if view.flag(.metricsServiceMonitor) {
            resources.append(
                Renderer.resource(
                    "monitoring.coreos.com/v1", "ServiceMonitor", name, namespace: config.namespace,
                                               labels: labels, file: "servicemonitor.yaml", body: [
                Entry(key: "spec", value: [
                    "selector": ["matchLabels": [metricsLabel: "true", "app": app]],
                    "endpoints": [["port": "metrics", "path": "/metrics", "scheme": "http"]],
                ]),
            ]))
        }
        return resources
    }

    /// Ingress to the registry (and metrics) ports from the release's namespace and the peers given; egress
    /// limited to DNS and the upstream when asked.
    static func networkPolicy(_ config: RegistryConfig, labels: [Entry]) -> RenderedResource {
        let view = config.view
        let egress = view.flag(.networkPolicyEgress)
        var ports: [Value] = [["protocol": "TCP", "port": .int(view.targetPort)]]
        if view.flag(.metricsEnabled) { ports.append(["protocol": "TCP", "port": .int(view.integer(.metricsPort))]) }
        // An empty podSelector in a peer means every pod of the policy's own namespace.
        let peers: [Value] = [["podSelector": .emptyMapping]] + (view.value(.networkPolicyFrom)?.items ?? [])
        var spec: [Entry] = [
            Entry(key: "podSelector", value: ["matchLabels": ["app": .string(view.text(.deploymentSelector))]]),
            Entry(key: "policyTypes", value: .sequence(["Ingress"] + (egress ? ["Egress"] : []))),
            Entry(key: "ingress", value: [["from": .sequence(peers), "ports": .sequence(ports)]]),
        ]
        if egress {
            var rules: [Value] = [[
                "to": [["namespaceSelector": .emptyMapping, "podSelector": ["matchLabels": ["k8s-app": "kube-dns"]]]],
                "ports": [["protocol": "UDP", "port": 53], ["protocol": "TCP", "port": 53]],
            ]]
            if view.bool(.proxyEnabled) == true {
                // The upstream's address is not known here (a CDN), its port is.
                rules.append(["ports": [["protocol": "TCP", "port": .int(upstreamPort(view))]]])
            }
            spec.append(Entry(key: "egress", value: .sequence(rules)))
        }
        return Renderer.resource(
            "networking.k8s.io/v1", "NetworkPolicy", view.text(.deploymentName), namespace: config.namespace,
            labels: labels, file: "networkpolicy.yaml", body: [Entry(key: "spec", value: .mapping(spec))])
    }

    /// The upstream's port: its URL's, else 443 for https and 80 for http.
    static func upstreamPort(_ view: RegistryConfig.View) -> Int {
        let url = view.text(.proxyRemoteURL)
        let authority = url.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) {
            return port
        }
        return url.hasPrefix("http://") ? 80 : 443
    }

    /// The debug listener: metrics on it when asked; registry 3's image opens it on :5001 with pprof, so there
    /// it stays on the pod's loopback with pprof off unless metrics are on.
    static func debugEnv(_ view: RegistryConfig.View) -> [Value] {
        let three = view.registryMajor.map { $0 >= 3 } == true
        let port = view.integer(.metricsPort)
        if view.flag(.metricsEnabled) {
            return [
                Renderer.envVar("REGISTRY_HTTP_DEBUG_ADDR", ":\(port)"),
                Renderer.envVar("REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED", "true"),
            ]
                + (three ? [Renderer.envVar("REGISTRY_HTTP_DEBUG_PPROF_ENABLED", "false")] : [])
        }
        return three ? [Renderer.envVar("REGISTRY_HTTP_DEBUG_ADDR", "127.0.0.1:\(port)"),
                        Renderer.envVar("REGISTRY_HTTP_DEBUG_PPROF_ENABLED", "false")] : []
    }

    static func metricsContainerPorts(_ view: RegistryConfig.View) -> [Value] {
        guard view.flag(.metricsEnabled) else { return [] }
        return [["name": "metrics", "containerPort": .int(view.integer(.metricsPort)), "protocol": "TCP"]]
    }

    /// The pod's scheduling keys as given; a spread constraint without a selector selects the registry's pods.
    static func scheduling(_ view: RegistryConfig.View) -> [Entry] {
        var entries: [Entry] = []
        if let name = view.string(.deploymentPriorityClassName) {
            entries.append(Entry(key: "priorityClassName", value: .string(name)))
        }
        for (key, path) in [
            ("imagePullSecrets", KeyPath.deploymentImagePullSecrets), ("tolerations", .deploymentTolerations),
        ] {
            if let items = view.value(path)?.items, !items.isEmpty {
                entries.append(Entry(key: key, value: .sequence(items)))
            }
        }
        if let constraints = view.value(.deploymentTopologySpread)?.items, !constraints.isEmpty {
            let selector: Value = ["matchLabels": ["app": .string(view.text(.deploymentSelector))]]
            entries.append(Entry(key: "topologySpreadConstraints", value: .sequence(constraints.map { constraint in
                guard let fields = constraint.entries, constraint["labelSelector"] == nil else { return constraint }
                return .mapping(fields + [Entry(key: "labelSelector", value: selector)])
            })))
        }
        return entries
    }
}
