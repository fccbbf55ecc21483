import RegistryModel

/// What the person wants, whichever key (or plain-mode answer, or click) said it. `update` acts on intents;
/// the keymap is the only place that knows which key means which.
public enum Intent: Equatable, Sendable {
    case nextField, previousField, nextStep, previousStep
    case goTo(step: Step, focus: Int)
    /// Moves to the row that problem `index` is about (a Review row pressed, plain mode's "go back").
    case showProblem(Int)
    /// Replaces the focused text field's text.
    case setText(String)
    /// Picks option `index` of the focused choice (a toggle's options are yes, no).
    case choose(index: Int)
    /// The next (+1) or previous (-1) option of the focused choice; a toggle flips.
    case cycleChoice(by: Int)
    /// Typed or pasted text, at the cursor of the focused text field or the Find query.
    case insertText(String)
    case deleteBackward, deleteForward, clearText
    case moveCursor(CursorMove)
    /// Enter: moves on from a field, presses a button, takes a dialog's highlighted button.
    case confirm
    /// Puts back what the focused field held when it was focused.
    case revert
    case undo, redo
    case showHelp, showKeys, openFind, openPreview
    case generatePair
    case requestWrite
    case quit
    /// Closes the open dialog (cancelling what it asks).
    case close
    /// Answers the open dialog's question (yes: quit, overwrite, reload).
    case answer(Bool)
    /// Moves the highlight to the dialog's other button.
    case switchButton
    /// Keeps the values file's own mode (the write dialog's `p`).
    case toggleKeepMode
    case switchTab(by: Int)
    case scroll(Scroll)
    /// The next (+1) or previous (-1) Find match.
    case moveSelection(by: Int)
}

/// Where the cursor of a text field goes.
public enum CursorMove: Equatable, Sendable { case left, right, start, end }

/// How far a long dialog (the preview, the key list) scrolls.
public enum Scroll: Equatable, Sendable { case lines(Int), pages(Int), top, bottom }

/// Where a key is pressed: each has its own bindings, and the form's apply beneath a focused row's.
public enum KeyContext: Equatable, Sendable {
    case form, textField, choiceField, toggleField, actionRow, factRow
    /// Quit and changed-on-disk: two buttons and a yes/no.
    case question
    case writeDialog
    /// Help, the key list, a failure: read and close.
    case message
    /// The files are written: any closing key exits.
    case done
    case find, preview
}

/// What sets off a binding: one key, or any typed or pasted text.
public enum KeyTrigger: Equatable, Sendable {
    case key(Key)
    case typedText
}

/// One key's meaning in one context.
public struct KeyBinding: Equatable, Sendable {
    public let context: KeyContext
    public let trigger: KeyTrigger
    public let intent: Intent
}

/// A line of the key list: how it names its keys, what they do, and the bindings behind it. The `?` overlay,
/// the README's table and the status line are drawn from these rows, and keys are looked up in them.
public struct KeyRow: Sendable {
    public let keys: String
    public let meaning: String
    public let bindings: [KeyBinding]
    /// The status line's word for this row, with its place there.
    public let hint: (order: Int, text: String)?
    /// Whether it is a dialog's key (listed under "In a dialog").
    public let inDialog: Bool
}

/// The wizard's one keymap.
public enum Keymap {
    public static let rows: [KeyRow] = formRows + dialogRows
    /// Every row's bindings, in the rows' order (the first that binds a key in a context wins).
    static let allBindings: [KeyBinding] = rows.flatMap(\.bindings)

    static let editing: [KeyContext] = [.textField]
    static let moving: [KeyContext] = [.textField, .choiceField, .toggleField, .factRow]

    static let formRows: [KeyRow] = [
        row("Tab / Down", "next field", [.form: [(.tab, .nextField), (.down, .nextField)]]),
        row("Shift-Tab / Up", "previous field", [.form: [(.backTab, .previousField), (.up, .previousField)]]),
        row("Left / Right / Space", "change a choice or a toggle; press a button", [
                .choiceField: [
                    (.left, .cycleChoice(by: -1)), (.right, .cycleChoice(by: 1)),
                    (.character(" "), .cycleChoice(by: 1)),
                ],
                .toggleField: [
                    (.left, .cycleChoice(by: 1)), (.right, .cycleChoice(by: 1)), (.character(" "), .cycleChoice(by: 1)),
                ],
            .actionRow: [(.character(" "), .confirm)],
        ]),
        row("Enter", "confirm and move on; on Review, go to the field",
            Dictionary(uniqueKeysWithValues: (moving + [.actionRow]).map { ($0, [(Key.enter, Intent.confirm)]) })),
        row("PgDn/PgUp, Ctrl-N/P", "next / previous step", [.form: [
                    (.pageDown, .nextStep), (.control("n"), .nextStep), (.pageUp, .previousStep),
                    (.control("p"), .previousStep),
        ]], hint: (5, "PgDn Step")),
        KeyRow(keys: "Home End Backspace Del", meaning: "edit text; Ctrl-U clears the field", bindings: [
            KeyBinding(context: .textField, trigger: .typedText, intent: .insertText("")),
        ] + bindings(.textField, [
            (.left, .moveCursor(.left)), (.right, .moveCursor(.right)), (.home, .moveCursor(.start)),
                        (.end, .moveCursor(.end)), (.backspace, .deleteBackward), (.delete, .deleteForward),
                        (.control("u"), .clearText),
        ]), hint: nil, inDialog: false),
        row("Esc", "put back the field's value; close a dialog", [.textField: [(.escape, .revert)]]),
        row("Ctrl-Z / Ctrl-Y", "undo / redo field edits", [.form: [(.control("z"), .undo), (.control("y"), .redo)]]),
        row("Ctrl-F", "find a field by label or key path", [.form: [(.control("f"), .openFind)]], hint: (4, "^F Find")),
        row(
            "F1", "help for the focused field or Review row", [.form: [(.function(1), .showHelp)]], hint: (1, "F1 Help")
        ),
        row("F2", "preview the manifests (diffs when editing)", [.form: [(.function(2), .openPreview)]],
            hint: (2, "F2 Preview")),
        row("Ctrl-G", "generate a new TLS pair (TLS step)", [.form: [(.control("g"), .generatePair)]]),
        row("F10 / Ctrl-S", "write the files (p: keep a values file's mode)", [
            .form: [(.function(10), .requestWrite), (.control("s"), .requestWrite)],
            .writeDialog: [(.character("p"), .toggleKeepMode), (.character("P"), .toggleKeepMode)],
        ], hint: (3, "F10 Write")),
        row("?", "this list of keys (outside a text field)", [.form: [(.character("?"), .showKeys)]]),
        row("Ctrl-C / F12", "quit, asking first when changes are unsaved", Dictionary(uniqueKeysWithValues:
            [KeyContext.form, .question, .writeDialog, .message, .done, .find, .preview].map {
                ($0, [(Key.control("c"), Intent.quit), (.function(12), .quit)])
            }), hint: (6, "^C Quit")),
        KeyRow(keys: "mouse click", meaning: "focus a step or a field", bindings: [], hint: nil, inDialog: false),
    ]

    static let dialogRows: [KeyRow] = [
        row("y / n, r", "answer the dialog (r reloads a changed file)", [
                .question: [
                    (.character("y"), .answer(true)), (.character("Y"), .answer(true)),
                    (.character("r"), .answer(true)),
                    (.character("R"), .answer(true)), (.character("n"), .answer(false)),
                    (.character("N"), .answer(false)),
                ],
                .writeDialog: [
                    (.character("y"), .answer(true)), (.character("Y"), .answer(true)), (.function(10), .answer(true)),
                    (.control("s"), .answer(true)), (.character("n"), .answer(false)),
                    (.character("N"), .answer(false)),
                ]
        ], inDialog: true),
        row("Enter", "take the highlighted button or Find match", [
            .question: [(.enter, .confirm)], .writeDialog: [(.enter, .confirm)], .find: [(.enter, .confirm)],
            .message: [(.enter, .close)], .done: [(.enter, .close)],
        ], inDialog: true),
        row("Esc / q", "close the dialog (q: not in Find)", [
            .question: [(.escape, .close)], .writeDialog: [(.escape, .close)], .find: [(.escape, .close)],
            .message: [(.escape, .close), (.character("q"), .close), (.function(1), .close), (.character("?"), .close)],
            .preview: [(.escape, .close), (.character("q"), .close), (.function(2), .close)],
            .done: [(.escape, .close), (.character("q"), .close)],
        ], inDialog: true),
        row("Left / Right / Tab", "the other button; the next preview tab", [
                .question: [
                    (.left, .switchButton), (.right, .switchButton), (.tab, .switchButton), (.backTab, .switchButton),
                ],
                .writeDialog: [
                    (.left, .switchButton), (.right, .switchButton), (.tab, .switchButton), (.backTab, .switchButton),
                ],
            .preview: [(.right, .switchTab(by: 1)), (.tab, .switchTab(by: 1)), (.left, .switchTab(by: -1)),
                       (.backTab, .switchTab(by: -1))],
        ], inDialog: true),
        row("Up Down PgUp PgDn Home End", "scroll the preview or this list", [
            .preview: scrolling, .message: scrolling,
        ], inDialog: true),
        KeyRow(keys: "typing, Up / Down / Tab", meaning: "Find: the query, the match to open", bindings: [
            KeyBinding(context: .find, trigger: .typedText, intent: .insertText("")),
        ] + bindings(.find, [
            (.backspace, .deleteBackward), (.control("u"), .clearText), (.up, .moveSelection(by: -1)),
            (.down, .moveSelection(by: 1)), (.tab, .moveSelection(by: 1)),
        ]), hint: nil, inDialog: true),
    ]

    static let scrolling: [(Key, Intent)] = [
        (.down, .scroll(.lines(1))), (.up, .scroll(.lines(-1))), (.pageDown, .scroll(.pages(1))),
        (.pageUp, .scroll(.pages(-1))), (.home, .scroll(.top)), (.end, .scroll(.bottom)),
    ]

    /// What a key means where it is pressed: the first context that binds it wins (a focused row's own, then
    /// the form's). Typed text becomes `insertText` with the text.
    public static func intent(for key: Key, in contexts: [KeyContext]) -> Intent? {
        for context in contexts {
            for binding in allBindings where binding.context == context {
                switch binding.trigger {
                case .key(let bound) where bound == key: return binding.intent
                case .typedText:
                    if case .character(let character) = key { return .insertText(String(character)) }
                    if case .paste(let text) = key { return .insertText(text) }
                default: continue
                }
            }
        }
        return nil
    }

    /// The status line: the rows with a hint, in their order there.
    public static var statusHints: String {
        rows.compactMap(\.hint).sorted { $0.order < $1.order }.map(\.text).joined(separator: " ")
    }

    /// The key list as Markdown, for the README.
    public static func markdownTable() -> String {
        let lines = rows.map { "| \($0.keys) | \($0.inDialog ? "in a dialog: " : "")\($0.meaning) |" }
        return (["| key | what it does |", "|---|---|"] + lines).joined(separator: "\n")
    }

    static func row(_ keys: String, _ meaning: String, _ table: [KeyContext: [(Key, Intent)]],
                    hint: (Int, String)? = nil, inDialog: Bool = false) -> KeyRow {
        let order: [KeyContext] = [.form, .textField, .choiceField, .toggleField, .actionRow, .factRow, .question,
                                   .writeDialog, .message, .done, .find, .preview]
        let bindings = order.flatMap { context in Self.bindings(context, table[context] ?? []) }
        return KeyRow(keys: keys, meaning: meaning, bindings: bindings, hint: hint.map { (order: $0.0, text: $0.1) },
                      inDialog: inDialog)
    }

    static func bindings(_ context: KeyContext, _ pairs: [(Key, Intent)]) -> [KeyBinding] {
        pairs.map { KeyBinding(context: context, trigger: .key($0.0), intent: $0.1) }
    }
}
