/// The one way a secret (a private key, the shared HTTP secret) is shown: its size, never its bytes. The preview,
/// the diffs, `tls inspect` and the YAML on screen all use it.
public enum Redaction {
    /// `<redacted: 241 bytes>`.
    public static func placeholder(byteCount: Int) -> String { "<redacted: \(byteCount) bytes>" }

    /// The placeholder for base64 text, sized by what it decodes to.
    public static func placeholder(base64 text: String) -> String {
        placeholder(byteCount: text.count / 4 * 3 - text.suffix(2).filter { $0 == "=" }.count)
    }

    /// What a line of a PEM private key shows.
    public static let pemLine = "<redacted>"
}
