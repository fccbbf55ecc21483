/// One `K=V` from `set` or `--set`, typed by the field registry so it reads back as the field's type.
public struct Assignment: Equatable, Sendable {
    public var path: KeyPath
    /// The new value; `.null` removes the key.
    public var value: Value

    public init(path: KeyPath, value: Value) {
        self.path = path
        self.value = value
    }

    /// Why an assignment text cannot be read.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Parses `pv.size=50Gi`; the path is under `cacheRegistry`, and `\.` escapes a dot in a key.
    public init(parsing text: String) throws(ParseError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ParseError(description: "\(Quote.value(text)) is not KEY=VALUE (for example pv.size=50Gi)")
        }
        let keyText = String(text[..<equals])
        let valueText = String(text[text.index(after: equals)...])
        guard let path = KeyPath(underSection: keyText) else {
            throw ParseError(description: "\"\(keyText)\" is not a key path (for example pv.size)")
        }
        if let field = FieldRegistry.owningField(path), field.flat,
            path.components.count > field.path.components.count + 1
        {
            let key = path.components.dropFirst(field.path.components.count).joined(separator: "\\.")
            throw ParseError(description: "\(Quote.value(keyText)): \(field.path) holds keys of one level, and a dot "
                + "in a key needs "
                + "\\. (as helm --set does): \(field.path).\(key)=\(valueText)")
        }
        self.path = path
        self.value = Assignment.typedValue(valueText, for: path)
    }

    /// What `helm --set` makes of a text where no field gives a type (env values, node labels, unknown keys), as
    /// Helm's strvals reads it: `true`/`false`, `null`, a decimal integer without a leading zero, else the string
    /// itself, which the editor quotes wherever a YAML 1.1 reader would take it for something else (`yes`, `0x10`,
    /// `010`, `1e3`, `.inf`).
    public static func helmTyped(_ text: String) -> Value {
        switch text.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        if text == "0" { return .int(0) }
        if let first = text.first, first != "0", first != "+", let number = Int(text), String(number) == text,
           !(text.hasPrefix("-0")) { return .int(number) }
        return .string(text)
    }

    /// The value a text stands for at a path: `2.8` for a tag is the string "2.8", `3` for replicas an integer.
    public static func typedValue(_ text: String, for path: KeyPath) -> Value {
        if text == "null" || text == "~" { return .null }
        guard let field = FieldRegistry.field(path) else {
            if text == "{}" { return .emptyMapping }
            if text == "[]" { return .emptySequence }
            return helmTyped(text)
        }
        switch field.kind {
        case .toggle:
            let plain = Scalar.plain(text)
            return plain.kind == .bool ? .bool(plain.boolValue ?? false) : .string(text)
        case .integer:
            // `080` and `+443` stay as written, so the rule that Helm reads them differently can say so.
            return Int(text).flatMap { String($0) == text ? Value.int($0) : nil } ?? .scalar(.plain(text))
        case .quantity:
            let plain = Scalar.plain(text)
            return [.int, .float].contains(plain.kind) ? .scalar(plain) : .string(text)
        case .yamlMapping, .yamlList, .yamlMappingOrList:
            if text == "{}" { return .emptyMapping }
            if text == "[]" { return .emptySequence }
            return .string(text)
        case .text, .choice:
            return .string(text)
        }
    }
}
