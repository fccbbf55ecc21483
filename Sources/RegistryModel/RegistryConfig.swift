/// Values from outside `cacheRegistry` that its rules look at.
public struct ExternalValues: Equatable, Sendable {
    /// `toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS`, when the file has it.
    public var toolManagerRegistryAddress: String?
    /// Whether `registryTls.crt` and `registryTls.key` are both present.
    public var hasRegistryTLS: Bool
    public init(toolManagerRegistryAddress: String? = nil, hasRegistryTLS: Bool = false) {
        self.toolManagerRegistryAddress = toolManagerRegistryAddress
        self.hasRegistryTLS = hasRegistryTLS
    }
}

/// The `cacheRegistry` section as written (overrides) plus the output settings; everything else derives from it.
/// A file means what Helm makes of it: the chart's defaults with the file merged over them (SPEC section 1),
/// whatever else the file holds.
public struct RegistryConfig: Equatable, Sendable {
    /// The section as the file has it (only what it overrides).
    public var overrides: Value
    public var namespace: String
    public var release: String
    /// How the registry is installed: adds the chart's rules on the `helm` route, never changes the values.
    public var route: InstallRoute
    public var external: ExternalValues

    public static let defaultNamespace = "kubiya"
    /// The UID and GID the registry runs as when it runs as non-root.
    public static let nonRootID = 10001
    public static let defaultRelease = "kubiya-runner"

    public init(overrides: Value = .emptyMapping, namespace: String = RegistryConfig.defaultNamespace,
                release: String = RegistryConfig.defaultRelease, route: InstallRoute = .kubectl,
                external: ExternalValues = ExternalValues()) {
        self.overrides = overrides
        self.namespace = namespace
        self.release = release
        self.route = route
        self.external = external
    }

    /// The section merged over the chart's defaults, as Helm merges it: the effective configuration.
    public var merged: Value {
        overrides.entries == nil ? FieldRegistry.defaults : overrides.merged(over: FieldRegistry.defaults)
    }

    /// The overrides merged over the defaults with their explicit nulls kept: what a file must say so that it
    /// reads back as this configuration (a `null` that switches a default off stays written).
    public var mergedKeepingNulls: Value {
        overrides.entries == nil
            ? FieldRegistry.defaults : overrides.merged(over: FieldRegistry.defaults, keepingNulls: true)
    }

    /// Whether removing `path` must be written as an explicit `null`, so that a chart default does not come back.
    public static func needsExplicitNull(_ path: KeyPath) -> Bool {
        FieldRegistry.defaults.value(at: path).map { !$0.isNull } ?? false
    }

    /// A copy with one assignment applied to the overrides (null removes, or nulls a default).
    public func applying(_ assignment: Assignment) -> RegistryConfig {
        var copy = self
        if assignment.value.isNull && !RegistryConfig.needsExplicitNull(assignment.path) {
            copy.overrides = overrides.removing(assignment.path)
        } else {
            copy.overrides = overrides.setting(assignment.value, at: assignment.path)
        }
        return copy
    }

    /// Reads typed values from a merged tree.
    public struct View: Sendable {
        public let values: Value
        public init(_ values: Value) { self.values = values }
        public func value(_ path: KeyPath) -> Value? { values.value(at: path).flatMap { $0.isNull ? nil : $0 } }
        public func string(_ path: KeyPath) -> String? { value(path)?.scalar?.text }
        public func int(_ path: KeyPath) -> Int? {
            guard let scalar = value(path)?.scalar else { return nil }
            return scalar.intValue ?? (scalar.kind == .string ? Int(scalar.text) : nil)
        }
        public func bool(_ path: KeyPath) -> Bool? { value(path)?.scalar?.boolValue }
        public func quantity(_ path: KeyPath) -> Quantity? { string(path).flatMap { try? Quantity(parsing: $0) } }

        /// The storage mode: a host path, else a volume source, else dynamic provisioning (by the class named,
        /// or by the cluster's default StorageClass when none is).
        public var storageMode: StorageMode { StorageMode.detect(self) }
        /// The class the claim asks for: pvc's, else pv's.
        public var storageClass: String? { string(.pvcStorageClass) ?? string(.pvStorageClass) }
        /// The value, or the chart's default from the registry when it is unset or null (a configuration being
        /// edited may still have gaps; rendering it must not invent other defaults).
        public func text(_ path: KeyPath) -> String {
            string(path) ?? FieldRegistry.field(path)?.defaultValue?.scalar?.text ?? ""
        }
        public func integer(_ path: KeyPath) -> Int {
            int(path) ?? FieldRegistry.field(path)?.defaultValue?.scalar?.intValue ?? 0
        }
        public func flag(_ path: KeyPath) -> Bool {
            bool(path) ?? FieldRegistry.field(path)?.defaultValue?.scalar?.boolValue ?? false
        }
        public var enabled: Bool { flag(.enabled) }

        /// The value, or what an unset key means in the current storage mode.
        public func effective(_ path: KeyPath) -> Value? {
            value(path) ?? FieldRegistry.field(path)?.effectiveDefault(in: storageMode)
        }
        /// The value as text, or what an unset key means in the current storage mode.
        public func effectiveText(_ path: KeyPath) -> String { effective(path)?.scalar?.text ?? text(path) }
        /// The registry image's major version from its tag (`2.8.3` → 2, `3` → 3), nil for a tag that names none.
        public var registryMajor: Int? { Int(text(.deploymentImageTag).prefix { $0.isNumber }) }
        /// Whether the NetworkPolicy is rendered.
        public var hasNetworkPolicy: Bool { flag(.networkPolicyEnabled) }
        /// Whether the registry runs as UID/GID 10001.
        public var runsAsNonRoot: Bool { effective(.deploymentRunAsNonRoot)?.scalar?.boolValue ?? false }
        /// The claim's access mode: the static volume's, or `pvc.accessMode` for a provisioned one.
        public var accessMode: String {
            storageMode.fixedAccessMode ?? effective(.pvcAccessMode)?.scalar?.text ?? "ReadWriteOnce"
        }
        /// More than one pod can reach the data at once: a volume they all mount, or a bucket with no volume.
        public var isShared: Bool { !storageMode.hasClaim || accessMode == "ReadWriteMany" }
        public var replicas: Int { integer(.deploymentReplicas) }
        public var targetPort: Int { integer(.serviceTargetPort) }
    }

    public var view: View { View(merged) }

    /// The addresses the Tool Manager and pods may use for the registry.
    public func serviceNames() -> [String] {
        let name = view.text(.serviceName)
        return [name, "\(name).\(namespace)", "\(name).\(namespace).svc", "\(name).\(namespace).svc.cluster.local"]
    }

    /// How nodes (containerd, the kubelet, Docker), outside cluster DNS, reach the registry: `127.0.0.1:<nodePort>`
    /// for a NodePort Service with a fixed node port, `<clusterIP>[:<port>]` for a fixed ClusterIP; nil when neither
    /// is set (then only pods, which resolve Service names, can pull).
    public var nodeAddress: String? {
        let view = self.view
        if view.string(.serviceType) == "NodePort", let nodePort = view.int(.serviceNodePort) {
            // A port Kubernetes would refuse is no address at all.
            guard case .integer(let low, let high)? = FieldRegistry.field(.serviceNodePort)?.kind,
                  (low...high).contains(nodePort) else { return nil }
            return "127.0.0.1:\(nodePort)"
        }
        guard let clusterIP = view.string(.serviceClusterIP), Names.ipv4Problem(clusterIP) == nil else { return nil }
        let port = view.integer(.servicePort)
        return port == 443 ? clusterIP : "\(clusterIP):\(port)"
    }

    /// The IP address of the node address, which a certificate must carry as an IP SAN.
    public var nodeAddressIP: String? { nodeAddress.map { String($0.split(separator: ":")[0]) } }

    /// `<service>.<namespace>` with `:<port>` unless the port is 443.
    public var registryAddress: String {
        let base = serviceNames()[1]
        let port = view.integer(.servicePort)
        return port == 443 ? base : "\(base):\(port)"
    }
}
