/// A YAML value as Helm sees it: scalars keep their text and resolved type, mappings keep order.
public enum Value: Equatable, Sendable {
    case scalar(Scalar)
    case mapping([Entry])
    case sequence([Value])

    public static let null = Value.scalar(Scalar(text: "null", kind: .null))
    public static func string(_ text: String) -> Value { .scalar(Scalar(text: text, kind: .string)) }
    public static func int(_ number: Int) -> Value { .scalar(Scalar(text: String(number), kind: .int)) }
    public static func bool(_ flag: Bool) -> Value { .scalar(Scalar(text: flag ? "true" : "false", kind: .bool)) }
    public static let emptyMapping = Value.mapping([])
    public static let emptySequence = Value.sequence([])

    /// The scalar, when this is one.
    public var scalar: Scalar? { if case .scalar(let s) = self { return s } else { return nil } }
    public var isNull: Bool { scalar?.kind == .null }
    public var entries: [Entry]? { if case .mapping(let e) = self { return e } else { return nil } }
    public var items: [Value]? { if case .sequence(let i) = self { return i } else { return nil } }

    /// The child under `key` of a mapping.
    public subscript(key: String) -> Value? {
        entries?.last(where: { $0.key == key })?.value
    }

    /// The value at a path of keys below this one.
    public func value(at path: KeyPath) -> Value? {
        var current: Value? = self
        for key in path.components { current = current?[key] }
        return current
    }

    /// A copy with `newValue` at `path`, creating mappings on the way.
    public func setting(_ newValue: Value, at path: KeyPath) -> Value {
        guard let first = path.components.first else { return newValue }
        let rest = KeyPath(Array(path.components.dropFirst()))
        var list = entries ?? []
        if let index = list.lastIndex(where: { $0.key == first }) {
            list[index].value = list[index].value.setting(newValue, at: rest)
        } else {
            list.append(Entry(key: first, value: Value.emptyMapping.setting(newValue, at: rest)))
        }
        return .mapping(list)
    }

    /// A copy without the key at `path`.
    public func removing(_ path: KeyPath) -> Value {
        guard let first = path.components.first, var list = entries else { return self }
        if path.components.count == 1 {
            list.removeAll { $0.key == first }
        } else if let index = list.lastIndex(where: { $0.key == first }) {
            list[index].value = list[index].value.removing(KeyPath(Array(path.components.dropFirst())))
        }
        return .mapping(list)
    }

    /// Helm's merge: mappings merge key by key, an explicit null deletes, anything else replaces. With
    /// `keepingNulls` a null over a default stays as a null (what a file must write to switch the default off).
    public func merged(over base: Value, keepingNulls: Bool = false) -> Value {
        guard let mine = entries, let theirs = base.entries else { return self }
        // Positions of the base's keys, so merging n keys over m stays linear; a mapping's own keys are unique, so the
        // keys it adds need no position (and a base without keys, such as nodeSelector's {}, builds no table).
        var result: [Entry?] = theirs
        var position: [String: Int] = [:]
        position.reserveCapacity(theirs.count)
        for (index, entry) in theirs.enumerated() where position[entry.key] == nil { position[entry.key] = index }
        for entry in mine {
            if entry.value.isNull {
                if let index = position[entry.key] {
                    if keepingNulls {
                        result[index]?.value = .null
                    } else {
                        result[index] = nil
                        position[entry.key] = nil
                    }
                }
            } else if let index = position[entry.key], let existing = result[index] {
                result[index]?.value = entry.value.merged(over: existing.value, keepingNulls: keepingNulls)
            } else {
                result.append(Entry(key: entry.key, value: keepingNulls ? entry.value : entry.value.removingNulls()))
            }
        }
        return .mapping(result.compactMap { $0 })
    }

    private func removingNulls() -> Value {
        guard let list = entries else { return self }
        return .mapping(list.filter { !$0.value.isNull }.map { Entry(key: $0.key, value: $0.value.removingNulls()) })
    }

    /// A one-line description of the type, for messages.
    public var typeName: String {
        switch self {
        case .scalar(let s): return s.kind.description
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// One key and its value in a mapping.
public struct Entry: Equatable, Sendable {
    public var key: String
    public var value: Value
    public init(key: String, value: Value) {
        self.key = key
        self.value = value
    }
}

/// A scalar's text and the type YAML resolves it to.
public struct Scalar: Equatable, Sendable {
    /// The types a YAML scalar resolves to.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case string, int, float, bool, null
        public var description: String {
            switch self {
            case .string: return "a string"
            case .int: return "an integer"
            case .float: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            }
        }
    }
    public var text: String
    public var kind: Kind
    public init(text: String, kind: Kind) {
        self.text = text
        self.kind = kind
    }

    /// Resolves an unquoted scalar the way Helm's YAML 1.1 parser does.
    public static func plain(_ text: String) -> Scalar { Scalar(text: text, kind: resolveKind(ofPlain: text)) }

    public var boolValue: Bool? {
        guard kind == .bool else { return nil }
        return Scalar.trueWords.contains(text)
    }

    public var intValue: Int? {
        guard kind == .int else { return nil }
        var cleaned = Substring(text.replacing("_", with: ""))
        let negative = cleaned.first == "-"
        if cleaned.first == "+" || cleaned.first == "-" { cleaned = cleaned.dropFirst() }
        let radix = Scalar.radix(of: cleaned)
        guard let magnitude = Int(radix == 10 ? cleaned : cleaned.dropFirst(2), radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// The base a number's prefix names, as Go's strconv reads it: `0x`/`0X` 16, `0o`/`0O` 8, `0b`/`0B` 2, else 10.
    static func radix(of digits: Substring) -> Int {
        switch digits.prefix(2).lowercased() {
        case "0x": return 16
        case "0o": return 8
        case "0b": return 2
        default: return 10
        }
    }

    static let trueWords: Set<String> = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    static let falseWords: Set<String> = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// The type of an unquoted scalar under YAML 1.1 (as Helm's go-yaml reads it).
    public static func resolveKind(ofPlain text: String) -> Kind {
        if nullWords.contains(text) { return .null }
        if trueWords.contains(text) || falseWords.contains(text) { return .bool }
        if isInteger(text) { return .int }
        if isFloat(text) { return .float }
        return .string
    }

    /// An integer as Helm's go-yaml reads one (underscores dropped, then Go's `strconv.ParseInt` with base 0):
    /// decimal, `0x`/`0X` hex, `0o`/`0O` octal, `0b`/`0B` binary, with an optional sign.
    static func isInteger(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        let digits = body.dropFirst(radix(of: body) == 10 ? 0 : 2).filter { $0 != "_" }
        guard !digits.isEmpty else { return false }
        switch radix(of: body) {
        case 16: return digits.allSatisfy(\.isHexDigit)
        case 8: return digits.allSatisfy { ("0"..."7").contains($0) }
        case 2: return digits.allSatisfy { $0 == "0" || $0 == "1" }
        default: return body.first != "_" && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") }
        }
    }

    /// Whether a string written plain could be read as anything but that string by a YAML 1.1 reader (PyYAML,
    /// go-yaml v2, which Helm and kubectl use), a YAML 1.2 reader, or Go's `strconv` (`0X1F`, `0b101`, `0O17`,
    /// `+0b1`, `0x_1f`, `1_000`, `1:20`, `2001-12-14`, `Inf`, `nan`, `t`): such a string is always written quoted.
    public static func readsAsOtherThanString(_ text: String) -> Bool {
        if resolveKind(ofPlain: text) != .string { return true }
        if ["=", "<<", "t", "T", "f", "F"].contains(text) { return true }
        var body = Substring(text.replacing("_", with: ""))
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        let lowered = body.lowercased()
        if ["inf", "infinity", "nan", ".inf", ".nan"].contains(lowered) { return true }
        if isInteger(String(body)) || isFloat(String(body)) { return true }
        // Go's hexadecimal floats (0x1p-2, 0x1.8p3).
        if lowered.hasPrefix("0x"), lowered.contains("p"),
            lowered.dropFirst(2).allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "p" || $0 == "-" || $0 == "+" })
        {
            return true
        }
        // YAML 1.1 sexagesimal numbers (1:20, 190:20:30.15) and timestamps (2001-12-14, 2001-12-14t21:59:43.10-05:00).
        if isSexagesimal(body) { return true }
        let year = text.prefix { $0.isASCII && $0.isNumber }
        if year.count == 4, text.dropFirst(4).first == "-", text.dropFirst(5).first?.isNumber == true { return true }
        return false
    }

    /// YAML 1.1's base 60: `[0-9]+(:[0-5]?[0-9])+`, the last part with an optional `.fraction`.
    static func isSexagesimal(_ text: Substring) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count > 1, let head = parts.first, !head.isEmpty, head.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        for (index, part) in parts.dropFirst().enumerated() {
            var digits = part
            if index == parts.count - 2, let dot = part.firstIndex(of: ".") {
                guard part[part.index(after: dot)...].allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
                digits = part[..<dot]
            }
            guard (1...2).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                digits.count == 1 || digits.first.map({ ("0"..."5").contains($0) }) == true
            else { return false }
        }
        return true
    }

    static func isFloat(_ text: String) -> Bool {
        let special: Set<String> = [".inf", ".Inf", ".INF", "+.inf", "-.inf", "+.Inf", "-.Inf", ".nan", ".NaN", ".NAN"]
        if special.contains(text) { return true }
        var chars = Substring(text)
        if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
        var digits = 0, dots = 0
        while let c = chars.first, c.isASCII, c.isNumber || c == "." || c == "_" {
            if c == "." { dots += 1 } else if c != "_" { digits += 1 }
            chars = chars.dropFirst()
        }
        guard digits > 0, dots <= 1 else { return false }
        if chars.isEmpty { return dots == 1 }
        guard chars.first == "e" || chars.first == "E" else { return false }
        chars = chars.dropFirst()
        if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
        return !chars.isEmpty && chars.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Literal syntax, so rendered objects read like the manifests they become (as Yams' `Node` does):
/// `["name": "https", "port": .int(port), "ports": [["protocol": "TCP"]]]`. Keys keep their written order.
extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
                 ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral text: String) { self = .string(text) }
    public init(integerLiteral number: Int) { self = .int(number) }
    public init(booleanLiteral flag: Bool) { self = .bool(flag) }
    public init(arrayLiteral items: Value...) { self = .sequence(items) }
    public init(dictionaryLiteral pairs: (String, Value)...) {
        self = .mapping(pairs.map { Entry(key: $0.0, value: $0.1) })
    }
}
