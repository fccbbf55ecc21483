/// A dotted path of keys under `cacheRegistry` (`pv.size`); `\.` escapes a dot inside a key.
public struct KeyPath: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var components: [String]

    public init(_ components: [String]) { self.components = components }

    /// The values file's section every `KeyPath` is under.
    public static let section = "cacheRegistry"

    /// Parses a key as a person gives it, under the section with or without its name (`pv.size`,
    /// `cacheRegistry.pv.size`).
    public init?(underSection text: String) {
        let prefix = KeyPath.section + "."
        self.init(parsing: text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
    }

    /// Parses `a.b\.c` into `["a", "b.c"]`; nil for an empty path or an empty component.
    public init?(parsing text: String) {
        var parts: [String] = []
        var current = ""
        var escaping = false
        for character in text {
            if escaping {
                current.append(character)
                escaping = false
                continue
            }
            if character == "\\" {
                escaping = true
                continue
            }
            if character == "." {
                parts.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        if escaping { current.append("\\") }
        parts.append(current)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        components = parts
    }

    /// The path as written in values and messages, dots inside keys escaped.
    public var description: String {
        components.map { $0.replacing(".", with: "\\.") }.joined(separator: ".")
    }

    public var parent: KeyPath { KeyPath(Array(components.dropLast())) }
    /// The components with a list item's index as a step of its own (`mirrors[1]` is `mirrors`, `[1]`), so that
    /// `mirrors` holds `mirrors[1].ttl`.
    public var steps: [String] {
        components.flatMap { component -> [String] in
            guard component.hasSuffix("]"), let open = component.firstIndex(of: "["), open > component.startIndex
            else { return [component] }
            return [String(component[..<open]), String(component[open...])]
        }
    }
    public var last: String { components.last ?? "" }
    public func appending(_ key: String) -> KeyPath { KeyPath(components + [key]) }
    public func hasPrefix(_ other: KeyPath) -> Bool { components.starts(with: other.components) }
    public static func < (lhs: KeyPath, rhs: KeyPath) -> Bool { lhs.description < rhs.description }
}

extension KeyPath: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value.split(separator: ".").map(String.init)) }
}
