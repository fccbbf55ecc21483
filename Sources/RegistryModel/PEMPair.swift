/// A certificate and its private key, both PEM: what is generated, imported, rendered as a `kubernetes.io/tls`
/// Secret and written into `registryTls`. (`RegistryTLSMaterial` is the other shape: a certificate whose key may be
/// missing, with where each came from.)
public struct PEMPair: Equatable, Sendable {
    public let certificatePEM: String
    public let keyPEM: String

    public init(certificatePEM: String, keyPEM: String) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }
}
