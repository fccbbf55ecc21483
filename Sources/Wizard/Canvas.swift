/// The roles a theme gives colours to (SPEC section 5).
public enum StyleRole: String, CaseIterable, Sendable {
    case text, muted, accent, focus, error, warning, success, border, title
    case yamlKey = "yaml-key", yamlString = "yaml-string", yamlNumber = "yaml-number", yamlComment = "yaml-comment"
    case diffAdd = "diff-add", diffRemove = "diff-remove"
}

/// A cell's look: a role plus attributes that carry meaning without colour.
public struct CellStyle: Equatable, Hashable, Sendable {
    public var role: StyleRole
    public var bold = false
    public var underline = false
    public var reverse = false
    public init(_ role: StyleRole, bold: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
    }
    public static let text = CellStyle(.text)
}

/// One screen cell. A wide character (CJK, emoji) takes two: its own and a continuation the terminal fills.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var style: CellStyle
    /// The right half of the wide character in the cell before it: nothing is drawn here.
    public var isContinuation = false
    public init(_ character: Character, _ style: CellStyle) {
        self.character = character
        self.style = style
    }

    static func continuation(_ style: CellStyle) -> Cell {
        var cell = Cell(" ", style)
        cell.isContinuation = true
        return cell
    }
}

/// Terminal columns, as ratatui's `Buffer::set_stringn` counts them: East Asian wide and fullwidth characters
/// and emoji take two, a character with combining marks the columns of its base, everything else one.
public enum TerminalColumns {
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let value = first.value
        if value < 0x1100 { return 1 }
        if first.properties.isEmojiPresentation
            || (first.properties.isEmoji && character.unicodeScalars.contains { $0.value == 0xFE0F })
        {
            return 2
        }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// The columns a text takes.
    public static func of<S: Sequence>(_ text: S) -> Int where S.Element == Character { text.reduce(0) { $0 + of($1) } }
}

/// A grid of styled cells: what `view` draws and the terminal shows. Text in tests.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the cursor should be shown (a text field being edited), if anywhere.
    public var cursor: (row: Int, column: Int)? {
        get { cursorRow.map { ($0, cursorColumn) } }
        set {
            cursorRow = newValue?.row
            cursorColumn = newValue?.column ?? 0
        }
    }
    private var cursorRow: Int?
    private var cursorColumn = 0

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", .text), count: self.width * self.height)
    }

    /// A cell; setting one that shares a wide character with its neighbour blanks the other half, so no half
    /// of a wide character is left behind.
    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * width + column] }
        set {
            guard row >= 0 && row < height && column >= 0 && column < width else { return }
            let index = row * width + column
            if cells[index].isContinuation && !newValue.isContinuation && column > 0 {
                cells[index - 1] = Cell(" ", cells[index - 1].style)
            }
            if column + 1 < width && cells[index + 1].isContinuation && !newValue.isContinuation {
                cells[index + 1] = Cell(" ", cells[index + 1].style)
            }
            cells[index] = newValue
        }
    }

    /// Writes text from a position, clipped to `limit` columns (and the canvas); returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, style: CellStyle = .text, limit: Int? = nil) -> Int
    {
        guard row >= 0 && row < height else { return 0 }
        let end = min(width, column + (limit ?? width))
        var col = column
        for character in text {
            if col >= end { break }
            let control = character.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
            let clean: Character = character.isNewline || control ? " " : character
            let columns = TerminalColumns.of(clean)
            if columns == 2 && col + 1 >= end {
                // Half a wide character does not fit: the column stays blank.
                if col >= 0 { self[row, col] = Cell(" ", style) }
                col += 1
                break
            }
            if col >= 0 { self[row, col] = Cell(clean, style) }
            if columns == 2 && col + 1 >= 0 { self[row, col + 1] = .continuation(style) }
            col += columns
        }
        return col - column
    }

    public mutating func fill(row: Int, column: Int, width count: Int, style: CellStyle, character: Character = " ") {
        for col in column..<min(width, column + max(0, count)) where col >= 0 {
            self[row, col] = Cell(character, style)
        }
    }

    /// The rows as plain text, trailing spaces removed (for golden screens).
    public var text: String {
        (0..<height).map { row in
            var line = String((0..<width).filter { !self[row, $0].isContinuation }.map { self[row, $0].character })
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

/// Box-drawing and marker glyphs, Unicode or ASCII.
public struct Glyphs: Equatable, Sendable {
    public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight, teeDown, teeUp: Character
    public let ok, error, warning, left, right, pointer: Character

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        teeDown: "┬", teeUp: "┴", ok: "✓", error: "✗", warning: "!", left: "◀", right: "▶", pointer: "›")
    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        teeDown: "+", teeUp: "+", ok: "+", error: "x", warning: "!", left: "<", right: ">", pointer: ">")
}

extension Canvas {
    /// A box outline with a title.
    mutating func box(
        top: Int, left: Int, width: Int, height: Int, title: String, glyphs: Glyphs,
        style: CellStyle = CellStyle(.border)
    ) {
        guard width >= 2, height >= 2 else { return }
        for col in left..<(left + width) {
            self[top, col] = Cell(glyphs.horizontal, style)
            self[top + height - 1, col] = Cell(glyphs.horizontal, style)
        }
        for row in top..<(top + height) {
            self[row, left] = Cell(glyphs.vertical, style)
            self[row, left + width - 1] = Cell(glyphs.vertical, style)
        }
        self[top, left] = Cell(glyphs.topLeft, style)
        self[top, left + width - 1] = Cell(glyphs.topRight, style)
        self[top + height - 1, left] = Cell(glyphs.bottomLeft, style)
        self[top + height - 1, left + width - 1] = Cell(glyphs.bottomRight, style)
        if !title.isEmpty {
            put(" \(title) ", row: top, column: left + 2, style: CellStyle(.title, bold: true), limit: width - 4)
        }
    }

    /// Clears a rectangle.
    mutating func clear(top: Int, left: Int, width: Int, height: Int) {
        for row in top..<(top + height) { fill(row: row, column: left, width: width, style: .text) }
    }
}

/// Styled lines wrapped to `width` columns rather than cut: a continuation keeps the line's own indentation
/// plus two spaces, so it reads as part of the line above.
func wrapKeepingIndent(_ lines: [(String, CellStyle)], width: Int) -> [(String, CellStyle)] {
    lines.flatMap { line -> [(String, CellStyle)] in
        guard line.0.count > width else { return [line] }
        let indent = String(line.0.prefix { $0 == " " })
        return wrap(String(line.0.dropFirst(indent.count)), width: max(1, width - 2 - indent.count)).enumerated()
            .map { (($0.offset == 0 ? indent : indent + "  ") + $0.element, line.1) }
    }
}

/// Wraps text into lines of at most `width` characters, at spaces where possible.
public func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            while word.count > width {
                if !line.isEmpty {
                    lines.append(line)
                    line = ""
                }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if line.isEmpty {
                line = word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = word
            }
        }
        lines.append(line)
    }
    return lines
}
