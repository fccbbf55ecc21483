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
                labels: labels + [Entry(key: metricsLabel, value: "true")], file: .metricsService,
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
        resources.append(Renderer.resource("v1", "ConfigMap", metricsProxyName(view), namespace: config.namespace,
                                           labels: labels, file: .metricsProxy,
                                           body: [Entry(key: "data",
                                                        value: ["nginx.conf": .string(proxyConfig(view))])]))
        if view.flag(.metricsServiceMonitor) {
            var endpoint: [Entry] = [
                Entry(key: "port", value: "metrics"), Entry(key: "path", value: "/metrics"),
                Entry(key: "scheme", value: "http"),
            ]
            for (key, path) in [("interval", KeyPath.metricsServiceMonitorInterval), ("scrapeTimeout",
                                                                                      .metricsServiceMonitorTimeout)] {
                if let value = view.string(path) { endpoint.append(Entry(key: key, value: .string(value))) }
            }
            let extra = (view.value(.metricsServiceMonitorLabels)?.entries ?? []).map {
                Entry(key: $0.key, value: .string($0.value.scalar?.text ?? ""))
            }
            resources.append(
                Renderer.resource(
                    "monitoring.coreos.com/v1", "ServiceMonitor", name, namespace: config.namespace,
                    labels: labels.filter { label in !extra.contains { $0.key == label.key } } + extra,
                    file: .serviceMonitor, body: [
                Entry(key: "spec", value: [
                    "selector": ["matchLabels": [metricsLabel: "true", "app": app]],
                    "endpoints": [.mapping(endpoint)],
                ]),
            ]))
        }
        return resources
    }

    /// The ConfigMap of the metrics proxy's configuration.
    static func metricsProxyName(_ view: RegistryConfig.View) -> String {
        view.text(.deploymentName) + "-metrics-proxy"
    }

    /// nginx passing `/metrics` from the registry's loopback debug listener and answering 404 to everything else
    /// (`/debug/pprof/`, `/debug/vars`), with its writable files in /tmp (the root file system is read-only).
    static func proxyConfig(_ view: RegistryConfig.View) -> String {
        """
        # The metrics port: /metrics of the registry's debug listener, which stays on the pod's loopback because it
        # also serves /debug/pprof/ and /debug/vars (distribution has no setting to turn those off).
        pid /tmp/nginx.pid;
        error_log stderr warn;
        events {
            worker_connections 64;
        }
        http {
            access_log off;
            client_body_temp_path /tmp/client_body;
            proxy_temp_path /tmp/proxy;
            fastcgi_temp_path /tmp/fastcgi;
            uwsgi_temp_path /tmp/uwsgi;
            scgi_temp_path /tmp/scgi;
            server {
                listen \(view.integer(.metricsPort));
                location = /metrics {
                    proxy_pass http://127.0.0.1:\(view.integer(.metricsDebugPort))/metrics;
                }
                location / {
                    return 404;
                }
            }
        }

        """
    }

    /// The metrics proxy beside the registry, and the volumes it needs.
    static func metricsProxy(_ view: RegistryConfig.View) -> (container: Value, volumes: [Value])? {
        guard view.flag(.metricsEnabled) else { return nil }
        let container: Value = [
            "name": "metrics-proxy",
            "image": .string("\(view.text(.metricsProxyRepository)):\(view.text(.metricsProxyTag))"),
            "imagePullPolicy": .string(view.text(.deploymentImagePullPolicy)),
            "args": ["nginx", "-g", "daemon off;", "-c", "/etc/metrics-proxy/nginx.conf"],
            "ports": [[
                "name": "metrics", "containerPort": .int(view.integer(.metricsPort)), "protocol": "TCP",
            ]],
            "resources": ["requests": ["cpu": "10m", "memory": "16Mi"], "limits": ["cpu": "100m", "memory": "64Mi"]],
            "securityContext": [
                "runAsNonRoot": true, "runAsUser": 101, "runAsGroup": 101,
                "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]], "readOnlyRootFilesystem": true,
            ],
            "volumeMounts": [
                ["name": "metrics-proxy", "mountPath": "/etc/metrics-proxy", "readOnly": true],
                ["name": "metrics-proxy-tmp", "mountPath": "/tmp"],
            ],
        ]
        let volumes: [Value] = [
            ["name": "metrics-proxy", "configMap": ["name": .string(metricsProxyName(view))]],
            ["name": "metrics-proxy-tmp", "emptyDir": .emptyMapping],
        ]
        return (container, volumes)
    }

    /// Ingress to the registry port from the release's namespace and the peers given, and to the metrics port, in
    /// a rule of its own, from `metrics.from` only; egress limited to DNS and the upstream when asked.
    static func networkPolicy(_ config: RegistryConfig, labels: [Entry]) -> RenderedResource {
        let view = config.view
        let egress = view.flag(.networkPolicyEgress)
        // An empty podSelector in a peer means every pod of the policy's own namespace.
        let peers: [Value] = [["podSelector": .emptyMapping]] + (view.value(.networkPolicyFrom)?.items ?? [])
        var ingress: [Value] = [
            ["from": .sequence(peers), "ports": [["protocol": "TCP", "port": .int(view.targetPort)]]],
        ]
        if view.flag(.metricsEnabled), let scrapers = view.value(.metricsFrom)?.items, !scrapers.isEmpty {
            ingress.append(["from": .sequence(scrapers),
                            "ports": [["protocol": "TCP", "port": .int(view.integer(.metricsPort))]]])
        }
        var spec: [Entry] = [
            Entry(key: "podSelector", value: ["matchLabels": ["app": .string(view.text(.deploymentSelector))]]),
            Entry(key: "policyTypes", value: .sequence(["Ingress"] + (egress ? ["Egress"] : []))),
            Entry(key: "ingress", value: .sequence(ingress)),
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
            for port in view.storageMode.egressPorts(view) {
                rules.append(["ports": [["protocol": "TCP", "port": .int(port)]]])
            }
            spec.append(Entry(key: "egress", value: .sequence(rules)))
        }
        return Renderer.resource(
            "networking.k8s.io/v1", "NetworkPolicy", view.text(.deploymentName), namespace: config.namespace,
            labels: labels, file: .networkPolicy, body: [Entry(key: "spec", value: .mapping(spec))])
    }

    /// The upstream's port: its URL's, else 443 for https and 80 for http.
    static func upstreamPort(_ view: RegistryConfig.View) -> Int { Names.port(ofURL: view.text(.proxyRemoteURL)) }

    /// The debug listener, always on the pod's loopback: distribution serves pprof and expvar on it (2.8 and 3.x
    /// register them on the listener's default mux, with no setting), and registry 3's image opens it on :5001.
    /// Registry 3's image also logs at debug level; info unless the values say otherwise.
    static func debugEnv(_ view: RegistryConfig.View) -> [Value] {
        let three = view.registryMajor.map { $0 >= 3 } == true
        var env: [Value] = []
        if view.flag(.metricsEnabled) || three {
            env.append(Renderer.envVar("REGISTRY_HTTP_DEBUG_ADDR", "127.0.0.1:\(view.integer(.metricsDebugPort))"))
        }
        if view.flag(.metricsEnabled) { env.append(Renderer.envVar("REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED", "true")) }
        if three && !Validator.envVariableNames(view.value(.deploymentEnv)).contains("REGISTRY_LOG_LEVEL") {
            env.append(Renderer.envVar("REGISTRY_LOG_LEVEL", "info"))
        }
        return env
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
