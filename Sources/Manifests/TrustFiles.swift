import RegistryModel

/// What nodes and clients need to trust a private certificate (SPEC section 8): `trust/ca.crt`, containerd's
/// `certs.d/<host>/hosts.toml` and Docker's `certs.d/<host>/ca.crt` for every name the registry is reached by,
/// and a README saying where each goes. "x509: certificate signed by unknown authority" is what they prevent.
public enum TrustFiles {
    public static let folder = "trust"

    /// The hosts clients use: each service name, with `:port` unless the port is 443.
    public static func hosts(_ config: RegistryConfig) -> [String] {
        let port = config.view.integer(.servicePort)
        return config.serviceNames().map { port == 443 ? $0 : "\($0):\(port)" }
    }

    /// The files, named relative to the manifests folder.
    public static func files(certificatePEM: String, config: RegistryConfig) -> [OutputLayout.File] {
        let hosts = hosts(config)
        var files = [OutputLayout.File(name: "\(folder)/ca.crt", contents: certificatePEM, isSecret: false)]
        for host in hosts {
            let toml = """
            # \(OutputLayout.marker)
            server = "https://\(host)"

            [host."https://\(host)"]
              capabilities = ["pull", "resolve", "push"]
              ca = "ca.crt"

            """
            files.append(OutputLayout.File(name: "\(folder)/containerd/certs.d/\(host)/hosts.toml", contents: toml, isSecret: false))
            files.append(OutputLayout.File(name: "\(folder)/containerd/certs.d/\(host)/ca.crt", contents: certificatePEM, isSecret: false))
            files.append(OutputLayout.File(name: "\(folder)/docker/certs.d/\(host)/ca.crt", contents: certificatePEM, isSecret: false))
        }
        files.append(OutputLayout.File(name: "\(folder)/README.txt", contents: readme(hosts), isSecret: false))
        return files
    }

    static func readme(_ hosts: [String]) -> String {
        """
        # \(OutputLayout.marker)
        Trust for the cache registry's certificate. Without it, nodes and clients fail with
        "x509: certificate signed by unknown authority".

        ca.crt
            The certificate to trust. Check a name with:
            curl --cacert ca.crt https://\(hosts.first ?? "<host>")/v2/

        containerd/certs.d/<host>/  (hosts.toml and ca.crt)
            On every node, copy each <host> folder into /etc/containerd/certs.d/ (the folder that
            containerd's registry config_path names). containerd reads them on the next pull.

        docker/certs.d/<host>/ca.crt
            On every Docker host, copy each <host> folder into /etc/docker/certs.d/.

        Hosts: \(hosts.joined(separator: ", "))

        """
    }
}
