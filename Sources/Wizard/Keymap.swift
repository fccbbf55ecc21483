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
    /// Opens the focused list field's editor; in it, a new item and the highlighted one removed.
    case openList, addItem, removeItem
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
public enum KeyContext: Equatable, Sendable, CaseIterable {
    case form, textField, choiceField, toggleField, actionRow, factRow
    /// Quit and changed-on-disk: two buttons and a yes/no.
    case question
    case writeDialog
    /// Help, the key list, a failure: read and close.
    case message
    /// The files are written: any closing key exits.
    case done
    case find, preview
    /// The list editor, choosing an item; and typing one.
    case list, listItem
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
    /// The status line's word for this row, with its place there (the key is its first binding's).
    public let hint: (order: Int, word: String)?
    /// Whether it is a dialog's key (listed under "In a dialog").
    public let inDialog: Bool
}

/// The wizard's one keymap.
public enum Keymap {
    public static let rows: [KeyRow] = formRows + dialogRows + listRows
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
        ]], hint: (6, "Step")),
        KeyRow(keys: "Home End Backspace Del", meaning: "edit text; Ctrl-U clears the field", bindings: [
            KeyBinding(context: .textField, trigger: .typedText, intent: .insertText("")),
        ] + bindings(.textField, [
            (.left, .moveCursor(.left)), (.right, .moveCursor(.right)), (.home, .moveCursor(.start)),
                        (.end, .moveCursor(.end)), (.backspace, .deleteBackward), (.delete, .deleteForward),
                        (.control("u"), .clearText),
        ]), hint: nil, inDialog: false),
        row("Esc", "put back the field's value; close a dialog", [
            .textField: [(.escape, .revert)], .choiceField: [(.escape, .revert)], .toggleField: [(.escape, .revert)],
        ]),
        row("Ctrl-E", "edit a list field row by row",
            [.textField: [(.control("e"), .openList)]]),
        row("Ctrl-Z / Ctrl-Y", "undo / redo field edits", [.form: [(.control("z"), .undo), (.control("y"), .redo)]]),
        row("Ctrl-F", "find a field by label or key path", [.form: [(.control("f"), .openFind)]], hint: (5, "Find")),
        row(
            "F1", "help for the focused field or Review row", [.form: [(.function(1), .showHelp)]], hint: (1, "Help")
        ),
        row("F2", "preview the manifests (diffs when editing)", [.form: [(.function(2), .openPreview)]],
            hint: (3, "Preview")),
        row("F10 / Ctrl-S", "write the files (p: keep a values file's mode)", [
            .form: [(.function(10), .requestWrite), (.control("s"), .requestWrite)],
            .writeDialog: [(.character("p"), .toggleKeepMode), (.character("P"), .toggleKeepMode)],
        ], hint: (4, "Write")),
        row("?", "this list of keys (outside a text field)", [.form: [(.character("?"), .showKeys)]],
            hint: (2, "Keys")),
        row("Ctrl-C / F12", "quit, asking first when changes are unsaved", Dictionary(uniqueKeysWithValues:
            [KeyContext.form, .question, .writeDialog, .message, .done, .find, .preview, .list, .listItem].map {
                ($0, [(Key.control("c"), Intent.quit), (.function(12), .quit)])
            }), hint: (7, "Quit")),
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
            .list: [(.escape, .close)], .listItem: [(.escape, .close)],
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

    static let listRows: [KeyRow] = [
        row("Up / Down, Enter", "list editor: choose an item, edit it", [
            .list: [(.up, .moveSelection(by: -1)), (.down, .moveSelection(by: 1)), (.enter, .confirm)],
            .listItem: [(.enter, .confirm)],
        ], inDialog: true),
        KeyRow(keys: "a / d, Del", meaning: "list editor: add an item, remove one", bindings:
            bindings(.list, [(.character("a"), .addItem), (.character("d"), .removeItem), (.delete, .removeItem)]),
               hint: nil, inDialog: true),
        KeyRow(keys: "typing, Ctrl-U", meaning: "list editor: the item, as flow YAML", bindings: [
            KeyBinding(context: .listItem, trigger: .typedText, intent: .insertText("")),
        ] + bindings(.listItem, [(.backspace, .deleteBackward), (.control("u"), .clearText)]), hint: nil,
               inDialog: true),
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

    /// The status line: the rows with a hint, in their order there, each named by the key of its first binding.
    /// When they do not fit `width`, hints go whole from the one before the last (quitting is always shown).
    public static func statusHints(fitting width: Int = .max) -> String {
        let hinted = rows.filter { $0.hint != nil }.sorted { $0.hint!.order < $1.hint!.order }
        var hints = hinted.compactMap { row -> String? in
            guard case .key(let key)? = row.bindings.first?.trigger, let hint = row.hint else { return nil }
            return "\(key.name) \(hint.word)"
        }
        while hints.count > 1 && hints.joined(separator: " ").count > width { hints.remove(at: hints.count - 2) }
        return hints.joined(separator: " ")
    }

    /// The keys that mean `intent` in `context`, in the keymap's order.
    public static func keys(for intent: Intent, in context: KeyContext) -> [Key] {
        allBindings.compactMap { binding in
            guard binding.context == context, binding.intent == intent, case .key(let key) = binding.trigger else {
                return nil
            }
            return key
        }
    }

    /// A footer or hint drawn from the bindings (`Esc or F1 close  Up/Down scroll`): each part's keys where it is
    /// shown, then what they do. A key a part prefers is named only when it is bound to that intent there.
    public static func hint(_ context: KeyContext, _ parts: [KeyHint]) -> String {
        parts.map { part in
            let keys: String
            if part.intents.count == 1 {
                let bound = Self.keys(for: part.intents[0], in: context)
                let preferred = part.preferring.filter(bound.contains)
                keys = (preferred.isEmpty ? Array(bound.prefix(1)) : preferred).map(\.name).joined(separator: " or ")
            } else {
                keys = part.intents.compactMap { Self.keys(for: $0, in: context).first?.name }.joined(separator: "/")
            }
            // A hint for a key nobody binds there is a mistake the golden screens catch in a debug build.
            assert(!keys.isEmpty, "no key means \(part.intents) in \(context)")
            return part.word.isEmpty || part.word.hasPrefix(":") ? keys + part.word : "\(keys) \(part.word)"
        }.joined(separator: "  ")
    }

    /// The key list as Markdown, for the README.
    public static func markdownTable() -> String {
        let lines = rows.map { "| \($0.keys) | \($0.inDialog ? "in a dialog: " : "")\($0.meaning) |" }
        return (["| key | what it does |", "|---|---|"] + lines).joined(separator: "\n")
    }

    static func row(_ keys: String, _ meaning: String, _ table: [KeyContext: [(Key, Intent)]],
                    hint: (Int, String)? = nil, inDialog: Bool = false) -> KeyRow {
        let bindings = KeyContext.allCases.flatMap { context in Self.bindings(context, table[context] ?? []) }
        return KeyRow(keys: keys, meaning: meaning, bindings: bindings, hint: hint.map { (order: $0.0, word: $0.1) },
                      inDialog: inDialog)
    }

    static func bindings(_ context: KeyContext, _ pairs: [(Key, Intent)]) -> [KeyBinding] {
        pairs.map { KeyBinding(context: context, trigger: .key($0.0), intent: $0.1) }
    }
}

/// One part of a footer or hint: the keys bound to `intents` (one intent: its first key, or those preferred; several:
/// the first key of each, `Up/Down`), then `word` (`close`; one starting with `:` follows the keys directly; none:
/// the keys say it, as scrolling keys do).
public struct KeyHint: Sendable {
    public let intents: [Intent]
    public let word: String
    public let preferring: [Key]

    public init(_ intent: Intent, _ word: String, preferring: [Key] = []) {
        intents = [intent]
        self.word = word
        self.preferring = preferring
    }

    public init(_ intents: [Intent], _ word: String) {
        self.intents = intents
        self.word = word
        preferring = []
    }
}

extension Key {
    /// How hints and footers name the key: `Enter`, `Esc`, `F10`, `^G`, `PgDn`, `y`.
    public var name: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let character): return String(character)
        case .paste: return "paste"
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .escape: return "Esc"
        case .function(let number): return "F\(number)"
        case .control(let character): return "^" + character.uppercased()
        }
    }
}
