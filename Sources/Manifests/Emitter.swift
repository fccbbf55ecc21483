import RegistryModel
import Yams

/// YAML text of rendered objects, emitted by Yams: fixed key order, deterministic bytes,
/// and strings quoted whenever YAML 1.1 would read them as something else.
public enum Emitter {
    /// Why an object could not be emitted (never written as an empty manifest).
    public struct EmitError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// One object as a YAML document.
    public static func yaml(_ value: Value) throws(EmitError) -> String {
        do { return try Yams.serialize(node: node(value), width: -1, allowUnicode: true, sortKeys: false) } catch {
            throw EmitError(description: "cannot write YAML: \(error)")
        }
    }

    /// Several objects as one multi-document stream.
    public static func stream(_ values: [Value]) throws(EmitError) -> String {
        var text = ""
        for value in values { text += "---\n" + (try yaml(value)) }
        return text
    }

    /// A rendered resource as shown on screen: a Secret's data redacted (the certificate, which is public, stays).
    public static func displayYAML(_ resource: RenderedResource) -> String {
        do {
            guard resource.kind == "Secret" else { return try yaml(resource.object) }
            return try yaml(redacted(resource.object)).replacing(/'(<redacted: \d+ bytes>)'/) { String($0.output.1) }
        } catch {
            return "# \(error.description)"
        }
    }

    /// The object with every `data` value but the certificate replaced by its size (`tls.key`, the HTTP secret).
    public static func redacted(_ object: Value) -> Value {
        guard let entries = object.value(at: KeyPath(["data"]))?.entries else { return object }
        var result = object
        for entry in entries where entry.key != "tls.crt" {
            guard let text = entry.value.scalar?.text else { continue }
            result = result.setting(.string(Redaction.placeholder(base64: text)), at: KeyPath(["data", entry.key]))
        }
        return result
    }

    static func node(_ value: Value) -> Node {
        switch value {
        case .mapping(let entries):
            return .mapping(
                .init(entries.map { (scalarNode(Scalar(text: $0.key, kind: .string)), node($0.value)) }, tag(.implicit))
            )
        case .sequence(let items):
            return .sequence(.init(items.map(node), tag(.implicit)))
        case .scalar(let scalar):
            return scalarNode(scalar)
        }
    }

    /// Text of several lines that reads back the same as a `|` block (a configuration file in a ConfigMap): lines
    /// end in `\n`, none ends in a space, none holds another control character, the first is not indented.
    static func isLiteralBlock(_ text: String) -> Bool {
        guard text.contains("\n"), text.hasSuffix("\n"), !text.hasSuffix("\n\n"), text.first != " " else {
            return false
        }
        return !text.unicodeScalars.contains { ($0.value < 32 && $0 != "\n") || $0.value == 0x7F }
            && !text.contains(" \n")
    }

    /// Tags with Yams' basic resolver: the default one compiles regular expressions we never need.
    static func tag(_ name: Tag.Name) -> Tag { Tag(name, .basic, noConstructor) }
    nonisolated(unsafe) static let noConstructor = Constructor([:], [:], [:])

    static func scalarNode(_ scalar: Scalar) -> Node {
        switch scalar.kind {
        case .string:
            if isLiteralBlock(scalar.text) { return Node(scalar.text, tag(.str), .literal) }
            let risky = Scalar.readsAsOtherThanString(scalar.text)
            return Node(scalar.text, tag(.str), risky ? .doubleQuoted : .any)
        case .int: return Node(scalar.text, tag(.int), .plain)
        case .float: return Node(scalar.text, tag(.float), .plain)
        case .bool: return Node(scalar.boolValue == true ? "true" : "false", tag(.bool), .plain)
        case .null: return Node("null", tag(.null), .plain)
        }
    }
}
