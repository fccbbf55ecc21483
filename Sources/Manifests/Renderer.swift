import Crypto
import RegistryModel

/// One rendered Kubernetes object and the file it goes to.
public struct RenderedResource: Equatable, Sendable {
    public let kind: String
    public let name: String
    public let fileName: String
    public let object: Value
}

/// A resource left out on purpose, with the reason the preview shows.
public struct OmittedResource: Equatable, Sendable {
    public let kind: String
    public let reason: String
}

/// The rendered set: resources in apply order, what was left out, and what a person must do by hand.
public struct RenderedSet: Equatable, Sendable {
    public let resources: [RenderedResource]
    public let omitted: [OmittedResource]
    /// What a person should know or do outside Kubernetes (a chown on the node, a cache that refuses pushes),
    /// shown by the preview, Review, Done and export.
    public var notes: [String] = []
}

/// Turns a validated configuration into Kubernetes objects, per the storage-mode table of the spec.
public enum Renderer {
    public static let dataVolume = "registry-data"
    public static let certsVolume = "registry-certs"
    public static let tmpVolume = "tmp"
    /// The pod-template annotation that carries the managed certificate's SHA-256.
    public static let certificateAnnotation = "cache-registry-setup/certificate-sha256"
    /// The pod-template annotation that keeps the tag of an image pinned by digest.
    public static let imageTagAnnotation = "cache-registry-setup/image-tag"

    /// `repository:tag`, or `repository@sha256:...` when a digest pins it.
    public static func image(_ view: RegistryConfig.View) -> String {
        let repository = view.text(.deploymentImageRepository)
        return view.string(.deploymentImageDigest).map { "\(repository)@\($0)" }
            ?? "\(repository):\(view.text(.deploymentImageTag))"
    }

    /// Lower-case hex SHA-256 of bytes.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }

    /// The UID and GID the registry runs as when it runs as non-root.
    public static let nonRootID = RegistryConfig.nonRootID
    public static let httpSecretKey = "http-secret"
    /// The TLS Secret the chart's pre-install hook makes: on the Helm routes it is the one TLS Secret, so ours is
    /// not rendered under that name.
    public static let chartTLSSecretName = ChartRules.hookTLSSecretName

    /// Whether the replicas need a shared REGISTRY_HTTP_SECRET that the program generates (env does not set one).
    public static func needsHTTPSecret(_ view: RegistryConfig.View) -> Bool {
        // Registry 3 ignores http.secret in proxy mode, so none is made for it there.
        let ignored = view.registryMajor.map { $0 >= 3 } == true && view.bool(.proxyEnabled) == true
        return view.replicas > 1 && !ignored
            && !Validator.envVariableNames(view.value(.deploymentEnv)).contains("REGISTRY_HTTP_SECRET")
    }

    /// Whether that secret is generated here (no existing Secret is named for it).
    public static func generatesHTTPSecret(_ view: RegistryConfig.View) -> Bool {
        needsHTTPSecret(view) && view.string(.deploymentHTTPSecretExisting) == nil
    }

    /// The Secret that holds the REGISTRY_HTTP_SECRET: the one named, or the generated one.
    public static func httpSecretName(_ view: RegistryConfig.View) -> String {
        view.string(.deploymentHTTPSecretExisting) ?? view.text(.deploymentName) + "-http-secret"
    }

    /// Renders every resource. `tls` is material the program manages (written as the TLS Secret); `httpSecret`
    /// is the shared HTTP secret for several replicas (its Secret is left out while it is nil).
    public static func render(
        _ config: RegistryConfig, tls: PEMPair? = nil, httpSecret: String? = nil
    ) -> RenderedSet {
        let view = config.view
        guard view.enabled else {
            return RenderedSet(resources: [], omitted: [OmittedResource(kind: "all", reason: "cacheRegistry.enabled is "
                + "false: nothing is rendered")])
        }
        let mode = view.storageMode
        var resources: [RenderedResource] = []
        var omitted: [OmittedResource] = []
        let labels = commonLabels(config)
        let namespace = config.namespace
        let pvName = view.text(.pvName)
        let pvcName = view.text(.pvcName)
        let staticClass = view.storageClass ?? ""

        if let source = mode.volumeSource(view), let accessMode = mode.fixedAccessMode {
            var spec: [Entry] = [
                Entry(key: "capacity", value: ["storage": quantity(view, .pvSize)]),
                Entry(key: "accessModes", value: [.string(accessMode)]),
                Entry(key: "persistentVolumeReclaimPolicy", value: .string(view.text(.pvReclaimPolicy))),
            ]
            if !staticClass.isEmpty { spec.append(Entry(key: "storageClassName", value: .string(staticClass))) }
            spec += source
            // Bound to its claim from the start, so no other claim of class "" takes the volume first.
            spec.append(Entry(key: "claimRef", value: ["namespace": .string(namespace),
                                                                 "name": .string(pvcName)]))
            if let affinity = mode.volumeNodeAffinity(view) { spec.append(Entry(key: "nodeAffinity", value: affinity)) }
            resources.append(resource("v1", "PersistentVolume", pvName, namespace: nil, labels: labels,
                                      file: .persistentVolume, body: [Entry(key: "spec", value: .mapping(spec))]))
        } else if let reason = mode.withoutVolumeReason(view) {
            omitted.append(OmittedResource(kind: "PersistentVolume", reason: reason))
        }

        if mode.hasClaim {
            var claim: [Entry] = [
                Entry(key: "accessModes", value: [.string(view.accessMode)]),
                Entry(key: "resources", value: ["requests": ["storage": quantity(view, .pvcSize)]]),
            ]
            // A static claim always names its class ("" keeps a default class from provisioning another volume);
            // a dynamic claim without a class is left to the cluster's default StorageClass.
            if mode.hasStaticVolume || !staticClass.isEmpty {
                claim.append(Entry(key: "storageClassName", value: .string(staticClass)))
            }
            if mode.hasStaticVolume { claim.append(Entry(key: "volumeName", value: .string(pvName))) }
            resources.append(
                resource(
                    "v1", "PersistentVolumeClaim", pvcName, namespace: namespace, labels: labels, file: .claim,
                    body: [Entry(key: "spec", value: .mapping(claim))]))
        } else {
            omitted.append(OmittedResource(kind: "PersistentVolumeClaim", reason: "no claim: nothing is mounted, the "
                + "registry stores through the S3 API"))
        }
        if let account = serviceAccount(config, labels: labels) { resources.append(account) }

        resources.append(deployment(config, labels: labels, tls: tls))
        resources.append(service(config, labels: labels))
        resources += ProductionResources.resources(config, labels: labels)
        if view.replicas > 1 {
            resources.append(
                resource(
                    "policy/v1", "PodDisruptionBudget", view.text(.deploymentName), namespace: namespace,
                    labels: labels,
                                      file: .disruptionBudget, body: [Entry(key: "spec", value: [
                                          "maxUnavailable": 1,
                                          "selector": ["matchLabels": [
                                              "app": .string(view.text(.deploymentSelector))]],
                                      ])]))
        }
        if generatesHTTPSecret(view), let httpSecret {
            resources.append(
                resource(
                    "v1", "Secret", httpSecretName(view), namespace: namespace, labels: labels, file: .httpSecret,
                    body: [
                Entry(key: "type", value: "Opaque"),
                Entry(key: "data", value: [httpSecretKey: .string(Base64.encode(Array(httpSecret.utf8)))]),
            ]))
        }

        let secretName = view.text(.deploymentTlsSecretName)
        if config.route != .kubectl, secretName == chartTLSSecretName {
            omitted.append(OmittedResource(kind: "Secret", reason: "no Secret: the chart's pre-install hook makes "
                + "\(secretName) from registryTls" + (tls == nil ? " (the chart's defaults carry its published pair "
                + "until the values replace it: tls generate -f FILE)" : ", where this pair goes for Helm")))
        } else if let tls {
            resources.append(
                resource(
                    "v1", "Secret", secretName, namespace: namespace, labels: labels, file: .tlsSecret,
                    body: [
                Entry(key: "type", value: "kubernetes.io/tls"),
                Entry(key: "data", value: [
                    "tls.crt": .string(Base64.encode(Array(tls.certificatePEM.utf8))),
                    "tls.key": .string(Base64.encode(Array(tls.keyPEM.utf8))),
                ]),
            ]))
        } else {
            omitted.append(OmittedResource(kind: "Secret", reason: "no Secret: the registry uses the existing secret "
                + "\(secretName) (it must hold tls.crt and tls.key)"))
        }
        var notes: [String] = []
        if view.bool(.proxyEnabled) == true {
            notes.append("This registry is a pull-through cache of \(Quote.bare(view.text(.proxyRemoteURL))): it "
                + "fetches each image once and serves pulls; it refuses pushes.")
            if view.hasNetworkPolicy {
                let peers = (view.value(.networkPolicyFrom)?.items ?? []).isEmpty ? "" : " and networkPolicy.from"
                notes.append("The NetworkPolicy admits pods of \(namespace)\(peers) only: pods elsewhere that pull "
                    + "through the cache need a peer in networkPolicy.from.")
            }
        }
        notes += mode.notes(view, namespace: namespace)
        if view.runsAsNonRoot, let volumes = mode.ignoresFSGroup {
            notes.append("The registry runs as UID \(nonRootID), and \(volumes) volumes ignore fsGroup: before the "
                + "first start, \(Validator.chownHint(view)).")
        }
        for mirror in Mirrors.list(config) where !mirror.name.isEmpty {
            resources += mirrorResources(mirror, config: config, tls: tls)
            let address = mirror.config(in: config).nodeAddress.map { " at \($0) for nodes" } ?? ""
            notes.append("\(mirror.objectName) caches \(mirror.upstream ?? "")\(address): " + (mirror.upstreamHost.map {
                "trust/containerd/certs.d/\($0)/hosts.toml sends \($0) pulls through it first."
            } ?? "no upstream host."))
        }
        return RenderedSet(resources: resources, omitted: omitted, notes: notes)
    }

    /// The files a mirror's objects go to, in a folder of their own.
    public static func mirrorFolder(_ mirror: UpstreamMirror) -> String { "mirrors/\(mirror.name)" }

    /// A mirror's instance: its volume, claim, ServiceAccount, Deployment, Service and NetworkPolicy, rendered
    /// from its configuration as the registry's are (the TLS Secret is the registry's, whose certificate covers
    /// every cache).
    static func mirrorResources(_ mirror: UpstreamMirror, config: RegistryConfig, tls: PEMPair?) -> [RenderedResource] {
        let kept: Set<String> = Set([OutputFile.persistentVolume, .claim, .serviceAccount, .deployment, .service,
                                     .networkPolicy].map(\.name))
        return render(mirror.config(in: config), tls: tls).resources.filter { kept.contains($0.fileName) }.map {
            RenderedResource(kind: $0.kind, name: $0.name, fileName: mirrorFolder(mirror) + "/" + $0.fileName,
                             object: $0.object)
        }
    }

    static func commonLabels(_ config: RegistryConfig) -> [Entry] {
        [
            Entry(key: "app.kubernetes.io/name", value: "cache-registry"),
            Entry(key: "app.kubernetes.io/component", value: "registry"),
            Entry(key: "app.kubernetes.io/part-of", value: "kubiya-runner"),
            Entry(key: "app.kubernetes.io/managed-by", value: "cache-registry-setup"),
            Entry(key: "app.kubernetes.io/instance", value: .string(config.release)),
            Entry(key: "app", value: .string(config.view.text(.deploymentSelector))),
        ]
    }

    static func resource(_ apiVersion: String, _ kind: String, _ name: String, namespace: String?, labels: [Entry],
                         annotations: [Entry] = [], file: OutputFile, body: [Entry]) -> RenderedResource {
        var metadata: [Entry] = [Entry(key: "name", value: .string(name))]
        if let namespace { metadata.append(Entry(key: "namespace", value: .string(namespace))) }
        metadata.append(Entry(key: "labels", value: .mapping(labels)))
        if !annotations.isEmpty { metadata.append(Entry(key: "annotations", value: .mapping(annotations))) }
        let object = Value.mapping([
            Entry(key: "apiVersion", value: .string(apiVersion)),
            Entry(key: "kind", value: .string(kind)),
            Entry(key: "metadata", value: .mapping(metadata)),
        ] + body)
        return RenderedResource(kind: kind, name: name, fileName: file.name, object: object)
    }

    /// A quantity as a string, so `1` and `500m` both reach the API as quantities.
    static func quantity(_ view: RegistryConfig.View, _ path: KeyPath) -> Value {
        .string(view.text(path))
    }

    /// Seconds a pod has to finish after SIGTERM; the registry drains for `drainSeconds` of them.
    static let gracePeriodSeconds = 30
    static let drainSeconds = 25

    /// The registry's own ServiceAccount, when the values give it a workload identity's annotations.
    static func serviceAccount(_ config: RegistryConfig, labels: [Entry]) -> RenderedResource? {
        let view = config.view
        guard view.storageMode == .s3, let annotations = view.value(.s3IdentityAnnotations)?.entries,
            !annotations.isEmpty
        else { return nil }
        return resource(
            "v1", "ServiceAccount", view.text(.deploymentName), namespace: config.namespace, labels: labels,
            annotations: annotations.map { Entry(key: $0.key, value: .string($0.value.scalar?.text ?? "")) },
            file: .serviceAccount, body: [Entry(key: "automountServiceAccountToken", value: false)])
    }

    static func deployment(_ config: RegistryConfig, labels: [Entry], tls: PEMPair?) -> RenderedResource {
        let view = config.view
        let selector = view.text(.deploymentSelector)
        let port = view.targetPort
        var env: [Value] = [
            envVar("REGISTRY_HTTP_ADDR", "0.0.0.0:\(port)"),
            envVar("REGISTRY_HTTP_TLS_CERTIFICATE", "/certs/tls.crt"),
            envVar("REGISTRY_HTTP_TLS_KEY", "/certs/tls.key"),
            envVar("REGISTRY_STORAGE_DELETE_ENABLED", "true"),
            // distribution drains in-flight requests on SIGTERM only when a drain timeout is set.
            envVar("REGISTRY_HTTP_DRAINTIMEOUT", "\(drainSeconds)s"),
        ] + view.storageMode.registryEnv(view)
        if view.bool(.proxyEnabled) == true {
            env.append(envVar("REGISTRY_PROXY_REMOTEURL", view.text(.proxyRemoteURL)))
            if let username = view.string(.proxyUsername), !username.isEmpty {
                env.append(envVar("REGISTRY_PROXY_USERNAME", username))
            }
            if let secret = view.string(.proxyPasswordSecretName) {
                env.append(["name": "REGISTRY_PROXY_PASSWORD", "valueFrom": [
                    "secretKeyRef": ["name": .string(secret),
                                                                "key": .string(view.text(.proxyPasswordSecretKey))],
                ]])
            }
            if let ttl = view.string(.proxyTTL) { env.append(envVar("REGISTRY_PROXY_TTL", ttl)) }
        }
        env += ProductionResources.debugEnv(view)
        if needsHTTPSecret(view) {
            env.append(["name": "REGISTRY_HTTP_SECRET", "valueFrom": [
                "secretKeyRef": ["name": .string(httpSecretName(view)),
                        "key": .string(view.string(.deploymentHTTPSecretKey) ?? httpSecretKey),
                    ]
            ]])
        }
        if let userEnv = view.value(.deploymentEnv) {
            if let entries = userEnv.entries {
                env += entries.map { envVar($0.key, $0.value.scalar?.text ?? FieldRegistry.displayText($0.value)) }
            } else if let items = userEnv.items {
                env += items
            }
        }
        var container: [Entry] = [
            Entry(key: "name", value: "registry"),
            Entry(key: "image", value: .string(image(view))),
            Entry(key: "imagePullPolicy", value: .string(view.text(.deploymentImagePullPolicy))),
            Entry(key: "ports", value: .sequence([[
                "name": "https",
                "containerPort": .int(port),
                "protocol": "TCP",
            ]])),
            Entry(key: "env", value: .sequence(env)),
            Entry(key: "resources", value: .mapping(["requests", "limits"].map { group in
                Entry(key: group, value: .mapping(["cpu", "memory"].map { resource in
                    Entry(key: resource, value: quantity(view, KeyPath(["deployment", "resources", group, resource])))
                }))
            })),
        ]
        for probe in Probe.allCases where view.flag(probe.enabled) {
            let threshold =
                probe.failureThreshold.map { [Entry(key: "failureThreshold", value: .int(view.integer($0)))] } ?? []
            container.append(Entry(key: probe.rawValue, value: .mapping([
                            Entry(
                                key: "httpGet",
                                value: [
                                    "path": .string(view.text(probe.path)), "port": .int(port),
                                    "scheme": .string(view.text(probe.scheme)),
                                ]),
                Entry(key: "initialDelaySeconds", value: .int(view.integer(probe.initialDelay))),
                Entry(key: "periodSeconds", value: .int(view.integer(probe.period))),
                Entry(key: "timeoutSeconds", value: .int(view.integer(probe.timeout))),
            ] + threshold)))
        }
        container.append(Entry(key: "securityContext", value: [
            "allowPrivilegeEscalation": false,
            "capabilities": ["drop": ["ALL"]],
            "readOnlyRootFilesystem": true,
        ]))
        let dataMount: [Value] = view.storageMode.hasClaim
            ? [["name": .string(dataVolume), "mountPath": "/var/lib/registry"]] : []
        container.append(Entry(key: "volumeMounts", value: .sequence(dataMount + [
            ["name": .string(certsVolume), "mountPath": "/certs", "readOnly": true],
            // The root file system is read-only; the registry's temporary files go here.
            ["name": .string(tmpVolume), "mountPath": "/tmp"],
        ] + (view.value(.deploymentVolumeMounts)?.items ?? []))))

        var security: [Entry] = []
        if view.runsAsNonRoot {
            security += [
                Entry(key: "runAsNonRoot", value: true),
                Entry(key: "runAsUser", value: .int(nonRootID)),
                Entry(key: "runAsGroup", value: .int(nonRootID)),
                Entry(key: "fsGroup", value: .int(nonRootID)),
                Entry(key: "fsGroupChangePolicy", value: "OnRootMismatch"),
            ]
        }
        security.append(Entry(key: "seccompProfile", value: ["type": "RuntimeDefault"]))
        let identity = serviceAccount(config, labels: []).map {
            [Entry(key: "serviceAccountName", value: .string($0.name))]
        }
        var podSpec: [Entry] = (identity ?? []) + [
            // The registry never calls the Kubernetes API (a workload identity's token is mounted by its webhook).
            Entry(key: "automountServiceAccountToken", value: false),
            Entry(key: "terminationGracePeriodSeconds", value: .int(gracePeriodSeconds)),
            Entry(key: "securityContext", value: .mapping(security)),
        ]
        podSpec += ProductionResources.scheduling(view)
        if let nodeSelector = view.value(.deploymentNodeSelector)?.entries, !nodeSelector.isEmpty {
            podSpec.append(
                Entry(
                    key: "nodeSelector",
                    value: .mapping(
                        nodeSelector.map { Entry(key: $0.key, value: .string($0.value.scalar?.text ?? "")) })))
        }
        if let affinity = view.value(.deploymentAffinity), affinity.entries?.isEmpty == false {
            podSpec.append(Entry(key: "affinity", value: affinity))
        } else if view.replicas > 1 {
            // Replicas on different nodes where the scheduler can, so one node going down leaves the others.
            podSpec.append(Entry(key: "affinity", value: ["podAntiAffinity": [
                "preferredDuringSchedulingIgnoredDuringExecution": [[
                    "weight": 100,
                    "podAffinityTerm": [
                        "labelSelector": ["matchLabels": [
                            "app": .string(selector)]],
                        "topologyKey": "kubernetes.io/hostname",
                    ],
                ]],
            ]]))
        }
        let metricsProxy = ProductionResources.metricsProxy(view)
        podSpec.append(Entry(key: "containers", value: .sequence([.mapping(container)]
            + (metricsProxy.map { [$0.container] } ?? []))))
        let dataVolumes: [Value] = view.storageMode.hasClaim
            ? [["name": .string(dataVolume), "persistentVolumeClaim": ["claimName": .string(view.text(.pvcName))]]] : []
        podSpec.append(Entry(key: "volumes", value: .sequence(dataVolumes + [
            ["name": .string(certsVolume),
                      "secret": ["secretName": .string(view.text(.deploymentTlsSecretName))]],
            ["name": .string(tmpVolume), "emptyDir": .emptyMapping],
        ] + (metricsProxy?.volumes ?? []) + (view.value(.deploymentVolumes)?.items ?? []))))

        let podLabels = labels.filter { $0.key != "app" } + [Entry(key: "app", value: .string(selector))]
        var podMetadata: [Entry] = [Entry(key: "labels", value: .mapping(podLabels))]
        var podAnnotations = (view.value(.deploymentPodAnnotations)?.entries ?? []).map {
            Entry(key: $0.key, value: .string($0.value.scalar?.text ?? ""))
        }
        if view.string(.deploymentImageDigest) != nil {
            // The image is pinned by digest; the tag stays readable for people.
            podAnnotations.append(Entry(key: imageTagAnnotation, value: .string(view.text(.deploymentImageTag))))
        }
        if let tls {
            // A new certificate changes the pod template, so the pods restart and serve it.
            podAnnotations.append(
                Entry(key: certificateAnnotation, value: .string(sha256Hex(Array(tls.certificatePEM.utf8)))))
        }
        if !podAnnotations.isEmpty { podMetadata.append(Entry(key: "annotations", value: .mapping(podAnnotations))) }
        let spec: [Entry] = [
            Entry(key: "replicas", value: .int(view.replicas)),
            Entry(key: "strategy", value: ["type": .string(view.isShared ? "RollingUpdate" : "Recreate")]),
            Entry(key: "selector", value: ["matchLabels": ["app": .string(selector)]]),
            Entry(key: "template", value: [
                "metadata": .mapping(podMetadata),
                "spec": .mapping(podSpec),
            ]),
        ]
        return resource("apps/v1", "Deployment", view.text(.deploymentName), namespace: config.namespace,
                        labels: labels, file: .deployment, body: [Entry(key: "spec", value: .mapping(spec))])
    }

    static func envVar(_ name: String, _ value: String) -> Value {
        ["name": .string(name), "value": .string(value)]
    }

    static func service(_ config: RegistryConfig, labels: [Entry]) -> RenderedResource {
        let view = config.view
        let type = view.text(.serviceType)
        // The node address: a fixed node port (NodePort Services only) or a fixed ClusterIP.
        let nodePort =
            type == "NodePort" ? view.int(.serviceNodePort).map { [Entry(key: "nodePort", value: .int($0))] } ?? [] : []
        let clusterIP = view.string(.serviceClusterIP).map { [Entry(key: "clusterIP", value: .string($0))] } ?? []
        let port: [Entry] = [
            Entry(key: "name", value: "https"), Entry(key: "port", value: .int(view.integer(.servicePort))),
                             Entry(key: "targetPort", value: .int(view.targetPort))]
        let ports: [Value] =
            [.mapping(port + nodePort + [Entry(key: "protocol", value: "TCP")])]
            + (view.value(.serviceAdditionalPorts)?.items ?? [])
        let annotations = (view.value(.serviceAnnotations)?.entries ?? []).map {
            Entry(key: $0.key, value: .string($0.value.scalar?.text ?? ""))
        }
        return resource("v1", "Service", view.text(.serviceName), namespace: config.namespace,
            labels: labels, annotations: annotations, file: .service,
            body: [
                Entry(
                    key: "spec",
                    value: .mapping(
                        [
                            Entry(key: "type", value: .string(type)),
                        ] + clusterIP + [
                            Entry(key: "selector", value: ["app": .string(view.text(.deploymentSelector))]),
                            Entry(key: "ports", value: .sequence(ports)),
                        ]))])
    }
}
