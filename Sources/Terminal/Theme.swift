import Wizard

/// A colour as a theme file names it.
public enum ThemeColor: Equatable, Sendable {
    case terminalDefault
    case index(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses `red`, `bright-blue`, `default`, `0`..`255` or `#rrggbb`.
    init?(parsing text: String) {
        let lower = text.lowercased()
        if lower == "default" || lower == "none" {
            self = .terminalDefault
            return
        }
        if let index = ThemeColor.names.firstIndex(of: lower) {
            self = .index(index)
            return
        }
        if lower.hasPrefix("bright-"), let index = ThemeColor.names.firstIndex(of: String(lower.dropFirst(7))) {
            self = .index(index + 8)
            return
        }
        if let number = Int(lower), (0...255).contains(number) {
            self = .index(number)
            return
        }
        if lower.hasPrefix("#"), lower.count == 7, let value = UInt32(lower.dropFirst(), radix: 16) {
            self = .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
            return
        }
        return nil
    }

    /// The nearest colour number the terminal has (-1 = its default).
    func resolved(colors: Int) -> Int {
        switch self {
        case .terminalDefault: return -1
        case .index(let index):
            return index < colors ? index : ThemeColor.nearest(ThemeColor.xtermRGB(index), colors: colors)
        case .rgb(let r, let g, let b): return ThemeColor.nearest((Int(r), Int(g), Int(b)), colors: colors)
        }
    }

    static func xtermRGB(_ index: Int) -> (Int, Int, Int) {
        let basic = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
            (255, 255, 255),
        ]
        if index < 16 { return basic[index] }
        if index < 232 {
            let cube = index - 16, steps = [0, 95, 135, 175, 215, 255]
            return (steps[cube / 36], steps[(cube / 6) % 6], steps[cube % 6])
        }
        let gray = 8 + (index - 232) * 10
        return (gray, gray, gray)
    }

    static func nearest(_ rgb: (Int, Int, Int), colors: Int) -> Int {
        let limit = min(max(colors, 8), 256)
        var best = 0, bestDistance = Int.max
        for index in 0..<limit {
            let candidate = xtermRGB(index)
            let distance =
                (candidate.0 - rgb.0) * (candidate.0 - rgb.0) + (candidate.1 - rgb.1) * (candidate.1 - rgb.1)
                + (candidate.2 - rgb.2) * (candidate.2 - rgb.2)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return best
    }
}

/// How one role looks: colours and attributes.
public struct RoleStyle: Equatable, Sendable {
    public var foreground: ThemeColor = .terminalDefault
    public var background: ThemeColor = .terminalDefault
    public var bold = false, underline = false, reverse = false
}

/// A theme: a look for every role. `mono` uses no colour at all.
public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [StyleRole: RoleStyle]
    public var usesColor: Bool

    /// Why a theme file cannot be used; names the file, line and key.
    public struct ParseError: Error, CustomStringConvertible, Sendable { public let description: String }

    /// Parses `role = FG [on BG] [bold] [underline] [reverse]` lines; `#` starts a comment.
    public static func parse(_ text: String, file: String) throws(ParseError) -> Theme {
        var styles: [StyleRole: RoleStyle] = [:]
        var usesColor = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // A comment starts a line or is " # " after a value; "#rrggbb" is a colour.
            var line = String(rawLine)
            if line.drop(while: { $0 == " " }).hasPrefix("#") { line = "" }
            if let comment = line.firstRange(of: " # ") { line = String(line[..<comment.lowerBound]) }
            let trimmed = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map {
                $0.split(separator: " ").joined(separator: " ")
            }
            guard parts.count == 2 else { throw ParseError(description: "\(file):\(index + 1): expected `role = "
                + "colour`, got \"\(trimmed)\"") }
            let key = parts[0]
            guard let role = StyleRole(rawValue: key) else {
                throw ParseError(description: "\(file):\(index + 1): unknown role \"\(key)\"; roles are "
                    + "\(StyleRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var style = RoleStyle()
            var words = parts[1].split(separator: " ").map(String.init)[...]
            var expectBackground = false
            var sawForeground = false
            while let word = words.popFirst() {
                switch word.lowercased() {
                case "bold": style.bold = true
                case "underline": style.underline = true
                case "reverse": style.reverse = true
                case "on": expectBackground = true
                default:
                    guard let color = ThemeColor(parsing: word) else {
                        throw ParseError(description: "\(file):\(index + 1): \(key): \"\(word)\" is not a colour (use "
                            + "a name, 0-255 or #rrggbb)")
                    }
                    if expectBackground {
                        style.background = color
                        expectBackground = false
                    } else if !sawForeground {
                        style.foreground = color
                        sawForeground = true
                    }
                    else { throw ParseError(description: "\(file):\(index + 1): \(key): two foreground colours; write "
                        + "`FG on BG`") }
                    if color != .terminalDefault { usesColor = true }
                }
            }
            if expectBackground { throw ParseError(description: "\(file):\(index + 1): \(key): `on` needs a background "
                + "colour") }
            styles[role] = style
        }
        return Theme(name: file, styles: styles, usesColor: usesColor)
    }

    /// The built-in default, used when the themes folder cannot be found.
    /// The largest theme file read: a theme is a few dozen lines.
    public static let maximumFileSize = 64 << 10

    public static let builtInDefault: Theme = (try? parse("""
        text = default
        muted = 245
        accent = cyan
        focus = black on cyan
        error = red bold
        warning = yellow
        success = green
        border = 244
        title = bright-white bold
        yaml-key = cyan
        yaml-string = green
        yaml-number = magenta
        yaml-comment = 244
        diff-add = green
        diff-remove = red
        """, file: "built-in default")) ?? Theme(name: "built-in default", styles: [:], usesColor: false)

    /// No colour: state is marked with bold, underline and reverse only.
    public static let builtInMono: Theme = (try? parse("""
        focus = reverse
        error = bold
        warning = underline
        title = bold
        accent = default
        diff-add = bold
        diff-remove = underline
        yaml-key = bold
        """, file: "built-in mono")) ?? Theme(name: "built-in mono", styles: [:], usesColor: false)

    /// The same theme with every colour removed (mono rendering of any theme).
    public var withoutColor: Theme {
        var copy = self
        copy.usesColor = false
        for (role, style) in styles {
            copy.styles[role] = RoleStyle(
                foreground: .terminalDefault, background: .terminalDefault, bold: style.bold,
                underline: style.underline, reverse: style.reverse)
        }
        return copy
    }
}
