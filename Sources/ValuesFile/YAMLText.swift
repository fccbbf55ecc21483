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

    static func key(_ key: String) -> String { isPlainSafe(key, inFlow: false) ? key : doubleQuoted(key) }

    /// A value in flow style: `{a: 1, b: [x]}`.
    static func flow(_ value: Value) -> String {
        switch value {
        case .scalar(let s): return scalar(s, preferring: .plain, inFlow: true)
        case .mapping: return "{" + flowEntries(value) + "}"
        case .sequence(let items): return "[" + items.map(flow).joined(separator: ", ") + "]"
        }
    }

    static func flowEntries(_ value: Value) -> String {
        (value.entries ?? []).map { key($0.key) + ": " + flow($0.value) }.joined(separator: ", ")
    }

    /// A mapping or list in block style, every line starting with `indent` and ending with `lineBreak`.
    static func block(_ value: Value, indent: String, unit: Int, lineBreak: String) -> String {
        let step = String(repeating: " ", count: unit)
        switch value {
        case .mapping(let entries):
            return entries.map { entry in
                let prefix = indent + key(entry.key) + ":"
                if isNonEmptyCollection(entry.value) {
                    return prefix + lineBreak
                        + block(entry.value, indent: indent + step, unit: unit, lineBreak: lineBreak)
                }
                return prefix + " " + flow(entry.value) + lineBreak
            }.joined()
        case .sequence(let items):
            return items.map { item in
                if isNonEmptyCollection(item) {
                    let inner = block(item, indent: indent + "  ", unit: unit, lineBreak: lineBreak)
                    return indent + "- " + inner.dropFirst(indent.count + 2)
                }
                return indent + "- " + flow(item) + lineBreak
            }.joined()
        case .scalar(let s):
            return indent + scalar(s, preferring: .plain, inFlow: false) + lineBreak
        }
    }

    static func isNonEmptyCollection(_ value: Value) -> Bool {
        (value.entries.map { !$0.isEmpty } ?? false) || (value.items.map { !$0.isEmpty } ?? false)
    }
}
