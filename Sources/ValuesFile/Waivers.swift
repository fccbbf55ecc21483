import RegistryModel

/// In-file waivers: `# cache-registry-setup: allow CR204` on the line above a key (or after its value)
/// acknowledges those warnings at that key, so a known one no longer fails `validate --strict`.
public struct Waivers: Sendable {
    /// The marker a waiver comment starts with.
    public static let marker = "cache-registry-setup: allow"

    /// A waiver: the codes it names, the line it is written on and the line it covers.
    public struct Waiver: Sendable, Equatable {
        public var codes: [String]
        public var line: Int
        public var covers: Int
    }

    public let file: String
    public let waivers: [Waiver]

    /// The waivers of one file's text.
    public init(_ document: ValuesDocument) {
        file = document.name
        let lines = document.bytes.split(separator: 10, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        var found: [Waiver] = []
        var pending: [(codes: [String], line: Int)] = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("#") {
                if let codes = Waivers.codes(in: trimmed) { pending.append((codes, index + 1)) }
                continue
            }
            if trimmed.allSatisfy({ $0 == "\r" }) { continue }  // a blank line between the waiver and its key
            let covered =
                pending
                + (line.range(of: " #").flatMap { Waivers.codes(in: line[$0.upperBound...]) }.map { [($0, index + 1)] }
                    ?? [])
            found += covered.map { Waiver(codes: $0.codes, line: $0.line, covers: index + 1) }
            pending = []
        }
        waivers = found
    }

    /// The codes a comment's text names after the marker (`allow CR204, CR501 (why)`), or nil when it is no waiver;
    /// the codes end at a word that starts with punctuation, where the reason begins.
    static func codes(in comment: Substring) -> [String]? {
        guard let range = comment.range(of: marker) else { return nil }
        let words = comment[range.upperBound...].split { $0 == "," || $0 == " " || $0 == "\r" || $0 == "\t" }
        let codes = words.prefix { $0.first.map { $0.isLetter || $0.isNumber } == true }.map(String.init)
        return codes.isEmpty ? nil : codes
    }

    /// Codes a waiver names that no rule has (a typo would otherwise waive nothing in silence), as `file:line: text`.
    public var unknownCodes: [String] {
        waivers.flatMap { waiver in
            waiver.codes.filter { ProblemCode(rawValue: $0) == nil }.map { "\(file):\(waiver.line): \($0) is not a "
                + "problem code" }
        }
    }

    /// The problems with the warnings this file waives marked as allowed (errors are never waived).
    public func apply(to problems: [Problem]) -> [Problem] {
        problems.map { problem in
            guard problem.severity == .warning, problem.allowedBy == nil, problem.file == file, let line = problem.line,
                let waiver = waivers.first(where: { $0.covers == line && $0.codes.contains(problem.code.rawValue) })
            else {
                return problem
            }
            var allowed = problem
            allowed.allowedBy = "\(file):\(waiver.line)"
            return allowed
        }
    }
}

extension ValuesFiles {
    /// The problems with acknowledged warnings marked: those whose code is in `allow`, and those a file waives.
    public func acknowledging(_ problems: [Problem], allow: Set<ProblemCode> = []) -> [Problem] {
        let waived = documents.map(Waivers.init).reduce(problems) { $1.apply(to: $0) }
        return waived.map { problem in
            guard problem.severity == .warning, problem.allowedBy == nil, allow.contains(problem.code) else {
                return problem
            }
            var allowed = problem
            allowed.allowedBy = "--allow"
            return allowed
        }
    }

    /// Waivers in these files that name no known code.
    public var unknownWaiverCodes: [String] { documents.flatMap { Waivers($0).unknownCodes } }
}
