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

/// TLS material the program manages (imported or generated), rendered as a `kubernetes.io/tls` Secret.
public struct ManagedTLS: Equatable, Sendable {
    public let certificatePEM: String
    public let keyPEM: String
    public init(certificatePEM: String, keyPEM: String) { self.certificatePEM = certificatePEM; self.keyPEM = keyPEM }
}

/// The rendered set: resources in apply order plus what was left out.
public struct RenderedSet: Equatable, Sendable {
    public let resources: [RenderedResource]
    public let omitted: [OmittedResource]
}

/// Turns a validated configuration into Kubernetes objects, per the storage-mode table of the spec.
public enum Renderer {
    public static let dataVolume = "registry-data"
    public static let certsVolume = "registry-certs"

    public static func render(_ config: RegistryConfig, tls: ManagedTLS? = nil) -> RenderedSet {
        let view = config.view
        guard view.enabled else {
            return RenderedSet(resources: [], omitted: [OmittedResource(kind: "all", reason: "cacheRegistry.enabled is false: nothing is rendered")])
        }
        let mode = view.storageMode
        var resources: [RenderedResource] = []
        var omitted: [OmittedResource] = []
        let labels = commonLabels(config)
        let namespace = config.namespace
        let pvName = view.text(.pvName)
        let pvcName = view.text(.pvcName)
        let staticClass = view.storageClass ?? ""

        if mode.hasStaticVolume {
            var spec: [Entry] = [
                Entry(key: "capacity", value: .mapping([Entry(key: "storage", value: quantity(view, .pvSize))])),
                Entry(key: "accessModes", value: .sequence([.string(mode.accessMode)])),
                Entry(key: "persistentVolumeReclaimPolicy", value: .string(view.text(.pvReclaimPolicy))),
            ]
            if !staticClass.isEmpty { spec.append(Entry(key: "storageClassName", value: .string(staticClass))) }
            switch mode {
            case .hostPath:
                spec.append(Entry(key: "hostPath", value: .mapping([
                    Entry(key: "path", value: .string(view.text(.pvHostPath))),
                    Entry(key: "type", value: .string("DirectoryOrCreate")),
                ])))
            case .nfs:
                var nfs: [Entry] = [
                    Entry(key: "server", value: .string(view.text(.pvNFSServer))),
                    Entry(key: "path", value: .string(view.text(.pvNFSPath))),
                ]
                if let readOnly = view.bool(.pvNFSReadOnly) { nfs.append(Entry(key: "readOnly", value: .bool(readOnly))) }
                spec.append(Entry(key: "nfs", value: .mapping(nfs)))
            default:
                for source in view.value(.pvVolumeSource)?.entries ?? [] where !source.value.isNull {
                    spec.append(source)
                }
            }
            resources.append(resource("v1", "PersistentVolume", pvName, namespace: nil, labels: labels, file: "pv.yaml",
                                      body: [Entry(key: "spec", value: .mapping(spec))]))
        } else {
            let provisioner = staticClass.isEmpty ? "the cluster's default StorageClass" : "the StorageClass \(staticClass)"
            omitted.append(OmittedResource(kind: "PersistentVolume", reason: "no PersistentVolume: \(provisioner) provisions it when the claim is created"))
        }

        var claim: [Entry] = [
            Entry(key: "accessModes", value: .sequence([.string(mode.accessMode)])),
            Entry(key: "resources", value: .mapping([Entry(key: "requests", value: .mapping([Entry(key: "storage", value: quantity(view, .pvcSize))]))])),
        ]
        // A static claim always names its class ("" keeps a default class from provisioning another volume);
        // a dynamic claim without a class is left to the cluster's default StorageClass.
        if mode.hasStaticVolume || !staticClass.isEmpty {
            claim.append(Entry(key: "storageClassName", value: .string(staticClass)))
        }
        if mode.hasStaticVolume { claim.append(Entry(key: "volumeName", value: .string(pvName))) }
        resources.append(resource("v1", "PersistentVolumeClaim", pvcName, namespace: namespace, labels: labels, file: "pvc.yaml",
                                  body: [Entry(key: "spec", value: .mapping(claim))]))

        resources.append(deployment(config, mode: mode, labels: labels, pvcName: pvcName))
        resources.append(service(config, labels: labels))

        let secretName = view.text(.deploymentTlsSecretName)
        if let tls {
            resources.append(resource("v1", "Secret", secretName, namespace: namespace, labels: labels, file: "secret.yaml", body: [
                Entry(key: "type", value: .string("kubernetes.io/tls")),
                Entry(key: "data", value: .mapping([
                    Entry(key: "tls.crt", value: .string(Base64.encode(Array(tls.certificatePEM.utf8)))),
                    Entry(key: "tls.key", value: .string(Base64.encode(Array(tls.keyPEM.utf8)))),
                ])),
            ]))
        } else {
            omitted.append(OmittedResource(kind: "Secret", reason: "no Secret: the registry uses the existing secret \(secretName) (it must hold tls.crt and tls.key)"))
        }
        return RenderedSet(resources: resources, omitted: omitted)
    }

    static func commonLabels(_ config: RegistryConfig) -> [Entry] {
        [
            Entry(key: "app.kubernetes.io/name", value: .string("cache-registry")),
            Entry(key: "app.kubernetes.io/component", value: .string("registry")),
            Entry(key: "app.kubernetes.io/part-of", value: .string("kubiya-runner")),
            Entry(key: "app.kubernetes.io/managed-by", value: .string("cache-registry-setup")),
            Entry(key: "app.kubernetes.io/instance", value: .string(config.release)),
            Entry(key: "app", value: .string(config.view.text(.deploymentSelector))),
        ]
    }

    static func resource(_ apiVersion: String, _ kind: String, _ name: String, namespace: String?, labels: [Entry],
                         file: String, body: [Entry]) -> RenderedResource {
        var metadata: [Entry] = [Entry(key: "name", value: .string(name))]
        if let namespace { metadata.append(Entry(key: "namespace", value: .string(namespace))) }
        metadata.append(Entry(key: "labels", value: .mapping(labels)))
        let object = Value.mapping([
            Entry(key: "apiVersion", value: .string(apiVersion)),
            Entry(key: "kind", value: .string(kind)),
            Entry(key: "metadata", value: .mapping(metadata)),
        ] + body)
        return RenderedResource(kind: kind, name: name, fileName: file, object: object)
    }

    /// A quantity as a string, so `1` and `500m` both reach the API as quantities.
    static func quantity(_ view: RegistryConfig.View, _ path: KeyPath) -> Value {
        .string(view.text(path))
    }

    static func deployment(_ config: RegistryConfig, mode: StorageMode, labels: [Entry], pvcName: String) -> RenderedResource {
        let view = config.view
        let selector = view.text(.deploymentSelector)
        let port = view.targetPort
        var env: [Value] = [
            envVar("REGISTRY_HTTP_ADDR", "0.0.0.0:\(port)"),
            envVar("REGISTRY_HTTP_TLS_CERTIFICATE", "/certs/tls.crt"),
            envVar("REGISTRY_HTTP_TLS_KEY", "/certs/tls.key"),
            envVar("REGISTRY_STORAGE_DELETE_ENABLED", "true"),
        ]
        if let userEnv = view.value(.deploymentEnv) {
            if let entries = userEnv.entries {
                env += entries.map { envVar($0.key, $0.value.scalar?.text ?? FieldRegistry.displayText($0.value)) }
            } else if let items = userEnv.items {
                env += items
            }
        }
        var container: [Entry] = [
            Entry(key: "name", value: .string("registry")),
            Entry(key: "image", value: .string("\(view.text(.deploymentImageRepository)):\(view.text(.deploymentImageTag))")),
            Entry(key: "imagePullPolicy", value: .string(view.text(.deploymentImagePullPolicy))),
            Entry(key: "ports", value: .sequence([.mapping([
                Entry(key: "name", value: .string("https")),
                Entry(key: "containerPort", value: .int(port)),
                Entry(key: "protocol", value: .string("TCP")),
            ])])),
            Entry(key: "env", value: .sequence(env)),
            Entry(key: "resources", value: .mapping(["requests", "limits"].map { group in
                Entry(key: group, value: .mapping(["cpu", "memory"].map { resource in
                    Entry(key: resource, value: quantity(view, KeyPath(["deployment", "resources", group, resource])))
                }))
            })),
        ]
        for probe in ["livenessProbe", "readinessProbe"] {
            let base = KeyPath(["deployment", probe])
            guard view.flag(base.appending("enabled")) else { continue }
            container.append(Entry(key: probe, value: .mapping([
                Entry(key: "httpGet", value: .mapping([
                    Entry(key: "path", value: .string(view.text(KeyPath(base.components + ["httpGet", "path"])))),
                    Entry(key: "port", value: .int(port)),
                    Entry(key: "scheme", value: .string(view.text(KeyPath(base.components + ["httpGet", "scheme"])))),
                ])),
                Entry(key: "initialDelaySeconds", value: .int(view.integer(base.appending("initialDelaySeconds")))),
                Entry(key: "periodSeconds", value: .int(view.integer(base.appending("periodSeconds")))),
                Entry(key: "timeoutSeconds", value: .int(view.integer(base.appending("timeoutSeconds")))),
            ])))
        }
        container.append(Entry(key: "volumeMounts", value: .sequence([
            .mapping([Entry(key: "name", value: .string(dataVolume)), Entry(key: "mountPath", value: .string("/var/lib/registry"))]),
            .mapping([Entry(key: "name", value: .string(certsVolume)), Entry(key: "mountPath", value: .string("/certs")),
                      Entry(key: "readOnly", value: .bool(true))]),
        ] + (view.value(.deploymentVolumeMounts)?.items ?? []))))

        var podSpec: [Entry] = []
        if let nodeSelector = view.value(.deploymentNodeSelector)?.entries, !nodeSelector.isEmpty {
            podSpec.append(Entry(key: "nodeSelector", value: .mapping(nodeSelector.map { Entry(key: $0.key, value: .string($0.value.scalar?.text ?? "")) })))
        }
        if let affinity = view.value(.deploymentAffinity), affinity.entries?.isEmpty == false {
            podSpec.append(Entry(key: "affinity", value: affinity))
        }
        podSpec.append(Entry(key: "containers", value: .sequence([.mapping(container)])))
        podSpec.append(Entry(key: "volumes", value: .sequence([
            .mapping([Entry(key: "name", value: .string(dataVolume)),
                      Entry(key: "persistentVolumeClaim", value: .mapping([Entry(key: "claimName", value: .string(pvcName))]))]),
            .mapping([Entry(key: "name", value: .string(certsVolume)),
                      Entry(key: "secret", value: .mapping([Entry(key: "secretName", value: .string(view.text(.deploymentTlsSecretName)))]))]),
        ] + (view.value(.deploymentVolumes)?.items ?? []))))

        let podLabels = labels.filter { $0.key != "app" } + [Entry(key: "app", value: .string(selector))]
        let spec: [Entry] = [
            Entry(key: "replicas", value: .int(view.integer(.deploymentReplicas))),
            Entry(key: "strategy", value: .mapping([Entry(key: "type", value: .string(mode.accessMode == "ReadWriteOnce" ? "Recreate" : "RollingUpdate"))])),
            Entry(key: "selector", value: .mapping([Entry(key: "matchLabels", value: .mapping([Entry(key: "app", value: .string(selector))]))])),
            Entry(key: "template", value: .mapping([
                Entry(key: "metadata", value: .mapping([Entry(key: "labels", value: .mapping(podLabels))])),
                Entry(key: "spec", value: .mapping(podSpec)),
            ])),
        ]
        return resource("apps/v1", "Deployment", view.text(.deploymentName), namespace: config.namespace,
                        labels: labels, file: "deployment.yaml", body: [Entry(key: "spec", value: .mapping(spec))])
    }

    static func envVar(_ name: String, _ value: String) -> Value {
        .mapping([Entry(key: "name", value: .string(name)), Entry(key: "value", value: .string(value))])
    }

    static func service(_ config: RegistryConfig, labels: [Entry]) -> RenderedResource {
        let view = config.view
        let ports: [Value] = [.mapping([
            Entry(key: "name", value: .string("https")),
            Entry(key: "port", value: .int(view.integer(.servicePort))),
            Entry(key: "targetPort", value: .int(view.targetPort)),
            Entry(key: "protocol", value: .string("TCP")),
        ])] + (view.value(.serviceAdditionalPorts)?.items ?? [])
        return resource("v1", "Service", view.text(.serviceName), namespace: config.namespace,
                        labels: labels, file: "service.yaml", body: [Entry(key: "spec", value: .mapping([
                            Entry(key: "type", value: .string(view.text(.serviceType))),
                            Entry(key: "selector", value: .mapping([Entry(key: "app", value: .string(view.text(.deploymentSelector)))])),
                            Entry(key: "ports", value: .sequence(ports)),
                        ]))])
    }
}

/// Standard base64, without Foundation.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index], b1 = index + 1 < bytes.count ? bytes[index + 1] : 0, b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
