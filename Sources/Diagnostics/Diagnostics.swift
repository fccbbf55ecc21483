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
        public var staleReferences: [StaleReferences]
        /// The moment certificates are checked against.
        public var now: Date

        /// A file's lines that hold an address the registry had, by old address.
        public typealias StaleReferences = (file: String?, references: [String: [AddressReference]])

        public init(config: RegistryConfig, material: RegistryTLSMaterial? = nil,
                    pushers: [(file: String?, reference: AddressReference)] = [],
                    staleReferences: [StaleReferences] = [], now: Date) {
            self.config = config
            self.material = material
            self.pushers = pushers
            self.staleReferences = staleReferences
            self.now = now
        }

        /// The inputs values files give: the pair of the last file that carries one, each file's pushers and its
        /// lines that still hold an address the registry had.
        public init(config: RegistryConfig, files: ValuesFiles?, now: Date) {
            let documents = files?.documents ?? []
            let candidates = RegistryAddress.staleCandidates(config)
            let pushers = documents.flatMap { document in
                document.pushers(to: config.registryAddress).map { (file: Optional(document.name), reference: $0) }
            }
            let stale = documents.map { document in
                (file: Optional(document.name), references: RegistryAddress.references(in: document, to: candidates))
            }
            self.init(config: config, material: files?.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:)),
                      pushers: pushers, staleReferences: stale, now: now)
        }
    }

    /// Every problem, in the order screens and commands show them.
    public static func problems(_ inputs: Inputs) -> [Problem] { check(inputs).problems }

    /// Every problem, and what the TLS material's certificate says about itself (read once for both; nil when
    /// there is no material or it is no certificate).
    public static func check(_ inputs: Inputs) -> (problems: [Problem], report: CertificateReport?) {
        let config = inputs.config
        var found = Validator.validate(config)
        var report: CertificateReport?
        if let material = inputs.material {
            report = TLSChecks.inspect(material, serviceNames: config.certificateNames,
                                       nodeAddressIPs: config.certificateIPs, now: inputs.now)
            found += report?.problems ?? [TLSChecks.unreadable(material)]
        } else if let published = ChartRules.defaultPairProblem(config) {
            found.append(published)
        }
        found += RegistryAddress.pusherProblems(config, inputs.pushers)
        for (file, references) in inputs.staleReferences {
            found += RegistryAddress.problems(references, current: config.registryAddress).map { problem in
                var located = problem
                if let file { located.file = file }
                return located
            }
        }
        return (found.ordered, report)
    }
}

extension Diagnostics {
    /// Every problem of what values files mean, located at the file and line that set their key, with the
    /// files' waivers applied (what `validate`, `set`, `export` and the others report).
    public static func problems(_ config: RegistryConfig, files: ValuesFiles?, now: Date) -> [Problem] {
        let problems = problems(Inputs(config: config, files: files, now: now))
        guard let files else { return problems }
        return files.acknowledging(files.locate(problems))
    }

    /// Every problem with `--set` overrides applied, those an override caused citing it. An override of a key the
    /// chart does not know is an error, as it is in `set` (a typo is never meant), in place of a file's warning.
    public static func problems(_ config: RegistryConfig, files: ValuesFiles?,
                                overrides: [(text: String, assignment: Assignment)], now: Date) -> [Problem] {
        let unknown = overrides.filter { !FieldRegistry.isKnown($0.assignment.path) }.map { item in
            var problem = Problem.refusedEdit(of: item.assignment.path)
            problem.override = item.text
            return problem
        }
        let cited = citingOverrides(problems(config, files: files, now: now), overrides)
        return unknown + cited.filter { problem in !unknown.contains { $0.location == problem.location } }
    }

    /// Problems caused by a `--set` cite it (the last one that sets their key or a key inside it), not a file line.
    static func citingOverrides(
        _ problems: [Problem], _ assignments: [(text: String, assignment: Assignment)]
    ) -> [Problem] {
        problems.map { problem in
            guard let cause = assignments.last(where: { target($0).overlaps(problem.location) })
            else { return problem }
            var cited = problem
            cited.line = nil
            cited.override = cause.text
            return cited
        }
    }

    /// Where an override points: the key its text names when Helm's grammar set a whole list for it
    /// (`mirrors[0].ttl=72h` sets `mirrors`), so only that item's problems cite it; else the key it sets.
    static func target(_ item: (text: String, assignment: Assignment)) -> ProblemLocation {
        let path = item.assignment.path
        guard !item.text.contains(","), let key = item.text.split(separator: "=", maxSplits: 1).first
            .flatMap({ KeyPath(underSection: String($0)) }), key.steps.count > path.steps.count,
            key.steps.starts(with: path.steps)
        else { return path.location }
        return key.location
    }

    /// The problems as the commands print them, a line each: `error[CR101] key: message (file:line)`, with who
    /// acknowledged a warning.
    public static func report(_ problems: [Problem], file: String?) -> String {
        var text = ""
        for problem in problems {
            let location: String
            if let line = problem.line { location = " (\(Quote.path(problem.file ?? file ?? "values")):\(line))" }
            else if let cited = problem.override { location = " (--set \(Quote.controls(cited)))" }
            else { location = "" }
            text += "\(problem)\(location)\(problem.allowedBy.map { " (allowed by \($0))" } ?? "")\n"
        }
        return text
    }
}

extension RegistryTLSMaterial {
    /// The `registryTls` section of a chart values file.
    public init?(document: ValuesDocument) {
        guard let crt = document.topLevelString(["registryTls", "crt"]), !crt.isEmpty else { return nil }
        self.init(certificateBase64: crt, keyBase64: document.topLevelString(["registryTls", "key"]))
    }
}
