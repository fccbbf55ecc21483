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
        let cleaned = text.replacing("_", with: "")
        if cleaned.hasPrefix("0x") { return Int(cleaned.dropFirst(2), radix: 16) }
        if cleaned.hasPrefix("0o") { return Int(cleaned.dropFirst(2), radix: 8) }
        return Int(cleaned.hasPrefix("+") ? String(cleaned.dropFirst()) : cleaned)
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

    static func isInteger(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body.hasPrefix("0x") { return body.count > 2 && body.dropFirst(2).allSatisfy { $0.isHexDigit || $0 == "_" } }
        if body.hasPrefix("0o") {
            return body.count > 2 && body.dropFirst(2).allSatisfy { ("0"..."7").contains($0) || $0 == "_" }
        }
        return !body.isEmpty && body.first != "_" && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") }
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
