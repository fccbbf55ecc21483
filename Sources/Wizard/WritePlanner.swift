import Manifests
import RegistryTLS
import RegistryModel
import ValuesFile

/// Computes what a write does: the values file (smallest diff when editing, fresh and commented for
/// a new setup) and the manifests, with the files it would replace and a diff summary.
public enum WritePlanner {
    /// The plan, or the reason the values file cannot be edited (then nothing at all is written).
    public static func plan(_ state: WizardState, disk: DiskSnapshot) throws(FileError) -> WritePlan {
        let output: OutputPlan
        do { output = try OutputPlan(state.outputInputs(disk: disk)) } catch {
            throw FileError(file: state.outputDir, error.description)
        }
        let values = try valuesBytes(state)
        let tlsValues = try tlsValuesFile(state)
        var overwrites = output.files.map(\.name).filter { disk.manifests[$0] != nil }.map { path(state.outputDir, $0) }
        if state.mode == .setup && disk.valuesFileExists { overwrites.insert(state.valuesPath, at: 0) }
        var summary: [FileChange] = []
        // What the values file holds now: the file being edited, or the one a fresh setup replaces.
        let readBefore = state.mode == .edit ? state.originalBytes : disk.valuesFileBytes
        let oldValues = String(decoding: readBefore ?? [], as: UTF8.self)
        let newValues = String(decoding: values, as: UTF8.self)
        // A fresh setup replaces the file whole: every old line goes, whatever lines happen to be alike.
        summary.append(state.mode == .edit ? count(state.valuesPath, oldValues, newValues)
                       : FileChange(path: state.valuesPath, added: lineCount(newValues), removed: lineCount(oldValues)))
        if let tlsValues {
            summary.append(FileChange(path: tlsValues.path, added: tlsValues.bytes.split(separator: 10).count,
                                      removed: 0))
        }
        for file in output.files where !file.name.hasPrefix(TrustFiles.folder + "/") {
            summary.append(count(path(state.outputDir, file.name), disk.manifests[file.name] ?? "", file.contents))
        }
        if !output.trustFiles.isEmpty {
            let lines = output.trustFiles.map { $0.contents.split(separator: "\n").count }.reduce(0, +)
            summary.append(FileChange(path: path(state.outputDir, TrustFiles.folder + "/"), added: lines, removed: 0))
        }
        var plan = WritePlan(
            valuesPath: state.valuesPath, valuesBytes: values, tlsValues: tlsValues, outputDir: state.outputDir,
            files: output.files, overwrites: overwrites, summary: summary)
        plan.valuesReadBefore = readBefore
        plan.claimChanges = output.claimChanges
        let keyIntoValues = state.tls.source != .existing && state.tlsValuesPath == nil && state.managedTLS != nil
        plan.keyInReadableValues = keyIntoValues && (disk.valuesFileMode.map { $0 & 0o077 != 0 } ?? false)
        // A values file that will hold a private key is written 0600 unless the person keeps its mode (p).
        plan.restrictValuesMode = plan.keyInReadableValues
        return plan
    }

    /// A fresh setup about to replace an existing values file whole: how to change that file instead.
    public static func editOffer(_ state: WizardState) -> String? {
        guard state.mode == .setup, state.disk?.valuesFileExists == true else { return nil }
        return "\(state.valuesPath) exists and is replaced whole; to change it instead, quit (n) and run: "
            + "cache-registry-setup edit \(state.valuesPath)"
    }

    /// `values-tls.yaml`: the managed pair as the chart's `registryTls`, for `helm -f values.yaml -f values-tls.yaml`.
    static func tlsValuesFile(_ state: WizardState) throws(FileError) -> FileBytes? {
        guard let path = state.tlsValuesPath, let tls = state.managedTLS else { return nil }
        let header = "# The registry's TLS pair for the kubiya-runner chart, written by cache-registry-setup. It holds "
            + "a private key:\n"
            + "# keep it out of git. Use it after the values file: helm upgrade ... -f \(state.valuesPath) -f \(path)\n"
        let document = try ValuesEditor.settingRegistryTLS(certificatePEM: tls.certificatePEM, keyPEM: tls.keyPEM,
            in: try ValuesDocument(bytes: Array(header.utf8), name: path))
        return FileBytes(path: path, bytes: document.bytes)
    }

    static func path(_ folder: String, _ name: String) -> String { PathName.join(folder, name) }

    static func lineCount(_ text: String) -> Int {
        text.isEmpty
            ? 0 : text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
    }

    static func count(_ path: String, _ old: String, _ new: String) -> FileChange {
        let changes = LineDiff.changes(from: old, to: new)
        let added = changes.filter { if case .added = $0 { return true } else { return false } }.count
        return FileChange(path: path, added: added, removed: changes.count - added)
    }

    /// The values file as it will be written.
    public static func valuesBytes(_ state: WizardState) throws(FileError) -> [UInt8] {
        guard state.mode == .edit else { return Array(FreshValuesFile.render(state.config).utf8) }
        var document = try ValuesDocument(bytes: state.originalBytes, name: state.valuesPath)
        let changes = assignments(from: state.originalConfig.overrides, to: state.config.overrides, at: KeyPath([]))
        document = try ValuesEditor.apply(changes, to: document)
        if state.updateReferences {
            for old in state.addressReferences.keys.sorted() where old != state.config.registryAddress {
                document = try ValuesEditor.updatingReferences(
                    from: old, to: state.config.registryAddress, in: document
                ).document
            }
        }
        if state.tls.source != .existing, state.tlsValuesPath == nil, let tls = state.managedTLS {
            document = try ValuesEditor.settingRegistryTLS(
                certificatePEM: tls.certificatePEM, keyPEM: tls.keyPEM, in: document)
        }
        return document.bytes
    }

    /// The leaf assignments that turn one overrides tree into another.
    static func assignments(from old: Value?, to new: Value?, at path: KeyPath) -> [Assignment] {
        if old == new { return [] }
        if let newEntries = new?.entries, let oldEntries = old?.entries {
            var result: [Assignment] = []
            for entry in newEntries {
                result += assignments(from: old?[entry.key], to: entry.value, at: path.appending(entry.key))
            }
            for entry in oldEntries where new?[entry.key] == nil {
                result.append(Assignment(path: path.appending(entry.key), value: .null))
            }
            if newEntries.isEmpty && !oldEntries.isEmpty { result.append(Assignment(path: path, value: .emptyMapping)) }
            return result
        }
        return [Assignment(path: path, value: new ?? .null)]
    }
}

/// One manifest as every screen lists it: the Review step, the preview and the write dialog.
public struct PlannedManifest: Equatable, Sendable {
    public let kind: String
    public let name: String
    public let fileName: String
    /// Its content is not known yet: the certificate is still being generated or read.
    public let pending: Bool
}

extension WizardState {
    /// The manifests a write produces, what is left out and why, and what a person must do by hand.
    public typealias ManifestPlan = (manifests: [PlannedManifest], omitted: [OmittedResource], notes: [String])

    /// The manifests a write produces and what is left out. While TLS material is still being generated or
    /// read, its Secret is listed as pending (it will be written), so no screen says there is no Secret.
    public var manifestPlan: ManifestPlan {
        let rendered = self.rendered(httpSecret: disk?.httpSecret)
        var manifests = rendered.resources.map {
            PlannedManifest(kind: $0.kind, name: $0.name, fileName: $0.fileName, pending: false)
        }
        var omitted = rendered.omitted
        let view = config.view
        if tls.source != .existing, managedTLS == nil, view.enabled {
            omitted.removeAll { $0.kind == "Secret" }
            manifests.append(
                PlannedManifest(kind: "Secret", name: view.text(.deploymentTlsSecretName),
                                fileName: OutputFile.tlsSecret.name, pending: true))
        }
        if view.enabled, Renderer.generatesHTTPSecret(view), disk?.httpSecret == nil {
            manifests.append(
                PlannedManifest(
                    kind: "Secret", name: Renderer.httpSecretName(view), fileName: OutputFile.httpSecret.name,
                    pending: true))
        }
        // In the order files are written, whether or not their content is known yet.
        let order = OutputLayout.allFileNames
        manifests.sort {
            (order.firstIndex(of: $0.fileName) ?? order.count) < (order.firstIndex(of: $1.fileName) ?? order.count)
        }
        // A claim another than the one applied before: say that it must be recreated.
        let claimNote = view.enabled && ClaimChange.differs(previous: previousClaim, new: rendered)
            ? [ClaimChange.problem(config).message].map { $0.prefix(1).uppercased() + $0.dropFirst() } : []
        return (manifests, omitted, rendered.notes + claimNote)
    }

    /// The manifests as they are rendered now (with the HTTP secret the disk check found or made).
    func rendered(httpSecret: String?) -> RenderedSet {
        Renderer.render(config, tls: managedTLS, httpSecret: httpSecret)
    }

    /// What the output plan of a write is made from: this session's configuration, TLS pair and folder, the HTTP
    /// secret and the claim the disk check found.
    func outputInputs(disk: DiskSnapshot) -> OutputPlan.Inputs {
        OutputPlan.Inputs(config: config, tls: managedTLS, httpSecret: disk.httpSecret,
                          valuesFiles: nextStepsContext.valuesFiles, outputDir: outputDir,
                          workingDirectory: workingDirectory, executable: executable, previousClaim: previousClaim)
    }

    /// The claim applied before: the one the manifests folder holds from an earlier write, else (editing) the one
    /// the file's configuration renders.
    var previousClaim: Value? {
        disk?.manifests[OutputFile.claim.name].flatMap(ClaimChange.spec(ofFile:))
            ?? (mode == .edit ? ClaimChange.spec(of: originalConfig) : nil)
    }

    /// Every file a write produces, in the order the write dialog lists them: the values file, the manifests,
    /// then kustomization.yaml when there is anything to list. Review draws this list.
    public var plannedFileList: [PlannedFile] { plannedFileList(manifestPlan) }

    /// The list for a manifest plan already computed (Review draws both, rendered once).
    func plannedFileList(_ plan: ManifestPlan) -> [PlannedFile] {
        var files = [PlannedFile(path: valuesPath, nameInFolder: nil, description: "")]
        if let tlsValuesPath {
            files.append(
                PlannedFile(path: tlsValuesPath, nameInFolder: nil, description: "registryTls for Helm (0600)"))
        }
        func inFolder(_ name: String, _ description: String) -> PlannedFile {
            PlannedFile(path: WritePlanner.path(outputDir, name), nameInFolder: name, description: description)
        }
        files += plan.manifests.map { manifest in
            let generated = manifest.fileName == OutputFile.httpSecret.name || tls.source == .generate
            let note = !manifest.pending ? "" : generated ? " (generated on write)" : " (from the imported files)"
            return inFolder(manifest.fileName, "\(PreviewBuilder.shortName(manifest.kind)) \(manifest.name)\(note)")
        }
        guard !plan.manifests.isEmpty else { return files }
        files.append(inFolder(OutputFile.kustomization.name, ""))
        if config.route == .helmPostRender && config.view.enabled {
            files.append(inFolder(OutputFile.postRenderWrapper.name, "Helm 3's --post-renderer"))
            files.append(inFolder((OutputFile.helmPlugin.folder ?? "") + "/", "Helm 4's post-renderer plugin"))
        }
        if writesTrust { files.append(inFolder(TrustFiles.folder + "/", "CA for nodes and clients (README.txt)")) }
        return files
    }

    /// The paths of `plannedFileList`.
    public var plannedFiles: [String] { plannedFileList.map(\.path) }
}

/// One file a write produces, as Review lists it.
public struct PlannedFile: Equatable, Sendable {
    public let path: String
    /// Its name inside the manifests folder (nil for the values files).
    public let nameInFolder: String?
    /// What it holds (`PV cache-registry-pv`); empty when its name says it.
    public let description: String
}

/// A tab of the manifest preview: a title and coloured lines.
public struct PreviewTab: Equatable, Sendable {
    /// One line and how it is coloured.
    public struct Line: Equatable, Sendable {
        public let text: String
        public let role: StyleRole
    }

    public let title: String
    public let lines: [Line]

    public init(title: String, lines: [(text: String, role: StyleRole)]) {
        self.title = title
        self.lines = lines.map { Line(text: $0.text, role: $0.role) }
    }
}

/// Builds the preview's tabs: one per resource (with notes for those left out) and, when editing, the diffs.
public enum PreviewBuilder {
    public static func tabs(_ state: WizardState) -> [PreviewTab] {
        let rendered = state.rendered(httpSecret: state.disk?.httpSecret)
        var tabs = rendered.resources.map { resource in
            PreviewTab(
                title: title(resource.kind, file: resource.fileName), lines: colour(Emitter.displayYAML(resource)))
        }
        let plan = state.manifestPlan
        for pending in plan.manifests where pending.pending {
            let isHTTPSecret = pending.fileName == OutputFile.httpSecret.name
            let note = isHTTPSecret
                ? "# the shared REGISTRY_HTTP_SECRET is generated when the files are written"
                : state.tls.source == .generate ? "# the self-signed certificate is generated when you write (or now, "
                    + "in the background)"
                : "# the imported certificate and key go here once both files are read"
            let type = isHTTPSecret ? "Opaque" : "kubernetes.io/tls"
            let header = "# \(pending.fileName): Secret \(pending.name) (\(type))"
            let lines: [(String, StyleRole)] = [(header, .yamlComment), (note, .yamlComment)]
            tabs.append(PreviewTab(title: title(pending.kind, file: pending.fileName), lines: lines))
        }
        for omitted in plan.omitted {
            tabs.append(
                PreviewTab(
                    title: omitted.kind == "all" ? "Nothing" : "(no \(shortName(omitted.kind)))",
                    lines: [("# " + omitted.reason, .yamlComment)]))
        }
        if !plan.notes.isEmpty {
            tabs.append(PreviewTab(title: "Notes", lines: plan.notes.map { ("# " + $0, .yamlComment) }))
        }
        if state.mode == .setup {
            // The values file a fresh setup writes, as it will be written (it holds no key: that goes to
            // values-tls.yaml).
            tabs.append(
                PreviewTab(
                    title: PathName.lastComponent(state.valuesPath), lines: colour(FreshValuesFile.render(state.config))
                ))
        }
        if state.mode == .edit {
            let old = String(decoding: state.originalBytes, as: UTF8.self)
            do {
                let new = String(decoding: try WritePlanner.valuesBytes(state), as: UTF8.self)
                tabs.append(PreviewTab(title: "values diff", lines: diffLines(old, new, empty: "# no change to "
                    + "\(state.valuesPath)")))
            } catch {
                tabs.append(PreviewTab(title: "values diff", lines: [("# cannot edit \(state.valuesPath): \(error); "
                    + "writing is refused", .diffRemove)]))
            }
            var manifestLines: [(String, StyleRole)] = []
            if let disk = state.disk {
                for resource in rendered.resources {
                    let changes: [(String, StyleRole)]
                    do {
                        changes = diffLines(
                            disk.manifests[resource.fileName] ?? "", try Emitter.yaml(resource.object), empty: nil)
                    } catch {
                        changes = [("# \(resource.fileName): \(error.description)", .diffRemove)]
                    }
                    if !changes.isEmpty {
                        manifestLines.append(("# \(resource.fileName)", .yamlComment))
                        manifestLines += changes
                    }
                }
            }
            let empty = state.disk == nil ? "# reading the manifests in \(state.outputDir)..." : "# no change to the "
                + "manifests in \(state.outputDir)"
            tabs.append(
                PreviewTab(
                    title: "manifests diff", lines: manifestLines.isEmpty ? [(empty, .yamlComment)] : manifestLines))
        }
        return tabs
    }

    static func shortName(_ kind: String) -> String {
        ["PersistentVolume": "PV", "PersistentVolumeClaim": "PVC"][kind] ?? kind
    }

    /// A tab's title: the kind's short name, except the two Secrets, which are told apart by what they hold.
    static func title(_ kind: String, file: String) -> String {
        // A mirror's objects are named by their cache: `docker-io Deploy` beside the registry's own `Deploy`.
        let parts = file.split(separator: "/")
        if parts.count == 3, String(parts[0]) == OutputFile.mirrorsReadme.folder {
            return "\(parts[1]) \(shortName(kind))"
        }
        switch OutputFile(rawValue: file) {
        case .tlsSecret?: return "TLS Secret"
        case .httpSecret?: return "HTTP Secret"
        default: return shortName(kind)
        }
    }

    /// Changes with three lines of context, each group headed by the key path it changes; keys redacted.
    static func diffLines(_ old: String, _ new: String, empty: String?) -> [(String, StyleRole)] {
        let hunks = LineDiff.hunks(from: old, to: new)
        if hunks.isEmpty { return empty.map { [($0, .yamlComment)] } ?? [] }
        let oldLines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let newLines = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [(String, StyleRole)] = []
        for hunk in hunks {
            let firstChange = hunk.first { if case .context = $0 { return false } else { return true } }
            let (path, line): (String, Int)
            switch firstChange {
            case .added(let number, _)?: (path, line) = (LineDiff.yamlKeyPath(newLines, line: number), number)
            case .removed(let number, _)?: (path, line) = (LineDiff.yamlKeyPath(oldLines, line: number), number)
            default: (path, line) = ("", 0)
            }
            result.append(("@@ \(path.isEmpty ? "(top)" : path)  line \(line)", .yamlComment))
            for entry in hunk {
                switch entry {
                case .context(let number, let text): result.append(("  \(String(number).leftPadded(4)) "
                    + "\(redact(text))", .muted))
                case .removed(let number, let text): result.append(("- \(String(number).leftPadded(4)) "
                    + "\(redact(text))", .diffRemove))
                case .added(let number, let text): result.append(("+ \(String(number).leftPadded(4)) "
                    + "\(redact(text))", .diffAdd))
                }
            }
        }
        return result
    }

    /// Hides private key material in a line of YAML (`tls.key:` data, `registryTls.key`, PEM key lines).
    public static func redact(_ line: String) -> String {
        let trimmed = line.drop { $0 == " " }
        for prefix in ["tls.key:", Renderer.httpSecretKey + ":", "key:"] where trimmed.hasPrefix(prefix) {
            let value =
                trimmed.dropFirst(prefix.count).drop { $0 == " " }.split(separator: " ").first.map(String.init) ?? ""
            let bare = value.trimmingCharacters(in: "\"")
            if bare.count > 40 || prefix != "key:" {
                return String(line.prefix(line.count - trimmed.count)) + prefix + " "
                    + Redaction.placeholder(base64: bare)
            }
        }
        if line.contains("PRIVATE KEY") { return Redaction.pemLine }
        return line
    }

    /// YAML colouring by line: comments, keys, numbers and strings.
    static func colour(_ yaml: String) -> [(String, StyleRole)] {
        yaml.split(separator: "\n", omittingEmptySubsequences: false).dropLast(yaml.hasSuffix("\n") ? 1 : 0).map {
            line in
            let text = String(line)
            let trimmed = text.drop { $0 == " " || $0 == "-" }
            if trimmed.hasPrefix("#") { return (text, .yamlComment) }
            if let colon = trimmed.firstIndex(of: ":") {
                let value = trimmed[trimmed.index(after: colon)...].drop { $0 == " " }
                if value.isEmpty { return (text, .yamlKey) }
                return (text, Scalar.resolveKind(ofPlain: String(value)) == .string ? .yamlString : .yamlNumber)
            }
            return (text, .yamlString)
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

