/// Where a problem is, as a type: rendered to text (`cacheRegistry.pv.size`, `namespace`) only where it is shown.
public enum ProblemLocation: Hashable, Sendable, CustomStringConvertible {
    /// A key under `cacheRegistry` (`pv.size`).
    case key(KeyPath)
    /// A key elsewhere in the values file, by its dotted path (`registryTls.crt`, `toolManager.env.X`).
    case valuesKey(String)
    /// A setting outside the values file.
    case setting(Setting)
    /// One of the wizard's TLS inputs.
    case tlsInput(TLSInput)
    /// A file named on the command line (`tls inspect cert.pem`).
    case file(String)

    /// The settings a command takes or the wizard asks for beside the values file (`Setting.swift` describes them).
    public enum Setting: String, CaseIterable, Sendable { case namespace, release, route, outputDir }
    /// The TLS step's inputs: the PEM files to import, and the pair to generate.
    public enum TLSInput: String, Sendable { case certificate, key, days, algorithm }

    /// The chart's published pair's two keys.
    public static let registryCertificate = ProblemLocation.valuesKey("registryTls.crt")
    public static let registryKey = ProblemLocation.valuesKey("registryTls.key")

    public var description: String {
        switch self {
        case .key(let path): return KeyPath.section + "." + path.description
        case .valuesKey(let path): return path
        case .setting(let setting): return setting.rawValue
        case .tlsInput(let input): return "tls." + input.rawValue
        case .file(let name): return name
        }
    }

    /// The key under `cacheRegistry`, when it is one.
    public var key: KeyPath? {
        if case .key(let path) = self { return path }
        return nil
    }

    /// The keys from the top of the values file (`cacheRegistry`, `pv`, `size`); nil for what is not in it.
    public var valuesKeys: [String]? {
        switch self {
        case .key(let path): return [KeyPath.section] + path.components
        case .valuesKey(let path): return path.split(separator: ".").map(String.init)
        case .setting, .tlsInput, .file: return nil
        }
    }

    /// Whether this is `other` or holds it (`deployment.nodeSelector` holds `deployment.nodeSelector.zone`).
    public func holds(_ other: ProblemLocation) -> Bool {
        if self == other { return true }
        guard let key, let inner = other.key?.steps else { return false }
        return inner.count > key.steps.count && inner.starts(with: key.steps)
    }

    /// Whether the two are the same place or one holds the other.
    public func overlaps(_ other: ProblemLocation) -> Bool { holds(other) || other.holds(self) }
}

extension KeyPath {
    /// Where a problem of this key is.
    public var location: ProblemLocation { .key(self) }
}

/// A problem found in a configuration: where, how bad, and what to do about it.
public struct Problem: Equatable, Sendable, CustomStringConvertible {
    /// Errors block writing and exporting; warnings do not.
    public enum Severity: String, Sendable {
        case error, warning
    }
    public var severity: Severity
    /// The rule's stable code (`CR204`).
    public var code: ProblemCode
    /// Where it is: a key, a setting, a TLS input, a file.
    public var location: ProblemLocation
    public var message: String
    /// The line in the values file, when known.
    public var line: Int?
    /// The values file that line is in, when several are read together.
    public var file: String?
    /// The `--set` assignment that caused it (`pv.size=1GB`), when one did rather than a file's line.
    public var override: String?
    /// Shown above every other problem (a published private key matters more than anything else).
    public var first = false
    /// A string outside cacheRegistry that still holds the registry's old address (the Service step shows it).
    public var isAddressReference = false
    /// Why the problem is acknowledged (`--allow`, or the waiver's `file:line`): it no longer fails `--strict`.
    public var allowedBy: String?

    public init(_ severity: Severity, _ code: ProblemCode, _ location: ProblemLocation, _ message: String,
                line: Int? = nil, first: Bool = false) {
        self.severity = severity
        self.code = code
        self.location = location
        self.message = Quote.shortening(message)
        self.line = line
        self.first = first
    }

    public static func error(_ code: ProblemCode, _ path: KeyPath, _ message: String) -> Problem {
        Problem(.error, code, .key(path), message)
    }
    public static func warning(_ code: ProblemCode, _ path: KeyPath, _ message: String) -> Problem {
        Problem(.warning, code, .key(path), message)
    }

    /// The error for an edit of a key the chart does not know (CR105, with "did you mean") or that must never be in
    /// values (CR106, with why): a typed edit is never a typo the user meant.
    public static func refusedEdit(of path: KeyPath) -> Problem {
        .error(FieldRegistry.forbiddenKeys[path] == nil ? .unknownKey : .forbiddenKey, path,
               FieldRegistry.unknownKeyMessage(path))
    }

    /// The location as text (`cacheRegistry.pv.size`), as every screen and command shows it.
    public var path: String { location.description }

    /// `error[CR101] cacheRegistry.pv.size: …`, as compilers print a diagnostic with its code.
    public var description: String { "\(severity.rawValue)[\(code.rawValue)] \(path): \(message)" }
}

extension Array where Element == Problem {
    /// The order every screen and command shows: problems marked `first`, then errors, then warnings.
    public var ordered: [Problem] {
        filter(\.first) + filter { !$0.first && $0.severity == .error }
            + filter { !$0.first && $0.severity == .warning }
    }
    public var errors: [Problem] { filter { $0.severity == .error } }
    public var warnings: [Problem] { filter { $0.severity == .warning } }
    /// Problems for one key path.
    public func at(_ path: KeyPath) -> [Problem] { filter { $0.location == .key(path) } }
}
