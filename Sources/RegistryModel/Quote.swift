/// How messages show values a person typed: whole when short, otherwise their start, "…" and their length,
/// so a 5,000,000-digit value gives a one-line message, not a flood.
public enum Quote {
    /// The most characters of a value a message shows.
    public static let limit = 80

    /// A value in quotes: `"20Gi"`, or `"99999…" (5000002 bytes)`.
    public static func value(_ text: String) -> String {
        text.count <= limit ? "\"\(text)\"" : "\"\(text.prefix(limit))…\" (\(text.utf8.count) bytes)"
    }

    /// A value without quotes, shortened the same way.
    public static func bare(_ text: String) -> String {
        text.count <= limit ? text : "\(text.prefix(limit))… (\(text.utf8.count) bytes)"
    }

    /// A message with every overlong run of non-space characters shortened: the last guard for values that
    /// reach a message some other way.
    public static func shortening(_ message: String) -> String {
        guard message.utf8.count > limit else { return message }
        var result = ""
        var start = message.startIndex
        while start < message.endIndex {
            let end = message[start...].firstIndex(of: " ") ?? message.endIndex
            let word = message[start..<end]
            result += word.count > limit + 20 ? bare(String(word)) : String(word)
            guard end < message.endIndex else { break }
            result += " "
            start = message.index(after: end)
        }
        return result
    }

    /// Text with its control characters written as escapes (`\u{1B}`), so a crafted value in a file cannot move the
    /// cursor or set the terminal's title when a message shows it. Line breaks stay when `keepingLines`.
    public static func controls(_ text: String, keepingLines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0, keepingLines: keepingLines) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if let byte = rawByte(scalar) {
                result += byte
            } else if isControl(scalar, keepingLines: keepingLines) {
                result += scalar == "\t" ? "\\t" : scalar == "\n" ? "\\n" : scalar == "\r" ? "\\r"
                    : "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A path as messages show it: its control characters escaped.
    public static func path(_ path: String) -> String { controls(path) }

    /// A byte of a file name that is not UTF-8 (see `PathName.decoding`), shown as `\xFF`.
    static func rawByte(_ scalar: Unicode.Scalar) -> String? {
        (0x10FF00...0x10FFFF).contains(scalar.value)
            ? "\\x" + String(scalar.value - 0x10FF00, radix: 16, uppercase: true) : nil
    }

    static func isControl(_ scalar: Unicode.Scalar, keepingLines: Bool) -> Bool {
        if rawByte(scalar) != nil { return true }
        if keepingLines && scalar == "\n" { return false }
        return scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
