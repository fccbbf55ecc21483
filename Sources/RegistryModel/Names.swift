/// The name grammars Kubernetes enforces, checked by hand (these run on every keystroke).
public enum Names {
    // By the ASCII byte: Character's isLetter and isNumber consult Unicode's tables, which a 100k-label check feels.
    static func isLowerAlnum(_ c: Character) -> Bool {
        c.asciiValue.map { (97...122).contains($0) || (48...57).contains($0) } ?? false
    }
    static func isAlnum(_ c: Character) -> Bool {
        c.asciiValue.map { (97...122).contains($0) || (65...90).contains($0) || (48...57).contains($0) } ?? false
    }

    /// Whether text is non-empty and its first and last characters pass a test.
    static func bookended<S: StringProtocol>(_ text: S, by test: (Character) -> Bool) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        return test(first) && test(last)
    }

    /// Why a name breaks its grammar, or nil when it is valid: a DNS-1123 label (≤ 63).
    public static func dns1123LabelProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > 63 { return "must be at most 63 characters (has \(name.count))" }
        if !name.allSatisfy({ isLowerAlnum($0) || $0 == "-" }) {
            return "must contain only lower-case letters, digits and '-'"
        }
        if !bookended(name, by: isLowerAlnum) { return "must start and end with a lower-case letter or digit" }
        return nil
    }

    /// The port a URL names, else 443 for https and 80 for http.
    public static func port(ofURL url: String) -> Int {
        let authority = url.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) {
            return port
        }
        return url.hasPrefix("http://") ? 80 : 443
    }

    /// An S3 bucket name by S3's naming rules for general purpose buckets.
    public static func bucketNameProblem(_ name: String) -> String? {
        if name.count < 3 || name.count > 63 { return "must be 3 to 63 characters (has \(name.count))" }
        if !name.allSatisfy({ isLowerAlnum($0) || $0 == "-" || $0 == "." }) {
            return "must hold only lower-case letters, digits, dots and hyphens"
        }
        if !isLowerAlnum(name.first!) || !isLowerAlnum(name.last!) {
            return "must start and end with a letter or a digit"
        }
        if name.contains("..") { return "must not hold two dots in a row" }
        if ipv4Problem(name) == nil { return "must not be written as an IP address" }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) {
            return "must not start with \(prefix) (reserved by S3)"
        }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] where name.hasSuffix(suffix) {
            return "must not end with \(suffix) (reserved by S3)"
        }
        return nil
    }

    /// A DNS-1123 subdomain: dot-separated labels, ≤ 253.
    public static func dns1123SubdomainProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > 253 { return "must be at most 253 characters (has \(name.count))" }
        if !name.allSatisfy({ isLowerAlnum($0) || $0 == "-" || $0 == "." }) {
            return "must contain only lower-case letters, digits, '-' and '.'"
        }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if !bookended(label, by: isLowerAlnum) {
                return "must start and end with a lower-case letter or digit, also around each '.'"
            }
        }
        return nil
    }

    /// A DNS-1035 label: a DNS-1123 label that starts with a letter.
    public static func dns1035LabelProblem(_ name: String) -> String? {
        if let problem = dns1123LabelProblem(name) { return problem }
        if !(name.first.map { $0.isASCII && $0.isLetter } ?? false) { return "must start with a lower-case letter" }
        return nil
    }

    /// A label value: ≤ 63, alphanumerics with `-_.` inside.
    public static func labelValueProblem(_ value: String, allowEmpty: Bool = true) -> String? {
        if value.isEmpty { return allowEmpty ? nil : "must not be empty" }
        if value.count > 63 { return "must be at most 63 characters (has \(value.count))" }
        if !value.allSatisfy({ isAlnum($0) || $0 == "-" || $0 == "_" || $0 == "." }) {
            return "must contain only letters, digits, '-', '_' and '.'"
        }
        if !bookended(value, by: isAlnum) { return "must start and end with a letter or digit" }
        return nil
    }

    /// A label key: an optional DNS subdomain prefix and `/`, then a name like a label value.
    public static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count > 2 { return "may contain at most one '/'" }
        if parts.count == 2, let problem = dns1123SubdomainProblem(String(parts[0])) { return "prefix \(problem)" }
        return labelValueProblem(String(parts.last ?? ""), allowEmpty: false).map { "name \($0)" }
    }

    /// An environment variable name: a C identifier.
    public static func envNameProblem(_ name: String) -> String? {
        guard let first = name.first else { return "must not be empty" }
        if !(first.isASCII && (first.isLetter || first == "_")) || !name.allSatisfy({ isAlnum($0) || $0 == "_" }) {
            return "must be a C identifier (letters, digits and '_', not starting with a digit)"
        }
        return nil
    }

    /// An image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    public static func imageTagProblem(_ tag: String) -> String? {
        guard let first = tag.first else { return "must not be empty" }
        if tag.count > 128 { return "must be at most 128 characters" }
        if !(isAlnum(first) || first == "_") || !tag.allSatisfy({ isAlnum($0) || "_.-".contains($0) }) {
            return "must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
        }
        return nil
    }

    /// An image repository: optional `host[:port]/`, then lower-case path components.
    public static func imageRepositoryProblem(_ reference: String) -> String? {
        if reference.isEmpty { return "must not be empty" }
        if reference.count > 255 { return "must be at most 255 characters" }
        if reference.contains("@") || reference.split(separator: "/").last?.contains(":") == true {
            return "must not contain a tag or digest (set deployment.image.tag)"
        }
        var components = reference.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, let host = components.first,
            host.contains(".") || host.contains(":") || host == "localhost"
        {
            let hostParts = host.split(separator: ":", omittingEmptySubsequences: false)
            let hostName = String(hostParts[0])
            let validHost =
                !hostName.isEmpty
                && hostName.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                bookended($0, by: isAlnum) && $0.allSatisfy { isAlnum($0) || $0 == "-" }
            }
            if !validHost { return "has an invalid registry host \"\(host)\"" }
            if hostParts.count > 2 || (hostParts.count == 2 && (UInt16(hostParts[1]) == nil || hostParts[1].isEmpty)) {
                return "has an invalid registry port in \"\(host)\""
            }
            components.removeFirst()
        }
        for component in components {
            if component.isEmpty { return "must not have empty path components" }
            if !bookended(component, by: isLowerAlnum)
                || !component.allSatisfy({ isLowerAlnum($0) || "._-".contains($0) }) {
                return "path component \"\(component)\" must be lower-case letters and digits, separated by '.', '_' "
                    + "or '-'"
            }
        }
        return nil
    }

    /// Why a text is not a dotted IPv4 address (four numbers 0-255, no leading zeros), or nil.
    public static func ipv4Problem(_ text: String) -> String? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil && ($0 == "0" || !$0.hasPrefix("0")) }) else {
            return "must be an IPv4 address such as 10.96.0.50"
        }
        return nil
    }

    /// A host for NFS: a DNS name or an IPv4/IPv6 address.
    public static func isHostOrAddress(_ host: String) -> Bool {
        if dns1123SubdomainProblem(host.lowercased()) == nil { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4 && octets.allSatisfy({ UInt8($0) != nil }) { return true }
        return host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" }
    }
}
