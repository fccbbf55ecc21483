import Crypto
import Foundation
import RegistryModel
import SwiftASN1
import X509

/// PEM certificate and key, as files or as the chart's base64 `registryTls` values. The key is never shown.
public struct RegistryTLSMaterial: Sendable, Equatable {
    public var certificatePEM: String
    public var keyPEM: String?
    /// Where the material came from, for messages (`registryTls.crt`, a file path).
    public var certificateOrigin: String
    public var keyOrigin: String
    /// Where the certificate's and the key's problems are shown (a file named on the command line by default).
    public var certificateLocation: ProblemLocation
    public var keyLocation: ProblemLocation

    public init(certificatePEM: String, keyPEM: String?, certificateOrigin: String, keyOrigin: String,
                locations: (certificate: ProblemLocation, key: ProblemLocation)? = nil) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.certificateOrigin = certificateOrigin
        self.keyOrigin = keyOrigin
        // A key's problem belongs to the key when it has a place of its own, otherwise to what was inspected.
        certificateLocation = locations?.certificate ?? .file(certificateOrigin)
        keyLocation = locations?.key ?? certificateLocation
    }

    /// From the chart's `registryTls.crt` / `registryTls.key` (base64 of PEM).
    public init(certificateBase64: String, keyBase64: String?) {
        func decode(_ text: String) -> String {
            let whitespace = Array(" \n\r\t".utf8)
            let cleaned = Data(text.utf8.filter { !whitespace.contains($0) })
            return Data(base64Encoded: cleaned).flatMap { String(data: $0, encoding: .utf8) } ?? text
        }
        self.init(
            certificatePEM: decode(certificateBase64), keyPEM: keyBase64.flatMap { $0.isEmpty ? nil : decode($0) },
                  certificateOrigin: "registryTls.crt", keyOrigin: "registryTls.key",
                  locations: (.registryCertificate, .registryKey))
    }

    /// How the key is shown anywhere a person can see it.
    public var redactedKey: String { keyPEM.map { Redaction.placeholder(byteCount: $0.utf8.count) } ?? "(none)" }
}

/// UTC dates as `YYYY-MM-DD`, without a date formatter (those load calendars on first use).
public enum CalendarDate {
    public static func string(_ date: Date) -> String {
        let days = Int((date.timeIntervalSince1970 / 86400).rounded(.down))
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}


/// Certificates whose private key is public, by the SHA-256 of their DER encoding: anyone can serve them.
public enum PublishedPairs {
    /// The kubiya-runner chart publishes its default `registryTls` certificate and key in its values file
    /// (CN cache-registry-svc.kubiya, expiring 2027-09-02).
    public static let fingerprints: Set<String> = ["c0c4f8e780e198ae801b742b1968a6e3f9dab441fbbfccff20b3627117a95661"]

    /// Whether a PEM certificate is one of them.
    public static func contains(certificatePEM: String) -> Bool {
        guard let document = try? PEMDocument(pemString: certificatePEM) else { return false }  // not a certificate
        return fingerprints.contains(Hex.encode(SHA256.hash(data: document.derBytes)))
    }

    /// The one message for it, everywhere it is shown.
    public static let message = "is the kubiya-runner chart's published pair: its private key is public, so anyone can "
        + "impersonate the registry; generate a new pair (the wizard's TLS step: TLS source generate self-signed; "
        + "headless: tls generate -f FILE)"
}

/// Whether a certificate covers one of the service's names.
public struct NameCoverage: Equatable, Sendable {
    public var name: String
    public var covered: Bool
}

/// What a certificate says about itself, for `tls inspect` and the wizard.
public struct CertificateReport: Equatable, Sendable {
    /// SHA-256 of the DER encoding, lower-case hex (what `openssl x509 -fingerprint -sha256` shows).
    public var fingerprint: String
    /// Whether it is a published pair (`PublishedPairs`).
    public var isPublished: Bool
    public var subject: String
    public var dnsNames: [String]
    public var ipAddresses: [String]
    public var notBefore: Date
    public var notAfter: Date
    public var keyMatches: Bool?
    public var keyAlgorithm: String
    /// The registry names and whether each is covered.
    public var coverage: [NameCoverage]
    public var problems: [Problem]
    /// Past its end at the time it was inspected.
    public var isExpired: Bool
}

/// Checks certificate and key: parsing, match, validity window and the names the registry is reached by.
public enum TLSChecks {
    /// A full report; `problems` is empty when the material is usable as is.
    public static func inspect(_ material: RegistryTLSMaterial, serviceNames: [String], nodeAddressIPs: [String] = [],
                               now: Date, published: Set<String> = PublishedPairs.fingerprints) -> CertificateReport? {
        // The fingerprint is of the DER bytes the certificate was read from, so it cannot fail once they parse.
        guard let document = try? PEMDocument(pemString: material.certificatePEM),
            document.discriminator == "CERTIFICATE",
              let certificate = try? Certificate(derEncoded: document.derBytes) else { return nil }
        var problems: [Problem] = []
        let path = material.certificateLocation, keyPath = material.keyLocation
        let fingerprint = Hex.encode(SHA256.hash(data: document.derBytes))
        let isPublished = published.contains(fingerprint)
        if isPublished { problems.append(Problem(.warning, .publishedPair, path, PublishedPairs.message, first: true)) }
        var keyMatches: Bool? = nil
        if let keyPEM = material.keyPEM {
            if let key = try? Certificate.PrivateKey(pemEncoded: keyPEM) {
                keyMatches = key.publicKey == certificate.publicKey
                if keyMatches == false {
                    problems.append(Problem(.error, .keyMismatch, keyPath,
                                            "the key \(material.keyOrigin) does not match the certificate "
                                                + "\(material.certificateOrigin)"))
                }
            } else {
                problems.append(Problem(.error, .keyMismatch, keyPath,
                                        "\(material.keyOrigin) is not a PEM private key (RSA or ECDSA, PKCS#1, PKCS#8 "
                                            + "or SEC1)"))
            }
        }
        let expiry = CalendarDate.string(certificate.notValidAfter)
        if certificate.notValidAfter < now {
            problems.append(Problem(.error, .expired, path, "the certificate expired on \(expiry)"))
        } else if certificate.notValidBefore > now {
            problems.append(Problem(.error, .notYetValid, path, "the certificate is not valid before "
                + "\(CalendarDate.string(certificate.notValidBefore))"))
        } else if certificate.notValidAfter.timeIntervalSince(now) < 30 * 86400 {
            let days = Int(certificate.notValidAfter.timeIntervalSince(now) / 86400)
            problems.append(Problem(.warning, .expiresSoon, path, "the certificate expires in \(days) "
                + "day\(days == 1 ? "" : "s"), on \(expiry); renew it"))
        }
        let (dnsNames, addresses) = subjectAlternativeNames(certificate)
        let coverage = serviceNames.map { name in (name, dnsNames.contains { matches($0, name) }) }
        // One problem per certificate, naming every name it misses: an error when the Tool Manager's name
        // (<service>.<namespace>) is among them, otherwise a warning (pods using the others fail TLS).
        let missing = coverage.filter { !$0.1 }.map(\.0)
        if !missing.isEmpty {
            let toolManagerName = serviceNames.count > 1 ? serviceNames[1] : ""
            let critical = missing.contains(toolManagerName)
            let covered = dnsNames.isEmpty ? "no DNS names" : dnsNames.joined(separator: ", ")
            let why = critical ? " (the Tool Manager reaches the registry at \(toolManagerName))" : ""
            problems.append(Problem(critical ? .error : .warning, .namesNotCovered, path,
                                    "the certificate does not cover \(missing.joined(separator: ", "))\(why); it "
                                        + "covers \(covered)"))
        }
        for ip in nodeAddressIPs where !addresses.contains(ip) {
            problems.append(Problem(.error, .nodeAddressNotCovered, path,
                                    "the certificate does not carry the node address \(ip) as an IP SAN, so nodes "
                                        + "pulling from it fail TLS; generate a new pair (it includes the node "
                                        + "address), or issue one with IP:\(ip)"))
        }
        let algorithm: String
        switch certificate.publicKey.description {
        case let text where text.contains("RSA"): algorithm = "RSA"
        case let text where text.contains("P256"): algorithm = "ECDSA P-256"
        case let text where text.contains("P384"): algorithm = "ECDSA P-384"
        default: algorithm = "ECDSA"
        }
        return CertificateReport(fingerprint: fingerprint, isPublished: isPublished,
                                 subject: certificate.subject.description, dnsNames: dnsNames, ipAddresses: addresses,
                                 notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter,
                                 keyMatches: keyMatches, keyAlgorithm: algorithm,
                                 coverage: coverage.map { NameCoverage(name: $0.0, covered: $0.1) }, problems: problems,
                                 isExpired: certificate.notValidAfter < now)
    }

    /// The problems of a config's TLS material against its current service name and namespace.
    public static func problems(for material: RegistryTLSMaterial, config: RegistryConfig, now: Date) -> [Problem] {
        inspect(material, serviceNames: config.certificateNames, nodeAddressIPs: config.certificateIPs, now: now)?
            .problems
            ?? [unreadable(material)]
    }

    /// The one problem of material whose certificate cannot be read.
    public static func unreadable(_ material: RegistryTLSMaterial) -> Problem {
        Problem(.error, .unreadableTLS, material.certificateLocation,
                "\(material.certificateOrigin) is not a PEM certificate")
    }

    /// DNS name matching with a single leading wildcard label (`*.kubiya` covers `svc.kubiya`).
    /// The DNS names and IPv4 addresses a certificate names (none when it has no readable SAN extension, which is
    /// then reported as names it does not cover).
    public static func subjectAlternativeNames(
        _ certificate: Certificate
    ) -> (dnsNames: [String], addresses: [String]) {
        var dnsNames: [String] = [], addresses: [String] = []
        let names: SubjectAlternativeNames? = try? certificate.extensions.subjectAlternativeNames
        for name in names.map(Array.init) ?? [] {
            switch name {
            case .dnsName(let dns): dnsNames.append(dns)
            case .ipAddress(let bytes): addresses.append(bytes.bytes.map(String.init).joined(separator: "."))
            default: break
            }
        }
        return (dnsNames, addresses)
    }

    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let pattern = pattern.lowercased(), name = name.lowercased()
        if pattern == name { return true }
        guard pattern.hasPrefix("*.") else { return false }
        let suffix = pattern.dropFirst(1)
        guard name.hasSuffix(suffix) else { return false }
        let head = name.dropLast(suffix.count)
        return !head.isEmpty && !head.contains(".")
    }
}
