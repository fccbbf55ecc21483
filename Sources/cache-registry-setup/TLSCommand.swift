import ArgumentParser
import Foundation
import Manifests
import Output
import RegistryModel
import RegistryTLS
import ValuesFile

/// `tls`: inspect and generate the registry's certificate.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tls", abstract: "Inspect or generate the registry's "
        + "TLS certificate.",
                                                    subcommands: [Inspect.self, Generate.self])

    /// `tls inspect CERT|- [--key KEY]`, or `tls inspect -f FILE` for the values' `registryTls`.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Check a PEM certificate "
            + "(and key) against the registry's service names; exit 1 on errors.")
        @Argument(help: "The PEM certificate file, - for standard input; without it, registryTls of the -f files.")
        var certificate: String?
        @Option(help: "The PEM private key file (never printed).") var key: String?
        @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
        @OptionGroup var options: ScopeOptions

        func validate() throws {
            if certificate == nil && file.isEmpty {
                throw ValidationError("give a certificate (a file, or - for standard input), or -f FILE to inspect its "
                    + "registryTls")
            }
        }

        func run() throws {
            let files = try options.files(file)
            let config = try options.config(of: files)
            let material: RegistryTLSMaterial
            if let certificate {
                let certText: String
                if certificate == "-" {
                    let input = try StandardStream.readInput(limit: 1 << 20, what: "a PEM certificate")
                    guard let text = String(validating: input, as: UTF8.self) else {
                        throw CommandFailure.file("standard input: is not a text (PEM) certificate")
                    }
                    certText = text
                } else {
                    certText = try readText(certificate)
                    // A values file where a certificate goes: the person meant its registryTls.
                    let document = try? ValuesDocument(bytes: Array(certText.utf8), name: certificate)
                    if !certText.contains("-----BEGIN"), case .mapping? = document?.rootValue {
                        throw CommandFailure.usage("error: \(certificate): this is a values file, not a PEM "
                            + "certificate; use tls inspect -f \(certificate)")
                    }
                }
                material = RegistryTLSMaterial(certificatePEM: certText, keyPEM: try key.map { try readText($0) },
                    certificateOrigin: certificate == "-" ? "standard input" : certificate, keyOrigin: key ?? "")
            } else {
                guard let found = files?.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:)) else {
                    throw CommandFailure.refused("error: \(file.joined(separator: ", ")): holds no registryTls.crt to "
                        + "inspect")
                }
                material = found
            }
            let certificate = material.certificateOrigin
            guard
                let report = TLSChecks.inspect(
                    material, serviceNames: config.certificateNames, nodeAddressIPs: config.certificateIPs, now: Date())
            else {
                throw CommandFailure.refused("error: \(certificate): is not a PEM certificate")
            }
            Output.line("certificate: \(certificate)")
            Output.line("subject:     \(report.subject)")
            Output.line("sha256:      \(report.fingerprint)")
            Output.line("key type:    \(report.keyAlgorithm)")
            Output.line("valid:       \(CalendarDate.string(report.notBefore)) to "
                + "\(CalendarDate.string(report.notAfter))")
            Output.line("expires:     \(CalendarDate.string(report.notAfter))")
            Output.line("DNS names:   \(report.dnsNames.isEmpty ? "(none)" : report.dnsNames.joined(separator: ", "))")
            if !report.ipAddresses.isEmpty { Output.line("IP names:    \(report.ipAddresses.joined(separator: ", "))") }
            if let matches = report.keyMatches { Output.line("key:         \(material.keyOrigin) "
                + "\(matches ? "matches the certificate" : "does not match the certificate") "
                + "(\(material.redactedKey))") }
            for entry in report.coverage { Output.line("  \(entry.covered ? "covers " : "MISSING") \(entry.name)") }
            // A pair whose key is public is never usable, whatever else it gets right.
            let problems = report.problems.map { problem in
                var judged = problem
                if problem.code == .publishedPair { judged.severity = .error }
                return judged
            }.ordered
            Checks.print(problems, file: certificate)
            if !problems.errors.isEmpty {
                Output.line("not usable (\(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s"))")
                throw ExitCode(1)
            }
            Output.line("usable (\(problems.warnings.count) warning\(problems.warnings.count == 1 ? "" : "s"))")
        }
    }

    /// `tls generate`: a self-signed certificate for exactly the service's names; with `-f FILE` the pair also
    /// replaces `registryTls` where Helm reads it (the file itself when it carries the pair, else values-tls.yaml).
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate a self-signed "
            + "certificate, key and secret.yaml for the registry's names.")
        @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String] = []
        @OptionGroup var options: ScopeOptions
        @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Output folder: where the wizard and export write "
            + "the manifests."))
        var output: String = "manifests"
        @Option(help: "Validity in days.") var days: Int = 365
        @Flag(help: "RSA 2048 instead of ECDSA P-256.") var rsa = false
        @OptionGroup var overrides: ValueOverrides
        @Flag(name: .customLong("keep-mode"),
              help: ArgumentHelp("Keep the mode of a values file that will hold the private key even when others can "
                  + "read it (else it is written 0600)."))
        var keepMode = false

        func validate() throws {
            guard (1...3650).contains(days) else { throw ValidationError("--days must be from 1 to 3650, not \(days)") }
        }

        func run() throws {
            let config = try Checks.applying(overrides, to: try options.config(of: try options.files(file))).config
            let names = config.certificateNames
            let generated: PEMPair
            do {
                generated = try TLSGenerator.generate(
                    names: names, addresses: config.certificateIPs, days: days,
                                                      algorithm: rsa ? .rsa2048 : .ecdsaP256, now: Environment.now)
            } catch {
                throw CommandFailure.failed("cannot generate the certificate: \(error)")
            }
            let pair: [OutputLayout.File]
            do {
                pair = try OutputPlan.tlsPair(config, generated)
            } catch {
                throw CommandFailure.failed("cannot write the Secret: \(error)")
            }
            let paths = pair.map { PathName.join(output, $0.name) }
            var transaction = FileTransaction(fileSystem: Environment.disk)
            let report: FileTransaction.Report
            var stored: (path: String, intoValuesFile: Bool)?
            do {
                if let valuesFile = file.last {
                    stored = try stageForHelm(generated, valuesFile: valuesFile,
                                              tlsValues: ValuesFiles.tlsValuesPath(beside: valuesFile),
                                              into: &transaction)
                }
                report = try ManifestWriter.commit(pair, in: output, alongside: transaction, replacingOutput: false,
                                                   wait: Environment.lockWait).report
            } catch {
                throw CommandFailure.file(error.description)
            }
            let listed = paths.map { "\($0) (\(ManifestWriter.modeText(report.mode(of: $0))))" }
            Output.line("wrote \(listed.joined(separator: ", "))")
            if let stored, let valuesFile = file.last {
                let mode = report.mode(of: stored.path)
                Output.line("registryTls: the new pair is in \(stored.path) (\(ManifestWriter.modeText(mode)))"
                            + (stored.intoValuesFile ? "" : "; use it with helm ... -f \(valuesFile) -f "
                                + "\(stored.path)"))
                if let mode, mode & 0o077 != 0 {
                    Output.error("warning: \(stored.path) holds a private key and others can read it (mode "
                        + "\(ManifestWriter.modeText(mode)), kept with --keep-mode); chmod 600 \(stored.path)")
                }
            }
            let addresses = config.certificateIPs.map { "; IP \($0) (the node address)" }.joined()
            Output.line("names: \(names.joined(separator: ", "))\(addresses); valid \(days) days; "
                + "\(rsa ? "RSA 2048" : "ECDSA P-256")")
        }

        /// Adds the pair as the chart's `registryTls`: into a values file that carries the pair (the chart's own),
        /// written 0600 unless `--keep-mode`; otherwise into `values-tls.yaml` beside it, a new 0600 file, so the
        /// values file holds no key.
        func stageForHelm(_ generated: PEMPair, valuesFile: String, tlsValues: String,
            into transaction: inout FileTransaction
        ) throws(FileError) -> (path: String, intoValuesFile: Bool) {
            let document = try ValuesDocument.read(path: valuesFile, in: Environment.disk)
            if document.carriesRegistryTLS {
                let updated = try ValuesEditor.settingRegistryTLS(
                    certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM,
                                                                  in: document)
                transaction.write(updated.bytes, to: valuesFile, kind: .personal, mode: keepMode ? nil : 0o600,
                                  readBefore: .some(document.bytes))
                return (valuesFile, true)
            }
            let exists = FileAccess.exists(tlsValues, in: Environment.disk)
            let base = exists ? try ValuesDocument.read(path: tlsValues, in: Environment.disk)
                : try ValuesDocument(bytes: [], name: tlsValues)
            let updated = try ValuesEditor.settingRegistryTLS(
                certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM, in: base)
            transaction.write(updated.bytes, to: tlsValues, kind: .secret, readBefore: .some(exists ? base.bytes : nil))
            return (tlsValues, false)
        }
    }
}
