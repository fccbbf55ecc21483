import RegistryModel
import Yams

/// YAML text of rendered objects, emitted by Yams: fixed key order, deterministic bytes,
/// and strings quoted whenever YAML 1.1 would read them as something else.
public enum Emitter {
    /// One object as a YAML document.
    public static func yaml(_ value: Value) -> String {
        (try? Yams.serialize(node: node(value), width: -1, allowUnicode: true, sortKeys: false)) ?? ""
    }

    /// Several objects as one multi-document stream.
    public static func stream(_ values: [Value]) -> String {
        values.map { "---\n" + yaml($0) }.joined()
    }

    /// A rendered resource as shown on screen: Secret data redacted.
    public static func displayYAML(_ resource: RenderedResource) -> String {
        guard resource.kind == "Secret" else { return yaml(resource.object) }
        return yaml(redacted(resource.object)).replacing(/'(<redacted: \d+ bytes>)'/) { String($0.output.1) }
    }

    /// The object with `data.tls.key` replaced by its size.
    public static func redacted(_ object: Value) -> Value {
        guard let key = object.value(at: KeyPath(["data", "tls.key"]))?.scalar else { return object }
        let decodedSize = key.text.count / 4 * 3 - key.text.suffix(2).filter { $0 == "=" }.count
        return object.setting(.string("<redacted: \(decodedSize) bytes>"), at: KeyPath(["data", "tls.key"]))
    }

    static func node(_ value: Value) -> Node {
        switch value {
        case .mapping(let entries):
            return .mapping(.init(entries.map { (scalarNode(Scalar(text: $0.key, kind: .string)), node($0.value)) }, tag(.implicit)))
        case .sequence(let items):
            return .sequence(.init(items.map(node), tag(.implicit)))
        case .scalar(let scalar):
            return scalarNode(scalar)
        }
    }

    /// Tags with Yams' basic resolver: the default one compiles regular expressions we never need.
    static func tag(_ name: Tag.Name) -> Tag { Tag(name, .basic, noConstructor) }
    nonisolated(unsafe) static let noConstructor = Constructor([:], [:], [:])

    static func scalarNode(_ scalar: Scalar) -> Node {
        switch scalar.kind {
        case .string:
            let risky = Scalar.resolveKind(ofPlain: scalar.text) != .string
            return Node(scalar.text, tag(.str), risky ? .doubleQuoted : .any)
        case .int: return Node(scalar.text, tag(.int), .plain)
        case .float: return Node(scalar.text, tag(.float), .plain)
        case .bool: return Node(scalar.boolValue == true ? "true" : "false", tag(.bool), .plain)
        case .null: return Node("null", tag(.null), .plain)
        }
    }
}
