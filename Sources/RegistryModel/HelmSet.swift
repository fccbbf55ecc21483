/// Helm's `--set` family read as Helm reads it (`pkg/strvals/parser.go`), into the values the files gave: pairs
/// separated by commas, `a.b=c`, list items `a[0].b=c`, lists `a={x,y}`, and a backslash that makes the next
/// character plain (`\,` `\.` `\=`). `--set` types its values as strvals does (true, false, null, an integer without
/// a leading zero, else text), `--set-string` keeps text, `--set-json` reads JSON, `--set-file` reads a file.
public enum HelmSet {
    /// Which of Helm's flags the text came with.
    public enum Style: String, Sendable, CaseIterable {
        case set = "--set", string = "--set-string", json = "--set-json", file = "--set-file"
    }

    /// Why a text cannot be read, in Helm's words where Helm has them.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Helm's limits: a list index, and how deep keys nest.
    static let maximumIndex = 65_536
    static let maximumNesting = 30

    /// One path a text set: its keys down to the first list index (the whole list is what changed there).
    public struct Change: Equatable, Sendable {
        public let keys: [String]
        /// The value's text as typed, for a plain `key=value` (no list, no index), so a field can type it.
        public let text: String?
    }

    /// The mapping after the text is parsed into it, and the paths it changed, in order. Keys that start with
    /// `section.` are read as the keys after it (the base is that section). `readFile` gives a file's text for
    /// `--set-file`.
    public static func parse(
        _ text: String, style: Style, into base: Value, section: String? = nil,
        readFile: (String) throws -> String = { _ in "" }
    ) throws(ParseError) -> (values: Value, changes: [Change]) {
        try withoutActuallyEscaping(readFile) { (readFile) throws(ParseError) in
            var parser = Parser(text: Array(text.unicodeScalars), style: style, section: section, readFile: readFile)
            var values = base.entries == nil ? Value.emptyMapping : base
            while try parser.key(&values, nesting: 0, path: []) {}
            return (values, parser.changes)
        }
    }

    /// What strvals makes of a value's text under `--set`: true and false (any case), null, an integer in base 10
    /// that does not start with 0 (or is 0 itself), else the text.
    public static func typed(_ text: String) -> Value {
        switch text.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "0": return .int(0)
        default: break
        }
        if let first = text.first, first != "0", let number = Int64(text) { return .int(Int(number)) }
        return .string(text)
    }

    /// The reading state: the text, where it is, and what has been set.
    struct Parser {
        let text: [Unicode.Scalar]
        var position = 0
        let style: Style
        let section: String?
        let readFile: (String) throws -> String
        var changes: [Change] = []

        init(text: [Unicode.Scalar], style: Style, section: String?, readFile: @escaping (String) throws -> String) {
            self.text = text
            self.style = style
            self.section = section
            self.readFile = readFile
        }

        /// The characters up to one of `stops` (the stop is read too, and returned), a backslash making the next
        /// one plain; nil as the stop at the end of the text.
        mutating func until(_ stops: Set<Unicode.Scalar>) -> (text: String, stop: Unicode.Scalar?) {
            var read = String.UnicodeScalarView()
            while position < text.count {
                let scalar = text[position]
                position += 1
                if stops.contains(scalar) { return (String(read), scalar) }
                if scalar == "\\" {
                    guard position < text.count else { return (String(read), nil) }
                    read.append(text[position])
                    position += 1
                } else {
                    read.append(scalar)
                }
            }
            return (String(read), nil)
        }

        /// Reads one key and what follows it into `data`; false once the text has ended (Helm's io.EOF), true
        /// when reading goes on (its nil).
        mutating func key(_ data: inout Value, nesting: Int, path: [String]) throws(ParseError) -> Bool {
            let (name, stop) = until(["=", "[", ",", "."])
            guard let stop else {
                if name.isEmpty { return false }
                throw ParseError(description: "key \(Quote.value(name)) has no value")
            }
            // `cacheRegistry.pv.size` is `pv.size` when the base is that section.
            if nesting == 0, path.isEmpty, let section, name == section, stop == "." {
                return try key(&data, nesting: 1, path: path)
            }
            let existing = data.entries?.first(where: { $0.key == name })?.value
            switch stop {
            case "[":
                let index = try self.index()
                var list: [Value] = []
                // Helm stops here on anything but a list (on an empty `key:` too, where this takes none).
                if let existing, !existing.isNull {
                    guard let items = existing.items else { throw notA("list", name) }
                    list = items
                }
                let more = try listItem(&list, index, nesting: nesting, path: path + [name])
                set(&data, name, .sequence(list))
                // A change inside a list is a change of the whole list.
                changes.removeAll { $0.keys.starts(with: path + [name]) }
                changes.append(Change(keys: path + [name], text: nil))
                return more
            case "=":
                let (value, more, raw) = try self.value()
                set(&data, name, value)
                changes.append(Change(keys: path + [name], text: raw))
                return more
            case ",":
                throw ParseError(description: "key \(Quote.value(name)) has no value (cannot end with ,)")
            default:  // "."
                guard nesting + 1 <= HelmSet.maximumNesting else {
                    throw ParseError(description: "value name nested level is greater than maximum supported nested "
                        + "level of \(HelmSet.maximumNesting)")
                }
                var inner = Value.emptyMapping
                if let existing, !existing.isNull {
                    guard existing.entries != nil else { throw notA("map", name) }
                    inner = existing
                }
                let more = try key(&inner, nesting: nesting + 1, path: path + [name])
                let empty = inner.entries?.isEmpty ?? true
                if more && empty { throw ParseError(description: "key map \(Quote.value(name)) has no value") }
                if !empty { set(&data, name, inner) }
                return more
            }
        }

        func notA(_ kind: String, _ name: String) -> ParseError {
            ParseError(description: "\(Quote.value(name)) is not a \(kind) in the values the files give (Helm stops "
                + "there too); set it whole first")
        }

        /// The value after `=`: a list `{a,b}`, JSON, a file's text, or text up to the next comma; whether reading
        /// goes on, and the text as typed for a plain value.
        mutating func value() throws(ParseError) -> (Value, more: Bool, raw: String?) {
            if style == .json {
                if skipEmpty() { return (.null, true, nil) }
                let value = try json()
                _ = skipEmpty()
                return (value, true, nil)
            }
            guard position < text.count else { return (.string(""), false, "") }
            if text[position] == "{" {
                position += 1
                return (.sequence(try valueList()), true, nil)
            }
            let (raw, _) = until([","])
            return (try read(raw), true, raw)
        }

        /// An index in brackets, after `[`.
        mutating func index() throws(ParseError) -> Int {
            let (digits, stop) = until(["]"])
            guard stop != nil else { throw ParseError(description: "error parsing index: no ] after [\(digits)") }
            guard let number = Int(digits) else {
                throw ParseError(description: "error parsing index: \(Quote.value(digits)) is not a number")
            }
            return number
        }

        /// What follows `[i]`: `=value`, another index, or `.key`.
        mutating func listItem(
            _ list: inout [Value], _ index: Int, nesting: Int, path: [String]
        ) throws(ParseError) -> Bool {
            guard index >= 0 else { throw ParseError(description: "negative \(index) index not allowed") }
            let (rest, stop) = until(["[", ".", "="])
            if !rest.isEmpty {
                throw ParseError(description: "unexpected data at end of array index: \(Quote.value(rest))")
            }
            switch stop {
            case nil:
                return false
            case "=":
                let (value, _, _) = try self.value()
                try setIndex(&list, index, value)
                return true
            case "[":
                let next = try self.index()
                var inner: [Value] = []
                if index < list.count, !list[index].isNull {
                    guard let items = list[index].items else { throw notA("list", "item \(index)") }
                    inner = items
                }
                let more = try listItem(&inner, next, nesting: nesting, path: path)
                if more { try setIndex(&list, index, .sequence(inner)) }
                return more
            default:  // "."
                var inner = Value.emptyMapping
                if index < list.count, list[index].entries != nil { inner = list[index] }
                // As in Helm, an item whose keys end the text unset is not stored.
                guard try key(&inner, nesting: nesting, path: path) else { return false }
                try setIndex(&list, index, inner)
                return true
            }
        }

        /// `{a,b}` after its `{`: items up to `}`, and a comma after it.
        mutating func valueList() throws(ParseError) -> [Value] {
            var list: [Value] = []
            while true {
                let (item, stop) = until([",", "}"])
                switch stop {
                case nil: throw ParseError(description: "list must terminate with '}'")
                case "}":
                    if position < text.count && text[position] == "," { position += 1 }
                    list.append(try read(item))
                    return list
                default: list.append(try read(item))
                }
            }
        }

        /// A value's text as its flag reads it.
        func read(_ raw: String) throws(ParseError) -> Value {
            switch style {
            case .set: return HelmSet.typed(raw)
            case .string, .json: return .string(raw)
            case .file:
                do { return .string(try readFile(raw)) } catch {
                    throw ParseError(description: "\(Quote.value(raw)): \(error)")
                }
            }
        }

        /// Spaces up to a comma (read) or the end: true when the value is empty (`key=` or `key=,`).
        mutating func skipEmpty() -> Bool {
            while position < text.count {
                let scalar = text[position]
                if scalar == "," {
                    position += 1
                    return true
                }
                guard scalar.properties.isWhitespace else { return false }
                position += 1
            }
            return true
        }

        /// One JSON value from here (Go's json.Decoder reads one and stops after it).
        mutating func json() throws(ParseError) -> Value {
            var reader = JSONReader(text: text, position: position)
            let value = try reader.value()
            position = reader.position
            return value
        }

        mutating func setIndex(_ list: inout [Value], _ index: Int, _ value: Value) throws(ParseError) {
            guard index >= 0 else { throw ParseError(description: "negative \(index) index not allowed") }
            guard index <= HelmSet.maximumIndex else {
                throw ParseError(description: "index of \(index) is greater than maximum supported index of "
                    + "\(HelmSet.maximumIndex)")
            }
            while list.count <= index { list.append(.null) }
            list[index] = value
        }

        func set(_ data: inout Value, _ key: String, _ value: Value) {
            guard !key.isEmpty, var entries = data.entries else { return }
            if let at = entries.firstIndex(where: { $0.key == key }) {
                entries[at].value = value
            } else {
                entries.append(Entry(key: key, value: value))
            }
            data = .mapping(entries)
        }
    }

    /// Enough of JSON for `--set-json`: objects, arrays, strings with escapes, numbers, true, false, null.
    struct JSONReader {
        let text: [Unicode.Scalar]
        var position: Int

        mutating func value() throws(ParseError) -> Value {
            skipSpace()
            guard position < text.count else { throw ParseError(description: "unexpected end of JSON input") }
            switch text[position] {
            case "{":
                position += 1
                var entries: [Entry] = []
                skipSpace()
                if peek("}") { return .mapping(entries) }
                while true {
                    skipSpace()
                    guard case .scalar(let key) = try value(), key.kind == .string else {
                        throw ParseError(description: "invalid JSON: an object's key must be a string")
                    }
                    skipSpace()
                    guard peek(":") else { throw ParseError(description: "invalid JSON: expected : after a key") }
                    let item = try value()
                    entries.removeAll { $0.key == key.text }
                    entries.append(Entry(key: key.text, value: item))
                    skipSpace()
                    if peek(",") { continue }
                    if peek("}") { return .mapping(entries) }
                    throw ParseError(description: "invalid JSON: expected , or } in an object")
                }
            case "[":
                position += 1
                var items: [Value] = []
                skipSpace()
                if peek("]") { return .sequence(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    if peek(",") { continue }
                    if peek("]") { return .sequence(items) }
                    throw ParseError(description: "invalid JSON: expected , or ] in an array")
                }
            case "\"": return .string(try string())
            default: return try word()
            }
        }

        mutating func peek(_ scalar: Unicode.Scalar) -> Bool {
            guard position < text.count, text[position] == scalar else { return false }
            position += 1
            return true
        }

        mutating func skipSpace() {
            while position < text.count, [" ", "\t", "\n", "\r"].contains(text[position]) { position += 1 }
        }

        mutating func string() throws(ParseError) -> String {
            position += 1
            var read = String.UnicodeScalarView()
            while position < text.count {
                let scalar = text[position]
                position += 1
                switch scalar {
                case "\"": return String(read)
                case "\\":
                    guard position < text.count else { break }
                    let escaped = text[position]
                    position += 1
                    switch escaped {
                    case "n": read.append("\n")
                    case "t": read.append("\t")
                    case "r": read.append("\r")
                    case "b": read.append("\u{8}")
                    case "f": read.append("\u{C}")
                    case "u":
                        let hex = String(String.UnicodeScalarView(text[position..<min(position + 4, text.count)]))
                        position += 4
                        guard hex.count == 4, let code = UInt32(hex, radix: 16) else {
                            throw ParseError(description: "invalid JSON: bad \\u escape")
                        }
                        read.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: read.append(escaped)
                    }
                default: read.append(scalar)
                }
            }
            throw ParseError(description: "invalid JSON: unterminated string")
        }

        /// true, false, null or a number.
        mutating func word() throws(ParseError) -> Value {
            let start = position
            while position < text.count, !" \t\r\n,]}:".unicodeScalars.contains(text[position]) { position += 1 }
            let word = String(String.UnicodeScalarView(text[start..<position]))
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                guard Double(word) != nil, word.first != "+", !word.hasPrefix("."), !word.hasPrefix("-.") else {
                    throw ParseError(description: "invalid JSON: \(Quote.value(word)) is not a value")
                }
                if let integer = Int(word) { return .int(integer) }
                return .scalar(Scalar(text: word, kind: .float))
            }
        }
    }
}
