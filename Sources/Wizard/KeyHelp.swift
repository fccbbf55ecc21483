/// Every key of the wizard and what it does, in one table: the `?` overlay and the README's key table are drawn
/// from it (a test keeps the README in sync).
public enum KeyHelp {
    /// Each row fits one line of the `?` box at 80 columns.
    public static let table: [(keys: String, meaning: String)] = [
        ("Tab / Down", "next field"),
        ("Shift-Tab / Up", "previous field"),
        ("Left / Right / Space", "change a choice or a toggle"),
        ("Enter", "confirm and move on; on Review, go to the field"),
        ("PgDn/PgUp, Ctrl-N/P", "next / previous step"),
        ("Home End Backspace Del", "edit text; Ctrl-U clears the field"),
        ("Esc", "put back the field's value; close a dialog"),
        ("Ctrl-Z / Ctrl-Y", "undo / redo field edits"),
        ("Ctrl-F", "find a field by label or key path"),
        ("F1", "help for the focused field or Review row"),
        ("F2", "preview the manifests (diffs when editing)"),
        ("Ctrl-G", "generate a new TLS pair (TLS step)"),
        ("F10 / Ctrl-S", "write the files (p: keep a values file's mode)"),
        ("?", "this list of keys (outside a text field)"),
        ("Ctrl-C / F12", "quit, asking first when changes are unsaved"),
        ("mouse click", "focus a step or a field"),
    ]

    /// The table as Markdown, for the README.
    public static func markdownTable() -> String {
        (["| key | what it does |", "|---|---|"] + table.map { "| \($0.keys) | \($0.meaning) |" }).joined(separator: "\n")
    }
}
