import RegistryModel
import ValuesFile

/// What a form row edits.
public enum ItemID: Hashable, Sendable {
    case field(KeyPath)
    case namespace, release, route, outputDir, storageMode
    case tlsSource, tlsCertificate, tlsKey, tlsDays, tlsAlgorithm, updateReferences
    /// The Mirrors step's row that adds a preset upstream's cache (`Mirrors.presets[i]`).
    case addMirror(Int)
    /// The row that adds a cache of the URL typed in it.
    case addMirrorURL
    /// A mirror's row in the list (Enter opens its screen), and on that screen its keys, Back and Remove.
    case mirror(Int)
    case mirrorField(Int, KeyPath)
    case closeMirror, removeMirror(Int)
    case problem(Int)
    case writeButton
}

/// How a row is edited.
public enum Widget: Equatable, Sendable {
    case text
    case choice([String])
    case toggle
    case action
    /// A value that follows from other keys: shown, not edited.
    case fact
}

/// One row of a step's form.
public struct FormItem: Equatable, Sendable {
    public let id: ItemID
    public let label: String
    /// The key path shown beside the label (`pv.size`).
    public let keyPath: String
    public let widget: Widget
    /// Where the problems that belong to this row are.
    public let problemPaths: [ProblemLocation]
    /// Whether problems inside those keys (`deployment.nodeSelector.x`) belong here too.
    public let matchesSubpaths: Bool
    /// What an action row says beside its button: the keys that press it (`Enter or ^G`), or what it changes.
    public var note = ""
}

/// Forms generated from the field registry; each storage mode shows only its own fields.
public enum Forms {
    static let editableYAML: Set<KeyPath> = [.deploymentNodeSelector, .deploymentEnv, .s3IdentityAnnotations]

    public static func items(_ step: Step, in state: WizardState) -> [FormItem] {
        var items: [FormItem] = []
        switch step {
        case .general:
            items.append(setting(.namespace, .namespace))
            items.append(setting(.release, .release))
            items.append(setting(.route, .route, widget: .choice(InstallRoute.allCases.map(\.rawValue))))
            items += fields(for: .general, state: state)
            items.append(setting(.outputDir, .outputDir))
        case .storage:
            items.append(FormItem(id: .storageMode, label: "Storage mode", keyPath: "pv source",
                                  widget: .choice(StorageMode.wizardChoices.map(\.label)),
                                  problemPaths: [.key("pv"), .key(.pvVolumeSource)], matchesSubpaths: false))
            items += fields(for: .storage, state: state)
        case .tls:
            items += fields(for: .tls, state: state)
            items.append(
                FormItem(
                    id: .tlsSource, label: "TLS source", keyPath: "certificate",
                    widget: .choice(TLSSource.allCases.map(\.rawValue)),
                                  problemPaths: [.registryCertificate, .registryKey], matchesSubpaths: false))
            switch state.tls.source {
            case .existing: break
            case .importFiles:
                items.append(input(.tlsCertificate, "Certificate file", "tls.crt (PEM)", .certificate))
                items.append(input(.tlsKey, "Key file", "tls.key (PEM)", .key))
            case .generate:
                items.append(input(.tlsDays, "Valid for (days)", "--days", .days))
                items.append(FormItem(id: .tlsAlgorithm, label: "Key algorithm", keyPath: "--rsa",
                        widget: .choice(keyAlgorithms.map(\.label)), problemPaths: [.tlsInput(.algorithm)],
                                      matchesSubpaths: false))
            }
        case .registry, .probes:
            items += fields(for: step, state: state)
        case .mirrors:
            items += mirrorItems(state)
        case .service:
            items += fields(for: step, state: state)
            let stale = RegistryAddress.problems(state.addressReferences, current: state.config.registryAddress)
            if !stale.isEmpty {
                // Every line the update changes, the Tool Manager's own key included, listed below the row as
                // set --update-references prints them; the row says how many.
                let count = state.referenceLines.count
                let lines = "\(count) other line\(count == 1 ? "" : "s")"
                let label = state.updateReferences ? "Keep references" : "Update references"
                let note = state.updateReferences ? "\(lines) become \(state.config.registryAddress)" : "\(lines) hold "
                    + "the old address"
                items.append(FormItem(id: .updateReferences, label: label, keyPath: "", widget: .action,
                                      problemPaths: stale.map(\.location), matchesSubpaths: false, note: note))
            }
        case .review:
            items += state.problems.indices.map {
                FormItem(
                    id: .problem($0), label: "", keyPath: "", widget: .action, problemPaths: [], matchesSubpaths: false)
            }
        case .write:
            items.append(
                FormItem(
                    id: .writeButton, label: "Write files", keyPath: "", widget: .action, problemPaths: [],
                    matchesSubpaths: false, note: pressNote(.requestWrite)))
        }
        return items
    }

    /// The Mirrors step: the list, a row per cache (Enter opens its own screen), the presets not yet cached and a
    /// row that adds a cache by URL; on a cache's screen, its keys (checked live, each problem under its row), Back
    /// and Remove.
    static func mirrorItems(_ state: WizardState) -> [FormItem] {
        let mirrors = Mirrors.list(state.config)
        if let open = state.openMirror, let mirror = mirrors.first(where: { $0.index == open }) {
            var items = [FormItem(id: .closeMirror, label: "Back to the list", keyPath: "", widget: .action,
                                  problemPaths: [], matchesSubpaths: false, note: "\(mirror.name): its own keys")]
            for (key, label, _) in UpstreamMirror.keys {
                let widget: Widget = key == "service.type" ? .choice(["ClusterIP", "NodePort"]) : .text
                let path = mirror.path(key)
                items.append(FormItem(id: .mirrorField(open, key), label: label, keyPath: path.description,
                                      widget: widget, problemPaths: [.key(path)], matchesSubpaths: true))
            }
            items.append(FormItem(id: .removeMirror(open), label: "Remove this cache", keyPath: "", widget: .action,
                                  problemPaths: [], matchesSubpaths: false, note: mirror.objectName))
            return items
        }
        // The list row keeps the problems of the list itself; each cache's are under the cache's row.
        var items = fields(for: .mirrors, state: state).map {
            FormItem(id: $0.id, label: $0.label, keyPath: $0.keyPath, widget: $0.widget, problemPaths: $0.problemPaths,
                     matchesSubpaths: mirrors.isEmpty, note: $0.note)
        }
        for mirror in mirrors {
            let address = mirror.config(in: state.config).nodeAddress ?? "no node address"
            let label = "Edit " + (mirror.name.isEmpty ? "(no name)" : mirror.name)
            items.append(FormItem(id: .mirror(mirror.index), label: label,
                                  keyPath: "", widget: .action, problemPaths: [.key(mirror.path(KeyPath([])))],
                                  matchesSubpaths: true, note: "\(mirror.upstream ?? "no upstream") · \(address)"))
        }
        let cached = Set(mirrors.compactMap(\.upstreamHost))
        for (index, preset) in Mirrors.presets.enumerated() where !cached.contains(preset.host) {
            items.append(FormItem(id: .addMirror(index), label: "Add \(preset.host)", keyPath: "", widget: .action,
                                  problemPaths: [], matchesSubpaths: false, note: "a cache of \(preset.upstream)"))
        }
        items.append(FormItem(id: .addMirrorURL, label: "Add by URL", keyPath: "https://...", widget: .text,
                              problemPaths: [], matchesSubpaths: false))
        return items
    }

    /// The keys that press an action row: Enter, and its shortcut anywhere in the form (`Enter or ^G`).
    static func pressNote(_ shortcut: Intent) -> String {
        let enter = Keymap.keys(for: .confirm, in: .actionRow).filter { $0 == .enter }
        return (enter + Keymap.keys(for: shortcut, in: .form).prefix(1)).map(\.name).joined(separator: " or ")
    }

    /// A text row of the TLS step's inputs.
    static func input(_ id: ItemID, _ label: String, _ hint: String, _ input: ProblemLocation.TLSInput) -> FormItem {
        FormItem(id: id, label: label, keyPath: hint, widget: .text, problemPaths: [.tlsInput(input)],
                 matchesSubpaths: false)
    }

    /// A setting's row, labelled as the settings table says.
    static func setting(_ id: ItemID, _ setting: ProblemLocation.Setting, widget: Widget = .text) -> FormItem {
        FormItem(id: id, label: setting.label, keyPath: setting.flag, widget: widget, problemPaths: [.setting(setting)],
                 matchesSubpaths: false)
    }

    static func fields(for step: Step, state: WizardState) -> [FormItem] {
        let view = state.config.view
        let mode = view.storageMode
        // Lists and maps come after a step's other fields, edited as flow YAML (`[{ipBlock: {cidr: 10.0.0.0/16}}]`).
        // A field that does not apply here is still shown while it has a problem, so Review can lead to its fix.
        let shown = FieldRegistry.all.filter { field in
            field.step == step && (field.applies(to: mode) && field.shownWhen.map { view.bool($0) != false } ?? true
                || state.problems.contains { $0.location == .key(field.path) })
        }
        return (shown.filter { !$0.kind.isYAML } + shown.filter(\.kind.isYAML)).map { field in
            let widget: Widget
            switch field.kind {
            case _ where field.fact != nil: widget = .fact
            case .toggle: widget = field.choiceLabels.map { .choice([$0.off, $0.on]) } ?? .toggle
            case .choice(let options): widget = .choice(options)
            default: widget = .text
            }
            var note = ""
            if case .yamlList = field.kind {
                note = Keymap.hint(.textField, [KeyHint(.openList, "edits it row by row")])
            }
            return FormItem(id: .field(field.path), label: field.label, keyPath: field.path.description, widget: widget,
                            problemPaths: [.key(field.path)], matchesSubpaths: field.kind.isYAML, note: note)
        }
    }

    /// The problems shown under a row.
    public static func problems(of item: FormItem, in state: WizardState) -> [Problem] {
        state.problems.filter { problem in
            item.problemPaths.contains(problem.location)
                || item.matchesSubpaths && item.problemPaths.contains { $0.holds(problem.location) }
        }
    }

    /// The step a problem belongs to.
    public static func step(of problem: Problem) -> Step {
        // Settings outside the values file, and keys outside cacheRegistry, by the step that shows them.
        if problem.isAddressReference { return .service }
        switch problem.location {
        case .key(let path): return FieldRegistry.owningField(path)?.step ?? .review
        case .setting: return .general
        case .tlsInput: return .tls
        case .valuesKey(let path) where path.hasPrefix("registryTls"): return .tls
        case .valuesKey(let path) where path.hasPrefix("toolManager"): return .service
        case .valuesKey, .file: return .review
        }
    }

    /// The text a row shows.
    public static func text(of id: ItemID, in state: WizardState) -> String {
        let view = state.config.view
        switch id {
        case .field(let path):
            if let fact = FieldRegistry.field(path)?.fact { return fact(view) }
            if usesPairs(path, view) { return pairsText(view.value(path)) }
            if FieldRegistry.field(path)?.kind.isYAML == true {
                return view.value(path).map(FieldRegistry.displayText) ?? ""
            }
            if let field = FieldRegistry.field(path), case .toggle = field.kind {
                let on = view.effective(path)?.scalar?.boolValue == true
                return field.choiceLabels.map { on ? $0.on : $0.off } ?? (on ? "yes" : "no")
            }
            if let field = FieldRegistry.field(path), case .choice = field.kind {
                return view.effective(path).map(FieldRegistry.displayText) ?? ""
            }
            return view.value(path).map(FieldRegistry.displayText) ?? ""
        case .namespace: return state.config.namespace
        case .release: return state.config.release
        case .route: return state.config.route.rawValue
        case .outputDir: return state.outputDir
        case .storageMode: return state.config.view.storageMode.label
        case .tlsSource: return state.tls.source.rawValue
        case .tlsCertificate: return state.tls.certificatePath
        case .tlsKey: return state.tls.keyPath
        case .tlsDays: return state.tls.days
        case .tlsAlgorithm: return keyAlgorithms.first { $0.rsa == state.tls.rsa }?.label ?? ""
        case .mirrorField(let index, let key):
            // What the cache says, else what it gets without it (a host path from its name, the registry's
            // resources), as a registry row shows its default.
            guard let mirror = Mirrors.list(state.config).first(where: { $0.index == index }) else { return "" }
            if let value = mirror.item.value(at: key), !value.isNull { return FieldRegistry.displayText(value) }
            return UpstreamMirror.registryKey(of: key).flatMap { mirror.config(in: state.config).view.value($0) }
                .map(FieldRegistry.displayText) ?? ""
        case .problem, .writeButton, .updateReferences, .addMirror, .addMirrorURL, .mirror, .closeMirror,
            .removeMirror:
            return ""
        }
    }

    /// The key algorithms a generated pair can have, as the TLS step offers them.
    static let keyAlgorithms: [(label: String, rsa: Bool)] = [("ECDSA P-256", false), ("RSA 2048", true)]

    /// Which option of a choice row holds now (nil when none does: a custom storage source).
    static func choiceIndex(of id: ItemID, in state: WizardState) -> Int? {
        switch id {
        case .storageMode: return StorageMode.wizardChoices.firstIndex(of: state.config.view.storageMode)
        case .tlsSource: return TLSSource.allCases.firstIndex(of: state.tls.source)
        case .route: return InstallRoute.allCases.firstIndex(of: state.config.route)
        case .tlsAlgorithm: return keyAlgorithms.firstIndex { $0.rsa == state.tls.rsa }
        default:
            guard case .choice(let options)? = items(state.step, in: state).first(where: { $0.id == id })?.widget
            else { return nil }
            return options.firstIndex(of: text(of: id, in: state))
        }
    }

    /// Whether a field is typed as `a=b, c=d`: the maps of strings, while they are maps (env given as a list is
    /// flow YAML like the other lists).
    static func usesPairs(_ path: KeyPath, _ view: RegistryConfig.View) -> Bool {
        editableYAML.contains(path) && view.value(path)?.items == nil
    }

    /// `a=b, c=d` for a mapping of strings; a note for anything else.
    static func pairsText(_ value: Value?) -> String {
        guard let value else { return "" }
        if let entries = value.entries {
            return entries.map { "\($0.key)=\($0.value.scalar?.text ?? FieldRegistry.displayText($0.value))" }.joined(
                separator: ", ")
        }
        return FieldRegistry.displayText(value)
    }

    /// Parses `a=b, c=d` into a mapping (the wizard's text form of node selectors and env).
    static func pairsValue(_ text: String) -> Value {
        let entries = text.split(separator: ",").compactMap { part -> Entry? in
            let trimmed = part.trimmingCharacters(in: " ")
            guard !trimmed.isEmpty else { return nil }
            let pieces = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return Entry(
                key: String(pieces[0]).trimmingCharacters(in: " "),
                value: .string(pieces.count > 1 ? String(pieces[1]).trimmingCharacters(in: " ") : ""))
        }
        return .mapping(entries)
    }
}

extension Character {
    /// Not a line break or a control character (what typed or pasted text keeps).
    var isPrintable: Bool {
        !isNewline && !unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}
