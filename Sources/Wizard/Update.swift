import Manifests
import RegistryModel
import RegistryTLS
import ValuesFile

/// The wizard's one state transition: pure, with I/O returned as effects. The problems are recomputed once,
/// after the transition, when what they are computed from changed.
public func update(_ state: inout WizardState, _ action: Action) -> [Effect] {
    let effects = transition(&state, action)
    state.revalidateIfChanged()
    return effects
}

func transition(_ state: inout WizardState, _ action: Action) -> [Effect] {
    switch action {
    case .resize(let width, let height):
        state.width = width
        state.height = height
        return []
    case .click(let row, let column):
        guard state.dialog == nil, !state.isTooSmall else { return [] }
        switch Layout(state).hit(row: row, column: column) {
        case .step(let step)?: return transition(&state, .intent(.goTo(step: step, focus: 0)))
        case .item(let index)?: return transition(&state, .intent(.goTo(step: state.step, focus: index)))
        case nil: return []
        }
    case .tlsFilesLoaded(let result):
        state.tls.imported = result
        return []
    case .tlsGenerated(let material):
        state.tls.generated = material
        state.tls.generationFailure = nil
        return state.refreshOpenDialog()
    case .tlsGenerationFailed(let message):
        state.tls.generationFailure = message
        return []
    case .folderChecked(let path, let problem):
        state.folderProblem = problem.map { FolderProblem(path: path, message: $0) }
        return []
    case .workStarted(let note):
        state.working.append(note)
        return []
    case .workFinished(let note):
        if let index = state.working.firstIndex(of: note) { state.working.remove(at: index) }
        return []
    case .diskInspected(let snapshot):
        state.disk = snapshot
        return state.refreshOpenDialog()
    case .writeFinished(let outcome):
        switch outcome {
        case .written(let paths):
            state.savedConfig = state.config
            state.dialog = .done(paths)
        case .failed(let message):
            state.dialog = .failed(message)
        case .changedOnDisk(let path):
            state.dialog = .changedOnDisk(path: path, choice: 1)
        }
        return []
    case .reloaded(.success(let bytes)):
        do { try state.reload(bytes) } catch {
            state.dialog = .failed("cannot read \(state.valuesPath) again: \(error); nothing was changed")
            return []
        }
        return state.openWrite()
    case .reloaded(.failure(let error)):
        state.dialog = .failed("cannot read \(state.valuesPath) again: \(error.description); nothing was changed")
        return []
    case .key(let key):
        guard let intent = Keymap.intent(for: key, in: state.keyContexts) else { return [] }
        return transition(&state, .intent(intent))
    case .intent(let intent):
        if state.isTooSmall {
            // Only quitting works until the window is large enough; it asks first, as it does at full size.
            if case .quit? = state.dialog { return state.perform(intent, in: .quit(choice: 0)) }
            return intent == .quit ? state.quitAsking() : []
        }
        if let dialog = state.dialog { return state.perform(intent, in: dialog) }
        return state.perform(intent)
    }
}

extension WizardState {
    /// The rows of the current step.
    public var items: [FormItem] { Forms.items(step, in: self) }

    var focusedItem: FormItem? { items.indices.contains(focus) ? items[focus] : nil }

    /// Moves to a row of a step (as Find does).
    mutating func goTo(step newStep: Step, focus newFocus: Int) {
        draft = nil
        if newStep != step { openMirror = nil }
        step = newStep
        let count = items.count
        focus = count == 0 ? 0 : min(max(0, newFocus), count - 1)
        rememberFocusedField()
    }

    mutating func setFocus(_ index: Int) {
        draft = nil
        focus = index
        rememberFocusedField()
    }

    /// What the newly focused row holds, for the cursor and for Esc to put back.
    mutating func rememberFocusedField() {
        recordEdit()
        focusedText = Forms.text(of: focusedItem?.id ?? .writeButton, in: self)
        focusedSnapshot = currentSnapshot
        cursor = focusedText.count
    }

    var currentSnapshot: FieldSnapshot { FieldSnapshot(config: config, outputDir: outputDir, tls: tls) }

    /// The edit of the field being left, as one undo step (nothing when it was left as it was).
    mutating func recordEdit() {
        guard let before = focusedSnapshot, !before.sameEdits(as: currentSnapshot) else { return }
        undoStack.append(before)
        redoStack.removeAll()
        focusedSnapshot = currentSnapshot
    }

    /// Ctrl-Z puts back the values before the last field edit; Ctrl-Y does it again.
    mutating func undo(redoing: Bool) {
        recordEdit()
        guard let target = redoing ? redoStack.popLast() : undoStack.popLast() else { return }
        if redoing { undoStack.append(currentSnapshot) } else { redoStack.append(currentSnapshot) }
        config = target.config
        outputDir = target.outputDir
        tls = target.tls
        draft = nil
        focusedSnapshot = currentSnapshot
        focusedText = Forms.text(of: focusedItem?.id ?? .writeButton, in: self)
        cursor = focusedText.count
    }

    /// Ctrl-C or F12: quit at once when nothing would be lost, otherwise ask first.
    mutating func quitAsking() -> [Effect] {
        if isDirty {
            dialog = .quit(choice: 0)
            return []
        }
        return [.exit(status: 0)]
    }

    mutating func moveFocus(by delta: Int) {
        let count = items.count
        let target = focus + delta
        if target >= count, let next = Step.allCases.after(step) {
            goTo(step: next, focus: 0)
            return
        }
        if target < 0, let previous = Step.allCases.before(step) {
            goTo(step: previous, focus: Int.max)
            return
        }
        setFocus(min(max(0, target), max(0, count - 1)))
    }

    /// The keys that apply where the person is: the open dialog's, or the focused row's and then the form's.
    public var keyContexts: [KeyContext] {
        switch dialog {
        case .help?, .failed?, .keys?: return [.message]
        case .done?: return [.done]
        case .quit?, .changedOnDisk?: return [.question]
        case .write?: return [.writeDialog]
        case .find?: return [.find]
        case .preview?: return [.preview]
        case .list(_, _, let editing)?: return [editing == nil ? .list : .listItem]
        case nil:
            let own: KeyContext? = switch focusedItem?.widget {
            case .text?: .textField
            case .choice?: .choiceField
            case .toggle?: .toggleField
            case .action?: .actionRow
            case .fact?: .factRow
            case nil: nil
            }
            return (own.map { [$0] } ?? []) + [.form]
        }
    }

    /// Whether a key acts at once while the open dialog waits for background work: it closes or quits there;
    /// other keys wait for the work.
    public func interruptsWaiting(_ key: Key) -> Bool {
        let intent = Keymap.intent(for: key, in: keyContexts)
        return intent == .close || intent == .quit
    }

    /// An intent on the form (no dialog open).
    mutating func perform(_ intent: Intent) -> [Effect] {
        switch intent {
        case .nextField: moveFocus(by: 1)
        case .previousField: moveFocus(by: -1)
        case .nextStep: if let next = Step.allCases.after(step) { goTo(step: next, focus: 0) }
        case .previousStep: if let previous = Step.allCases.before(step) { goTo(step: previous, focus: 0) }
        case .goTo(let target, let index): goTo(step: target, focus: index)
        case .showProblem(let index): if problems.indices.contains(index) { jump(to: problems[index]) }
        case .showHelp: if focusedItem != nil { dialog = .help }
        case .showKeys: dialog = .keys(scroll: 0)
        case .openFind: dialog = .find(query: "", selection: 0)
        case .openList:
            guard case .field(let path)? = focusedItem?.id, case .yamlList? = FieldRegistry.field(path)?.kind
            else { return [] }
            draft = nil
            dialog = .list(path: path, selection: 0, editing: nil)
        case .openPreview: return openPreview()
        case .requestWrite: return openWrite()
        case .undo: undo(redoing: false)
        case .redo: undo(redoing: true)
        case .quit: return quitAsking()
        default: return performOnFocusedRow(intent)
        }
        return []
    }

    /// An intent that edits or presses the focused row.
    mutating func performOnFocusedRow(_ intent: Intent) -> [Effect] {
        guard let item = focusedItem else { return [] }
        switch (item.widget, intent) {
        case (.action, .confirm):
            if case .problem(let index) = item.id { return perform(.showProblem(index)) }
            if item.id == .updateReferences {
                updateReferences.toggle()
                return []
            }
            switch item.id {
            case .addMirror(let index):
                addMirror(upstream: Mirrors.presets[index].upstream)
                return []
            case .mirror(let index):
                openMirror = index
                goTo(step: .mirrors, focus: 1)
                return []
            case .closeMirror:
                let index = openMirror
                openMirror = nil
                goTo(step: .mirrors, focus: items.firstIndex { $0.id == index.map(ItemID.mirror) } ?? 0)
                return []
            case .removeMirror(let index):
                recordEdit()
                var list = config.view.value(Mirrors.key)?.items ?? []
                if list.indices.contains(index) { list.remove(at: index) }
                config = config.applying(Assignment(path: Mirrors.key, value: .sequence(list)))
                openMirror = nil
                goTo(step: .mirrors, focus: 0)
                recordEdit()
                return []
            default: break
            }
            return openWrite()
        case (.action, _), (.fact, _): return intent == .confirm ? perform(.nextField) : []
        case (.text, .confirm) where item.id == .addMirrorURL:
            let url = (draft ?? "").trimmingCharacters(in: .whitespaces)
            guard !url.isEmpty else { return [] }
            addMirror(upstream: url)
            draft = nil
            cursor = 0
            return []
        case (_, .confirm): return perform(.nextField)
        case (.choice(let options), .cycleChoice(let offset)):
            let index = Forms.choiceIndex(of: item.id, in: self) ?? (offset > 0 ? -1 : 0)
            return choose(item, index: (index + offset + options.count) % options.count)
        case (.choice(let options), .choose(let index)) where options.indices.contains(index):
            return choose(item, index: index)
        case (.toggle, .cycleChoice):
            return setText(item, Forms.text(of: item.id, in: self) == "yes" ? "no" : "yes")
        case (.toggle, .choose(let index)) where index == 0 || index == 1:
            return setText(item, index == 0 ? "yes" : "no")
        case (.choice, .revert), (.toggle, .revert):
            revertFocusedField()
            return []
        case (.text, _): return editText(item, intent)
        default: return []
        }
    }

    /// Editing a text row: the model changes on every keystroke, so problems follow at once.
    mutating func editText(_ item: FormItem, _ intent: Intent) -> [Effect] {
        var text = Array(draft ?? Forms.text(of: item.id, in: self))
        cursor = min(cursor, text.count)
        switch intent {
        case .insertText(let typed):
            // Typed text is text: line breaks and control characters (a pasted Ctrl-S or Enter) are dropped.
            let characters = typed.filter(\.isPrintable)
            text.insert(contentsOf: characters, at: cursor)
            cursor += characters.count
        case .setText(let replacement):
            text = Array(replacement.filter(\.isPrintable))
            cursor = text.count
        case .deleteBackward:
            guard cursor > 0 else { return [] }
            text.remove(at: cursor - 1)
            cursor -= 1
        case .deleteForward:
            guard cursor < text.count else { return [] }
            text.remove(at: cursor)
        case .moveCursor(let move):
            switch move {
            case .left: cursor = max(0, cursor - 1)
            case .right: cursor = min(text.count, cursor + 1)
            case .start: cursor = 0
            case .end: cursor = text.count
            }
            return []
        case .clearText:
            text = []
            cursor = 0
        case .revert:
            guard String(text) != focusedText else { return [] }
            revertFocusedField()
            cursor = focusedText.count
            return []
        default: return []
        }
        return setText(item, String(text))
    }

    /// Esc: puts back what the focused field held when it was focused (the values exactly as they were).
    mutating func revertFocusedField() {
        guard let snapshot = focusedSnapshot else { return }
        config = snapshot.config
        outputDir = snapshot.outputDir
        tls = snapshot.tls
        draft = nil
    }

    mutating func setText(_ item: FormItem, _ text: String) -> [Effect] {
        draft = text
        var effects: [Effect] = []
        switch item.id {
        case .field(let path):
            let value: Value
            if Forms.usesPairs(path, config.view) {
                value = Forms.pairsValue(text)
            } else if FieldRegistry.field(path)?.kind.isYAML == true {
                // Flow YAML as typed; what does not parse stays text, which the field's rule explains.
                value = text.isEmpty ? .null : ValueText.value(flow: text) ?? .string(text)
            } else if text.isEmpty, FieldRegistry.field(path)?.nullable == true {
                // Emptying the host path is a mistake to show, not a switch of storage mode under the cursor.
                value = .string("")
            } else if text.isEmpty {
                value = .null
            } else if let field = FieldRegistry.field(path), case .toggle = field.kind {
                value = .bool(text == "yes" || text == field.choiceLabels?.on)
            } else {
                value = Assignment.typedValue(text, for: path)
            }
            if value.isNull && FieldRegistry.field(path)?.defaultValue != nil {
                // An emptied field with a chart default is an explicit null, so "is required" shows at once.
                config.overrides = config.overrides.setting(.null, at: path)
            } else {
                config = config.applying(Assignment(path: path, value: value))
            }
        case .mirrorField(let index, let key):
            var list = config.view.value(Mirrors.key)?.items ?? []
            guard list.indices.contains(index) else { break }
            // Typed as the registry key it is laid over types it (a NodePort is a number, a TTL text).
            let value: Value? = text.isEmpty ? nil
                : UpstreamMirror.registryKey(of: key).map { Assignment.typedValue(text, for: $0) } ?? .string(text)
            list[index] = value.map { list[index].setting($0, at: key) } ?? list[index].removing(key)
            config = config.applying(Assignment(path: Mirrors.key, value: .sequence(list)))
        case .namespace: config.namespace = text
        case .release: config.release = text
        case .outputDir:
            outputDir = text
            if !text.isEmpty { effects.append(.checkFolder(text)) }
        case .tlsCertificate, .tlsKey:
            if item.id == .tlsCertificate { tls.certificatePath = text } else { tls.keyPath = text }
            tls.imported = nil
            if !tls.certificatePath.isEmpty {
                effects.append(.loadTLSFiles(certificate: tls.certificatePath, key: tls.keyPath))
            }
        case .tlsDays:
            tls.days = text
            tls.generationFailure = nil
        default: break
        }
        return effects
    }

    /// Picks option `index` of a choice row, by what the option stands for (not by its label).
    mutating func choose(_ item: FormItem, index: Int) -> [Effect] {
        draft = nil
        switch item.id {
        case .storageMode:
            switchStorage(to: StorageMode.wizardChoices[index])
        case .tlsSource:
            tls.source = TLSSource.allCases[index]
            if tls.source == .importFiles && !tls.certificatePath.isEmpty {
                return [.loadTLSFiles(certificate: tls.certificatePath, key: tls.keyPath)]
            }
            if tls.source == .generate {
                // A new self-signed pair for the service's names, generated at once in the background.
                tls.generationFailure = nil
                return tls.generated?.spec == generationSpec ? [] : [.generateTLS(generationSpec)]
            }
        case .route:
            config.route = InstallRoute.allCases[index]
        case .tlsAlgorithm:
            tls.rsa = Forms.keyAlgorithms[index].rsa
            tls.generationFailure = nil
        default:
            guard case .choice(let options) = item.widget else { return [] }
            if case .field(let path) = item.id, case .toggle? = FieldRegistry.field(path)?.kind {
                // A toggle shown with its own words (off, on): the option's place is the value.
                config = config.applying(Assignment(path: path, value: .bool(index == 1)))
            } else {
                _ = setText(item, options[index])
            }
        }
        return []
    }

    /// Switching storage mode removes the old source and starts the new one.
    mutating func switchStorage(to mode: StorageMode) {
        for assignment in mode.switchAssignments(config.view, original: originalConfig.view) {
            config = config.applying(assignment)
        }
    }

    /// Jumps to the row that shows a problem.
    mutating func jump(to problem: Problem) {
        let target = Forms.step(of: problem)
        step = target
        // A problem of one cache opens that cache's screen, where its key has a row.
        let steps = problem.location.key?.steps ?? []
        openMirror = steps.count > 2 && steps[0] == Mirrors.key.description
            ? Int(steps[1].dropFirst().dropLast()) : nil
        let index = items.firstIndex { Forms.problems(of: $0, in: self).contains(problem) } ?? 0
        goTo(step: target, focus: index)
    }

    // MARK: Dialogs

    mutating func openPreview() -> [Effect] {
        dialog = .preview(tab: 0, scroll: 0)
        previewTabs = PreviewBuilder.tabs(self)
        return preparationEffects()
    }

    /// After the file changed on disk: an edited file is read again (the session's edits go on top of it); a fresh
    /// setup looks at the disk again, so the write dialog shows what it now replaces.
    mutating func reloadAfterChange(_ path: String) -> [Effect] {
        mode == .edit ? [.reload(path)] : openWrite()
    }

    /// Takes the edited file as it is on disk now and keeps this session's edits on top of it.
    mutating func reload(_ bytes: [UInt8]) throws(FileError) {
        let document = try ValuesDocument(bytes: bytes, name: valuesPath)
        var current = try document.config(namespace: config.namespace, release: config.release)
        current.route = config.route
        var edited = current
        for edit in WritePlanner.assignments(from: originalConfig.overrides, to: config.overrides, at: KeyPath([])) {
            edited = edited.applying(edit)
        }
        originalBytes = bytes
        originalConfig = current
        config = edited
        adopt(document)
        // The file under the edits changed: earlier steps would undo to values it no longer has.
        undoStack.removeAll()
        redoStack.removeAll()
        focusedSnapshot = currentSnapshot
    }

    /// Opens the write dialog; with errors it lists them, otherwise the plan waits for a fresh look at the disk.
    mutating func openWrite() -> [Effect] {
        revalidateIfChanged()  // a field committed by the same key is checked before the write is allowed
        dialog = .write(plan: nil, choice: 0)
        guard problems.errors.isEmpty else { return [] }
        disk = nil
        return preparationEffects()
    }

    /// Reads the disk and generates TLS material when the open dialog needs them.
    func preparationEffects() -> [Effect] {
        var effects: [Effect] = [.inspectDisk(outputDir: outputDir, valuesPath: valuesPath, route: config.route)]
        if tls.source == .generate, tls.generated?.spec != generationSpec, problems.errors.isEmpty || dialog.isPreview {
            effects.append(.generateTLS(generationSpec))
        }
        return effects
    }

    /// Rebuilds the open preview, or computes the write plan once everything it needs is known.
    mutating func refreshOpenDialog() -> [Effect] {
        if dialog.isPreview { previewTabs = PreviewBuilder.tabs(self) }
        guard case .write(let plan, let choice)? = dialog, plan == nil, problems.errors.isEmpty else { return [] }
        guard let disk, disk.outputDir == outputDir else { return [] }
        if tls.source == .generate && managedTLS == nil { return [] }
        if let failure = disk.failure {
            dialog = .failed("\(failure); nothing was changed")
            return []
        }
        do {
            dialog = .write(plan: try WritePlanner.plan(self, disk: disk), choice: choice)
        } catch {
            dialog = .failed("cannot edit \(valuesPath): \(error); nothing was changed")
        }
        return []
    }

    /// An intent while a dialog is open.
    mutating func perform(_ intent: Intent, in current: Dialog) -> [Effect] {
        // Quitting works from every dialog: in the quit dialog it confirms, elsewhere it closes the dialog and
        // asks as it does without one (at once when nothing is lost).
        if intent == .quit {
            switch current {
            case .quit: return [.exit(status: 1)]
            case .done: return [.exit(status: 0)]
            default:
                dialog = nil
                return quitAsking()
            }
        }
        switch current {
        case .help, .failed:
            if intent == .close { dialog = nil }
        case .keys(let scroll):
            switch intent {
            case .close: dialog = nil
            case .scroll(let amount):
                let last = max(0, KeyListLayout.lines.count - KeyListLayout.visibleLines(height: height))
                dialog = .keys(
                    scroll: scrolled(scroll, amount, page: KeyListLayout.visibleLines(height: height), last: last))
            default: break
            }
        case .done:
            if intent == .close { return [.exit(status: 0)] }
        case .changedOnDisk(let path, let choice):
            switch intent {
            case .answer(true): return reloadAfterChange(path)
            case .answer(false), .close: dialog = nil
            case .switchButton: dialog = .changedOnDisk(path: path, choice: 1 - choice)
            case .confirm: if choice == 1 { return reloadAfterChange(path) } else { dialog = nil }
            default: break
            }
        case .quit(let choice):
            switch intent {
            case .answer(true): return [.exit(status: 1)]
            case .answer(false), .close: dialog = nil
            case .switchButton: dialog = .quit(choice: 1 - choice)
            case .confirm: if choice == 1 { return [.exit(status: 1)] } else { dialog = nil }
            default: break
            }
        case .find(let query, let selection):
            switch intent {
            case .close: dialog = nil
            case .moveSelection(let offset):
                let last = max(0, findMatches(query).count - 1)
                dialog = .find(query: query, selection: min(last, max(0, selection + offset)))
            case .confirm:
                let matches = findMatches(query)
                if matches.indices.contains(selection) {
                    let match = matches[selection]
                    dialog = nil
                    goTo(step: match.step, focus: match.index)
                }
            case .deleteBackward: dialog = .find(query: String(query.dropLast()), selection: 0)
            case .clearText: dialog = .find(query: "", selection: 0)
            case .insertText(let text): dialog = .find(query: query + text.filter { !$0.isNewline }, selection: 0)
            default: break
            }
        case .list(let path, let selection, let editing):
            editList(path, selection: selection, editing: editing, intent)
        case .preview(let tab, let scroll):
            let tabs = max(1, previewTabs.count)
            switch intent {
            case .close: dialog = nil
            case .switchTab(let offset): dialog = .preview(tab: (tab + offset + tabs) % tabs, scroll: 0)
            case .scroll(let amount):
                let page = max(1, height - 8)
                dialog = .preview(tab: tab, scroll: scrolled(scroll, amount, page: page, last: lastScroll(tab)))
            default: break
            }
        case .write(let plan, let choice):
            switch intent {
            case .close, .answer(false): dialog = nil
            case .switchButton: dialog = .write(plan: plan, choice: 1 - choice)
            case .toggleKeepMode:
                guard var plan, plan.keyInReadableValues else { break }
                plan.restrictValuesMode.toggle()
                dialog = .write(plan: plan, choice: choice)
            case .answer(true):
                if let plan { return [.write(plan)] }
            case .confirm:
                guard let plan else { break }
                if plan.overwrites.isEmpty || choice == 1 { return [.write(plan)] }
                dialog = nil
            default: break
            }
        }
        return []
    }

    /// Appends a cache of `upstream` to the mirrors (`Mirrors.newEntry`: named from its host, on a free NodePort)
    /// and opens its own screen on its name, to review its keys; Back leads to the list, where a preset's row goes.
    mutating func addMirror(upstream: String) {
        recordEdit()
        let items = (config.view.value(Mirrors.key)?.items ?? []) + [Mirrors.newEntry(upstream: upstream, in: config)]
        config = config.applying(Assignment(path: Mirrors.key, value: .sequence(items)))
        recordEdit()
        openMirror = items.count - 1
        goTo(step: .mirrors, focus: 1)
    }

    /// The list editor: choose, add, edit (as flow YAML, checked on Enter) and remove items; each change is the
    /// whole list set at once, so undo, live checks and the write treat it as any other edit.
    mutating func editList(_ path: KeyPath, selection: Int, editing: String?, _ intent: Intent) {
        var items = config.view.value(path)?.items ?? []
        let selected = min(selection, max(0, items.count - 1))
        func setItems(_ new: [Value]) {
            config = config.applying(Assignment(path: path, value: new.isEmpty ? .emptySequence : .sequence(new)))
        }
        if let editing {
            switch intent {
            case .insertText(let text): dialog = .list(path: path, selection: selection, editing: editing + text)
            case .deleteBackward:
                dialog = .list(path: path, selection: selection, editing: String(editing.dropLast()))
            case .clearText: dialog = .list(path: path, selection: selection, editing: "")
            case .close: dialog = .list(path: path, selection: selected, editing: nil)
            case .confirm:
                guard let item = ValueText.value(flow: editing), !editing.trimmingCharacters(in: .whitespaces).isEmpty
                else { return }  // the editor says why; the text stays to be fixed
                if selection < items.count { items[selection] = item } else { items.append(item) }
                setItems(items)
                dialog = .list(path: path, selection: selection, editing: nil)
            default: break
            }
            return
        }
        switch intent {
        case .close: dialog = nil
        case .moveSelection(let offset):
            dialog = .list(path: path, selection: min(max(0, items.count - 1), max(0, selected + offset)), editing: nil)
        case .addItem: dialog = .list(path: path, selection: items.count, editing: "")
        case .confirm:
            guard items.indices.contains(selected) else {
                dialog = .list(path: path, selection: items.count, editing: "")
                return
            }
            dialog = .list(path: path, selection: selected, editing: FieldRegistry.displayText(items[selected]))
        case .removeItem:
            guard items.indices.contains(selected) else { return }
            items.remove(at: selected)
            setItems(items)
            dialog = .list(path: path, selection: min(selected, max(0, items.count - 1)), editing: nil)
        default: break
        }
    }

    /// A scroll position moved by an amount, kept between the top and `last`.
    func scrolled(_ position: Int, _ amount: Scroll, page: Int, last: Int) -> Int {
        switch amount {
        case .lines(let count): return min(last, max(0, position + count))
        case .pages(let count): return min(last, max(0, position + count * page))
        case .top: return 0
        case .bottom: return last
        }
    }

    /// The scroll position that shows a preview tab's last line at the bottom.
    func lastScroll(_ tab: Int) -> Int {
        let rows = previewTabs.indices.contains(tab) ? PreviewLayout.rows(previewTabs[tab], width: width).count : 0
        return max(0, rows - PreviewLayout.visibleLines(height: height))
    }

    /// Rows whose label or key path contain the query, across all steps; then fields the current storage mode
    /// hides, with the mode that shows them (choosing one goes to the Storage mode row).
    public func findMatches(_ query: String) -> [(step: Step, index: Int, item: FormItem, hiddenIn: String?)] {
        let needle = query.lowercased()
        func matches(_ label: String, _ path: String) -> Bool {
            needle.isEmpty || label.lowercased().contains(needle) || path.lowercased().contains(needle)
        }
        var result: [(step: Step, index: Int, item: FormItem, hiddenIn: String?)] = []
        var shown = Set<KeyPath>()
        for step in Step.allCases where step != .review && step != .write {
            var copy = self
            copy.step = step
            for (index, item) in copy.items.enumerated() {
                if case .field(let path) = item.id { shown.insert(path) }
                // The references row is found by the keys it updates too (toolManager, dagger...).
                let references = item.id == .updateReferences ? referenceLines.map(\.path).joined(separator: " ") : ""
                if matches(item.label, item.keyPath + " " + references) { result.append((step, index, item, nil)) }
            }
        }
        guard !needle.isEmpty else { return result }
        let modeRow = Forms.items(.storage, in: self).firstIndex { $0.id == .storageMode } ?? 0
        for field in FieldRegistry.all
        where !shown.contains(field.path) && !field.modes.isEmpty && matches(field.label, field.path.description) {
            let modes = field.modes.filter(\.isWizardChoice).map(\.rawValue).sorted().joined(
                separator: " or ")
            guard !modes.isEmpty else { continue }
            let item = FormItem(
                id: .storageMode, label: field.label, keyPath: field.path.description, widget: .text, problemPaths: [],
                matchesSubpaths: false)
            result.append((.storage, modeRow, item, modes))
        }
        return result
    }
}

extension Optional where Wrapped == Dialog {
    var isPreview: Bool { if case .preview? = self { return true } else { return false } }
}

extension Array where Element == Step {
    func after(_ step: Step) -> Step? { firstIndex(of: step).flatMap { $0 + 1 < count ? self[$0 + 1] : nil } }
    func before(_ step: Step) -> Step? { firstIndex(of: step).flatMap { $0 > 0 ? self[$0 - 1] : nil } }
}
