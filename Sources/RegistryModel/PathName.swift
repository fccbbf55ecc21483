/// File paths as text. Foundation's `deletingLastPathComponent` traps on one-character names (`a`), so every
/// folder-of and join in the program goes through these, which take paths of any shape (`a`, `./a`, `a/`, `/a`,
/// `../a`, spaces, unicode).
public enum PathName {
    /// The folder that holds `path`: `a` → `.`, `a/` → `.`, `/a` → `/`, `x/y/z` → `x/y`, `../a` → `..`,
    /// `/` → `/`.
    public static func folder(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let head = withoutTrailingSlashes(String(trimmed[..<slash]))
        return head.isEmpty ? "/" : head
    }

    /// The last component: `x/y.yaml` → `y.yaml`, `a/` → `a`, `/` → `/`.
    public static func lastComponent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        let tail = String(trimmed[trimmed.index(after: slash)...])
        return tail.isEmpty ? "/" : tail
    }

    /// `folder/name`, without doubling a slash; an empty folder gives `name`.
    public static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The path without trailing slashes, except that `/` stays `/`.
    static func withoutTrailingSlashes(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
