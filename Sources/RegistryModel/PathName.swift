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

    /// File names are bytes, and not always UTF-8 (`\xff.yaml`): such a byte travels inside a `String` as one
    /// scalar of U+10FF00...U+10FFFF, and goes back to the same byte for the system (`systemBytes`), so a file with
    /// any name is found. Messages show it as `\xFF` (`Quote.path`).
    public static func decoding<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let array = Array(bytes)
        if let text = String(validating: array, as: UTF8.self) { return text }
        var result = String.UnicodeScalarView()
        var index = 0
        while index < array.count {
            let lead = array[index]
            let length = lead < 0x80 ? 1 : (0xC2...0xDF).contains(lead) ? 2 : (0xE0...0xEF).contains(lead) ? 3
                : (0xF0...0xF4).contains(lead) ? 4 : 0
            if length > 0, index + length <= array.count,
                let text = String(validating: array[index..<(index + length)], as: UTF8.self)
            {
                result.append(contentsOf: text.unicodeScalars)
                index += length
            } else {
                result.append(Unicode.Scalar(0x10FF00 + UInt32(lead))!)
                index += 1
            }
        }
        return String(result)
    }

    /// A path as the system takes it: its bytes, the escapes of `decoding` back to the bytes they stand for, and a
    /// closing NUL.
    public static func systemBytes(_ path: String) -> [CChar] {
        var bytes: [CChar] = []
        bytes.reserveCapacity(path.utf8.count + 1)
        for scalar in path.unicodeScalars {
            if (0x10FF00...0x10FFFF).contains(scalar.value) {
                bytes.append(CChar(bitPattern: UInt8(scalar.value - 0x10FF00)))
            } else {
                bytes += String(scalar).utf8.map { CChar(bitPattern: $0) }
            }
        }
        return bytes + [0]
    }

    /// The path without trailing slashes, except that `/` stays `/`.
    static func withoutTrailingSlashes(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
