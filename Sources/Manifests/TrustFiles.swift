import RegistryModel

/// What nodes and clients need to trust a private certificate (SPEC section 8): `trust/ca.crt`, containerd's
/// `certs.d/<host>/hosts.toml` and Docker's `certs.d/<host>/ca.crt` for every name the registry is reached by,
/// and a README saying where each goes. "x509: certificate signed by unknown authority" is what they prevent.
public enum TrustFiles {
    public static let folder = "trust"
    /// The file that says where each goes on a node, and marks the folder as this program's.
    public static let readme = folder + "/README.txt"

    /// The hosts clients use: each service name, with `:port` unless the port is 443.
    public static func hosts(_ config: RegistryConfig) -> [String] {
        let port = config.view.integer(.servicePort)
        return config.serviceNames().map { port == 443 ? $0 : "\($0):\(port)" }
    }

    /// The host a pull-through cache mirrors, as containerd names its folder (`registry-1.docker.io` is `docker.io`).
    public static func upstreamHost(_ config: RegistryConfig) -> String? {
        guard config.view.bool(.proxyEnabled) == true, let url = config.view.string(.proxyRemoteURL) else { return nil }
        return Mirrors.host(ofURL: url)
    }

    /// The files, named relative to the manifests folder.
    public static func files(certificatePEM: String, config: RegistryConfig) -> [OutputLayout.File] {
        let proxy = config.view.bool(.proxyEnabled) == true
        // A pull-through cache refuses pushes, so no host offers them in proxy mode.
        let pullOnly = #"["pull", "resolve"]"#
        let ownCapabilities = proxy ? pullOnly : #"["pull", "resolve", "push"]"#
        var files = [OutputLayout.File(name: "\(folder)/ca.crt", contents: certificatePEM, isSecret: false)]
        func hostFolder(_ name: String, server: String, host: String, capabilities: String? = nil) {
            let toml = """
            # \(OutputLayout.marker)
            server = "\(server)"

            [host."https://\(host)"]
              capabilities = \(capabilities ?? ownCapabilities)
              ca = "ca.crt"

            """
            files.append(
                OutputLayout.File(
                    name: "\(folder)/containerd/certs.d/\(name)/hosts.toml", contents: toml, isSecret: false))
            files.append(
                OutputLayout.File(
                    name: "\(folder)/containerd/certs.d/\(name)/ca.crt", contents: certificatePEM, isSecret: false))
        }
        let nodeAddress = config.nodeAddress
        for host in hosts(config) + (nodeAddress.map { [$0] } ?? []) {
            hostFolder(host, server: "https://\(host)", host: host)
            files.append(
                OutputLayout.File(
                    name: "\(folder)/docker/certs.d/\(host)/ca.crt", contents: certificatePEM, isSecret: false))
        }
        let upstream = upstreamHost(config)
        if let nodeAddress, let upstream, let url = config.view.string(.proxyRemoteURL) {
            // The mirror: pods keep their image names (nginx, docker.io/library/nginx) and containerd asks the cache
            // first.
            hostFolder(upstream, server: withoutTrailingSlashes(url), host: nodeAddress)
        }
        var caches: [(host: String, cache: String, address: String)] = []
        for mirror in Mirrors.list(config) {
            guard let host = mirror.upstreamHost, let url = mirror.upstream,
                  let address = mirror.config(in: config).nodeAddress else { continue }
            hostFolder(host, server: withoutTrailingSlashes(url), host: address, capabilities: pullOnly)
            caches.append((host, mirror.objectName, address))
        }
        files.append(OutputLayout.File(name: readme,
                contents: readme(hosts(config), nodeAddress: nodeAddress, mirrored: proxy ? upstream : nil)
                    + mirrorsReadme(caches),
                isSecret: false))
        return files
    }

    static func withoutTrailingSlashes(_ url: String) -> String { String(url.reversed().drop { $0 == "/" }.reversed()) }

    /// The README's list of the mirrors' hosts.toml folders.
    static func mirrorsReadme(_ caches: [(host: String, cache: String, address: String)]) -> String {
        guard !caches.isEmpty else { return "" }
        let width = caches.map(\.host.count).max() ?? 0
        return """

        Mirrors: each upstream's containerd/certs.d/<host>/hosts.toml sends pulls of <host>/... images to its
        cache first (pull, resolve) and to the upstream itself (server) when the cache does not answer. Copy
        every folder below with the others; pods keep their image names.

        """ + caches.map { cache in
            "    containerd/certs.d/\(cache.host)/\(String(repeating: " ", count: width - cache.host.count))  "
                + "through \(cache.cache) at \(cache.address)"
        }.joined(separator: "\n") + "\n"
    }

    static func readme(_ hosts: [String], nodeAddress: String?, mirrored upstream: String?) -> String {
        let nodes = nodeAddress.map { address in
            """
            Which name works where: pods resolve the Service names (\(hosts.first ?? "")...), but containerd,
            the kubelet and Docker run on the node, outside cluster DNS, where those names do not resolve
            ("no such host"). Nodes use the node address \(address): image references that nodes pull
            (a pod's image) name \(address)/<repository>:<tag>.
            """
        } ?? """
            Which name works where: pods resolve the Service names below, but containerd, the kubelet and
            Docker run on the node, outside cluster DNS, where they do not resolve ("no such host"). For
            nodes to pull from the registry, give it a node address: service.clusterIP (a fixed ClusterIP)
            or service.type NodePort with service.nodePort; trust/ then holds a folder for it.
            """
        let mirror = upstream.map { upstream in
            """

            containerd/certs.d/\(upstream)/hosts.toml
                The mirror: with it, containerd fetches \(upstream) images through the cache first, and pods
                keep their image names. When the cache is down, containerd falls back to \(upstream) itself,
                which also hides a mirror that does not work: check with
                  ctr images pull --hosts-dir /etc/containerd/certs.d \(upstream)/library/busybox:latest
                and find the blob in the cache (cache-registry-setup doctor --image, or the registry's log).
            """
        } ?? ""
        return """
        # \(OutputLayout.marker)
        Trust for the cache registry's certificate. Without it, nodes and clients fail with
        "x509: certificate signed by unknown authority".

        \(nodes)

        ca.crt
            The certificate to trust. Check a name with:
            curl --cacert ca.crt https://\(nodeAddress ?? hosts.first ?? "<host>")/v2/

        containerd/certs.d/<host>/  (hosts.toml and ca.crt)
            On every node, copy each <host> folder into the folder that containerd's registry
            config_path names (config_path = "/etc/containerd/certs.d" in the CRI plugin's registry
            section; without config_path, containerd reads none of them). It reads them on the next pull.
        \(mirror)
        docker/certs.d/<host>/ca.crt
            On every Docker host, copy each <host> folder into /etc/docker/certs.d/.

        Hosts: \((hosts + (nodeAddress.map { [$0 + " (node address)"] } ?? [])).joined(separator: ", "))

        """
    }
}
