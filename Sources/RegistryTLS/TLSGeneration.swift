import Crypto
import _CryptoExtras
import Foundation
import RegistryModel
import SwiftASN1
import X509

/// Makes self-signed certificates for exactly the registry's names, with swift-certificates (no openssl).
public enum TLSGenerator {
    /// The key algorithms offered.
    public enum Algorithm: String, Sendable, CaseIterable { case ecdsaP256 = "ECDSA P-256", rsa2048 = "RSA 2048" }

    /// A pair for `names` (DNS SANs) and `addresses` (IPv4 SANs: the node address nodes pull from).
    public static func generate(names: [String], addresses: [String] = [], days: Int, algorithm: Algorithm = .ecdsaP256,
                                now: Date) throws -> PEMPair {
        let privateKey: Certificate.PrivateKey
        let signature: Certificate.SignatureAlgorithm
        switch algorithm {
        case .ecdsaP256:
            privateKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
            signature = .ecdsaWithSHA256
        case .rsa2048:
            privateKey = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            signature = .sha256WithRSAEncryption
        }
        let subject = try DistinguishedName {
            CommonName(names.count > 1 ? names[1] : names[0])
            OrganizationName("cache-registry-setup")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(Double(days) * 86400),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: signature,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: algorithm == .rsa2048))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) } + addresses.compactMap { address in
                    let octets = address.split(separator: ".").compactMap { UInt8($0) }
                            return octets.count == 4
                                ? GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets))) : nil
                })
            },
            issuerPrivateKey: privateKey)
        return PEMPair(certificatePEM: try certificate.serializeAsPEM().pemString,
                            keyPEM: try privateKey.serializeAsPEM().pemString)
    }
}
