import CursesShim
import Wizard

/// Why the wizard cannot run on this terminal.
public struct TerminalError: Error, CustomStringConvertible, Sendable { public let description: String }

/// The one place that talks to ncurses: draws canvases (only changed cells), reads keys and mouse.
public final class TerminalSession: TerminalBackend {
    let theme: Theme
    var pairs: [StyleRole: Int32] = [:]
    var previous: Canvas?
    let codes: [Int32: Key]
    let f0: Int32
    let resizeCode: Int32
    let mouseCode: Int32

    /// Checks the terminal and starts curses; the terminal is restored by `end()` on every path.
    public static func start(
        theme requested: Theme, environment: [String: String], isTerminal: Bool
    ) throws(TerminalError) -> TerminalSession {
        let hint = "use --plain for line prompts, or the headless commands: export (render manifests), validate (check "
            + "a file), set (edit a file)"
        guard isTerminal else { throw TerminalError(description: "no terminal: the wizard needs an interactive "
            + "terminal; \(hint)") }
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty else { throw TerminalError(description: "TERM is not set, so the terminal cannot be drawn; "
            + "\(hint)") }
        guard term != "dumb" else { throw TerminalError(description: "TERM=dumb cannot show the wizard; \(hint)") }
        crs_install_signal_handlers()
        guard crs_start() == 0 else { throw TerminalError(description: "unknown terminal type TERM=\(term); \(hint)") }
        return TerminalSession(theme: crs_has_colors() == 1 ? requested : requested.withoutColor)
    }

    init(theme: Theme) {
        self.theme = theme
        var codes: [Int32: Key] = [:]
        let named: [(String, Key)] = [
            ("up", .up), ("down", .down), ("left", .left), ("right", .right), ("home", .home), ("end", .end),
            ("npage", .pageDown), ("ppage", .pageUp), ("backspace", .backspace), ("dc", .delete),
                                      ("btab", .backTab), ("enter", .enter)]
        for (name, key) in named { codes[crs_key_code(name)] = key }
        self.codes = codes
        f0 = crs_key_code("f0")
        resizeCode = crs_key_code("resize")
        mouseCode = crs_key_code("mouse")
        if theme.usesColor {
            let colors = Int(crs_colors())
            for (index, role) in StyleRole.allCases.enumerated() {
                let style = theme.styles[role] ?? RoleStyle()
                crs_init_pair(
                    Int32(index + 1), Int32(style.foreground.resolved(colors: colors)),
                    Int32(style.background.resolved(colors: colors)))
                pairs[role] = Int32(index + 1)
            }
        }
    }

    public var size: (width: Int, height: Int) { (Int(crs_cols()), Int(crs_lines())) }

    /// Draws a canvas, sending only the cells that changed since the last frame; after a size change every cell
    /// (on a blanked screen, where a blank cell in the plain text style is already what the terminal shows).
    public func draw(_ canvas: Canvas) {
        let sameSize = previous.map { $0.width == canvas.width && $0.height == canvas.height } ?? false
        if !sameSize { crs_forget_screen() }
        let blank = Cell(" ", .text), skipBlanks = !sameSize && Self.plainTextIsBlank(theme)
        var lastStyle: CellStyle? = nil
        var look: (attributes: Int32, pair: Int32) = (0, 0)
        for row in 0..<canvas.height {
            for column in 0..<canvas.width {
                let cell = canvas[row, column]
                if sameSize, let previous, previous[row, column] == cell { continue }
                if skipBlanks && cell == blank { continue }
                // The bottom-right cell is never written: writing it would scroll the whole screen.
                if row == canvas.height - 1 && column == canvas.width - 1 { continue }
                // The right half of a wide character: the terminal fills it when the character is written.
                if cell.isContinuation { continue }
                if cell.style != lastStyle {
                    look = self.look(of: cell.style)
                    lastStyle = cell.style
                }
                // A base character and its combining marks go in one cell (ncurses keeps up to five).
                var scalars = cell.character.unicodeScalars.prefix(5).map(\.value)
                if scalars.isEmpty { scalars = [32] }
                crs_put(Int32(row), Int32(column), scalars, Int32(scalars.count), look.attributes, look.pair)
            }
        }
        if let cursor = canvas.cursor {
            crs_cursor(Int32(cursor.row), Int32(cursor.column), 1)
        } else {
            crs_cursor(0, 0, 0)
        }
        crs_flush()
        previous = canvas
    }

    /// Attribute bits (bold 1, underline 2, reverse 4) and colour pair of a style under the theme.
    func look(of style: CellStyle) -> (attributes: Int32, pair: Int32) {
        let role = theme.styles[style.role] ?? RoleStyle()
        var attributes: Int32 = 0
        if style.bold || role.bold { attributes |= 1 }
        if style.underline && !theme.usesColor || role.underline { attributes |= 2 }
        if style.reverse != role.reverse { attributes |= 4 }
        return (attributes, pairs[style.role] ?? 0)
    }

    /// Whether a blank in the plain text style looks like an untouched cell (default colours, no attributes).
    static func plainTextIsBlank(_ theme: Theme) -> Bool {
        let text = theme.styles[.text] ?? RoleStyle()
        return !text.bold && !text.underline && !text.reverse && text.foreground == .terminalDefault
            && text.background == .terminalDefault
    }

    /// The next action, waiting at most `timeout` milliseconds (0: nil at once when no input is pending).
    /// A size change that no SIGWINCH reported is noticed whenever a wait times out.
    public func nextAction(timeout: Int) -> Action? {
        var value: UInt32 = 0
        var row: Int32 = 0, column: Int32 = 0
        switch crs_read(&value, &row, &column, Int32(timeout)) {
        case 1:
            let code = Int32(bitPattern: value)
            if code == resizeCode { return resized() }
            if code == mouseCode { return .click(row: Int(row), column: Int(column)) }
            return keyCode(code)
        case 0:
            switch value {
            case 9: return .key(.tab)
            case 10, 13: return .key(.enter)
            case 27:
                var pasted = [UInt32](repeating: 0, count: TerminalSession.pasteCapacity)
                var key: UInt32 = 0
                let length = Int(crs_read_after_escape(&pasted, Int32(pasted.count), &key))
                switch length {
                case Int(CRS_AFTER_ESCAPE_ALONE): return .key(.escape)
                case Int(CRS_AFTER_ESCAPE_KEY): return keyCode(Int32(bitPattern: key))
                case Int(CRS_AFTER_ESCAPE_NOTHING): return nil
                default: return .key(
                    .paste(String(String.UnicodeScalarView(pasted.prefix(length).compactMap(UnicodeScalar.init)))))
                }
            case 8, 127: return .key(.backspace)
            case 1...26: return UnicodeScalar(value + 96).map { .key(.control(Character($0))) }
            default:
                guard let scalar = UnicodeScalar(value), value >= 32 else { return nil }
                return .key(.character(Character(scalar)))
            }
        default:
            if timeout > 0 && crs_check_resize() == 1 { return resized() }
            return nil
        }
    }

    /// A key ncurses decoded (an arrow, a function key); nil for one the wizard has no use for (Alt+Up).
    private func keyCode(_ code: Int32) -> Action? {
        if code > f0 && code <= f0 + 24 { return .key(.function(Int(code - f0))) }
        return codes[code].map(Action.key)
    }

    /// After ncurses or we resized: the next frame repaints every cell.
    private func resized() -> Action {
        crs_forget_screen()
        previous = nil
        let size = self.size
        return .resize(width: size.width, height: size.height)
    }

    /// The most characters of one paste kept (a field never holds more).
    static let pasteCapacity = 1 << 16

    /// A signal that asked the program to stop (SIGTERM, SIGHUP, SIGINT), if one came.
    public var pendingSignal: Int32? {
        let signal = crs_pending_signal()
        return signal == 0 ? nil : signal
    }

    /// Lets the calling (worker) thread take the signals the loop ends on, such as SIGXFSZ from a write past
    /// RLIMIT_FSIZE, which goes to the thread that wrote.
    public static func takeEndingSignalsOnThisThread() { crs_unblock_ending_signals() }

    /// Restores the terminal: alternate screen left, echo and canonical mode back, cursor visible.
    public func end() { crs_end() }

    /// Whether the locale can show Unicode box drawing.
    public static var localeIsUTF8: Bool { crs_locale_is_utf8() == 1 }
}
