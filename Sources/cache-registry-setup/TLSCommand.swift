import ArgumentParser
import Foundation
import Manifests
import RegistryModel
import RegistryTLS
import ValuesFile

/// `tls`: inspect and generate the registry's certificate.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tls", abstract: "Inspect or generate the registry's TLS certificate.",
                                                    subcommands: [Inspect.self, Generate.self])

    /// `tls inspect CERT [--key KEY]`.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Check a PEM certificate (and key) against the registry's service names; exit 1 on errors.")
        @Argument(help: "The PEM certificate file.") var certificate: String
        @Option(help: "The PEM private key file (never printed).") var key: String?
        @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
        @OptionGroup var options: ScopeOptions

        func run() throws {
            let certText = try readText(certificate)
            let keyText = try key.map(readText)
            let config = try options.config(of: try options.files(file))
            let material = RegistryTLSMaterial(certificatePEM: certText, keyPEM: keyText, certificateOrigin: certificate, keyOrigin: key ?? "")
            guard let report = TLSChecks.inspect(material, serviceNames: config.serviceNames(), path: certificate) else {
                throw CommandFailure(message: "error: \(certificate): is not a PEM certificate", status: 1)
            }
            print("certificate: \(certificate)")
            print("subject:     \(report.subject)")
            print("sha256:      \(report.fingerprint)")
            print("key type:    \(report.keyAlgorithm)")
            print("valid:       \(CalendarDate.string(report.notBefore)) to \(CalendarDate.string(report.notAfter))")
            print("expires:     \(CalendarDate.string(report.notAfter))")
            print("DNS names:   \(report.dnsNames.isEmpty ? "(none)" : report.dnsNames.joined(separator: ", "))")
            if !report.ipAddresses.isEmpty { print("IP names:    \(report.ipAddresses.joined(separator: ", "))") }
            if let matches = report.keyMatches { print("key:         \(key ?? "") \(matches ? "matches the certificate" : "does not match the certificate") (\(material.redactedKey))") }
            for entry in report.coverage { print("  \(entry.covered ? "covers " : "MISSING") \(entry.name)") }
            Checks.print(report.problems, file: certificate)
            if !report.problems.errors.isEmpty { throw ExitCode(1) }
            print("usable (\(report.problems.warnings.count) warning\(report.problems.warnings.count == 1 ? "" : "s"))")
        }
    }

    /// `tls generate`: a self-signed certificate for exactly the service's names; with `-f FILE` the pair also
    /// replaces `registryTls` where Helm reads it (the file itself when it carries the pair, else values-tls.yaml).
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate a self-signed certificate, key and secret.yaml for the registry's names.")
        @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
        @OptionGroup var options: ScopeOptions
        @Option(name: [.customShort("o"), .long], help: "Output folder.") var output: String = "tls"
        @Option(help: "Validity in days.") var days: Int = 365
        @Flag(help: "RSA 2048 instead of ECDSA P-256.") var rsa = false
        @Option(name: .customLong("set"), help: "Values to use for the names, as they will be: --set service.name=registry (repeatable).")
        var overrides: [String] = []

        func run() throws {
            guard (1...3650).contains(days) else { throw CommandFailure.usage("--days must be from 1 to 3650, not \(days)") }
            var config = try options.config(of: try options.files(file))
            for text in overrides {
                do { config = config.applying(try Assignment(parsing: text)) } catch { throw CommandFailure.usage(error.description) }
            }
            let names = config.serviceNames()
            let generated: GeneratedTLS
            do { generated = try TLSGenerator.generate(names: names, days: days, algorithm: rsa ? .rsa2048 : .ecdsaP256) } catch {
                throw CommandFailure.usage("cannot generate the certificate: \(error)")
            }
            do { try FileAccess.makeFolder(output) } catch { throw CommandFailure.usage(error.description) }
            let secret = Renderer.render(config, tls: ManagedTLS(certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM))
                .resources.first { $0.kind == "Secret" }
            let files: [(String, String, mode_t)] = [
                ("tls.crt", generated.certificatePEM, 0o644),
                ("tls.key", generated.keyPEM, 0o600),
                ("secret.yaml", secret.map { Emitter.yaml($0.object) } ?? "", 0o600),
            ]
            for (name, contents, mode) in files {
                do { try FileAccess.writeAtomically(Array(contents.utf8), to: (output as NSString).appendingPathComponent(name), newFileMode: mode) }
                catch { throw CommandFailure.usage(error.description) }
            }
            print("wrote \(output)/tls.crt, \(output)/tls.key (0600), \(output)/secret.yaml (0600)")
            if let valuesFile = file.last { try storeForHelm(generated, valuesFile: valuesFile) }
            print("names: \(names.joined(separator: ", ")); valid \(days) days; \(rsa ? "RSA 2048" : "ECDSA P-256")")
        }
    }
}

/// Writes a generated pair as the chart's `registryTls`: into a values file that carries the pair (the chart's
/// own), otherwise into `values-tls.yaml` (0600) beside it, so the values file holds no key.
func storeForHelm(_ generated: GeneratedTLS, valuesFile: String) throws {
    let document: ValuesDocument
    do { document = try ValuesDocument.read(path: valuesFile) } catch { throw CommandFailure.usage(error.description) }
    let target = document.carriesRegistryTLS ? valuesFile
        : ((valuesFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("values-tls.yaml")
    do {
        let base = document.carriesRegistryTLS ? document
            : try (FileManager.default.fileExists(atPath: target) ? ValuesDocument.read(path: target) : ValuesDocument(bytes: [], name: target))
        let updated = try ValuesEditor.settingRegistryTLS(certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM, in: base)
        try FileAccess.writeAtomically(updated.bytes, to: target, newFileMode: 0o600)
    } catch { throw CommandFailure.usage(error.description) }
    var info = stat()
    if stat(target, &info) == 0, info.st_mode & 0o077 != 0 {
        print("warning: \(target) holds a private key and others can read it (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 \(target)")
    }
    print("registryTls: the new pair is in \(target)\(document.carriesRegistryTLS ? "" : " (0600); use it with helm ... -f \(valuesFile) -f \(target)")")
}
