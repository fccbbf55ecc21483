/// A JSON value with ordered keys, enough to write the schema and `--output json`.
public indirect enum JSON: Equatable, Sendable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case number(Int)
    case bool(Bool)
    case null

    public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.serialized() == rhs.serialized() }

    /// Pretty-printed JSON with two-space indentation.
    public func serialized(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n"
                + members.map { inner + JSON.quote($0.0) + ": " + $0.1.serialized(indent: inner) }.joined(
                    separator: ",\n") + "\n" + indent + "}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.serialized(indent: inner) }.joined(separator: ",\n") + "\n" + indent
                + "]"
        case .string(let text): return JSON.quote(text)
        case .number(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        }
    }

    /// A double-quoted string; also a valid YAML double-quoted scalar (control characters and DEL escaped).
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// A values tree as JSON (scalars by their resolved type).
    public init(_ value: Value) {
        switch value {
        case .mapping(let entries): self = .object(entries.map { ($0.key, JSON($0.value)) })
        case .sequence(let items): self = .array(items.map(JSON.init))
        case .scalar(let scalar):
            switch scalar.kind {
            case .bool: self = .bool(scalar.boolValue ?? false)
            case .int: self = scalar.intValue.map(JSON.number) ?? .string(scalar.text)
            case .null: self = .null
            case .string, .float: self = .string(scalar.text)
            }
        }
    }
}

/// The draft-07 JSON Schema of `cacheRegistry`, generated from the field registry.
public enum JSONSchemaGenerator {
    static let quantityPattern = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
    static let storagePattern = "^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[kMGTPE]|[eE]\\+?[0-9]+)?$"

    public static func schema() -> JSON {
        .object([("$schema", .string(draft))] + sectionMembers)
    }

    /// A `values.schema.json` for the whole chart: `cacheRegistry` and `registryTls` constrained, every other key
    /// (other components, `global`) accepted, so the chart still works as a subchart.
    public static func chartSchema() -> JSON {
        .object([
            ("$schema", .string(draft)),
            ("title", .string("kubiya-runner values")),
            ("type", .string("object")),
            ("properties", .object([
                ("cacheRegistry", .object(sectionMembers)),
                ("registryTls", .object([
                    ("type", .string("object")),
                    ("description", .string("The registry's TLS pair, base64 PEM; the chart makes registry-tls-secret "
                        + "of it.")),
                    ("properties", .object([("crt", .object([("type", .array([.string("string"), .string("null")]))])),
                                    ("key", .object([("type", .array([.string("string"), .string("null")]))])),
                                ])
                            ),
                    ("additionalProperties", .bool(false)),
                ])),
            ])),
        ])
    }

    static let draft = "http://json-schema.org/draft-07/schema#"

    static var sectionMembers: [(String, JSON)] {
        [("title", .string("cacheRegistry")),
         ("description", .string("The Cache Registry section of the kubiya-runner chart's "
             + "values.yaml."))] + objectBody(KeyPath([]))
    }

    static func objectBody(_ path: KeyPath) -> [(String, JSON)] {
        var children: [String] = []
        for field in FieldRegistry.all
        where field.path.hasPrefix(path) && field.path.components.count > path.components.count {
            let key = field.path.components[path.components.count]
            if !children.contains(key) { children.append(key) }
        }
        let properties: [(String, JSON)] = children.map { key in
            let child = path.appending(key)
            if let field = FieldRegistry.field(child) { return (key, fieldSchema(field)) }
            return (key, .object(objectBody(child)))
        }
        // A typo in a key is refused; only a volume source other than NFS is open (it is kept and rendered as given).
        // A mapping inside the section may be null, as Helm reads it (pv.volumeSource: null switches a source off).
        let type: JSON = path.components.isEmpty ? .string("object") : .array([.string("object"), .string("null")])
        return [("type", type), ("properties", .object(properties)),
                ("additionalProperties", .bool(path == .pvVolumeSource))]
    }

    /// One item of `mirrors`: its keys typed as the registry keys they are laid over, a typo refused.
    static var mirrorSchema: JSON {
        func leaf(_ key: KeyPath, _ label: String, _ registryKey: KeyPath?) -> JSON {
            guard let registryKey, let field = FieldRegistry.field(registryKey), case .object(let members) =
                fieldSchema(field) else {
                return .object([("type", .string("string")), ("pattern", .string("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")),
                                ("maxLength", .number(Mirrors.maxNameLength)), ("title", .string(label))])
            }
            var kept = members.filter { !["title", "description", "default", "enum"].contains($0.0) }
            if key == "service.type" { kept.append(("enum", .array(["ClusterIP", "NodePort"].map(JSON.string)))) }
            return .object(kept + [("title", .string(label))])
        }
        func body(_ under: KeyPath) -> JSON {
            var children: [String] = []
            for (key, _, _) in UpstreamMirror.keys where key.hasPrefix(under) {
                let child = key.components[under.components.count]
                if !children.contains(child) { children.append(child) }
            }
            let properties: [(String, JSON)] = children.map { child in
                let path = under.appending(child)
                if let entry = UpstreamMirror.keys.first(where: { $0.key == path }) {
                    return (child, leaf(path, entry.label, entry.registryKey))
                }
                return (child, body(path))
            }
            var members: [(String, JSON)] = [("type", .string("object")), ("properties", .object(properties)),
                                             ("additionalProperties", .bool(false))]
            if under.components.isEmpty { members.append(("required", .array([.string("name"), .string("upstream")]))) }
            return .object(members)
        }
        return body(KeyPath([]))
    }

    static func fieldSchema(_ field: Field) -> JSON {
        var members: [(String, JSON)] = []
        switch field.kind {
        case .toggle: members.append(("type", .string("boolean")))
        case .integer(let min, let max):
            members += [("type", .string("integer")), ("minimum", .number(min)), ("maximum", .number(max))]
        case .choice(let options):
            members += [("type", .string("string")), ("enum", .array(options.map(JSON.string)))]
        case .quantity(let use):
            members += [("type", .array([.string("string"), .string("number")])),
                        ("pattern", .string(use == .cpu ? quantityPattern : storagePattern)),
                        (use == .storage ? "exclusiveMinimum" : "minimum", .number(0))]
        case .text(let format):
            members.append(("type", .string("string")))
            switch format {
            case .subdomain:
                members += [
                    ("pattern", .string("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")),
                    ("maxLength", .number(253)),
                ]
            case .dns1035:
                members += [("pattern", .string("^[a-z]([-a-z0-9]*[a-z0-9])?$")), ("maxLength", .number(63))]
            case .labelValue:
                members += [
                    ("pattern", .string("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")), ("maxLength", .number(63)),
                ]
            case .imageTag:
                members.append(("pattern", .string("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")))
            case .imageRepository:
                let pattern = "^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
                members += [("pattern", .string(pattern)), ("maxLength", .number(255))]
            case .absolutePath, .httpPath:
                members.append(("pattern", .string("^/")))
            case .host:
                members.append(("minLength", .number(1)))
            case .digest:
                members.append(("pattern", .string("^sha256:[0-9a-f]{64}$")))
            case .clusterIP:
                let octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
                members.append(("pattern", .string("^(\(octet)\\.){3}\(octet)$")))
            case .free:
                break
            case .registryURL, .endpointURL:
                members.append(("pattern", .string("^https?://[^/@ ]+/?$")))
            case .bucketName:
                members.append(("pattern", .string("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")))
            case .region:
                members.append(("pattern", .string("^[a-z]+(-[a-z0-9]+)*-[0-9]+$")))
            case .duration:
                members.append(("pattern", .string("^(0|([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+)$")))
            }
        case .yamlMapping: members.append(("type", .string("object")))
        case .yamlList:
            members.append(("type", .string("array")))
            if field.path == Mirrors.key { members.append(("items", mirrorSchema)) }
        case .yamlMappingOrList: members.append(("type", .array([.string("object"), .string("array")])))
        }
        // null is meaningful where the chart has a default (it switches the default off, as Helm merges) or the key
        // says so (pv.hostPath: null selects another storage mode).
        if field.nullable || field.defaultValue != nil || !field.modeDefaults.isEmpty {
            switch members.first?.1 {
            case .string(let type)?: members[0] = ("type", .array([.string(type), .string("null")]))
            case .array(let types)?: members[0] = ("type", .array(types + [.string("null")]))
            default: break
            }
            if let index = members.firstIndex(where: { $0.0 == "enum" }), case .array(let options) = members[index].1 {
                members[index] = ("enum", .array(options + [.null]))
            }
        }
        members.append(("title", .string(field.label)))
        members.append(("description", .string(field.fullHelp)))
        if let value = field.defaultValue { members.append(("default", JSON(value))) }
        return .object(members)
    }
}
