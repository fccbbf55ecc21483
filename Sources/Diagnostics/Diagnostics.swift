import Foundation
import RegistryModel
import RegistryTLS
import ValuesFile

/// Every problem of a configuration, computed in one place for the wizard, the headless commands, plain mode
/// and the tests: the model's rules, the TLS material's checks, and what the values files' other components
/// do with the registry's address (builders that push to it, strings that still hold an old address).
public enum Diagnostics {
    /// What the problems are computed from.
    public struct Inputs: Sendable {
        public var config: RegistryConfig
        /// The TLS pair the registry will serve, when the program knows it.
        public var material: RegistryTLSMaterial?
        /// Values that push to the registry, by file (nil: the file being edited).
        public var pushers: [(file: String?, reference: AddressReference)]
        /// Lines that hold an address the registry had, by old address, by file.
        public var staleReferences: [(file: String?, references: [String: [AddressReference]])]
        /// The moment certificates are checked against.
        public var now: Date

        public init(config: RegistryConfig, material: RegistryTLSMaterial? = nil,
                    pushers: [(file: String?, reference: AddressReference)] = [],
                    staleReferences: [(file: String?, references: [String: [AddressReference]])] = [], now: Date = Date()) {
            self.config = config; self.material = material; self.pushers = pushers; self.staleReferences = staleReferences; self.now = now
        }

        /// The inputs values files give: the pair of the last file that carries one, each file's pushers and its
        /// lines that still hold an address the registry had.
        public init(config: RegistryConfig, files: ValuesFiles?, now: Date = Date()) {
            let documents = files?.documents ?? []
            self.init(config: config, material: files?.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:)),
                      pushers: documents.flatMap { document in
                          document.pushers(to: config.registryAddress).map { (file: Optional(document.name), reference: $0) }
                      },
                      staleReferences: documents.map { document in
                          (file: document.name, references: RegistryAddress.references(in: document, to: RegistryAddress.staleCandidates(config)))
                      },
                      now: now)
        }
    }

    /// Every problem, in the order screens and commands show them.
    public static func problems(_ inputs: Inputs) -> [Problem] {
        let config = inputs.config
        var found = Validator.validate(config)
        if let material = inputs.material { found += TLSChecks.problems(for: material, config: config, now: inputs.now) }
        found += RegistryAddress.pusherProblems(config, inputs.pushers)
        for (file, references) in inputs.staleReferences {
            found += RegistryAddress.problems(references, current: config.registryAddress).map { problem in
                var located = problem
                if let file { located.file = file }
                return located
            }
        }
        return found.ordered
    }
}

extension RegistryTLSMaterial {
    /// The `registryTls` section of a chart values file.
    public init?(document: ValuesDocument) {
        guard let crt = document.topLevelString(["registryTls", "crt"]), !crt.isEmpty else { return nil }
        self.init(certificateBase64: crt, keyBase64: document.topLevelString(["registryTls", "key"]))
    }
}
