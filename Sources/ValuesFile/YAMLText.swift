import RegistryModel
import Yams

/// Writes values as YAML text that reads back as the same types.
public enum YAMLText {
    /// A scalar in the preferred style when that style keeps its meaning, else double-quoted.
    static func scalar(_ scalar: Scalar, preferring style: Node.Scalar.Style, inFlow: Bool) -> String {
        switch scalar.kind {
        case .null: return "null"
        case .bool: return scalar.boolValue == true ? "true" : "false"
        case .int, .float: return scalar.text
        case .string: break
        }
        let text = scalar.text
        if style == .singleQuoted && !text.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 32 } ?? false) })
        {
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        if style != .doubleQuoted && isPlainSafe(text, inFlow: inFlow) { return text }
        return doubleQuoted(text)
    }

    public static func doubleQuoted(_ text: String) -> String { JSON.quote(text) }

    /// Whether a string can be written unquoted and still read back as that string.
    public static func isPlainSafe(_ text: String, inFlow: Bool) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        if Scalar.readsAsOtherThanString(text) { return false }
        if first == " " || last == " " || last == ":" { return false }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) { return false }
        if text.contains(": ") || text.contains(" #") || text.contains(where: { $0.isNewline || $0 == "\t" }) {
            return false
        }
        if text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 0x7F }) { return false }
        if inFlow && text.contains(where: { ",[]{}".contains($0) }) { return false }
        return true
    }

    /// How a document writes its strings: the quote most of its string values use by choice, or plain.
    static func quoting(of root: Node?) -> Node.Scalar.Style {
        var counts: [Node.Scalar.Style: Int] = [:]
        func visit(_ node: Node) {
            switch node {
            case .scalar(let scalar):
                switch scalar.style {
                // Quotes a string needs (`"2"`, `"a: b"`) say nothing about a habit.
                case .doubleQuoted, .singleQuoted:
                    if isPlainSafe(scalar.string, inFlow: false) { counts[scalar.style, default: 0] += 1 }
                case .plain where Scalar.resolveKind(ofPlain: scalar.string) == .string: counts[.plain, default: 0] += 1
                default: break
                }
            case .mapping(let mapping): mapping.values.forEach(visit)
            case .sequence(let sequence): sequence.forEach(visit)
            case .alias: break
            }
        }
        root.map(visit)
        let quoted: Node.Scalar.Style = counts[.singleQuoted, default: 0] > counts[.doubleQuoted, default: 0]
            ? .singleQuoted : .doubleQuoted
        return counts[quoted, default: 0] > counts[.plain, default: 0] ? quoted : .plain
    }

    static func key(_ key: String) -> String { isPlainSafe(key, inFlow: false) ? key : doubleQuoted(key) }

    /// A value in flow style: `{a: 1, b: [x]}`.
    /// Strings are written in `quoting` (a file's own habit; plain where it has none).
    static func flow(_ value: Value, quoting: Node.Scalar.Style = .plain) -> String {
        switch value {
        case .scalar(let s): return scalar(s, preferring: quoting, inFlow: true)
        case .mapping: return "{" + flowEntries(value, quoting: quoting) + "}"
        case .sequence(let items): return "[" + items.map { flow($0, quoting: quoting) }.joined(separator: ", ") + "]"
        }
    }

    static func flowEntries(_ value: Value, quoting: Node.Scalar.Style = .plain) -> String {
        (value.entries ?? []).map { key($0.key) + ": " + flow($0.value, quoting: quoting) }.joined(separator: ", ")
    }

    /// A mapping or list in block style, every line starting with `indent` and ending with `lineBreak`.
    static func block(
        _ value: Value, indent: String, unit: Int, lineBreak: String, quoting: Node.Scalar.Style = .plain
    ) -> String {
        let step = String(repeating: " ", count: unit)
        switch value {
        case .mapping(let entries):
            return entries.map { entry in
                let prefix = indent + key(entry.key) + ":"
                if isNonEmptyCollection(entry.value) {
                    return prefix + lineBreak
                        + block(entry.value, indent: indent + step, unit: unit, lineBreak: lineBreak, quoting: quoting)
                }
                return prefix + " " + flow(entry.value, quoting: quoting) + lineBreak
            }.joined()
        case .sequence(let items):
            return items.map { item in
                if isNonEmptyCollection(item) {
                    let inner = block(item, indent: indent + "  ", unit: unit, lineBreak: lineBreak, quoting: quoting)
                    return indent + "- " + inner.dropFirst(indent.count + 2)
                }
                return indent + "- " + flow(item, quoting: quoting) + lineBreak
            }.joined()
        case .scalar(let s):
            return indent + scalar(s, preferring: quoting, inFlow: false) + lineBreak
        }
    }

    static func isNonEmptyCollection(_ value: Value) -> Bool {
        (value.entries.map { !$0.isEmpty } ?? false) || (value.items.map { !$0.isEmpty } ?? false)
    }
}

/// Values as YAML text for callers outside this module: a list or map typed on one line in flow style, and a
/// value written as a block document (a draft).
public enum ValueText {
    /// A value in block style, two spaces a level, strings quoted where YAML would read them otherwise.
    public static func block(_ value: Value) -> String {
        YAMLText.block(value, indent: "", unit: 2, lineBreak: "\n")
    }

    /// The value a flow YAML text stands for (`[{ipBlock: {cidr: 10.0.0.0/16}}]`); nil when it is not YAML.
    public static func value(flow text: String) -> Value? {
        guard let document = try? ValuesDocument(bytes: Array(("value: " + text + "\n").utf8), name: "typed"),
              case .mapping(let entries)? = document.rootValue, entries.count == 1 else { return nil }
        return entries[0].value
    }
}
