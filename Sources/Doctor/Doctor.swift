import Foundation
import RegistryModel
import RegistryTLS
import SwiftASN1
import X509

/// What a node meets when it pulls from the registry, checked the way a node does it: the TLS handshake against
/// the CA nodes are given, every name and address the certificate must cover, expiry, `/v2/`, whether pushes
/// are taken (private registry) or refused (pull-through cache), and that an image is served. It reads nothing
/// from a cluster: it is the seed's "registry health check", done without `curl -k`.
public enum Doctor {
    /// One check's outcome: a line, and for a failure the fix.
    public struct Check: Sendable, Equatable {
        public let passed: Bool
        public let line: String
        public let fix: String?
    }

    /// What to check against.
    public struct Target: Sendable {
        public var host: String
        public var port: Int
        /// The CA file nodes trust (trust/ca.crt); nil for the system's roots.
        public var caFile: String?
        /// How the CA is named in the report, when not by its file (`registryTls.crt of values-tls.yaml`).
        public var caName: String?
        public var proxy: Bool
        /// The Service names pods use, which the certificate must cover.
        public var serviceNames: [String]
        /// The registry's node address (`service.clusterIP` or `127.0.0.1:<nodePort>`), when it has one.
        public var nodeAddress: String?
        /// An image the registry must serve (`library/tiny:v1`, `docker.io/library/nginx`, `nginx:1.27`).
        public var image: String?
        public var now: Date

        public init(host: String, port: Int, caFile: String?, proxy: Bool, serviceNames: [String], nodeAddress: String?,
                    image: String?, now: Date) {
            self.host = host
            self.port = port
            self.caFile = caFile
            self.proxy = proxy
            self.serviceNames = serviceNames
            self.nodeAddress = nodeAddress
            self.image = image
            self.now = now
        }
    }

    /// Every check, in the order a pull meets them; a connection that fails ends the list.
    public static func checks(_ target: Target) -> [Check] {
        let address = "\(target.host):\(target.port)"
        let ping = request(target, "GET", "/v2/")
        guard let certificate = ping.certificate, ping.failure == nil else {
            return [Check(passed: false, line: "connect to \(address): \(ping.failure ?? "no certificate")",
                          fix: "is the registry running, and is \(address) the node address (service.clusterIP, or "
                              + "127.0.0.1:<service.nodePort> "
                              + "with kube-proxy in iptables mode)? kubectl -n <namespace> get svc,pods shows both")]
        }
        var checks: [Check] = []
        let trustedBy = (target.caName ?? target.caFile).map { "trusted by \($0)" } ?? "trusted by the system's roots"
        checks.append(ping.verified
            ? Check(passed: true, line: "TLS handshake with \(address): the certificate is \(trustedBy)", fix: nil)
            : Check(passed: false, line: "TLS handshake with \(address): the certificate is not \(trustedBy) "
                + "(\(ping.verifyError))",
                    fix: "give the CA that signed the registry's certificate (--ca trust/ca.crt, the file nodes get); "
                        + "if it is that file, the registry serves another pair: check the TLS secret "
                        + "(deployment.tlsSecretName)"))
        checks += coverage(certificate, target)
        checks.append(expiry(certificate, now: target.now))
        if let answer = ping.answer {
            checks.append(answer.status == 200 || answer.status == 401
                ? Check(passed: true, line: "GET /v2/ answers "
                    + "\(answer.status)\(answer.status == 401 ? " (authentication required)" : "")", fix: nil)
                : Check(passed: false, line: "GET /v2/ answers \(answer.status), not 200", fix: "this is not a "
                    + "registry v2 API; is the address the registry's?"))
        } else {
            checks.append(
                Check(
                    passed: false, line: "GET /v2/: \(ping.failure ?? "no answer")",
                    fix: "check the registry's log: kubectl logs deploy/<name>"))
        }
        checks.append(push(target))
        if let image = target.image { checks.append(served(image, target)) }
        return checks
    }

    static func request(
        _ target: Target, _ method: String, _ path: String, headers: [String: String] = [:]
    ) -> ProbeExchange {
        RegistryProbe.exchange(host: target.host, port: target.port, serverName: target.host,
                               caFile: target.caFile, method: method, path: path, headers: headers)
    }

    /// The names pods use and the address nodes use, each a line.
    static func coverage(_ certificate: Certificate, _ target: Target) -> [Check] {
        let (dnsNames, addresses) = TLSChecks.subjectAlternativeNames(certificate)
        // Covered as a TLS client judges it: a wildcard covers one label.
        func covers(_ name: String) -> Bool { dnsNames.contains { TLSChecks.matches($0, name) } }
        var checks: [Check] = []
        let missing = target.serviceNames.filter { !covers($0) }
        checks.append(missing.isEmpty
            ? Check(passed: true, line: "the certificate covers the Service names pods use: "
                + "\(target.serviceNames.joined(separator: ", "))", fix: nil)
            : Check(passed: false, line: "the certificate lacks \(missing.joined(separator: ", ")) (it covers "
                + "\(dnsNames.joined(separator: ", ")))",
                    fix: "generate a new pair for these values: cache-registry-setup tls generate -f values.yaml"))
        let host = target.host
        let isAddress = Names.ipv4Problem(host) == nil
        let covered = isAddress ? addresses.contains(host) : covers(host)
        checks.append(covered
            ? Check(passed: true, line: "the certificate covers \(host), the address nodes use", fix: nil)
            : Check(passed: false, line: "the certificate does not cover \(host), the address nodes use"
                        + (isAddress ? " (no IP SAN \(host))" : ""),
                    fix: "set the node address (service.clusterIP or service.nodePort) and generate a new pair: tls "
                        + "generate -f values.yaml"))
        return checks
    }

    static func expiry(_ certificate: Certificate, now: Date) -> Check {
        let until = CalendarDate.string(certificate.notValidAfter)
        if certificate.notValidAfter < now {
            return Check(
                passed: false, line: "the certificate expired on \(until)",
                fix: "renew it: cache-registry-setup tls generate -f values.yaml, then apply")
        }
        if certificate.notValidBefore > now {
            return Check(passed: false, line: "the certificate is not valid before "
                + "\(CalendarDate.string(certificate.notValidBefore))",
                         fix: "check this machine's clock and the node's, or issue a pair valid from today")
        }
        let days = Int(certificate.notValidAfter.timeIntervalSince(now) / 86400)
        return Check(passed: true, line: "the certificate is valid until \(until) (\(days) day\(days == 1 ? "" : "s"))"
                        + (days < 30 ? "; renew it soon" : ""), fix: nil)
    }

    /// A private registry takes pushes; a pull-through cache refuses them. The upload is cancelled at once.
    static func push(_ target: Target) -> Check {
        let exchange = request(target, "POST", "/v2/cache-registry-setup/doctor/blobs/uploads/")
        guard let answer = exchange.answer else {
            return Check(passed: false, line: "push: \(exchange.failure ?? "no answer")", fix: "check the registry's "
                + "log")
        }
        if answer.status == 202, let location = answer.headers["location"] {
            let path = location.range(of: "/v2/").map { String(location[$0.lowerBound...]) } ?? location
            _ = request(target, "DELETE", path)
        }
        switch (target.proxy, answer.status) {
        case (false, 202): return Check(passed: true, line: "push: the registry takes uploads (a test upload was "
            + "started and cancelled)", fix: nil)
        case (false, _):
            return Check(passed: false, line: "push: refused with "
                + "\(answer.status)\(answer.errorCode.map { " \($0)" } ?? "")",
                         fix: "a private registry takes pushes; is this a pull-through cache (proxy.enabled) or "
                             + "read-only?")
        case (true, 202):
            return Check(passed: false, line: "push: this pull-through cache took an upload (cancelled again)",
                         fix: "the registry is not in proxy mode: REGISTRY_PROXY_REMOTEURL is unset in its env; apply "
                             + "the rendered Deployment")
        case (true, _):
            return Check(passed: true, line: "push: refused "
                + "(\(answer.status)\(answer.errorCode.map { " \($0)" } ?? "")), as a pull-through cache "
                + "does", fix: nil)
        }
    }

    /// The image's manifest is served (through the cache in proxy mode, which fetches it from the upstream).
    static func served(_ image: String, _ target: Target) -> Check {
        let (repository, reference) = split(image)
        let accept = ["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                      "application/vnd.docker.distribution.manifest.list.v2+json",
                      "application/vnd.docker.distribution.manifest.v2+json"].joined(separator: ", ")
        let exchange = request(target, "GET", "/v2/\(repository)/manifests/\(reference)", headers: ["Accept": accept])
        guard let answer = exchange.answer else {
            return Check(passed: false, line: "image \(repository):\(reference): "
                + "\(exchange.failure ?? "no answer")", fix: "check the registry's log")
        }
        if answer.status == 200 {
            let digest = answer.headers["docker-content-digest"].map { " (\($0))" } ?? ""
            return Check(passed: true, line: "image \(repository):\(reference) is served\(digest)", fix: nil)
        }
        let fix = target.proxy
            ? "the cache could not fetch it from its upstream: check proxy.remoteURL, the credentials, and that the "
                + "image exists there"
            : "push it first, or check the name: \(repository):\(reference)"
        return Check(passed: false, line: "image \(repository):\(reference): "
            + "\(answer.status)\(answer.errorCode.map { " \($0)" } ?? "")", fix: fix)
    }

    /// `docker.io/library/nginx:1.27` → (`library/nginx`, `1.27`); `nginx` → (`library/nginx`, `latest`).
    public static func split(_ image: String) -> (repository: String, reference: String) {
        var name = image
        var reference = "latest"
        if let at = name.firstIndex(of: "@") {
            reference = String(name[name.index(after: at)...])
            name = String(name[..<at])
        } else if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            reference = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        var parts = name.split(separator: "/").map(String.init)
        if parts.count > 1, let first = parts.first, first.contains(".") || first.contains(":") || first == "localhost"
        {
            parts.removeFirst()
        }
        if parts.count == 1 { parts.insert("library", at: 0) }
        return (parts.joined(separator: "/"), reference)
    }
}
