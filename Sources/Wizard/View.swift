import Manifests
import RegistryModel
import RegistryTLS

/// Where things are on screen; `view` draws it and mouse clicks are resolved against it.
struct Layout {
    enum Target: Equatable { case step(Step), item(Int) }

    let state: WizardState
    let sideWidth = 14
    var formLeft: Int { sideWidth + 1 }
    var formWidth: Int { state.width - sideWidth - 2 - (helpPaneWidth > 0 ? helpPaneWidth + 1 : 0) }
    /// On windows wider than 110 columns the focused field's help stands beside the form (F1 stays for narrow ones).
    var helpPaneWidth: Int { state.width > 110 ? min(50, (state.width - sideWidth) / 3) : 0 }
    var helpPaneLeft: Int { formLeft + formWidth + 1 }
    var bodyTop: Int { 2 }
    var bodyBottom: Int { state.height - 3 }
    var firstItemRow: Int { bodyTop + 2 }
    var labelWidth: Int { 18 }
    /// Text fields widen with the window (24 characters at 80, 40 at 100, at most 64); the key path takes the rest.
    /// One column more than the promise, for the cursor after the last character (a 40-character path shows whole).
    var valueWidth: Int { max(25, min(65, formWidth - labelWidth - 25)) }

    init(_ state: WizardState) { self.state = state }

    /// Each item's first row and its problem lines, scrolled so the focused item shows.
    func rows() -> (rows: [(item: Int, row: Int)], problemLines: [Int: [String]], offset: Int) {
        let items = state.items
        var starts: [Int] = []
        var problemLines: [Int: [String]] = [:]
        var line = 0
        for (index, item) in items.enumerated() {
            starts.append(line)
            line += 1
            if case .problem(let problemIndex) = item.id, state.problems.indices.contains(problemIndex) {
                // A Review row wraps: its first line on the row, the rest below it.
                let lines = problemRowLines(state.problems[problemIndex], width: formWidth - 2)
                problemLines[index] = Array(lines.dropFirst())
                line += lines.count - 1
                continue
            }
            let messages = item.id == .updateReferences
                ? state.referenceLines.flatMap {
                    wrap("\(state.valuesPath):\($0.line) \($0.path)", width: formWidth - 6)
                }
                : Forms.problems(of: item, in: state).flatMap { problem in
                    wrap("\(problem.severity == .error ? state.glyphs.error : state.glyphs.warning) "
                        + "\(problem.message)", width: formWidth - 6)
                }
            problemLines[index] = messages
            line += messages.count
        }
        let visible = bodyBottom - firstItemRow + 1
        var offset = 0
        if items.indices.contains(state.focus) {
            let end = starts[state.focus] + 1 + (problemLines[state.focus]?.count ?? 0)
            offset = max(0, end - visible)
        }
        return (
            starts.enumerated().map { (item: $0.offset, row: firstItemRow + $0.element - offset) }, problemLines, offset
        )
    }

    func hit(row: Int, column: Int) -> Target? {
        if column < sideWidth {
            let index = row - bodyTop
            return Step.allCases.indices.contains(index) ? .step(Step.allCases[index]) : nil
        }
        return rows().rows.first { $0.row == row && row >= firstItemRow && row <= bodyBottom }.map { .item($0.item) }
    }
}

/// Draws the whole screen for a state.
public func view(_ state: WizardState) -> Canvas {
    var canvas = Canvas(width: state.width, height: state.height)
    if state.isTooSmall {
        let message = "Terminal too small: need \(WizardState.minimumWidth)x\(WizardState.minimumHeight), have "
            + "\(state.width)x\(state.height)"
        let quit = Keymap.hint(.form, [KeyHint(.quit, "to quit")])
        var lines = wrap(message, width: max(1, state.width - 2)) + ["", "Enlarge the window, or press \(quit)."]
        if case .quit? = state.dialog {
            let answers = [true, false].compactMap { Keymap.keys(for: .answer($0), in: .question).first?.name }
            lines += ["", "Unsaved changes. Quit without writing? \(answers.joined(separator: " / "))"]
        }
        for (index, line) in lines.enumerated() {
            canvas.put(line, row: max(0, state.height / 2 - 1) + index, column: max(0, (state.width - line.count) / 2),
                       style: index == 0 ? CellStyle(.error, bold: true) : CellStyle(.muted))
        }
        return canvas
    }
    let layout = Layout(state)
    drawFrame(&canvas, state, layout)
    drawSteps(&canvas, state, layout)
    drawForm(&canvas, state, layout)
    drawHelpPane(&canvas, state, layout)
    drawStatus(&canvas, state)
    if let dialog = state.dialog { drawDialog(&canvas, state, dialog) }
    return canvas
}

func drawFrame(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout) {
    let title = state.mode == .setup ? "Cache Registry setup: new configuration" : "Cache Registry setup: editing "
        + "\(state.valuesPath)"
    canvas.fill(row: 0, column: 0, width: state.width, style: CellStyle(.title, reverse: true))
    canvas.put(
        " " + title, row: 0, column: 0, style: CellStyle(.title, bold: true, reverse: true), limit: state.width - 12)
    if state.isDirty {
        canvas.put("modified ", row: 0, column: state.width - 9, style: CellStyle(.title, reverse: true))
    }
    canvas.box(top: 1, left: 0, width: state.width, height: state.height - 2, title: "", glyphs: state.glyphs)
    for row in 2..<(state.height - 2) {
        canvas[row, layout.sideWidth] = Cell(state.glyphs.vertical, CellStyle(.border))
    }
    canvas[1, layout.sideWidth] = Cell(state.glyphs.teeDown, CellStyle(.border))
    canvas[state.height - 2, layout.sideWidth] = Cell(state.glyphs.teeUp, CellStyle(.border))
    canvas.put(" Steps ", row: 1, column: 2, style: CellStyle(.title, bold: true))
}

func drawSteps(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout) {
    for (index, step) in Step.allCases.enumerated() {
        let stepProblems = state.problems.filter { Forms.step(of: $0) == step }
        let marker: Character
        let markerStyle: CellStyle
        if step == .review || step == .write {
            marker = " "
            markerStyle = .text
        } else if !stepProblems.errors.isEmpty {
            marker = state.glyphs.error
            markerStyle = CellStyle(.error, bold: true)
        } else if !stepProblems.warnings.isEmpty {
            marker = state.glyphs.warning
            markerStyle = CellStyle(.warning, bold: true)
        } else {
            marker = state.glyphs.ok
            markerStyle = CellStyle(.success)
        }
        let row = layout.bodyTop + index
        let current = step == state.step
        canvas.put(String(marker), row: row, column: 1, style: markerStyle)
        canvas.fill(
            row: row, column: 2, width: layout.sideWidth - 2,
            style: current ? CellStyle(.focus, bold: true, reverse: true) : .text)
        canvas.put(
            " " + step.rawValue, row: row, column: 2,
            style: current ? CellStyle(.focus, bold: true, reverse: true) : .text, limit: layout.sideWidth - 2)
    }
}

func drawForm(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout) {
    let left = layout.formLeft + 1
    let number = (Step.allCases.firstIndex(of: state.step) ?? 0) + 1
    // A cache's own screen names the cache: `Mirrors › docker-io`.
    let opened = state.step == .mirrors ? state.openMirror.flatMap { index in
        Mirrors.list(state.config).first { $0.index == index }.map { " \(state.glyphs.right) \($0.name)" }
    } ?? "" : ""
    canvas.put("\(state.step.rawValue)\(opened)  (step \(number) of \(Step.allCases.count))", row: layout.bodyTop,
               column: left, style: CellStyle(.title, bold: true), limit: layout.formWidth - 1)
    let items = state.items
    if state.step == .review { drawReviewHeader(&canvas, state, layout) }
    if state.step == .write { drawWriteSummary(&canvas, state, layout) }
    let (rows, problemLines, _) = layout.rows()
    for (index, row) in rows where row >= layout.firstItemRow && row <= layout.bodyBottom {
        let item = items[index]
        let focused = index == state.focus
        if case .problem(let problemIndex) = item.id {
            let problem = state.problems[problemIndex]
            let style =
                focused ? CellStyle(.focus, reverse: true) : CellStyle(problem.severity == .error ? .error : .warning)
            for (offset, text) in problemRowLines(problem, width: layout.formWidth - 2).enumerated()
            where row + offset <= layout.bodyBottom {
                canvas.fill(row: row + offset, column: left, width: layout.formWidth - 1, style: style)
                canvas.put(text, row: row + offset, column: left, style: style, limit: layout.formWidth - 2)
            }
            continue
        }
        drawItem(&canvas, state, layout, item, row: row, focused: focused)
        for (offset, message) in (problemLines[index] ?? []).enumerated() {
            let messageRow = row + 1 + offset
            guard messageRow <= layout.bodyBottom else { break }
            let isError = message.first == state.glyphs.error
            canvas.put(
                "    " + message, row: messageRow, column: left,
                style: CellStyle(isError ? .error : .warning, bold: isError),
                       limit: layout.formWidth - 1)
        }
    }
    if items.isEmpty && state.step == .review {
        canvas.put(
            "\(state.glyphs.ok) No problems. \(Keymap.hint(.form, [KeyHint(.nextStep, "to write")])).",
            row: layout.firstItemRow, column: left,
            style: CellStyle(.success))
    }
    let nextFreeRow =
        (rows.last.map { $0.row + 1 + (problemLines[$0.item]?.count ?? 0) } ?? layout.firstItemRow + 1) + 1
    if state.step == .review {
        drawManifestSummary(&canvas, state, layout, from: max(nextFreeRow, layout.firstItemRow + 2))
    }
    if state.step == .tls { drawTLSSummary(&canvas, state, layout, from: nextFreeRow) }
    if state.step == .service { drawReachSummary(&canvas, state, layout, from: nextFreeRow) }
}

/// The help pane of a wide window: a divider, then the focused row's help as F1 shows it.
func drawHelpPane(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout) {
    guard layout.helpPaneWidth > 0 else { return }
    let divider = layout.helpPaneLeft - 1
    for row in 2..<(state.height - 2) { canvas[row, divider] = Cell(state.glyphs.vertical, CellStyle(.border)) }
    canvas[1, divider] = Cell(state.glyphs.teeDown, CellStyle(.border))
    canvas[state.height - 2, divider] = Cell(state.glyphs.teeUp, CellStyle(.border))
    let left = layout.helpPaneLeft + 1, width = layout.helpPaneWidth - 2
    guard let (title, lines) = helpContent(state, width: width) else { return }
    canvas.put(title, row: layout.bodyTop, column: left, style: CellStyle(.title, bold: true), limit: width)
    for (offset, line) in lines.enumerated() where layout.bodyTop + 2 + offset <= layout.bodyBottom {
        canvas.put(line.0, row: layout.bodyTop + 2 + offset, column: left, style: line.1, limit: width)
    }
}

/// A Review row's text, wrapped: `ERROR path: message`, continued under the path.
func problemRowLines(_ problem: Problem, width: Int) -> [String] {
    let tag = problem.severity == .error ? "ERROR" : "WARN "
    let lines = wrap("\(problem.path): \(problem.message)", width: max(10, width - 6))
    return lines.enumerated().map { ($0.offset == 0 ? tag + " " : "      ") + $0.element }
}

/// The Service step's summary: the address pods use, and the one nodes (outside cluster DNS) use, if any.
func drawReachSummary(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout, from top: Int) {
    let view = state.config.view
    let invalidNodePort = view.string(.serviceType) == "NodePort" && view.value(.serviceNodePort) != nil
    let nodes = state.config.nodeAddress.map { "Nodes pull from \($0) (the certificate and trust/ cover it)." }
        ?? (invalidNodePort ? "Nodes can pull once the NodePort is valid." : nil)
        ?? "Nodes cannot resolve Service names: give a fixed ClusterIP or a NodePort for nodes to pull from the "
            + "registry."
    let lines = wrap(
        "Pods reach the registry at \(state.config.registryAddress). " + nodes, width: layout.formWidth - 2)
    for (offset, line) in lines.enumerated() where top + offset <= layout.bodyBottom {
        canvas.put(
            line, row: top + offset, column: layout.formLeft + 1, style: CellStyle(.muted), limit: layout.formWidth - 1)
    }
}

/// The TLS step's summary: what the certificate covers and when it expires (or what the secret must hold).
func drawTLSSummary(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout, from top: Int) {
    let left = layout.formLeft + 1
    let names = state.config.certificateNames
    var lines: [(String, CellStyle)] = []
    if let report = state.tlsReport {
        let key = report.keyMatches.map { $0 ? "key matches" : "key does NOT match" } ?? "no key given"
        let expiry = report.isExpired ? "EXPIRED on" : "expires"
        lines.append(("Certificate (\(report.keyAlgorithm)): \(expiry) \(CalendarDate.string(report.notAfter)), \(key)",
                      CellStyle(.title, bold: true)))
        lines += report.coverage.map { entry in
            (entry.covered ? "  \(state.glyphs.ok) \(entry.name)" : "  \(state.glyphs.error) \(entry.name) (not "
                + "covered)",
             entry.covered ? CellStyle(.success) : CellStyle(.warning))
        }
        for ip in state.config.certificateIPs {
            let covered = report.ipAddresses.contains(ip)
            lines.append((covered ? "  \(state.glyphs.ok) \(ip) (node address)" : "  \(state.glyphs.error) \(ip) (node "
                + "address, not covered)",
                          covered ? CellStyle(.success) : CellStyle(.error)))
        }
    } else if state.tls.source == .generate {
        let algorithm = Forms.keyAlgorithms.first { $0.rsa == state.tls.rsa }?.label ?? ""
        lines.append(("A self-signed \(algorithm) certificate for:", CellStyle(.title, bold: true)))
        lines += names.map { ("  \($0)", CellStyle(.text)) }
        lines += state.config.certificateIPs.map { ("  \($0) (node address, an IP SAN)", CellStyle(.text)) }
        let helm = state.tlsValuesPath.map { "\($0) (0600)" } ?? "registryTls in \(state.valuesPath)"
        lines += wrap("Written to \(state.outputDir)/secret.yaml (0600) and, for Helm, to \(helm); "
            + "\(state.outputDir)/trust/ tells nodes to trust it.",
                      width: layout.formWidth - 2).map { ($0, CellStyle(.muted)) }
    } else if state.tls.source == .existing {
        lines.append(("Secret \(state.config.view.string(.deploymentTlsSecretName) ?? "") needs tls.crt/tls.key "
            + "for:", CellStyle(.title, bold: true)))
        lines += names.map { ("  \($0)", CellStyle(.text)) }
        lines += state.config.certificateIPs.map { ("  \($0) (node address, an IP SAN)", CellStyle(.text)) }
    }
    // Wrapped, so no word of the summary is cut at 80 columns.
    for (offset, line) in wrapKeepingIndent(lines, width: layout.formWidth - 2).enumerated()
    where top + offset <= layout.bodyBottom {
        canvas.put(line.0, row: top + offset, column: left, style: line.1, limit: layout.formWidth - 1)
    }
}

/// The Review step's list of files: the values file, each manifest with its resource, kustomization.yaml, and why
/// anything is left out: `plannedFileList`, the write dialog's list; F2 shows the YAML.
/// Review's list of the caches, when there are mirrors: each with what it caches and where nodes reach it.
func cacheLines(_ config: RegistryConfig) -> [(String, CellStyle)] {
    let mirrors = Mirrors.list(config).filter { !$0.name.isEmpty }
    guard !mirrors.isEmpty else { return [] }
    let view = config.view
    let own = view.bool(.proxyEnabled) == true ? view.text(.proxyRemoteURL) : "private registry"
    let rows = [(view.text(.deploymentName), own, config.nodeAddress)]
        + mirrors.map { ($0.objectName, $0.upstream ?? "", $0.config(in: config).nodeAddress) }
    let width = rows.map(\.0.count).max() ?? 0, upstreamWidth = rows.map(\.1.count).max() ?? 0
    return [("Caches (nodes pull through the node address)", CellStyle(.title, bold: true))]
        + rows.map { name, upstream, address in
            ("  \(name.padding(width)) \(upstream.padding(upstreamWidth)) \(address ?? "no node address")",
             CellStyle(.text))
        } + [("", CellStyle(.text))]
}

func drawManifestSummary(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout, from top: Int) {
    guard top <= layout.bodyBottom else { return }
    let left = layout.formLeft + 1
    let plan = state.manifestPlan
    let preview = Keymap.hint(.form, [KeyHint(.openPreview, ": YAML")])
    var lines = cacheLines(state.config)
    lines.append(("Files to write, namespace \(state.config.namespace) (\(preview))", CellStyle(.title, bold: true)))
    // A folder too long to stand before every file name is written once, whole, with the names below it.
    let longest = WritePlanner.path(state.outputDir, OutputFile.kustomization.name)
    let underFolder = longest.count > 28
    func summaryLine(_ file: PlannedFile) -> (String, CellStyle) {
        let (indent, name, width) = file.nameInFolder.map { underFolder ? ("    ", $0, 20) : ("  ", file.path, 28) }
            ?? ("  ", file.path, 28)
        let line = file.description.isEmpty ? indent + name : "\(indent)\(name.padding(width)) \(file.description)"
        return (line, CellStyle(.text))
    }
    let files = state.plannedFileList(plan)
    if underFolder, let first = files.firstIndex(where: { $0.nameInFolder != nil }) {
        lines += files[..<first].map(summaryLine)
        lines.append(("  \(WritePlanner.path(state.outputDir, ""))", CellStyle(.text)))
        lines += files[first...].map(summaryLine)
    } else {
        lines += files.map(summaryLine)
    }
    lines += plan.omitted.map { ("  \($0.reason)", CellStyle(.muted)) }
    lines += plan.notes.map { ("  Note: \($0)", CellStyle(.warning)) }
    if let ignored = ChartRules.ignoredNote(state.config) { lines.append(("  Note: \(ignored)", CellStyle(.warning))) }
    for (offset, line) in wrapKeepingIndent(lines, width: layout.formWidth - 1).enumerated()
    where top + offset <= layout.bodyBottom {
        canvas.put(line.0, row: top + offset, column: left, style: line.1, limit: layout.formWidth - 1)
    }
}

func drawItem(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout, _ item: FormItem, row: Int, focused: Bool)
{
    var column = layout.formLeft + 1
    let problems = Forms.problems(of: item, in: state)
    let marker: Character =
        !problems.errors.isEmpty
        ? state.glyphs.error
        : (!problems.warnings.isEmpty ? state.glyphs.warning : (focused ? state.glyphs.pointer : " "))
    let markerStyle =
        !problems.errors.isEmpty
        ? CellStyle(.error, bold: true)
        : (!problems.warnings.isEmpty ? CellStyle(.warning, bold: true) : CellStyle(.accent))
    canvas.put(String(marker), row: row, column: column, style: markerStyle)
    column += 2
    if item.widget == .action {
        let style = focused ? CellStyle(.focus, bold: true, reverse: true) : CellStyle(.accent, bold: true)
        canvas.put("[ \(item.label) ]", row: row, column: column, style: style)
        let hintColumn = column + item.label.count + 4
        // The hint ends at the form's border (the full list is in the problems below the row).
        let room = layout.formLeft + layout.formWidth - hintColumn
        let hint = "  " + item.note
        let shown = hint.count > room ? String(hint.prefix(max(0, room - 1))) + "…" : hint
        canvas.put(shown, row: row, column: hintColumn,
                   style: CellStyle(.muted), limit: max(0, room))
        return
    }
    canvas.put(
        item.label, row: row, column: column, style: focused ? CellStyle(.focus, bold: true) : .text,
        limit: layout.labelWidth - 1)
    column += layout.labelWidth
    let text = focused ? (state.draft ?? Forms.text(of: item.id, in: state)) : Forms.text(of: item.id, in: state)
    // A focused text row with a key of its own (a list's Ctrl-E) says so where its key path stands.
    var keyPath = focused && item.widget == .text && !item.note.isEmpty ? item.note : item.keyPath
    let right = layout.formLeft + layout.formWidth
    if case .field(let fieldPath) = item.id, state.config.route == .helm,
        FieldRegistry.field(fieldPath)?.chartReads == false
    {
        // On the helm route the chart's templates never read this key: said beside the value, path first when both fit.
        let marker = "chart ignores it"
        keyPath =
            keyPath.count + marker.count + 3 <= right - column - layout.valueWidth - 2
            ? keyPath + " · " + marker : marker
    }
    // The value takes its column; the key path stands right-aligned at the border, and when it would not fit, the
    // value gives up the columns it does not use (never its text or the cursor), so the path stays whole.
    let textColumns = TerminalColumns.of(text)
    let natural = item.widget == .text ? layout.valueWidth : max(layout.valueWidth, textColumns + 4)
    let least: Int
    switch item.widget {
    case .text: least = max(8, textColumns + 1)
    case .choice: least = textColumns + 4
    case .toggle: least = 7
    case .action, .fact: least = textColumns
    }
    // Never past the form's border: a long value (a list as flow YAML) is cut there, and scrolls when focused.
    let width = min(max(least, min(natural, right - keyPath.count - 2 - column)), right - column - 1)
    let valueStyle = focused ? CellStyle(.focus, underline: true, reverse: true) : CellStyle(.accent, underline: true)
    switch item.widget {
    case .text:
        canvas.fill(row: row, column: column, width: width, style: valueStyle)
        // Scrolled in terminal columns, so a wide character never pushes the cursor out of the field.
        let characters = Array(text)
        let cursor = min(state.cursor, characters.count)
        var start = 0
        if focused { while TerminalColumns.of(characters[start..<cursor]) > width - 1 { start += 1 } }
        canvas.put(String(characters[start...]), row: row, column: column, style: valueStyle, limit: width)
        if focused { canvas.cursor = (row, column + TerminalColumns.of(characters[start..<cursor])) }
    case .choice:
        let shown = "\(state.glyphs.left) \(text) \(state.glyphs.right)"
        canvas.put(shown, row: row, column: column, style: valueStyle, limit: width + 8)
    case .toggle:
        canvas.put(text == "yes" ? "[x] yes" : "[ ] no", row: row, column: column, style: valueStyle, limit: width)
    case .action:
        break
    case .fact:
        canvas.put(text, row: row, column: column, style: CellStyle(.muted), limit: width)
    }
    let room = right - (column + width + 2)
    if room > 3 {
        let path = keyPath.count > room ? "…" + keyPath.suffix(room - 1) : keyPath
        canvas.put(path, row: row, column: right - path.count, style: CellStyle(.muted), limit: room)
    }
}

func drawReviewHeader(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout) {
    let errors = state.problems.errors.count, warnings = state.problems.warnings.count
    let keys = Keymap.hint(.actionRow, [KeyHint(.confirm, "jumps to the field;", preferring: [.enter])]) + " "
        + Keymap.hint(.form, [KeyHint(.openPreview, "shows the manifests.")])
    let line = errors + warnings == 0 ? "" : "Errors first. " + keys
    canvas.put(
        line, row: layout.bodyTop + 1, column: layout.formLeft + 1, style: CellStyle(.muted),
        limit: layout.formWidth - 1)
}

func drawWriteSummary(_ canvas: inout Canvas, _ state: WizardState, _ layout: Layout) {
    let left = layout.formLeft + 1
    var lines: [(String, CellStyle)] = [
        ("Values:    \(state.valuesPath)\(state.mode == .edit ? " (smallest diff)" : " (new, commented)")", .text),
        ("Manifests: \(state.outputDir)/ (one file per resource + kustomization.yaml)", .text),
        ("Namespace: \(state.config.namespace)   Release: \(state.config.release)", .text),
    ]
    if !state.problems.errors.isEmpty {
        lines.append(("\(state.glyphs.error) \(state.problems.errors.count) error(s) must be fixed before writing (see "
            + "Review).", CellStyle(.error, bold: true)))
    }
    for (index, line) in wrapKeepingIndent(lines, width: layout.formWidth - 2).enumerated()
    where layout.firstItemRow + 2 + index <= layout.bodyBottom {
        canvas.put(
            line.0, row: layout.firstItemRow + 2 + index, column: left, style: line.1, limit: layout.formWidth - 1)
    }
}

func drawStatus(_ canvas: inout Canvas, _ state: WizardState) {
    let row = state.height - 1
    let errors = state.problems.errors.count, warnings = state.problems.warnings.count
    let status = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    let style =
        errors > 0
        ? CellStyle(.error, bold: true)
        : (warnings > 0 ? CellStyle(.warning, bold: true) : CellStyle(.success, bold: true))
    let used = canvas.put(" " + status + " ", row: row, column: 0, style: style)
    if let note = state.working.first {
        canvas.put(
            "working: \(note)...", row: row, column: used + 1, style: CellStyle(.accent, bold: true),
            limit: state.width - used - 2)
        return
    }
    let room = state.width - used - 1
    canvas.put(Keymap.statusHints(fitting: room), row: row, column: used + 1, style: CellStyle(.muted), limit: room)
}
