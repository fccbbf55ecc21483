import Manifests
import RegistryModel
import ValuesFile

/// Draws the open dialog over the screen.
func drawDialog(_ canvas: inout Canvas, _ state: WizardState, _ dialog: Dialog) {
    switch dialog {
    case .help: drawHelp(&canvas, state)
    case .find(let query, let selection): drawFind(&canvas, state, query: query, selection: selection)
    case .list(let path, let selection, let editing):
        drawList(&canvas, state, path: path, selection: selection, editing: editing)
    case .preview(let tab, let scroll): drawPreview(&canvas, state, tab: tab, scroll: scroll)
    case .write(let plan, let choice): drawWrite(&canvas, state, plan: plan, choice: choice)
    case .quit(let choice):
        let lines: [(String, CellStyle)] = [("You have unsaved changes. Quit without writing?", .text),
                                            ("(They are kept as a draft to resume.)", CellStyle(.muted))]
        drawBox(
            &canvas, state, title: "Quit", lines: lines, buttons: ["No", "Yes"], choice: choice,
            footer: Keymap.hint(.question, [KeyHint(.answer(true), "quit"), KeyHint(.answer(false), "stay"),
                                            KeyHint(.confirm, ": highlighted")]))
    case .failed(let message):
        drawBox(
            &canvas, state, title: "Write failed",
            lines: wrap(message, width: 60).map { ($0, CellStyle(.error, bold: true)) },
                buttons: ["OK"], choice: 0, footer: Keymap.hint(.message, [KeyHint(.close, "close")]))
    case .keys(let scroll):
        let all = KeyListLayout.lines
        let shown = all.dropFirst(scroll).prefix(KeyListLayout.visibleLines(height: state.height))
        let close = KeyHint(.close, "close", preferring: [.escape, .character("?")])
        let scrolls = KeyHint([.scroll(.lines(-1)), .scroll(.lines(1))], "scroll")
        let footer = Keymap.hint(.message, shown.count < all.count ? [close, scrolls] : [close])
        drawBox(&canvas, state, title: "Keys", lines: shown.map { ($0, CellStyle(.text)) }, buttons: [], choice: 0,
                footer: footer, width: (all.map(\.count).max() ?? 0) + 4)
    case .changedOnDisk(let path, let choice):
        let what = state.mode == .edit ? "Reload reads it again and keeps your edits on top of it; then you write "
            + "again."
            : "Reload looks at the disk again and shows what the write would replace."
        let lines = wrap("\(path) changed on disk since it was read (another program or a set wrote it), so nothing "
            + "was written.",
                width: 60
            ).map { ($0, CellStyle(.warning, bold: true)) } + [("", .text)]
            + wrap(what, width: 60).map { ($0, CellStyle(.text)) }
        drawBox(&canvas, state, title: "Changed on disk", lines: lines, buttons: ["Back", "Reload"], choice: choice,
                footer: Keymap.hint(.question, [KeyHint(.answer(true), "reload", preferring: [.character("r")]),
                                                KeyHint(.close, "back"), KeyHint(.confirm, ": highlighted")]))
    case .done(let paths):
        // The paths as one wrapped list, so the next steps below them fit at 80x24.
        var lines: [(String, CellStyle)] = [("Written:", CellStyle(.success, bold: true))]
        lines += wrap("\(state.glyphs.ok) " + paths.joined(separator: ", "), width: max(40, min(state.width - 10, 100)))
            .map { ("  " + $0, CellStyle(.success)) }
        for note in state.manifestPlan.notes {
            lines.append(("", .text))
            lines += wrap("Note: " + note, width: max(40, state.width - 10)).map {
                ($0, CellStyle(.warning, bold: true))
            }
        }
        lines += [
            ("", .text), ("Next, with \(state.config.route.rawValue), in this order:", CellStyle(.title, bold: true)),
        ]
        lines += NextSteps.lines(state.config, state.nextStepsContext).enumerated().map { ("  \($0.offset + 1). "
            + "\($0.element)", CellStyle(.accent)) }
        drawBox(&canvas, state, title: "Done", lines: lines, buttons: ["Exit"], choice: 0,
                footer: Keymap.hint(.done, [KeyHint(.close, "exits", preferring: [.enter, .character("q")])]))
    }
}

/// The `?` list as lines: the form's keys, then a dialog's, each part in its own columns.
public enum KeyListLayout {
    public static let lines: [String] = {
        func part(_ rows: [KeyRow]) -> [String] {
            let width = rows.map(\.keys.count).max() ?? 0
            return rows.map { "\($0.keys.padding(width))  \($0.meaning)" }
        }
        return part(Keymap.rows.filter { !$0.inDialog }) + ["", "In a dialog:"] + part(Keymap.rows.filter(\.inDialog))
    }()

    /// How many lines the box shows at a terminal height (its border, footer and margins take seven).
    static func visibleLines(height: Int) -> Int { max(1, min(lines.count, height - 7)) }
}

/// A centred box with lines and buttons (as wide as its longest line, or `width`).
func drawBox(_ canvas: inout Canvas, _ state: WizardState, title: String, lines unwrapped: [(String, CellStyle)],
             buttons: [String], choice: Int, footer: String, width wanted: Int? = nil) {
    let width = min(state.width - 4, max(44, wanted ?? (unwrapped.map(\.0.count).max() ?? 0) + 4))
    // A line wider than the screen wraps rather than being cut.
    let lines = wrapKeepingIndent(unwrapped, width: width - 4)
    let height = min(state.height - 2, lines.count + 5)
    let top = max(1, (state.height - height) / 2), left = max(0, (state.width - width) / 2)
    canvas.clear(top: top, left: left, width: width, height: height)
    canvas.box(
        top: top, left: left, width: width, height: height, title: title, glyphs: state.glyphs,
        style: CellStyle(.accent))
    for (index, line) in lines.prefix(height - 5).enumerated() {
        canvas.put(line.0, row: top + 1 + index, column: left + 2, style: line.1, limit: width - 4)
    }
    var column = left + 2
    for (index, button) in buttons.enumerated() {
        let style = index == choice ? CellStyle(.focus, bold: true, reverse: true) : CellStyle(.text)
        column += canvas.put("[ \(button) ]", row: top + height - 3, column: column, style: style) + 2
    }
    canvas.put(footer, row: top + height - 2, column: left + 2, style: CellStyle(.muted), limit: width - 4)
}

func drawHelp(_ canvas: inout Canvas, _ state: WizardState) {
    guard let (title, lines) = helpContent(state, width: 60) else { return }
    drawBox(
        &canvas, state, title: "Help: \(title)", lines: lines, buttons: ["Close"], choice: 0,
        footer: Keymap.hint(.message, [KeyHint(.close, "close", preferring: [.escape, .function(1)])]))
}

/// The focused row's help, for F1 and for the help pane: its key, what it accepts, its help, example and default,
/// and its problems (on a Review row: the field the problem is about, and the problem).
func helpContent(_ state: WizardState, width: Int) -> (title: String, lines: [(String, CellStyle)])? {
    guard var item = state.focusedItem else { return nil }
    var reviewed: Problem? = nil
    if case .problem(let index) = item.id, state.problems.indices.contains(index) {
        let problem = state.problems[index]
        reviewed = problem
        if let field = problem.location.key.flatMap(FieldRegistry.owningField) {
            item = FormItem(
                id: .field(field.path), label: field.label, keyPath: field.path.description, widget: .text,
                problemPaths: [], matchesSubpaths: false)
        } else {
            item = FormItem(
                id: .problem(index), label: problem.path, keyPath: problem.path, widget: .action, problemPaths: [],
                matchesSubpaths: false)
        }
    }
    func problemLines(_ problem: Problem) -> [(String, CellStyle)] {
        wrap(
            "\(problem.severity == .error ? state.glyphs.error : state.glyphs.warning) \(problem.message)", width: width
        )
            .map { ($0, CellStyle(problem.severity == .error ? .error : .warning)) }
    }
    var lines: [(String, CellStyle)] = wrap("Key: \(keyDisplay(item))", width: width).map {
        ($0, CellStyle(.accent, bold: true))
    }
    if let reviewed { lines += problemLines(reviewed) }
    if case .field(let path) = item.id, let field = FieldRegistry.field(path) {
        lines += wrap("Accepts: \(Validator.expectation(field.kind))", width: width).map { ($0, CellStyle(.muted)) }
        lines.append(("", .text))
        lines += wrap(field.help, width: width).map { ($0, .text) }
        lines += wrap("Example: \(field.example)", width: width).map { ($0, .text) }
        lines += wrap("Default: \(field.defaultDescription)", width: width).map { ($0, .text) }
        if !field.modes.isEmpty {
            lines += wrap(
                "Storage modes: \(field.modes.map(\.rawValue).sorted().joined(separator: ", "))", width: width
            ).map { ($0, CellStyle(.muted)) }
        }
        if state.config.route == .helm && !field.chartReads {
            lines += wrap("The chart's templates ignore this key (route helm).", width: width).map {
                ($0, CellStyle(.warning))
            }
        }
    } else {
        lines.append(("", .text))
        lines += wrap(settingHelp(item.id), width: width).map { ($0, .text) }
    }
    let problems = reviewed == nil ? Forms.problems(of: item, in: state) : []
    if !problems.isEmpty { lines.append(("", .text)) }
    for problem in problems { lines += problemLines(problem) }
    return (item.label, lines)
}

/// The key a row edits as help and prompts show it (`cacheRegistry.pv.size`, or `--namespace` for a setting).
public func keyDisplay(_ item: FormItem) -> String {
    if case .field(let path) = item.id { return ProblemLocation.key(path).description }
    return item.keyPath
}

/// The help text of a row: the field's (what it does, example, default) or the setting's.
public func helpText(_ item: FormItem) -> String {
    if case .field(let path) = item.id, let field = FieldRegistry.field(path) {
        return "\(field.help) Accepts \(Validator.expectation(field.kind)). Example: \(field.example). Default: "
            + "\(field.defaultDescription)."
    }
    return settingHelp(item.id)
}

func settingHelp(_ id: ItemID) -> String {
    switch id {
    case .namespace: return ProblemLocation.Setting.namespace.help
    case .release: return ProblemLocation.Setting.release.help
    case .route:
        return ([ProblemLocation.Setting.route.help] + InstallRoute.allCases.map { "\($0.rawValue): \($0.help)" })
            .joined(separator: " ")
    case .outputDir: return ProblemLocation.Setting.outputDir.help
    case .storageMode: return StorageMode.wizardChoices.map(\.help).joined(separator: "; ")
        + ". Switching removes the old source from values.yaml."
    case .tlsSource: return "generate self-signed (the default for a new setup): a new pair for exactly the service's "
        + "names and the node address, generated at once and written as secret.yaml and trust/; choose it again to "
        + "replace the chart's published pair or one that misses a name. import: PEM files are checked and written as "
        + "secret.yaml. existing secret: the registry uses deployment.tlsSecretName as it is, made by you (tls "
        + "generate makes one)."
    case .tlsCertificate: return "Path of the PEM certificate. It must cover <service>.<namespace>."
    case .tlsKey: return "Path of the PEM private key (RSA or ECDSA). It is never shown."
    case .tlsDays: return "How long the generated certificate is valid, in days (1 to 3650)."
    case .tlsAlgorithm: return "ECDSA P-256 (default) or RSA 2048."
    case .updateReferences:
        let press = Keymap.hint(.actionRow, [KeyHint(.confirm, "updates", preferring: [.enter])])
        return "The chart's values repeat the registry's address in other components (the Tool Manager's env, certs.d "
            + "mount paths, a start command, BuildKit's config). \(press) every line that holds the old address when "
            + "the file is written; the preview's values diff shows them."
    default: return ""
    }
}

/// The list editor: one item a row in flow YAML, the one being typed below them, and the list's problems.
func drawList(_ canvas: inout Canvas, _ state: WizardState, path: KeyPath, selection: Int, editing: String?) {
    let items = state.config.view.value(path)?.items ?? []
    let width = min(state.width - 4, 76), height = min(state.height - 2, 18)
    let top = 2, left = (state.width - width) / 2
    canvas.clear(top: top, left: left, width: width, height: height)
    let label = FieldRegistry.field(path)?.label ?? path.description
    canvas.box(top: top, left: left, width: width, height: height, title: "\(label) (\(path))", glyphs: state.glyphs,
               style: CellStyle(.accent))
    let visible = height - 8
    let start = max(0, min(selection, items.count - 1) - visible + 1)
    for (offset, item) in items.dropFirst(start).prefix(visible).enumerated() {
        let index = start + offset
        let chosen = index == selection && editing == nil
        let style = chosen ? CellStyle(.focus, reverse: true) : CellStyle(.text)
        canvas.fill(row: top + 1 + offset, column: left + 1, width: width - 2, style: style)
        canvas.put("\(index + 1). \(FieldRegistry.displayText(item))", row: top + 1 + offset, column: left + 2,
                   style: style, limit: width - 4)
    }
    if items.isEmpty { canvas.put("no items yet", row: top + 1, column: left + 2, style: CellStyle(.muted)) }
    var row = top + height - 6
    if let editing {
        let what = selection < items.count ? "item \(selection + 1)" : "new item"
        canvas.put("\(what): \(editing)", row: row, column: left + 2, style: CellStyle(.focus, bold: true),
                   limit: width - 4)
        canvas.cursor = (row, min(left + width - 3, left + 4 + what.count + editing.count))
        if !editing.isEmpty, ValueText.value(flow: editing) == nil {
            canvas.put("\(state.glyphs.error) not YAML yet: such as {ipBlock: {cidr: 10.0.0.0/16}}", row: row + 1,
                       column: left + 2, style: CellStyle(.error, bold: true), limit: width - 4)
        }
    }
    row += 2
    for problem in state.problems.filter({ $0.location.overlaps(.key(path)) }).prefix(2) {
        let tag = problem.severity == .error ? state.glyphs.error : state.glyphs.warning
        canvas.put("\(tag) \(problem.message)", row: row, column: left + 2,
                   style: CellStyle(problem.severity == .error ? .error : .warning), limit: width - 4)
        row += 1
    }
    let keys = editing == nil
        ? Keymap.hint(.list, [KeyHint([.moveSelection(by: -1), .moveSelection(by: 1)], "choose"),
                              KeyHint(.confirm, "edits"), KeyHint(.addItem, "adds"), KeyHint(.removeItem, "removes"),
                              KeyHint(.close, "closes")])
        : Keymap.hint(.listItem, [KeyHint(.confirm, "keeps it"), KeyHint(.close, "cancels")])
    canvas.put(keys, row: top + height - 2, column: left + 2, style: CellStyle(.muted), limit: width - 4)
}

func drawFind(_ canvas: inout Canvas, _ state: WizardState, query: String, selection: Int) {
    let matches = state.findMatches(query)
    let width = min(state.width - 4, 76), height = min(state.height - 2, 18)
    let top = 2, left = (state.width - width) / 2
    canvas.clear(top: top, left: left, width: width, height: height)
    canvas.box(
        top: top, left: left, width: width, height: height, title: "Find a field", glyphs: state.glyphs,
        style: CellStyle(.accent))
    canvas.put("Find: " + query, row: top + 1, column: left + 2, style: CellStyle(.focus, bold: true), limit: width - 4)
    canvas.cursor = (top + 1, left + 8 + query.count)
    let visible = height - 4
    let start = max(0, selection - visible + 1)
    // Columns sized to what is listed: the label, the key path, then the step (or the mode that shows a hidden field).
    let labelWidth = min(20, matches.map(\.item.label.count).max() ?? 0)
    let whereWidth = matches.map { $0.hiddenIn.map { "\($0) mode" } ?? $0.step.rawValue }.map(\.count).max() ?? 0
    let pathWidth = max(10, width - 4 - labelWidth - whereWidth - 2)
    for (offset, match) in matches.dropFirst(start).prefix(visible).enumerated() {
        let index = start + offset
        let hidden = match.hiddenIn != nil
        let style = index == selection ? CellStyle(.focus, reverse: true) : CellStyle(hidden ? .muted : .text)
        canvas.fill(row: top + 2 + offset, column: left + 1, width: width - 2, style: style)
        let path =
            match.item.keyPath.count > pathWidth ? "…" + match.item.keyPath.suffix(pathWidth - 1) : match.item.keyPath
        let place = match.hiddenIn.map { "\($0) mode" } ?? match.step.rawValue
        let text = "\(match.item.label.fitted(labelWidth)) \(path.fitted(pathWidth)) \(place)"
        canvas.put(text, row: top + 2 + offset, column: left + 2, style: style, limit: width - 4)
    }
    if matches.isEmpty { canvas.put("no field matches", row: top + 2, column: left + 2, style: CellStyle(.muted)) }
    let keys = Keymap.hint(.find, [KeyHint([.moveSelection(by: -1), .moveSelection(by: 1)], "choose"),
                                   KeyHint(.confirm, "jumps"), KeyHint(.close, "closes")])
    canvas.put("Type to filter  " + keys, row: top + height - 2, column: left + 2, style: CellStyle(.muted),
               limit: width - 4)
}

func drawPreview(_ canvas: inout Canvas, _ state: WizardState, tab: Int, scroll: Int) {
    let tabs = state.previewTabs
    let top = 1, left = 0, width = state.width, height = state.height - 2
    canvas.clear(top: top, left: left, width: width, height: height)
    canvas.box(
        top: top, left: left, width: width, height: height, title: "Preview", glyphs: state.glyphs,
        style: CellStyle(.accent))
    // The tab strip starts where the current tab still fits, so it is always shown with its label.
    let room = width - 6
    var first = min(tab, max(0, tabs.count - 1))
    while first > 0 && tabs[(first - 1)...tab].map({ $0.title.count + 3 }).reduce(0, +) <= room { first -= 1 }
    var column = 2
    if first > 0 { canvas.put(String(state.glyphs.left), row: top + 1, column: 1, style: CellStyle(.muted)) }
    for (index, item) in tabs.enumerated().dropFirst(first) {
        let style = index == tab ? CellStyle(.focus, bold: true, reverse: true) : CellStyle(.muted)
        if column + item.title.count + 2 >= width - 3 {
            canvas.put(String(state.glyphs.right), row: top + 1, column: width - 2, style: CellStyle(.muted))
            break
        }
        column += canvas.put(" \(item.title) ", row: top + 1, column: column, style: style) + 1
    }
    guard tabs.indices.contains(tab) else { return }
    let lines = PreviewLayout.rows(tabs[tab], width: width)
    let visible = PreviewLayout.visibleLines(height: state.height)
    let start = min(scroll, max(0, lines.count - visible))
    for (offset, line) in lines.dropFirst(start).prefix(visible).enumerated() {
        if line.continued {
            canvas.put(line.text, row: top + 2 + offset, column: 2, style: CellStyle(line.role), limit: width - 4)
        } else {
            drawYAMLLine(&canvas, line.text, role: line.role, row: top + 2 + offset, column: 2, limit: width - 4)
        }
    }
    let position = lines.isEmpty ? "" : "lines \(start + 1)-\(min(lines.count, start + visible)) of \(lines.count)"
    let keys = Keymap.hint(.preview, [
        KeyHint([.switchTab(by: -1), .switchTab(by: 1)], "tab"),
        KeyHint([.scroll(.lines(-1)), .scroll(.lines(1)), .scroll(.pages(-1)), .scroll(.pages(1)), .scroll(.top),
                 .scroll(.bottom)], ""),
        KeyHint(.close, "close"),
    ])
    canvas.put("\(position)  \(keys)", row: top + height - 2, column: 2, style: CellStyle(.muted), limit: width - 4)
}

/// A YAML line with the key part coloured as a key.
func drawYAMLLine(_ canvas: inout Canvas, _ text: String, role: StyleRole, row: Int, column: Int, limit: Int) {
    guard role == .yamlString || role == .yamlNumber, let colon = text.firstIndex(of: ":") else {
        canvas.put(text, row: row, column: column, style: CellStyle(role), limit: limit)
        return
    }
    let key = String(text[...colon])
    let used = canvas.put(key, row: row, column: column, style: CellStyle(.yamlKey), limit: limit)
    canvas.put(
        String(text[text.index(after: colon)...]), row: row, column: column + used, style: CellStyle(role),
        limit: limit - used)
}

func drawWrite(_ canvas: inout Canvas, _ state: WizardState, plan: WritePlan?, choice: Int) {
    let errors = state.problems.errors
    if !errors.isEmpty {
        var lines: [(String, CellStyle)] = [("Writing is refused: \(errors.count) error\(errors.count == 1 ? "" : "s") "
            + "to fix first.", CellStyle(.error, bold: true)), ("", .text)]
        lines += errors.prefix(max(1, state.height - 10)).map { ("\(state.glyphs.error) \($0.path): "
            + "\($0.message)", CellStyle(.error)) }
        drawBox(&canvas, state, title: "Write", lines: lines, buttons: ["Back"], choice: 0,
                footer: Keymap.hint(.writeDialog, [KeyHint(.close, "back; the Review step lists every problem")]))
        return
    }
    guard let plan else {
        drawBox(
            &canvas, state, title: "Write", lines: [("Preparing the files...", CellStyle(.muted))], buttons: [],
            choice: 0, footer: Keymap.hint(.writeDialog, [KeyHint(.close, "cancel")]))
        return
    }
    var lines: [(String, CellStyle)] = [("These files will be written:", CellStyle(.title, bold: true))]
    for entry in plan.summary {
        let change = entry.added + entry.removed == 0 ? "unchanged" : "+\(entry.added) -\(entry.removed) lines"
        lines.append(("  \(entry.path)  (\(change))", .text))
    }
    if plan.keyInReadableValues {
        lines.append(("", .text))
        let mode = state.disk?.valuesFileMode.map { "0" + String($0, radix: 8) } ?? "its mode"
        lines.append((plan.restrictValuesMode
                      ? "\(state.glyphs.ok) \(plan.valuesPath) will hold a private key, so it is written 0600 (p: keep "
                          + "\(mode))"
                      : "\(state.glyphs.warning) \(plan.valuesPath) will hold a private key and stay \(mode): others "
                          + "can read it (p: 0600)",
                      CellStyle(.warning, bold: !plan.restrictValuesMode)))
    }
    if !plan.overwrites.isEmpty {
        lines.append(("", .text))
        lines.append(("These files exist and will be replaced:", CellStyle(.warning, bold: true)))
        lines += plan.overwrites.map { ("  \($0)", CellStyle(.warning)) }
    }
    if let offer = WritePlanner.editOffer(state) {
        lines.append(("", .text))
        lines.append((offer, CellStyle(.warning)))
    }
    if state.config.view.enabled, plan.claimChanges {
        lines.append(("", .text))
        lines += wrap("\(state.glyphs.warning) " + ClaimChange.problem(state.config).message, width: 60).map {
            ($0, CellStyle(.warning, bold: true))
        }
    }
    let buttons = plan.overwrites.isEmpty ? ["Cancel", "Write"] : ["Cancel", "Overwrite"]
    let footer = Keymap.hint(.writeDialog, plan.overwrites.isEmpty
        ? [KeyHint(.confirm, "write"), KeyHint(.close, "cancel")]
        : [KeyHint(.answer(true), "overwrite"), KeyHint(.answer(false), "cancel"), KeyHint(.confirm, ": highlighted")])
    drawBox(
        &canvas, state, title: "Write", lines: lines, buttons: buttons, choice: plan.overwrites.isEmpty ? 1 : choice,
        footer: footer)
}

extension String {
    /// Padded with spaces to `width`; a longer text is kept whole (the line wraps, nothing is cut).
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    /// Exactly `width` characters: padded, or cut (the columns of the find list).
    func fitted(_ width: Int) -> String { String(padding(width).prefix(width)) }
}

/// The preview's geometry, shared by drawing and scrolling.
enum PreviewLayout {
    /// Lines of a tab shown at once in a window `height` rows high.
    static func visibleLines(height: Int) -> Int { max(1, height - 6) }

    /// A tab's lines as rows of a preview `width` columns wide: a longer line goes on in the rows below it,
    /// two columns deeper than the line's own indentation, so nothing is cut and YAML's nesting still reads
    /// (Left/Right switch tabs, so there is no sideways scroll).
    static func rows(_ tab: PreviewTab, width: Int) -> [(text: String, role: StyleRole, continued: Bool)] {
        let room = max(10, width - 4)
        var rows: [(text: String, role: StyleRole, continued: Bool)] = []
        for line in tab.lines {
            var rest = Substring(line.text)
            let indent = String(repeating: " ", count: min(room / 2, rest.prefix { $0 == " " }.count + 2))
            rows.append((String(rest.prefix(room)), line.role, false))
            rest = rest.dropFirst(room)
            while !rest.isEmpty {
                rows.append((indent + rest.prefix(room - indent.count), line.role, true))
                rest = rest.dropFirst(room - indent.count)
            }
        }
        return rows
    }
}
