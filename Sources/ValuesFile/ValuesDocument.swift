import Foundation
import RegistryModel
import Yams

extension Node.Mapping {
    /// The value of a string key, compared as text (building a `Node` to look up would resolve tags with regexes).
    func value(for key: String) -> Node? { first { $0.key.string == key }?.value }
}

/// Roots composed on two threads.
final class ParallelRoots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var roots: [Node?]
    init(count: Int) { roots = Array(repeating: nil, count: count) }
    func store(_ root: Node?, at index: Int) { lock.withLock { roots[index] = root } }
}

/// A parsed values file: its text, its YAML tree, and the `cacheRegistry` configuration it holds.
public struct ValuesDocument: @unchecked Sendable {
    /// The name used in messages (the path as given).
    public let name: String
    public let bytes: [UInt8]
    let source: SourceText
    /// The root node, nil for an empty file.
    let root: Node?
    /// Set when only the `cacheRegistry` section was re-parsed after an edit: the marks of top-level keys
    /// after it are off by `delta` lines, and a top-level edit must parse the whole file again.
    let partial: (afterLine: Int, delta: Int)?

    /// Parses text; malformed YAML throws `NAME:LINE:COLUMN: message`.
    public init(bytes: [UInt8], name: String) throws(FileError) {
        self.name = name
        self.bytes = bytes
        self.source = SourceText(bytes)
        if let nul = bytes.firstIndex(of: 0) {
            let line = source.line(of: nul)
            throw FileError(
                file: name, line: line, column: nul - source.lineStarts[line - 1] + 1,
                "the file contains a NUL byte; it is not a text file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = ValuesDocument.firstInvalidUTF8(bytes)
            let line = source.line(of: offset)
            throw FileError(
                file: name, line: line, column: offset - source.lineStarts[line - 1] + 1, "the file is not valid UTF-8")
        }
        if let tab = ValuesDocument.tabIndentation(bytes) {
            throw FileError(file: name, line: source.line(of: tab), column: 1, "a tab is used for indentation; "
                + "YAML allows only spaces")
        }
        if let depth = ValuesDocument.nestingProblem(bytes) {
            throw FileError(file: name, line: source.line(of: depth), column: 1, "nesting is deeper than "
                + "\(ValuesDocument.maxDepth) levels")
        }
        if ValuesDocument.mayHoldTooManyNodes(bytes) {
            throw FileError(file: name, ValuesDocument.tooManyKeys)
        }
        partial = nil
        do {
            root = try ValuesDocument.compose(text, bytes: bytes, source: source)
        } catch let error as YamlError {
            throw ValuesDocument.describe(error, name: name)
        } catch {
            throw FileError(file: name, "\(error)")
        }
        if let root { try NodeCount.check(root, name: name) }
        if let tag = root?.mapping?.tag.description, !["tag:yaml.org,2002:map", "?", "!", ""].contains(tag) {
            throw FileError(
                file: name, line: root?.mark?.line ?? 1, column: root?.mark?.column ?? 1,
                "the top level is tagged \(tag), which Helm does not read as values; remove the tag so it is a plain "
                                  + "mapping of keys")
        }
        if let root, root.mapping == nil,
            !(root.scalar.map { Scalar.resolveKind(ofPlain: $0.string) == .null && $0.style == .plain } ?? false)
        {
            throw FileError(
                file: name, line: root.mark?.line ?? 1, column: root.mark?.column ?? 1,
                "the top level must be a mapping of keys, such as cacheRegistry:")
        }
    }

    private init(name: String, bytes: [UInt8], source: SourceText, root: Node?, partial: (afterLine: Int, delta: Int)?)
    {
        self.name = name
        self.bytes = bytes
        self.source = source
        self.root = root
        self.partial = partial
    }

    /// We read scalars ourselves, so Yams needs neither its regex resolver nor its table of constructors.
    nonisolated(unsafe) static let noConstructor = Constructor([:], [:], [:])

    /// Files larger than this are composed in two halves at once (the two halves split at a top-level key).
    static let parallelThreshold = 256 * 1024

    /// Composes the root; a large file is split at a top-level key and its halves composed in parallel.
    /// Any doubt (an error in a half, an alias across halves, a duplicate top-level key) falls back to one parse,
    /// which also gives the canonical error message.
    static func compose(_ text: String, bytes: [UInt8], source: SourceText) throws -> Node? {
        guard bytes.count >= parallelThreshold, let split = topLevelSplit(bytes, source: source) else {
            return try Parser(yaml: text, resolver: .basic, constructor: ValuesDocument.noConstructor).singleRoot()
        }
        let halves = [String(decoding: bytes[..<split.offset], as: UTF8.self),
            String(repeating: "\n", count: split.line - 1) + String(decoding: bytes[split.offset...], as: UTF8.self),
        ]
        let results = ParallelRoots(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.store(
                try? Parser(yaml: halves[index], resolver: .basic, constructor: ValuesDocument.noConstructor)
                    .singleRoot(), at: index)
        }
        guard let first = results.roots[0]?.mapping, let second = results.roots[1]?.mapping else {
            return try Parser(yaml: text, resolver: .basic, constructor: ValuesDocument.noConstructor).singleRoot()
        }
        let pairs = Array(first.map { ($0.key, $0.value) }) + Array(second.map { ($0.key, $0.value) })
        let keys = pairs.compactMap { $0.0.string }
        guard Set(keys).count == pairs.count else {
            return try Parser(yaml: text, resolver: .basic, constructor: ValuesDocument.noConstructor).singleRoot()
        }
        return .mapping(Node.Mapping(pairs, first.tag, first.style, first.mark))
    }

    /// A line near the middle that starts a top-level key (column 0, not a comment, list item or marker).
    static func topLevelSplit(_ bytes: [UInt8], source: SourceText) -> (offset: Int, line: Int)? {
        let middle = source.line(of: bytes.count / 2)
        for line in middle..<source.lineStarts.count {
            let start = source.lineStarts[line - 1]
            guard start < bytes.count else { return nil }
            let byte = bytes[start]
            if byte == Byte.space || byte == Byte.tab || byte == Byte.newline || byte == Byte.carriageReturn {
                continue
            }
            if Byte.indicators.contains(byte) { continue }
            return line > 1 ? (start, line) : nil
        }
        return nil
    }

    /// The document after an edit inside `cacheRegistry`: only that section is parsed again when the bytes
    /// around it are unchanged and it stands on its own; otherwise the whole file is parsed.
    public init(edited bytes: [UInt8], after previous: ValuesDocument) throws(FileError) {
        if let quick = ValuesDocument.reparsingSection(bytes, after: previous) {
            self = quick
            return
        }
        try self.init(bytes: bytes, name: previous.name)
    }

    static func reparsingSection(_ bytes: [UInt8], after previous: ValuesDocument) -> ValuesDocument? {
        guard previous.partial == nil, let pairs = previous.rootMapping.map(Array.init),
              let index = pairs.firstIndex(where: { $0.key.string == KeyPath.section }),
              let keyLine = pairs[index].key.mark?.line, pairs[index].key.mark?.column == 1 else { return nil }
        let start = previous.source.lineStarts[keyLine - 1]
        let oldEnd =
            index + 1 < pairs.count
            ? pairs[index + 1].key.mark.map { previous.source.lineStarts[$0.line - 1] } ?? previous.bytes.count
            : previous.bytes.count
        let tail = previous.bytes.count - oldEnd
        guard bytes.count >= start + tail, bytes[..<start].elementsEqual(previous.bytes[..<start]),
              bytes[(bytes.count - tail)...].elementsEqual(previous.bytes[oldEnd...]) else { return nil }
        let end = bytes.count - tail
        let section = Array(bytes[start..<end])
        guard !section.contains(0), let sectionText = String(validating: section, as: UTF8.self),
              tabIndentation(section) == nil, nestingProblem(section) == nil,
            let parsed = try? Parser(
                yaml: String(repeating: "\n", count: keyLine - 1) + sectionText, resolver: .basic,
                constructor: ValuesDocument.noConstructor
            ).singleRoot(),
              let sectionPairs = parsed.mapping, sectionPairs.count == 1, let sectionPair = sectionPairs.first,
              sectionPair.key.string == KeyPath.section, let rootMapping = previous.rootMapping else { return nil }
        var merged = pairs.map { ($0.key, $0.value) }
        merged[index] = (sectionPair.key, sectionPair.value)
        let source = SourceText(bytes)
        let oldEndLine = previous.source.line(of: max(start, oldEnd - 1)),
            newEndLine = source.line(of: max(start, end - 1))
        return ValuesDocument(name: previous.name, bytes: bytes, source: source,
            root: .mapping(Node.Mapping(merged, rootMapping.tag, rootMapping.style, rootMapping.mark)),
                              partial: (afterLine: oldEndLine, delta: newEndLine - oldEndLine))
    }

    /// The same document parsed whole (for edits outside `cacheRegistry`).
    func whole() throws(FileError) -> ValuesDocument {
        partial == nil ? self : try ValuesDocument(bytes: bytes, name: name)
    }

    /// A document as Helm and the API server read it, where a later duplicate key replaces an earlier one (the
    /// chart's templates write `app.kubernetes.io/name` twice under one `labels:`; kubectl's strict reader would
    /// refuse that, Helm passes it on). Each duplicate Yams names is dropped at its first place, then parsed again.
    public static func tolerant(bytes: [UInt8], name: String) throws(FileError) -> ValuesDocument {
        var text = bytes
        for _ in 0..<1000 {
            guard let string = String(validating: text, as: UTF8.self) else { break }
            do {
                _ = try Parser(yaml: string, resolver: .basic, constructor: ValuesDocument.noConstructor).singleRoot()
                break
            } catch YamlError.duplicatedKeysInMapping(_, let context) {
                guard let dropped = SourceText(text).droppingKey(at: context.mark.line, column: context.mark.column)
                else { break }
                text = dropped
            } catch {
                break  // the full parse below names the error
            }
        }
        return try ValuesDocument(bytes: text, name: name)
    }

    /// The whole document as a value (nil for an empty one).
    public var rootValue: Value? { root.map(convert) }

    /// Reads a file from disk, with one clear sentence for every way that can fail.
    public static func read(path: String, in fileSystem: any FileSystem) throws(FileError) -> ValuesDocument {
        try ValuesDocument(bytes: FileAccess.readFile(path, in: fileSystem), name: path)
    }

    static let maxDepth = 500

    /// The most keys and values (YAML nodes) a file may hold, or expand to through aliases: a values file of a
    /// chart holds thousands; a million is a file made to exhaust memory.
    static let nodeLimit = 500_000

    static let tooManyKeys = "holds more than \(nodeLimit) keys and values, far more than any values file; refusing "
        + "to read it (is this the right file?)"

    /// A quick look before parsing: more non-blank lines, or more `:` and `,` than twice the budget, cannot fit it.
    static func mayHoldTooManyNodes(_ bytes: [UInt8]) -> Bool {
        var lines = 0, separators = 0, blank = true
        for byte in bytes {
            switch byte {
            case Byte.newline:
                if !blank { lines += 1 }
                blank = true
            case Byte.colon, Byte.comma: separators += 1
                blank = false
            case Byte.space, Byte.carriageReturn, Byte.tab: continue
            default: blank = false
            }
        }
        return lines > nodeLimit || separators > 2 * nodeLimit
    }

    /// The first byte of invalid UTF-8.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var low = 0, high = bytes.count
        while low < high {
            let mid = (low + high) / 2
            var end = mid
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
            if String(validating: bytes[0..<end], as: UTF8.self) != nil { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

    /// A tab at the start of a line's indentation, outside block scalars (a cheap, conservative check).
    static func tabIndentation(_ bytes: [UInt8]) -> Int? {
        var atLineStart = true
        for (index, byte) in bytes.enumerated() {
            if atLineStart && byte == Byte.tab {
                // A tab followed only by a comment or blank is harmless.
                var next = index
                while next < bytes.count && (bytes[next] == Byte.tab || bytes[next] == Byte.space) { next += 1 }
                if next < bytes.count && bytes[next] != Byte.newline && bytes[next] != Byte.carriageReturn
                    && bytes[next] != Byte.hash
                {
                    return index
                }
            }
            if byte == Byte.newline { atLineStart = true } else if byte != Byte.space { atLineStart = false }
        }
        return nil
    }

    /// The offset of a line nested deeper than `maxDepth` (by flow brackets or indentation).
    static func nestingProblem(_ bytes: [UInt8]) -> Int? {
        var flowDepth = 0
        var indents: [Int] = []
        var index = 0
        while index < bytes.count {
            var indent = 0
            let lineStart = index
            while index < bytes.count && bytes[index] == Byte.space {
                indent += 1
                index += 1
            }
            let content =
                index < bytes.count && bytes[index] != Byte.newline && bytes[index] != Byte.carriageReturn
                && bytes[index] != Byte.hash
            if content && flowDepth == 0 {
                while let last = indents.last, last >= indent { indents.removeLast() }
                indents.append(indent)
                // "- - - x" nests sequences on one line
                var dashes = 0, probe = index
                while probe + 1 < bytes.count && bytes[probe] == Byte.dash && bytes[probe + 1] == Byte.space {
                    dashes += 1
                    probe += 2
                }
                if indents.count + dashes > maxDepth { return lineStart }
            }
            var quote: UInt8 = 0
            while index < bytes.count && bytes[index] != Byte.newline {
                let byte = bytes[index]
                if quote != 0 { if byte == quote { quote = 0 } }
                else if byte == Byte.doubleQuote
                    || (byte == Byte.singleQuote && index > 0 && Byte.beforeQuote.contains(bytes[index - 1]))
                {
                    quote = byte
                }
                else if byte == Byte.hash && index > 0 && bytes[index - 1] == Byte.space {
                    while index < bytes.count && bytes[index] != Byte.newline { index += 1 }
                    break
                }
                else if byte == Byte.openBracket || byte == Byte.openBrace {
                    flowDepth += 1
                    if flowDepth + indents.count > maxDepth { return lineStart }
                }
                else if byte == Byte.closeBracket || byte == Byte.closeBrace { flowDepth = max(0, flowDepth - 1) }
                index += 1
            }
            index += 1
        }
        return nil
    }

    /// The lines, from `line` on, where `key:` starts at `column` (to name every copy of a duplicate key).
    static func linesOfKey(_ key: String, column: Int, from line: Int, in text: String) -> [Int] {
        var result: [Int] = []
        for (index, content) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where index + 1 >= line {
            let body = content.dropFirst(column - 1)
            if content.prefix(column - 1).allSatisfy({ $0 == " " }),
                body.hasPrefix(key + ":") || body.hasPrefix("\"\(key)\":")
            {
                result.append(index + 1)
            }
        }
        return result
    }

    static func describe(_ error: YamlError, name: String) -> FileError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text))" } ?? ""
            return FileError(file: name, line: mark.line, column: mark.column, "\(problem)\(while_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let lines = ValuesDocument.linesOfKey(
                duplicates.first ?? "", column: context.mark.column, from: context.mark.line, in: context.text)
            let at = lines.count > 1 ? " at lines " + lines.map(String.init).joined(separator: " and ") : ""
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return FileError(file: name, line: context.mark.line, column: context.mark.column,
                                   "duplicate key \(keys) in one mapping\(at)")
        case .reader(let problem, let offset, _, _):
            return FileError(file: name, "\(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return FileError(file: name, "\(error)")
        }
    }

    // MARK: - Reading the configuration

    var rootMapping: Node.Mapping? { root?.mapping }

    /// Whether the file carries the chart's `registryTls` pair (the chart's own values file does): where generated
    /// TLS material goes. It never changes what the file means.
    public var carriesRegistryTLS: Bool { entry(at: ["registryTls"]) != nil }

    /// The configuration this file means: the chart's defaults with the file's `cacheRegistry` merged over
    /// them, as Helm reads it. Every reader (the wizard, validate, set, export, the previews) uses this.
    public func config(namespace: String = RegistryConfig.defaultNamespace,
                       release: String = RegistryConfig.defaultRelease) throws(FileError) -> RegistryConfig {
        RegistryConfig(overrides: try section(), namespace: namespace, release: release, external: external)
    }

    /// Whether the file has a `cacheRegistry` key (without one, it means the chart's defaults).
    public var hasSection: Bool { rootMapping?.value(for: KeyPath.section) != nil }

    /// Whether the file holds other components of the chart (keys besides `cacheRegistry` and `registryTls`): it is
    /// the chart's values file, installed with Helm.
    public var holdsOtherComponents: Bool {
        rootMapping?.contains { ![KeyPath.section, "registryTls"].contains($0.key.string ?? "") } ?? false
    }

    /// The `cacheRegistry` section as the file writes it (an empty mapping when the file has none).
    public func section() throws(FileError) -> Value {
        let section = rootMapping?.value(for: KeyPath.section).map(convert)
        if let section, section.entries == nil, !section.isNull {
            throw FileError(file: name, line: line(of: KeyPath([])) ?? 1, "cacheRegistry must be a mapping, not "
                + "\(section.typeName)")
        }
        return section.flatMap { $0.isNull ? nil : $0 } ?? .emptyMapping
    }

    /// The values outside `cacheRegistry` that its rules look at.
    public var external: ExternalValues {
        let hasTLS = [["registryTls", "crt"], ["registryTls", "key"]].allSatisfy {
            topLevelString($0).map { !$0.isEmpty } == true
        }
        return ExternalValues(
            toolManagerRegistryAddress: topLevelString(["toolManager", "env", "KUBIYA_IMAGE_REGISTRY_ADDRESS"]),
                              hasRegistryTLS: hasTLS)
    }

    /// A top-level string such as `registryTls.crt`.
    public func topLevelString(_ path: [String]) -> String? { entry(at: path)?.value.string }

    /// The key and value at a path of keys from the top of the file.
    func entry(at path: [String]) -> (key: Node, value: Node)? {
        var found: (key: Node, value: Node)? = nil
        var mapping = rootMapping
        for key in path {
            found = mapping?.first { $0.key.string == key }
            mapping = found?.value.mapping
        }
        return found
    }

    /// The 1-based line of a key under `cacheRegistry` (or of the section itself for an empty path).
    public func line(of path: KeyPath) -> Int? {
        guard let mapping = rootMapping, var entry = mapping.first(where: { $0.key.string == KeyPath.section }) else {
            return nil
        }
        for key in path.components {
            guard let next = entry.value.mapping?.first(where: { $0.key.string == key }) else {
                return entry.key.mark?.line
            }
            entry = next
        }
        return entry.key.mark?.line
    }

    /// Adds line numbers to problems whose path is in this file.
    public func locate(_ problems: [Problem]) -> [Problem] {
        let index = KeyLines(self)
        return problems.map { locate($0, index) }
    }

    /// One problem located with a prebuilt index of the file's keys.
    func locate(_ problem: Problem, _ index: KeyLines) -> Problem {
        guard problem.line == nil else { return problem }  // found at a line already (an address reference)
        var located = problem
        guard let components = problem.location.valuesKeys else { return problem }
        if problem.location.key != nil {
            located.line = index.nearestLine(components)
        } else {
            // Keys outside the section (toolManager.env..., registryTls.crt); settings such as `namespace` have none.
            located.line = index.line(components).map { line in
                partial.map { line > $0.afterLine ? line + $0.delta : line } ?? line
            }
        }
        return located
    }

    /// The lines of the file's keys, each mapping indexed the first time a lookup enters it, so locating many
    /// problems stays linear and a large mapping no problem points into is never indexed.
    final class KeyLines {
        struct Level {
            var lines: [String: Int] = [:]
            var children: [String: Node.Mapping] = [:]
        }
        let root: Node.Mapping?
        var levels: [[String]: Level] = [:]

        init(_ document: ValuesDocument) { root = document.rootMapping }

        func level(_ path: [String]) -> Level? {
            if let known = levels[path] { return known }
            let mapping: Node.Mapping?
            if path.isEmpty {
                mapping = root
            } else {
                mapping = level(Array(path.dropLast()))?.children[path[path.count - 1]]
            }
            guard let mapping else { return nil }
            var built = Level()
            built.lines.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard let name = key.string, built.lines[name] == nil else { continue }
                built.lines[name] = key.mark?.line
                if let child = value.mapping { built.children[name] = child }
                // A list's items as `name[0]`, as Helm's --set names them (`mirrors[1].ttl`).
                for (index, item) in (value.sequence.map(Array.init) ?? []).enumerated() {
                    built.lines["\(name)[\(index)]"] = item.mark?.line
                    if let child = item.mapping { built.children["\(name)[\(index)]"] = child }
                }
            }
            levels[path] = built
            return built
        }

        func line(_ path: [String]) -> Int? {
            guard let last = path.last else { return nil }
            return level(Array(path.dropLast()))?.lines[last]
        }

        /// The line of the key, or of its deepest ancestor in the file.
        func nearestLine(_ path: [String]) -> Int? {
            var path = path
            while !path.isEmpty {
                if let line = line(path) { return line }
                path.removeLast()
            }
            return nil
        }

        func contains(_ path: [String]) -> Bool { line(path) != nil }
    }

    /// The node budget is checked when the file is read (`NodeCount`), so converting never grows past it.
    func convert(_ node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            return .scalar(ValuesDocument.scalar(scalar))
        case .mapping(let mapping):
            // Positions by key, so a mapping of n keys converts in linear time (a later key replaces an earlier one,
            // a merge key `<<` adds only the keys not already there).
            var entries: [Entry?] = []
            var position: [String: Int] = [:]
            for (key, value) in mapping {
                let name = key.string ?? ""
                if name == "<<", value.mapping != nil || value.sequence != nil {
                    for merged in (value.sequence.map(Array.init) ?? [value]) {
                        for entry in convert(merged).entries ?? [] where position[entry.key] == nil {
                            position[entry.key] = entries.count
                            entries.append(entry)
                        }
                    }
                    continue
                }
                let converted = convert(value)
                if let earlier = position[name] { entries[earlier] = nil }
                position[name] = entries.count
                entries.append(Entry(key: name, value: converted))
            }
            return .mapping(entries.compactMap { $0 })
        case .sequence(let sequence):
            var items: [Value] = []
            for item in sequence { items.append(convert(item)) }
            return .sequence(items)
        case .alias:
            return .null
        }
    }

    /// A Yams scalar as a typed scalar: plain scalars resolve as Helm does, quoted ones are strings, tags win.
    static func scalar(_ scalar: Node.Scalar) -> Scalar {
        switch scalar.tag.description {
        case "tag:yaml.org,2002:str": return Scalar(text: scalar.string, kind: .string)
        case "tag:yaml.org,2002:int": return Scalar(text: scalar.string, kind: .int)
        case "tag:yaml.org,2002:bool": return Scalar(text: scalar.string, kind: .bool)
        case "tag:yaml.org,2002:float": return Scalar(text: scalar.string, kind: .float)
        case "tag:yaml.org,2002:null": return Scalar(text: scalar.string, kind: .null)
        default: break
        }
        return scalar.style == .plain || scalar.style == .any
            ? .plain(scalar.string) : Scalar(text: scalar.string, kind: .string)
    }
}

/// Counts a parsed file's nodes before anything walks it: those written, and those its aliases expand to. An alias
/// is the anchored node itself, met again at the same place in the file (its mark); a mapping's or list's size is
/// counted once and reused, so the count stays linear in the file.
struct NodeCount {
    var written = 0
    var sizes: [String: Int] = [:]

    static func check(_ root: Node, name: String) throws(FileError) {
        var count = NodeCount()
        let expanded = count.size(of: root)
        if count.written > ValuesDocument.nodeLimit {
            throw FileError(file: name, ValuesDocument.tooManyKeys)
        }
        if expanded > ValuesDocument.nodeLimit {
            throw FileError(file: name, "expands through its aliases (*anchor) to more than "
                + "\(ValuesDocument.nodeLimit) keys and values, though it writes only \(count.written); anchors "
                + "repeated inside each other make a file that exhausts memory, so it is not read")
        }
    }

    /// The node's size with its aliases expanded, capped well above the limit.
    mutating func size(of node: Node) -> Int {
        let key: String? = node.scalar != nil ? nil : node.mark.map {
            "\(node.mapping != nil ? "m" : "s")\($0.line):\($0.column)"
        }
        written += 1
        if let key, let known = sizes[key] { return known }
        var total = 1
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                total += size(of: key) + size(of: value)
                if total > 4 * ValuesDocument.nodeLimit || written > ValuesDocument.nodeLimit { break }
            }
        case .sequence(let sequence):
            for item in sequence {
                total += size(of: item)
                if total > 4 * ValuesDocument.nodeLimit || written > ValuesDocument.nodeLimit { break }
            }
        case .scalar, .alias: break
        }
        total = min(total, 4 * ValuesDocument.nodeLimit)
        if let key { sizes[key] = total }
        return total
    }
}

/// The bytes the quick scans above look for, by name.
enum Byte {
    static let tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"),
        space = UInt8(ascii: " ")
    static let colon = UInt8(ascii: ":"), comma = UInt8(ascii: ",")
    static let hash = UInt8(ascii: "#"), dash = UInt8(ascii: "-"), doubleQuote = UInt8(ascii: "\""),
        singleQuote = UInt8(ascii: "'")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]"), openBrace = UInt8(ascii: "{"),
        closeBrace = UInt8(ascii: "}")
    /// What starts an anchor and an alias.
    static let ampersand = UInt8(ascii: "&"), star = UInt8(ascii: "*")
    /// Characters that cannot start a plain top-level key: YAML's indicators and quotes.
    static let indicators = Set("#-.%?{[}]\"'&*!|>".utf8)
    /// What may stand before a single quote that opens a quoted scalar.
    static let beforeQuote = Set(" [{,:".utf8)
    /// Space, line feed, carriage return and tab.
    static let whitespace = Set(" \n\r\t".utf8)
    /// What ends an alias's name: white space or a flow indicator.
    static let aliasEnd = Set(" \n\r\t,]}".utf8)
}
