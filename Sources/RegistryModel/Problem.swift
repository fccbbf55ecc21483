/// A problem found in a configuration: where, how bad, and what to do about it.
public struct Problem: Equatable, Sendable, CustomStringConvertible {
    /// Errors block writing and exporting; warnings do not.
    public enum Severity: String, Sendable {
        case error, warning
    }
    public var severity: Severity
    /// The rule's stable code (`CR204`).
    public var code: ProblemCode
    /// The full key path in values.yaml (`cacheRegistry.pv.size`), or a setting such as `namespace`.
    public var path: String
    public var message: String
    /// The line in the values file, when known.
    public var line: Int?
    /// The values file that line is in, when several are read together.
    public var file: String?
    /// Shown above every other problem (a published private key matters more than anything else).
    public var first = false
    /// A string outside cacheRegistry that still holds the registry's old address (the Service step shows it).
    public var isAddressReference = false
    /// Why the problem is acknowledged (`--allow`, or the waiver's `file:line`): it no longer fails `--strict`.
    public var allowedBy: String?

    public init(_ severity: Severity, _ code: ProblemCode, _ path: String, _ message: String, line: Int? = nil, first: Bool = false) {
        self.severity = severity; self.code = code; self.path = path; self.message = Quote.shortening(message); self.line = line
        self.first = first
    }

    public static func error(_ code: ProblemCode, _ path: KeyPath, _ message: String) -> Problem {
        Problem(.error, code, Problem.display(path), message)
    }
    public static func warning(_ code: ProblemCode, _ path: KeyPath, _ message: String) -> Problem {
        Problem(.warning, code, Problem.display(path), message)
    }

    /// `pv.size` → `cacheRegistry.pv.size`.
    public static func display(_ path: KeyPath) -> String { "cacheRegistry." + path.description }

    /// `error[CR101] cacheRegistry.pv.size: …`, as compilers print a diagnostic with its code.
    public var description: String { "\(severity.rawValue)[\(code.rawValue)] \(path): \(message)" }
}

extension Array where Element == Problem {
    /// The order every screen and command shows: problems marked `first`, then errors, then warnings.
    public var ordered: [Problem] {
        filter(\.first) + filter { !$0.first && $0.severity == .error } + filter { !$0.first && $0.severity == .warning }
    }
    public var errors: [Problem] { filter { $0.severity == .error } }
    public var warnings: [Problem] { filter { $0.severity == .warning } }
    /// Problems for one key path.
    public func at(_ path: KeyPath) -> [Problem] { filter { $0.path == Problem.display(path) } }
}
