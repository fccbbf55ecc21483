import ArgumentParser
import Doctor
import Foundation
import RegistryModel
import RegistryTLS
import ValuesFile

/// `doctor`: what a node meets when it pulls from the registry, one line per check, exit 1 on any failure.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the running registry as a node meets it: TLS, names, expiry, /v2/, pushes, an image; exit 1 "
            + "on any ✗.")

    @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
    @OptionGroup var options: ScopeOptions
    @Option(help: "HOST:PORT nodes reach the registry at (default: the values' node address).") var address: String?
    @Option(help: ArgumentHelp("The CA nodes trust, such as trust/ca.crt (default: registryTls.crt of the -f files, "
        + "else the system's roots)."))
    var ca: String?
    @Option(help: ArgumentHelp("An image the registry must serve, such as library/nginx:1.27 (through the cache in "
        + "proxy mode; with --all, through the cache of its host).")) var image: String?
    @Flag(help: "Check every cache: the registry and each of cacheRegistry.mirrors, each at its node address.")
    var all = false

    /// `--address`, when given, is HOST:PORT.
    func validate() throws {
        if all, address != nil {
            throw ValidationError("--all checks every cache at its own node address; give --address without --all")
        }
        if let address, Self.split(address) == nil {
            throw ValidationError("--address \(Quote.value(address)): give HOST:PORT, such as 127.0.0.1:30500")
        }
    }

    /// HOST and PORT of `HOST:PORT` (an IPv6 address in brackets, `[::1]:5000`), the port from 1 to 65535.
    static func split(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = address[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains("[") && !host.contains("]") else { return nil }
        return (String(host), port)
    }

    func run() throws {
        let files = try options.files(file)
        let config = try options.config(of: files)
        guard all else {
            let failed = try check(config, files: files, address: address, image: image)
            if failed > 0 { throw ExitCode(1) }
            return
        }
        // The registry and each mirror, each a configuration of its own; an image goes to the cache of its host.
        let imageHost = image.map { reference -> String in
            let first = reference.split(separator: "/").first.map(String.init) ?? ""
            return reference.contains("/") && (first.contains(".") || first.contains(":")) ? first : "docker.io"
        }
        func owns(_ upstream: String?) -> Bool { upstream.flatMap(Mirrors.host(ofURL:)) == imageHost }
        let registryUpstream = config.view.bool(.proxyEnabled) == true ? config.view.string(.proxyRemoteURL) : nil
        var caches = [(name: config.view.text(.deploymentName), config: config, upstream: registryUpstream)]
        caches += Mirrors.list(config).filter { !$0.name.isEmpty }.map {
            ($0.objectName, $0.config(in: config), $0.upstream)
        }
        var failed = 0
        for cache in caches {
            let cached = cache.upstream.map { " (a cache of \($0))" } ?? ""
            guard let address = cache.config.nodeAddress else {
                Output.data("- \(cache.name)\(cached): no node address, so nodes do not pull from it; check it "
                    + "through a port-forward with doctor --address HOST:PORT\n")
                continue
            }
            Output.data("\(cache.name)\(cached) at \(address):\n")
            let routed = owns(cache.upstream) || (cache.upstream == nil && image != nil
                && !caches.contains { owns($0.upstream) })
            failed += try check(cache.config, files: files, address: address, image: routed ? image : nil)
        }
        Output.data(failed == 0 ? "every cache with a node address passed\n"
            : "\(failed) check\(failed == 1 ? "" : "s") failed\n")
        if failed > 0 { throw ExitCode(1) }
    }

    /// Runs the checks of one cache and prints them; returns how many failed.
    func check(_ config: RegistryConfig, files: ValuesFiles?, address: String?, image: String?) throws -> Int {
        guard let address = address ?? config.nodeAddress else {
            throw CommandFailure.usage("doctor needs --address HOST:PORT: these values set no node address "
                + "(service.clusterIP, or service.type NodePort with service.nodePort)")
        }
        guard let (host, port) = Self.split(address) else {
            throw CommandFailure.usage("--address \(Quote.value(address)): give HOST:PORT, such as 127.0.0.1:30500")
        }
        // The CA is read here, as every input is (a regular file, bounded), and handed to the TLS library as a
        // temporary file of this run: a pipe or a device given as --ca never blocks the checks.
        var pem: String?
        var caName: String?
        if let ca {
            pem = try readText(ca, limit: 1 << 20, what: "a CA certificate file")
        } else if let document = files?.registryTLSDocument,
            let certificate = RegistryTLSMaterial(document: document)?.certificatePEM
        {
            caName = "registryTls.crt of \(document.name)"
            pem = certificate
        }
        var temporary: String?
        defer { if let temporary { unlink(temporary) } }
        if let pem {
            var template = Array((NSTemporaryDirectory() + "/cache-registry-setup-ca-XXXXXX").utf8CString)
            let descriptor = mkstemp(&template)
            guard descriptor >= 0 else {
                let reason = String(cString: strerror(errno))
                throw CommandFailure.failed("cannot write a temporary copy of the CA: \(reason)")
            }
            temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            _ = Array(pem.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
        let caFile = temporary
        if let ca { caName = caName ?? ca }
        var target = Doctor.Target(
            host: host, port: port, caFile: caFile, proxy: config.view.bool(.proxyEnabled) == true,
                                   serviceNames: config.serviceNames(), nodeAddress: config.nodeAddress, image: image,
                                   now: Environment.now)
        target.caName = caName
        let checks = Doctor.checks(target)
        var text = ""
        for check in checks {
            text += "\(check.passed ? "✓" : "✗") \(Quote.controls(check.line))\n"
            if let fix = check.fix, !check.passed { text += "    fix: \(fix)\n" }
        }
        let failed = checks.filter { !$0.passed }.count
        text += failed == 0 ? "\(address): every check passed\n" : "\(address): \(failed) "
            + "check\(failed == 1 ? "" : "s") failed\n"
        Output.data(text)
        return failed
    }
}
