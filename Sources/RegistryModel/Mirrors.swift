/// A pull-through cache of one upstream beside the registry (`cacheRegistry.mirrors[i]`). distribution serves one
/// upstream per instance, so each mirror is an instance of its own: its configuration is the registry's with the
/// mirror's keys laid over it (`config(in:)`), rendered, validated and checked by the same code as the registry.
public struct UpstreamMirror: Equatable, Sendable {
    /// Its place in the list (Helm's `mirrors[0]`).
    public let index: Int
    /// The item as written.
    public let item: Value

    /// Keys a mirror takes, in the order its wizard screen shows them: what the screen calls each one, and the
    /// registry key it is laid over (nil: read by the mirror itself).
    public static let keys: [(key: KeyPath, label: String, registryKey: KeyPath?)] = [
        ("name", "Name", nil), ("upstream", "Upstream URL", .proxyRemoteURL), ("ttl", "Cache TTL", .proxyTTL),
        ("username", "Upstream user", .proxyUsername),
        ("passwordSecret.name", "Password Secret", .proxyPasswordSecretName),
        ("passwordSecret.key", "Password key", .proxyPasswordSecretKey),
        ("storage.hostPath", "Host path", .pvHostPath), ("storage.nfs.server", "NFS server", .pvNFSServer),
        ("storage.nfs.path", "NFS path", .pvNFSPath), ("storage.storageClass", "Storage class", .pvcStorageClass),
        ("storage.size", "Size", .pvcSize), ("storage.s3Prefix", "S3 prefix", .s3RootDirectory),
        ("resources.requests.cpu", "CPU request", .deploymentResourcesRequestsCpu),
        ("resources.requests.memory", "Memory request", .deploymentResourcesRequestsMemory),
        ("resources.limits.cpu", "CPU limit", .deploymentResourcesLimitsCpu),
        ("resources.limits.memory", "Memory limit", .deploymentResourcesLimitsMemory),
        ("service.type", "Service type", .serviceType), ("service.port", "Service port", .servicePort),
        ("service.nodePort", "NodePort", .serviceNodePort), ("service.clusterIP", "Fixed ClusterIP", .serviceClusterIP),
        ("service.targetPort", "Target port", .serviceTargetPort),
    ]
    /// The registry key a mirror's key is laid over (nil for `name`).
    public static func registryKey(of key: KeyPath) -> KeyPath? { keys.first { $0.key == key }?.registryKey }

    /// The mappings among them.
    static let sections: Set<KeyPath> = ["passwordSecret", "storage", "storage.nfs", "resources", "resources.requests",
                                         "resources.limits", "service"]

    public var name: String { item["name"]?.scalar?.text ?? "" }
    public var upstream: String? { item["upstream"]?.scalar.flatMap { $0.kind == .null ? nil : $0.text } }
    /// The objects' name: `cache-<name>` (its Deployment, pod label and Service; `-pv`, `-pvc` for its volume).
    public var objectName: String { "cache-" + name }

    /// Where one of its keys is (`mirrors[1].ttl`), as problems and `set` name it.
    public func path(_ key: KeyPath) -> KeyPath { KeyPath(["\(Mirrors.key.description)[\(index)]"] + key.components) }

    /// The host containerd names the upstream by (`registry-1.docker.io` is `docker.io`), nil for no URL.
    public var upstreamHost: String? { upstream.flatMap(Mirrors.host(ofURL:)) }

    func value(_ key: KeyPath) -> Value? { item.value(at: key).flatMap { $0.isNull ? nil : $0 } }

    /// The storage it chooses: by the key it sets, else the registry's own kind of storage.
    func storage(in registry: RegistryConfig.View) -> StorageMode {
        if value("storage.s3Prefix") != nil { return .s3 }
        if value("storage.hostPath") != nil { return .hostPath }
        if value("storage.nfs") != nil { return .nfs }
        if value("storage.storageClass") != nil { return .dynamic }
        let mode = registry.storageMode
        return mode == .otherSource ? .dynamic : mode
    }

    /// The registry's configuration with this mirror's keys laid over it: a pull-through cache of `upstream` with
    /// its own names, one replica, its own Service and storage, and the registry's image, scheduling, TLS Secret
    /// and NetworkPolicy. The registry's env, extra volumes, metrics and HTTP secret stay the registry's.
    public func config(in registry: RegistryConfig) -> RegistryConfig {
        let view = registry.view
        var values = registry.overrides.entries == nil ? Value.emptyMapping : registry.overrides
        for key: KeyPath in [Mirrors.key, "service", "metrics", "deployment.httpSecret", "pvc.volumeName",
                             "deployment.volumes", "deployment.volumeMounts"]
        {
            values = values.removing(key)
        }
        func set(_ path: KeyPath, _ value: Value?) { values = values.setting(value ?? .null, at: path) }
        set(.deploymentName, .string(objectName))
        set(.deploymentSelector, .string(objectName))
        set(.deploymentReplicas, .int(1))
        set("deployment.env", .emptyMapping)
        set(.serviceName, .string(objectName))
        set(.serviceTargetPort, .int(view.targetPort))
        set(.serviceType, .string("ClusterIP"))
        set(.servicePort, .int(view.integer(.servicePort)))
        set(.metricsEnabled, .bool(false))
        set(.proxyEnabled, .bool(true))
        set(.proxyRemoteURL, .string(upstream ?? ""))
        set(.pvName, .string(objectName + "-pv"))
        set(.pvcName, .string(objectName + "-pvc"))
        switch storage(in: view) {
        case .s3:
            let root = view.string(.s3RootDirectory).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
            set(.s3RootDirectory, .string(root + "/" + name))
        case .hostPath:
            values = values.removing(.storage).removing(.pvVolumeSource)
            set(.pvHostPath, .string(view.text(.pvHostPath) + "-" + name))
        case .nfs:
            values = values.removing(.storage)
            set(.pvHostPath, nil)
            set(.pvNFSPath, .string((view.string(.pvNFSPath) ?? "") + "/" + name))
        case .dynamic, .otherSource:
            values = values.removing(.storage).removing(.pvVolumeSource)
            set(.pvHostPath, nil)
        }
        for (key, _, registryKey) in UpstreamMirror.keys {
            guard let registryKey, let value = value(key) else { continue }
            set(registryKey, value)
            if registryKey == .pvcSize { set(.pvSize, value) }
        }
        var config = registry
        config.overrides = values
        config.route = .kubectl
        return config
    }

    /// The mirror's key a problem of its configuration is on, nil for one of the registry's own keys (reported for
    /// the registry).
    func key(of registryPath: KeyPath) -> KeyPath? {
        if [.deploymentName, .deploymentSelector, .serviceName, .pvName, .pvcName].contains(registryPath) {
            return "name"
        }
        if registryPath == .pvSize { return "storage.size" }
        return UpstreamMirror.keys.first { $0.registryKey == registryPath }?.key
    }
}

/// The list of mirrors, its presets and its rules.
public enum Mirrors {
    public static let key: KeyPath = "mirrors"

    /// An upstream a platform team usually caches, with the name its objects get.
    public struct Preset: Equatable, Sendable {
        public let host: String
        public let name: String
        public let upstream: String
    }
    public static let presets = [
        Preset(host: "docker.io", name: "docker-io", upstream: "https://registry-1.docker.io"),
        Preset(host: "ghcr.io", name: "ghcr-io", upstream: "https://ghcr.io"),
        Preset(host: "quay.io", name: "quay-io", upstream: "https://quay.io"),
        Preset(host: "registry.k8s.io", name: "registry-k8s-io", upstream: "https://registry.k8s.io"),
    ]

    /// The longest name: `cache-<name>` stays a DNS-1035 label of 63 with `-pvc` after it.
    public static let maxNameLength = 63 - "cache-".count - "-pvc".count

    /// A new entry for an upstream URL: its name from the host (`quay.io` is `quay-io`, Docker Hub `docker-io`),
    /// on a NodePort from 30501 that no cache of `config` has, so nodes can pull through it at once.
    public static func newEntry(upstream: String, in config: RegistryConfig) -> Value {
        let host = host(ofURL: upstream) ?? upstream
        let preset = presets.first { $0.host == host }
        var name = preset?.name ?? String(host.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        name = String(name.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed().prefix(maxNameLength))
        let taken = Set(([config] + list(config).map { $0.config(in: config) }).compactMap(\.nodeAddress))
        let nodePort = (30501...32767).first { !taken.contains("127.0.0.1:\($0)") } ?? 30501
        return ["name": .string(name.isEmpty ? "cache" : name), "upstream": .string(upstream),
                "service": ["type": "NodePort", "nodePort": .int(nodePort)]]
    }

    /// The mirrors the values list (items that are not mappings are left to the rules).
    public static func list(_ config: RegistryConfig) -> [UpstreamMirror] {
        (config.view.value(key)?.items ?? []).enumerated().compactMap { index, item in
            item.entries == nil ? nil : UpstreamMirror(index: index, item: item)
        }
    }

    /// A URL's host as containerd names its `certs.d` folder: with its port, `docker.io` for Docker Hub's hosts.
    public static func host(ofURL url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let host = url[schemeEnd.upperBound...].split(separator: "/").first.map(String.init) ?? ""
        if host.isEmpty { return nil }
        return host == "registry-1.docker.io" || host == "index.docker.io" ? "docker.io" : host
    }

    /// Every problem of the list: each item's own keys, each mirror's configuration checked as the registry's is
    /// (named at the mirror's keys), and what two caches may not share.
    public static func problems(_ config: RegistryConfig) -> [Problem] {
        guard let list = config.view.value(key)?.items, !list.isEmpty else { return [] }
        var problems: [Problem] = []
        if config.route == .helm {
            problems.append(.error(.mirrorsOnChart, key, "the kubiya-runner chart renders no mirrors; install with "
                + "--route kubectl (export) or helm-post-render, whose post-renderer adds them to the release"))
        }
        var mirrors: [UpstreamMirror] = []
        for (index, item) in list.enumerated() {
            let at = KeyPath(["\(key.description)[\(index)]"])
            guard item.entries != nil else {
                problems.append(.error(.wrongType, at, "must be a mapping (name, upstream, ...), not \(item.typeName)"))
                continue
            }
            let mirror = UpstreamMirror(index: index, item: item)
            mirrors.append(mirror)
            problems += itemProblems(mirror)
        }
        for mirror in mirrors where !mirror.name.isEmpty && mirror.upstream != nil {
            for problem in configProblems(mirror, in: config) {
                // A shared setting's problem (the NetworkPolicy admits no node) is said once.
                guard problem.location.key.flatMap(mirror.key(of:)) != nil || !problems.contains(where: {
                    $0.code == problem.code && $0.location == problem.location
                }) else { continue }
                problems.append(problem)
            }
        }
        return problems + sharingProblems(mirrors, in: config)
    }

    static func itemProblems(_ mirror: UpstreamMirror) -> [Problem] {
        var problems: [Problem] = []
        let known = Set(UpstreamMirror.keys.map(\.key)).union(UpstreamMirror.sections)
        func walk(_ value: Value, _ under: KeyPath) {
            for entry in value.entries ?? [] {
                let path = under.appending(entry.key)
                if UpstreamMirror.sections.contains(path) {
                    if entry.value.entries != nil {
                        walk(entry.value, path)
                    } else if !entry.value.isNull {
                        problems.append(.error(.wrongType, mirror.path(path), "must be a mapping, not "
                            + entry.value.typeName))
                    }
                } else if !known.contains(path) {
                    problems.append(.warning(.unknownKey, mirror.path(path), "unknown key; a mirror takes "
                        + UpstreamMirror.keys.map(\.key.description).joined(separator: ", ")))
                }
            }
        }
        walk(mirror.item, KeyPath([]))
        if mirror.value("name") == nil {
            problems.append(.error(.required, mirror.path("name"), "is required; for example docker-io"))
        } else if let problem = Names.dns1123LabelProblem(mirror.name) {
            problems.append(.error(.badValue, mirror.path("name"), problem))
        } else if mirror.name.count > maxNameLength {
            problems.append(.error(.badValue, mirror.path("name"), "is \(mirror.name.count) characters; at most "
                + "\(maxNameLength), so \(mirror.objectName)-pvc stays a name of 63"))
        }
        if mirror.upstream == nil {
            problems.append(.error(.required, mirror.path("upstream"), "is required; for example "
                + "https://registry-1.docker.io"))
        }
        return problems
    }

    /// The mirror's configuration checked as the registry's: its problems at the mirror's own keys.
    static func configProblems(_ mirror: UpstreamMirror, in registry: RegistryConfig) -> [Problem] {
        let derived = mirror.config(in: registry)
        var problems: [Problem] = []
        if mirror.value("storage.s3Prefix") != nil, registry.view.storageMode != .s3 {
            problems.append(.error(.badValue, mirror.path("storage.s3Prefix"), "is a prefix in the registry's bucket, "
                + "but the registry stores on \(registry.view.storageMode.label); set storage.s3.bucket, or give "
                + "the mirror storage.hostPath or storage.storageClass"))
        }
        for problem in Validator.validate(derived) {
            guard let path = problem.location.key else { continue }
            guard let key = mirror.key(of: path) else {
                // The registry's settings the caches share: what they cause for a cache is said at the setting
                // (unless the registry, reached by nodes too, says it already).
                if sharedCodes.contains(problem.code), registry.nodeAddress == nil { problems.append(problem) }
                continue
            }
            var moved = problem
            moved.location = .key(mirror.path(key))
            problems.append(moved)
        }
        if derived.nodeAddress == nil {
            problems.append(.warning(.mirrorUnreachable, mirror.path("service"), "gives the cache no node address, so "
                + "nodes cannot pull through it and trust/ has no hosts.toml for \(mirror.upstreamHost ?? "it"); set "
                + "service.type NodePort with service.nodePort, or service.clusterIP"))
        }
        return problems
    }

    /// Problems of a registry setting the caches share (the NetworkPolicy), reported for a cache at that setting.
    static let sharedCodes: Set<ProblemCode> = [.nodesNotAdmitted]

    /// Names, upstreams, node addresses and storage two caches (the registry among them) may not share.
    static func sharingProblems(_ mirrors: [UpstreamMirror], in registry: RegistryConfig) -> [Problem] {
        var problems: [Problem] = []
        let view = registry.view
        var names = ["registry": "the registry's own objects (cache-registry)"]
        var upstreams: [String: String] = [:]
        if view.bool(.proxyEnabled) == true, let host = view.string(.proxyRemoteURL).flatMap(host(ofURL:)) {
            upstreams[host] = "the registry itself"
        }
        var addresses: [String: String] = [:]
        if let address = claim(registry) { addresses[address] = "the registry" }
        var stores: [(place: String, owner: String)] = []
        if let place = storePlace(registry) { stores.append((place, "the registry")) }
        for mirror in mirrors where !mirror.name.isEmpty {
            let label = "mirrors[\(mirror.index)]"
            if let other = names[mirror.name] {
                problems.append(.error(.mirrorName, mirror.path("name"), "\(mirror.name) is taken by \(other); "
                    + "each cache needs a name of its own"))
            } else {
                names[mirror.name] = label
            }
            if let host = mirror.upstreamHost {
                if let other = upstreams[host] {
                    problems.append(.error(.mirrorUpstream, mirror.path("upstream"), "\(host) is cached by \(other) "
                        + "already; containerd takes one mirror per upstream host: remove one"))
                } else {
                    upstreams[host] = label
                }
            }
            let derived = mirror.config(in: registry)
            if let address = claim(derived) {
                if let other = addresses[address] {
                    let key: KeyPath = address.hasPrefix("NodePort") ? "service.nodePort" : "service.clusterIP"
                    problems.append(.error(.mirrorAddress, mirror.path(key), "\(address) is \(other)'s; a cluster "
                        + "gives each to one Service: give each cache its own"))
                } else {
                    addresses[address] = label
                }
            }
            if let place = storePlace(derived) {
                if let other = stores.first(where: { shareData($0.place, place) }) {
                    let key: KeyPath = derived.view.storageMode == .s3 ? "storage.s3Prefix" : "storage.hostPath"
                    problems.append(.error(.mirrorStorage, mirror.path(key), "\(place) holds \(other.owner)'s data "
                        + "(\(other.place)); two registries writing one store overwrite each other: give each "
                        + "cache its own"))
                } else {
                    stores.append((place, label))
                }
            }
        }
        return problems
    }

    /// What a configuration's node address takes from the cluster: a node port (on every node), or a ClusterIP
    /// (whatever the port), each one Service's only.
    static func claim(_ config: RegistryConfig) -> String? {
        guard let address = config.nodeAddress else { return nil }
        let view = config.view
        if view.string(.serviceType) == "NodePort", let port = view.int(.serviceNodePort) { return "NodePort \(port)" }
        return view.string(.serviceClusterIP).map { "ClusterIP \($0)" } ?? address
    }

    /// Where a configuration's data lives, when two configurations can share it: a node folder, or a bucket prefix.
    static func storePlace(_ config: RegistryConfig) -> String? {
        let view = config.view
        switch view.storageMode {
        case .hostPath: return view.string(.pvHostPath).map { "hostPath " + PathName.withoutTrailingSlashes($0) }
        case .s3:
            let root = PathName.withoutTrailingSlashes(view.string(.s3RootDirectory) ?? "/")
            return "s3://\(view.text(.s3Bucket))\(root == "/" ? "" : root)"
        case .nfs:
            return "nfs://\(view.text(.pvNFSServer))\(PathName.withoutTrailingSlashes(view.text(.pvNFSPath)))"
        case .dynamic, .otherSource: return nil
        }
    }

    /// Whether two stores share data: one place, or one inside the other's `docker/` tree, where distribution
    /// keeps everything it writes.
    static func shareData(_ one: String, _ other: String) -> Bool {
        func inside(_ inner: String, _ outer: String) -> Bool {
            inner.hasPrefix(outer + "/docker/") || inner == outer + "/docker"
        }
        return one == other || inside(one, other) || inside(other, one)
    }
}

extension RegistryConfig {
    /// Every name a client reaches a cache by, the registry's first: what one certificate must cover.
    public var certificateNames: [String] {
        var names = serviceNames()
        for mirror in Mirrors.list(self) where !mirror.name.isEmpty {
            for name in mirror.config(in: self).serviceNames() where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The IP addresses of every cache's node address: what the certificate must carry as IP SANs.
    public var certificateIPs: [String] {
        var addresses = nodeAddressIP.map { [$0] } ?? []
        for mirror in Mirrors.list(self) where !mirror.name.isEmpty {
            if let ip = mirror.config(in: self).nodeAddressIP, !addresses.contains(ip) { addresses.append(ip) }
        }
        return addresses
    }
}
