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

    /// Parses one `pv.size=50Gi`, as `--set` reads it (see `assignments(parsing:)`).
    public init(parsing text: String) throws(ParseError) {
        let found = try Assignment.assignments(parsing: text, into: .emptyMapping)
        guard found.count == 1, let only = found.first else {
            throw ParseError(description: "\(Quote.value(text)) sets \(found.count) keys; give one KEY=VALUE (for "
                + "example pv.size=50Gi)")
        }
        self = only
    }

    /// What one text of the `--set` family sets under `cacheRegistry` (its keys with or without that name), read
    /// into `base` (the section as the files give it) as Helm reads it: a plain `key=value` typed by its field, a
    /// list item or list (`a[0].b=c`, `a={x,y}`) as the whole list it makes. `readFile` gives `--set-file` its text.
    public static func assignments(
        parsing text: String, style: HelmSet.Style = .set, into base: Value,
        readFile: (String) throws -> String = { _ in "" }
    ) throws(ParseError) -> [Assignment] {
        guard text.contains("=") || text.contains("[") else {
            throw ParseError(description: "\(Quote.value(text)) is not KEY=VALUE (for example pv.size=50Gi)")
        }
        let parsed: (values: Value, changes: [HelmSet.Change])
        do {
            parsed = try HelmSet.parse(text, style: style, into: base, section: KeyPath.section, readFile: readFile)
        } catch { throw ParseError(description: "\(Quote.value(text)): \(error.description)") }
        var result: [Assignment] = []
        for change in parsed.changes {
            let path = KeyPath(change.keys)
            if let field = FieldRegistry.owningField(path), field.flat,
               path.components.count > field.path.components.count + 1
            {
                let key = path.components.dropFirst(field.path.components.count).joined(separator: "\\.")
                throw ParseError(description: "\(Quote.value(text)): \(field.path) holds keys of one level, and a "
                    + "dot in a key needs \\. (as helm --set does): \(field.path).\(key)=\(change.text ?? "...")")
            }
            let value: Value
            switch (style, change.text) {
            case (.set, let typed?): value = typedValue(typed, for: path)
            case (.string, let typed?): value = .string(typed)
            default: value = parsed.values.value(at: path) ?? .null
            }
            result.removeAll { $0.path == path }
            result.append(Assignment(path: path, value: value))
        }
        return result
    }

    /// The value a text stands for at a path: `2.8` for a tag is the string "2.8", `3` for replicas an integer.
    public static func typedValue(_ text: String, for path: KeyPath) -> Value {
        // As strvals: null in any case removes the key (a `~` is text there).
        if text.lowercased() == "null" { return .null }
        guard let field = FieldRegistry.field(path) else {
            if text == "{}" { return .emptyMapping }
            if text == "[]" { return .emptySequence }
            return HelmSet.typed(text)
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
