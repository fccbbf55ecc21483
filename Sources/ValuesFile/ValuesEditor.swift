import RegistryModel
import Yams

/// Applies assignments to a values file's text with the smallest diff: only the touched scalars or
/// key lines change; comments, quoting, blank lines, line endings and a missing final newline stay.
public enum ValuesEditor {
    /// Sets a key outside `cacheRegistry` (such as `registryTls.crt`), keeping everything else byte for byte.
    public static func setTopLevel(
        _ components: [String], to value: Value, in document: ValuesDocument
    ) throws(FileError) -> ValuesDocument {
        let whole = try document.whole()
        return try ValuesDocument(
            bytes: try TextEdit(whole).set(components: components, to: value), name: document.name)
    }

    /// The document with `registryTls.crt` and `registryTls.key` set to a PEM pair (base64, as the chart reads them).
    public static func settingRegistryTLS(
        certificatePEM: String, keyPEM: String, in document: ValuesDocument
    ) throws(FileError) -> ValuesDocument {
        let crt = setTopLevelBase64(["registryTls", "crt"], certificatePEM)
        let key = setTopLevelBase64(["registryTls", "key"], keyPEM)
        return try setTopLevel(key.path, to: key.value, in: try setTopLevel(crt.path, to: crt.value, in: document))
    }

    static func setTopLevelBase64(_ path: [String], _ text: String) -> (path: [String], value: Value) {
        (path, .string(Base64.encode(Array(text.utf8))))
    }

    /// The document after all assignments; a no-op assignment leaves the bytes identical.
    public static func apply(
        _ assignments: [Assignment], to document: ValuesDocument
    ) throws(FileError) -> ValuesDocument {
        var current = document
        for assignment in assignments {
            let itemEdits = try TextEdit(current).itemEdits(assignment)
            for edit in itemEdits?.keys ?? [] {
                let components = [KeyPath.section] + edit.components
                let bytes: [UInt8]
                if let value = edit.value {
                    bytes = try TextEdit(current).set(components: components, to: value)
                } else {
                    bytes = try TextEdit(current).remove(components: components)
                }
                current = try ValuesDocument(edited: bytes, after: current)
            }
            if let appended = itemEdits?.appended, !appended.isEmpty,
                let bytes = try TextEdit(current).appending(appended, toListAt: assignment.path)
            {
                current = try ValuesDocument(edited: bytes, after: current)
                continue
            }
            if let itemEdits, itemEdits.appended.isEmpty { continue }
            let bytes: [UInt8]
            if assignment.value.isNull && !RegistryConfig.needsExplicitNull(assignment.path) {
                bytes = try TextEdit(current).remove(assignment.path)
            } else {
                bytes = try TextEdit(current).set(assignment.path, to: assignment.value)
            }
            current = try ValuesDocument(edited: bytes, after: current)
        }
        return current
    }
}

/// One edit on one parse of a document.
struct TextEdit {
    let document: ValuesDocument
    let source: SourceText
    var bytes: [UInt8] { source.bytes }

    /// How new strings are quoted: as most of the file's strings are.
    let quoting: Node.Scalar.Style

    init(_ document: ValuesDocument) {
        self.document = document
        self.source = document.source
        self.quoting = YAMLText.quoting(of: document.root)
    }

    /// A key and its value as found in the text.
    struct Slot {
        let key: Node
        let value: Node
        let keyOffset: Int
        /// Just after the `:` that ends the key.
        let colonEnd: Int
        /// Where the value's content starts (after `&anchor`/`!tag`; the `*` of an alias).
        let valueStart: Int
        let valueEnd: Int
        let isAlias: Bool
        let keyIndent: Int
        var isEmptyValue: Bool { valueStart == valueEnd && !isAlias }
    }

    // MARK: Operations

    func set(_ path: KeyPath, to value: Value) throws(FileError) -> [UInt8] {
        try set(components: [KeyPath.section] + path.components, to: value)
    }

    func set(components: [String], to value: Value) throws(FileError) -> [UInt8] {
        guard let root = document.root, root.mapping != nil else {
            return appendSection(components, value)
        }
        try refuseSharedNodes(components)
        var mapping = root
        var mappingStart = offset(root.mark)
        var slot: Slot? = nil
        for (depth, key) in components.enumerated() {
            guard mapping.mapping != nil else { break }
            if let item = try listItem(key, in: mapping, at: mappingStart) {
                (mapping, mappingStart, slot) = (item.node, item.start, nil)
                continue
            }
            guard let found = try findSlot(key, in: mapping, at: mappingStart) else {
                if depth == 0 && !(mappingStart < bytes.count && bytes[mappingStart] == UInt8(ascii: "{")) {
                    return try addSection(components, value, to: root)
                }
                return try insert(Array(components[depth...]), value, into: mapping, at: mappingStart, parentSlot: slot)
            }
            slot = found
            if depth == components.count - 1 { return try replace(found, with: value) }
            if found.isAlias || found.value.mapping == nil {
                // A scalar, list or alias where a mapping is needed: the rest of the path replaces it.
                return try replace(found, with: nestedValue(Array(components[(depth + 1)...]), value))
            }
            mapping = found.value
            mappingStart = found.valueStart
        }
        return bytes
    }

    func remove(_ path: KeyPath) throws(FileError) -> [UInt8] {
        try remove(components: [KeyPath.section] + path.components)
    }

    func remove(components: [String]) throws(FileError) -> [UInt8] {
        guard let root = document.root, root.mapping != nil else { return bytes }
        try refuseSharedNodes(components)
        var mapping = root
        var mappingStart = offset(root.mark)
        var parent: Slot? = nil
        for (depth, key) in components.enumerated() {
            if let item = try listItem(key, in: mapping, at: mappingStart) {
                (mapping, mappingStart, parent) = (item.node, item.start, nil)
                continue
            }
            guard mapping.mapping != nil, let found = try findSlot(key, in: mapping, at: mappingStart) else {
                return bytes
            }
            if depth == components.count - 1 {
                let siblings = mapping.mapping?.count ?? 0
                if source.bytes[mappingStart] == UInt8(ascii: "{") {
                    return removeFromFlow(found, mappingStart: mappingStart)
                }
                if siblings == 1, let parent { return try replace(parent, with: .emptyMapping) }
                var start = source.lineStart(of: found.keyOffset)
                var end = source.nextLineStart(after: max(found.valueEnd - 1, found.colonEnd))
                if end == bytes.count && !source.endsWithNewline && start > 0 {
                    start -= 1
                    if start > 0 && bytes[start - 1] == Byte.carriageReturn { start -= 1 }
                    end = bytes.count
                }
                return splice(start..<end, "")
            }
            if found.isAlias { return bytes }
            parent = found
            mapping = found.value
            mappingStart = found.valueStart
        }
        return bytes
    }

    /// A list set whole whose items stay mappings, at least as many as the file has (`set 'mirrors[1].ttl=72h'`
    /// gives Helm's whole list): the changed keys of each item, and the items to append to a block list, so the
    /// other items, their comments and their style stay as written. nil when the list is not such a list in the
    /// file (then it is replaced whole); a nil value removes.
    func itemEdits(_ assignment: Assignment) throws(FileError)
        -> (keys: [(components: [String], value: Value?)], appended: [Value])?
    {
        guard let new = assignment.value.items, let old = try document.section().value(at: assignment.path)?.items,
              !old.isEmpty, old.count <= new.count,
              zip(old, new).allSatisfy({ $0.entries != nil && $1.entries != nil }),
              let (list, items) = try listSlot(assignment.path),
              old.count == new.count || bytes[list.valueStart] != Byte.openBracket
        else { return nil }
        let last = assignment.path.last
        let parent = Array(assignment.path.components.dropLast())
        var edits: [(components: [String], value: Value?)] = []
        for (index, pair) in zip(old, new).enumerated() {
            let changes = Self.changes(from: pair.0, to: pair.1, at: parent + ["\(last)[\(index)]"])
            // The first key of a block item stands on the `- ` line: removing that line would end the item, so
            // such a list is replaced whole.
            let first = items[index].mapping?.first?.key.string
            let isBlock = bytes[offset(items[index].mark)] != Byte.openBrace
            if isBlock, changes.contains(where: { $0.value == nil && $0.components.count == parent.count + 2
                && $0.components.last == first })
            {
                return nil
            }
            edits += changes
        }
        return (edits, Array(new[old.count...]))
    }

    /// A block list's slot and items, when the file has it outside any alias, anchor or merge, its items mappings.
    func listSlot(_ path: KeyPath) throws(FileError) -> (slot: Slot, items: [Node])? {
        let components = [KeyPath.section] + path.components
        try refuseSharedNodes(components)
        var mapping = document.root
        var start = offset(document.root?.mark)
        for key in components.dropLast() {
            guard let node = mapping, let found = try findSlot(key, in: node, at: start), !found.isAlias else {
                return nil
            }
            (mapping, start) = (found.value, found.valueStart)
        }
        guard let node = mapping, let list = try findSlot(path.last, in: node, at: start), !list.isAlias,
              let items = list.value.sequence.map(Array.init), items.allSatisfy({ $0.mapping != nil }),
              !bytes[list.valueStart..<list.valueEnd].contains(where: { $0 == Byte.ampersand || $0 == Byte.star })
        else { return nil }
        return (list, items)
    }

    /// New items after the last one of a block list, each `- ` where the file's items have theirs; nil when the
    /// dash of the first item cannot be found on its line (the list is then replaced whole).
    func appending(_ values: [Value], toListAt path: KeyPath) throws(FileError) -> [UInt8]? {
        guard let (list, items) = try listSlot(path), let first = items.first else { return nil }
        var dash = offset(first.mark) - 1
        while dash > list.valueStart && bytes[dash] == Byte.space { dash -= 1 }
        guard dash >= 0, bytes[dash] == Byte.dash else { return nil }
        let block = YAMLText.block(.sequence(values), indent: String(repeating: " ", count: source.column(of: dash)),
                                   unit: indentUnit, lineBreak: source.lineBreak, quoting: quoting)
        let insertAt = source.nextLineStart(after: max(list.valueEnd - 1, list.colonEnd))
        if insertAt == bytes.count && !source.endsWithNewline {
            return splice(insertAt..<insertAt, source.lineBreak + block.dropLast(source.lineBreak.count))
        }
        return splice(insertAt..<insertAt, block)
    }

    /// The keys that differ between two mappings, deepest first where both sides are mappings.
    static func changes(from old: Value, to new: Value, at components: [String])
        -> [(components: [String], value: Value?)]
    {
        guard old != new else { return [] }
        guard let oldEntries = old.entries, let newEntries = new.entries, !newEntries.isEmpty else {
            return [(components, new.isNull ? nil : new)]
        }
        var result: [(components: [String], value: Value?)] = []
        for entry in newEntries {
            if let previous = old[entry.key] {
                result += changes(from: previous, to: entry.value, at: components + [entry.key])
            } else if !entry.value.isNull {
                result.append((components + [entry.key], entry.value))
            }
        }
        for entry in oldEntries where new[entry.key] == nil { result.append((components + [entry.key], nil)) }
        return result
    }

    /// The mapping of a list's item for a path component `name[index]`, when the file has that list (not through
    /// an alias) and that item is a mapping.
    func listItem(_ key: String, in mapping: Node, at mappingStart: Int) throws(FileError)
        -> (node: Node, start: Int)?
    {
        guard key.hasSuffix("]"), let open = key.lastIndex(of: "["), open > key.startIndex,
              let index = Int(key[key.index(after: open)..<key.index(before: key.endIndex)]),
              let found = try findSlot(String(key[..<open]), in: mapping, at: mappingStart), !found.isAlias,
              let items = found.value.sequence.map(Array.init), items.indices.contains(index),
              items[index].mapping != nil
        else { return nil }
        let item = items[index]
        return (item, offset(item.mark))
    }

    // MARK: Finding spans

    func offset(_ mark: Mark?) -> Int {
        guard let mark else { return 0 }
        return source.offset(line: mark.line, column: mark.column)
    }

    func findSlot(_ key: String, in mapping: Node, at mappingStart: Int) throws(FileError) -> Slot? {
        guard let pairs = mapping.mapping else { return nil }
        let inFlow = mappingStart < bytes.count && bytes[mappingStart] == UInt8(ascii: "{")
        guard let pair = pairs.reversed().first(where: { $0.key.string == key }) else { return nil }
        return try slot(for: pair.key, pair.value, inFlow: inFlow)
    }

    func slot(for key: Node, _ value: Node, inFlow: Bool) throws(FileError) -> Slot {
        let keyOffset = skipProperties(offset(key.mark))
        let keyEnd = scalarEnd(keyOffset, style: key.scalar?.style ?? .plain, inFlow: inFlow, keyIndent: 0)
        var colon = keyEnd
        while colon < bytes.count && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
        let colonEnd = min(colon + 1, bytes.count)
        let keyIndent = source.indentation(ofLineAt: keyOffset)
        let rawValue = offset(value.mark)
        let isAlias = rawValue < keyOffset
        var start: Int
        var end: Int
        if isAlias {
            start = colonEnd
            while start < bytes.count && bytes[start] != UInt8(ascii: "*") { start += 1 }
            end = aliasEnd(start)
        } else if let scalar = value.scalar, scalar.style == .plain, scalar.string.isEmpty,
            scalar.tag.description.isEmpty
        {
            start = colonEnd
            end = colonEnd
        } else {
            start = skipProperties(max(rawValue, colonEnd))
            end = try nodeEnd(value, start: start, inFlow: inFlow, keyIndent: keyIndent)
        }
        return Slot(key: key, value: value, keyOffset: keyOffset, colonEnd: colonEnd, valueStart: start, valueEnd: end,
                    isAlias: isAlias, keyIndent: keyIndent)
    }

    /// An edit through an alias (`pv: *b`), inside a mapping that takes keys from a merge key (`<<: *x`), or of a
    /// node whose anchor other keys use would change what those other places mean (or silently drop what the alias
    /// brought in): refused with the line, and nothing is written.
    func refuseSharedNodes(_ components: [String]) throws(FileError) {
        guard let root = document.root else { return }
        var mapping = root
        var mappingStart = offset(root.mark)
        for (depth, key) in components.enumerated() {
            guard let pairs = mapping.mapping else { return }
            let shown = components.prefix(depth + 1).joined(separator: ".")
            if let merge = pairs.first(where: { $0.key.string == "<<" }) {
                let line = merge.key.mark?.line ?? 1
                let holder = depth == 0 ? "the top level" : components.prefix(depth).joined(separator: ".")
                throw FileError(file: document.name, line: line, "\(holder) takes keys from the merge key (<<) "
                    + "at line \(line); setting \(components.joined(separator: ".")) there would change what the "
                    + "other users of that anchor mean, or drop what the merge brings in; nothing was written: write "
                    + "the keys out in full there first")
            }
            guard let found = try findSlot(key, in: mapping, at: mappingStart) else { return }
            let line = found.key.mark?.line ?? 1
            if found.isAlias && depth < components.count - 1 {
                let name = String(decoding: bytes[found.valueStart..<found.valueEnd], as: UTF8.self)
                throw FileError(file: document.name, line: line, "\(shown) is the alias \(name) at line \(line); "
                    + "setting \(components.joined(separator: ".")) "
                    + "through it would change what the other users of the anchor mean, or drop what it brings in; "
                    + "nothing was written: write the value out in full there first")
            }
            if !found.isAlias, let anchor = anchorName(between: found.colonEnd, and: found.valueStart),
                isAliased(anchor)
            {
                throw FileError(file: document.name, line: line, "\(shown) holds the anchor &\(anchor) (line "
                    + "\(line)) that other keys use through *\(anchor); editing it would change what they mean too; "
                    + "nothing was written: give those keys their own values first")
            }
            mapping = found.value
            mappingStart = found.valueStart
        }
    }

    /// The name of an anchor (`&name`) written before a value, between its key's colon and its content.
    func anchorName(between start: Int, and end: Int) -> String? {
        guard start < end, let ampersand = bytes[start..<end].firstIndex(of: UInt8(ascii: "&")) else { return nil }
        let name = bytes[(ampersand + 1)..<end].prefix { !Byte.aliasEnd.contains($0) }
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
    }

    /// Whether `*name` appears in the file as an alias.
    func isAliased(_ anchor: String) -> Bool {
        let needle = Array(("*" + anchor).utf8)
        var index = 0
        while let found = bytes[index...].firstRange(of: needle) {
            let after = found.upperBound
            if after >= bytes.count || Byte.aliasEnd.contains(bytes[after]) { return true }
            index = found.lowerBound + 1
        }
        return false
    }

    func skipProperties(_ start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == UInt8(ascii: "&") || bytes[index] == UInt8(ascii: "!") {
            while index < bytes.count && !Byte.whitespace.contains(bytes[index]) { index += 1 }
            while index < bytes.count && Byte.whitespace.contains(bytes[index]) { index += 1 }
        }
        return index
    }

    func aliasEnd(_ start: Int) -> Int {
        var index = start + 1
        while index < bytes.count && !Byte.aliasEnd.contains(bytes[index]) { index += 1 }
        return index
    }

    /// Where a node's text ends.
    func nodeEnd(_ node: Node, start: Int, inFlow: Bool, keyIndent: Int) throws(FileError) -> Int {
        if start < bytes.count && (bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "["))
            && node.scalar == nil
        {
            return flowEnd(start)
        }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain && scalar.string.isEmpty { return start }
            let end = scalarEnd(start, style: scalar.style, inFlow: inFlow, keyIndent: keyIndent)
            if scalar.style == .plain && !inFlow {
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                if text != scalar.string && !(scalar.string.isEmpty) {
                    throw FileError(file: document.name, line: source.line(of: start), "a value written over "
                        + "several lines cannot be edited in place; put it on one line first")
                }
            }
            return end
        case .mapping(let mapping):
            guard let last = mapping.reversed().first else { return start }
            let lastSlot = try slot(for: last.key, last.value, inFlow: false)
            return max(lastSlot.valueEnd, lastSlot.colonEnd)
        case .sequence(let sequence):
            var position = start
            for item in sequence {
                let itemStart = offset(item.mark)
                if itemStart < position {
                    var star = position
                    while star < bytes.count && bytes[star] != UInt8(ascii: "*") { star += 1 }
                    position = aliasEnd(star)
                } else {
                    let contentStart = skipProperties(itemStart)
                    position = try nodeEnd(
                        item, start: contentStart, inFlow: false, keyIndent: source.indentation(ofLineAt: itemStart))
                }
            }
            return position
        case .alias:
            return aliasEnd(start)
        }
    }

    /// The end of a scalar's text in its style.
    func scalarEnd(_ start: Int, style: Node.Scalar.Style, inFlow: Bool, keyIndent: Int) -> Int {
        var index = start
        switch style {
        case .doubleQuoted:
            index += 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if bytes[index] == UInt8(ascii: "\"") { return index + 1 }
                index += 1
            }
            return bytes.count
        case .singleQuoted:
            index += 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "'") {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "'") {
                        index += 2
                        continue
                    }
                    return index + 1
                }
                index += 1
            }
            return bytes.count
        case .literal, .folded:
            // The header (`|`, `>-`, `|+`, `|2`) says whether trailing empty lines are content (keep, `+`)
            // and may fix the content indentation; otherwise the first non-empty line sets it.
            var end = source.lineEnd(of: start)
            let header = bytes[start..<end].prefix { $0 != Byte.hash }
            let keep = header.contains(UInt8(ascii: "+"))
            var contentIndent = header.first { (49...57).contains($0) }.map { keyIndent + Int($0 - 48) }
            var line = source.nextLineStart(after: start)
            while line < bytes.count {
                let indent = source.indentation(ofLineAt: line)
                let lineEnd = source.lineEnd(of: line)
                let blank = line + indent >= lineEnd
                if !blank && indent <= keyIndent { break }
                if !blank {
                    if contentIndent == nil { contentIndent = indent }
                    end = lineEnd
                } else if let contentIndent, indent > contentIndent {
                    end = lineEnd  // a line of spaces beyond the indentation: its extra spaces are content
                } else if keep {
                    end = line == lineEnd ? source.nextLineStart(after: line) : lineEnd  // kept empty lines are content
                }
                line = source.nextLineStart(after: line)
                if line == lineEnd { break }
            }
            return end
        default:
            var end = start
            while index < bytes.count && bytes[index] != Byte.newline && bytes[index] != Byte.carriageReturn {
                let byte = bytes[index]
                if byte == Byte.hash, index > start, [Byte.space, Byte.tab].contains(bytes[index - 1]) { break }
                if inFlow && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) {
                    break
                }
                if byte == UInt8(ascii: ":") && (index + 1 == bytes.count || [32, 9, 10, 13].contains(bytes[index + 1])
                    || (inFlow && [44, 93, 125].contains(bytes[index + 1]))) { break }
                if byte != Byte.space && byte != Byte.tab { end = index + 1 }
                index += 1
            }
            return end
        }
    }

    /// The offset after the bracket that closes the flow collection at `start`.
    func flowEnd(_ start: Int) -> Int {
        var depth = 0
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index = scalarEnd(index, style: .doubleQuoted, inFlow: true, keyIndent: 0)
                continue
            }
            if byte == UInt8(ascii: "'") {
                index = scalarEnd(index, style: .singleQuoted, inFlow: true, keyIndent: 0)
                continue
            }
            if byte == Byte.hash && index > 0 && (bytes[index - 1] == Byte.space || bytes[index - 1] == Byte.newline) {
                while index < bytes.count && bytes[index] != Byte.newline { index += 1 }
                continue
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return index + 1 }
            }
            index += 1
        }
        return bytes.count
    }

    // MARK: Changing text

    func splice(_ range: Range<Int>, _ text: String) -> [UInt8] {
        var result = bytes
        result.replaceSubrange(range, with: Array(text.utf8))
        return result
    }

    /// The indentation step of the file (the first indented key's indentation), 2 when none.
    var indentUnit: Int {
        for start in source.lineStarts {
            var index = start, count = 0
            while index < bytes.count && bytes[index] == Byte.space {
                index += 1
                count += 1
            }
            if count > 0 && index < bytes.count && ![10, 13, 35].contains(bytes[index]) { return count }
        }
        return 2
    }

    func replace(_ slot: Slot, with value: Value) throws(FileError) -> [UInt8] {
        let inFlow = slot.keyOffset > 0 && isInsideFlow(slot.keyOffset)
        if case .scalar(let scalar) = value {
            // A value keeps its own quoting; an empty or null one takes the file's.
            let old = slot.value.scalar
            let hadNoValue = old.map { $0.style == .plain && Scalar.resolveKind(ofPlain: $0.string) == .null } ?? true
            let style = slot.isAlias ? Node.Scalar.Style.plain : hadNoValue ? quoting : old?.style ?? .plain
            let text = YAMLText.scalar(scalar, preferring: style, inFlow: inFlow)
            if slot.isEmptyValue || slot.value.scalar == nil || style == .literal || style == .folded {
                return splice(slot.colonEnd..<valueEndForReplacement(slot), " " + text)
            }
            return splice(slot.valueStart..<slot.valueEnd, text)
        }
        let rendered: String
        if inFlow || value.entries?.isEmpty == true || value.items?.isEmpty == true {
            rendered = " " + YAMLText.flow(value, quoting: quoting)
        } else {
            let childIndent = String(repeating: " ", count: slot.keyIndent + indentUnit)
            rendered =
                source.lineBreak
                + YAMLText.block(
                    value, indent: childIndent, unit: indentUnit, lineBreak: source.lineBreak, quoting: quoting)
                .dropLast(source.lineBreak.count)
        }
        return splice(slot.colonEnd..<valueEndForReplacement(slot), rendered)
    }

    /// For block collections the replaced text runs to the end of their last line, keeping what follows.
    func valueEndForReplacement(_ slot: Slot) -> Int {
        slot.isEmptyValue
            ? source.lineEnd(of: slot.colonEnd) == slot.colonEnd ? slot.colonEnd : trailingSpaceEnd(slot.colonEnd)
            : slot.valueEnd
    }

    func trailingSpaceEnd(_ start: Int) -> Int {
        var index = start
        while index < bytes.count && bytes[index] == Byte.space { index += 1 }
        return index < bytes.count && bytes[index] == Byte.hash ? start : index
    }

    func isInsideFlow(_ offset: Int) -> Bool {
        // A key is inside a flow collection when an unclosed { or [ precedes it on its logical line.
        var depth = 0
        var index = source.lineStart(of: offset)
        while index < offset {
            if bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") { depth += 1 }
            if bytes[index] == UInt8(ascii: "}") || bytes[index] == UInt8(ascii: "]") { depth -= 1 }
            index += 1
        }
        return depth > 0
    }

    func nestedValue(_ keys: [String], _ value: Value) -> Value {
        keys.reversed().reduce(value) { inner, key in .mapping([Entry(key: key, value: inner)]) }
    }

    func insert(
        _ keys: [String], _ value: Value, into mapping: Node, at mappingStart: Int, parentSlot: Slot?
    ) throws(FileError) -> [UInt8] {
        let nested = nestedValue(Array(keys.dropFirst()), value)
        let entry = Value.mapping([Entry(key: keys[0], value: nested)])
        if mappingStart < bytes.count && bytes[mappingStart] == UInt8(ascii: "{") {
            let end = flowEnd(mappingStart)
            let isEmpty = mapping.mapping?.isEmpty ?? true
            if isEmpty, let parentSlot, !isInsideFlow(parentSlot.keyOffset) {
                return try replace(parentSlot, with: entry)
            }
            let text = (isEmpty ? "" : ", ") + YAMLText.flowEntries(entry, quoting: quoting)
            var close = end - 1
            while close > mappingStart + 1 && bytes[close - 1] == Byte.space { close -= 1 }
            return splice(close..<close, text)
        }
        guard let last = mapping.mapping?.reversed().first else { return bytes }
        let lastSlot = try slot(for: last.key, last.value, inFlow: false)
        let indentText = String(repeating: " ", count: keyIndent(of: mapping))
        let block = YAMLText.block(
            entry, indent: indentText, unit: indentUnit, lineBreak: source.lineBreak, quoting: quoting)
        let end = max(lastSlot.valueEnd, lastSlot.colonEnd)
        let insertAt = source.nextLineStart(after: max(end - 1, lastSlot.colonEnd))
        if insertAt == bytes.count && !source.endsWithNewline {
            return splice(insertAt..<insertAt, source.lineBreak + block.dropLast(source.lineBreak.count))
        }
        return splice(insertAt..<insertAt, block)
    }

    /// The column (0-based) where a block mapping's keys start; an explicit key (`? a`) starts at its `?`.
    func keyIndent(of mapping: Node) -> Int {
        guard let firstKey = mapping.mapping?.first?.key, let mark = firstKey.mark else { return 0 }
        var index = offset(mark)
        while index > 0 && bytes[index - 1] == Byte.space { index -= 1 }
        if index > 0 && bytes[index - 1] == UInt8(ascii: "?") { return source.column(of: index - 1) }
        return mark.column - 1
    }

    /// A file without the section gets it appended, so every byte before stays as it was. When the file ends
    /// inside a block scalar with no final newline, the line break an append needs would become part of that
    /// value, so the section goes just before the last key instead.
    func addSection(_ components: [String], _ value: Value, to root: Node) throws(FileError) -> [UInt8] {
        let indent = keyIndent(of: root)
        if !source.endsWithNewline, let last = root.mapping?.reversed().first,
           let style = last.value.scalar?.style, style == .literal || style == .folded {
            let lastSlot = try slot(for: last.key, last.value, inFlow: false)
            if lastSlot.valueEnd >= bytes.count {
                let block = YAMLText.block(
                    nestedValue(components, value), indent: String(repeating: " ", count: indent), unit: indentUnit,
                    lineBreak: source.lineBreak, quoting: quoting)
                let at = source.lineStart(of: lastSlot.keyOffset)
                return splice(at..<at, block)
            }
        }
        return appendSection(components, value, indent: indent)
    }

    /// Appends the section at the end of the file (before a closing `...` marker), at the top level's indentation.
    func appendSection(_ components: [String], _ value: Value, indent: Int = 0) -> [UInt8] {
        let block = YAMLText.block(
            nestedValue(components, value), indent: String(repeating: " ", count: indent), unit: indentUnit,
            lineBreak: source.lineBreak, quoting: quoting)
        if bytes.isEmpty { return Array(block.utf8) }
        if let marker = documentEndMarker() { return splice(marker..<marker, block) }
        if !source.endsWithNewline {
            return splice(bytes.count..<bytes.count, source.lineBreak + block.dropLast(source.lineBreak.count))
        }
        return splice(bytes.count..<bytes.count, block)
    }

    /// The start of a `...` line that ends the document, when only blank lines and comments follow it.
    func documentEndMarker() -> Int? {
        var line = source.lineStart(of: max(0, bytes.count - 1))
        while true {
            let end = source.lineEnd(of: line)
            let text = bytes[line..<end]
            let content = text.prefix { $0 != Byte.hash }.filter { $0 != Byte.space && $0 != Byte.carriageReturn }
            if content.elementsEqual(Array("...".utf8)) { return line }
            if !content.isEmpty || line == 0 { return nil }
            line = source.lineStart(of: line - 1)
        }
    }

    func removeFromFlow(_ slot: Slot, mappingStart: Int) -> [UInt8] {
        var start = slot.keyOffset
        var end = max(slot.valueEnd, slot.colonEnd)
        var after = end
        while after < bytes.count && bytes[after] == Byte.space { after += 1 }
        if after < bytes.count && bytes[after] == UInt8(ascii: ",") {
            end = after + 1
            while end < bytes.count && bytes[end] == Byte.space { end += 1 }
        } else {
            var before = start
            while before > mappingStart + 1 && bytes[before - 1] == Byte.space { before -= 1 }
            if before > mappingStart + 1 && bytes[before - 1] == UInt8(ascii: ",") { start = before - 1 }
        }
        return splice(start..<end, "")
    }
}
