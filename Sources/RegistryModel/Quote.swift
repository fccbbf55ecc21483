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
}
