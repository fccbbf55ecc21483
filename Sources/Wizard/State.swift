import Foundation
import Diagnostics
import Manifests
import RegistryModel
import RegistryTLS
import ValuesFile

/// A key press, decoded by the terminal layer.
public enum Key: Equatable, Sendable {
    case character(Character)
    /// Several characters typed or pasted at once, applied as one edit.
    case paste(String)
    case enter, tab, backTab, up, down, left, right, home, end, pageUp, pageDown, backspace, delete, escape
    case function(Int)
    case control(Character)
}

/// Everything that can happen to the wizard.
public enum Action: Equatable, Sendable {
    /// A key from the terminal; the keymap turns it into an intent.
    case key(Key)
    /// What the person wants (plain mode and tests send these directly).
    case intent(Intent)
    case resize(width: Int, height: Int)
    case click(row: Int, column: Int)
    case tlsFilesLoaded(TLSImportResult)
    case tlsGenerated(GeneratedTLSMaterial)
    case tlsGenerationFailed(String)
    case diskInspected(DiskSnapshot)
    case writeFinished(WriteOutcome)
    /// The edited file as it is on disk now, read again after it changed (or why it cannot be read).
    case reloaded(Result<[UInt8], FileError>)
    /// The runtime started an effect in the background (its note shows until it finishes).
    case workStarted(String)
    case workFinished(String)
    /// What the disk says about a manifests folder (nil: it can be written).
    case folderChecked(path: String, problem: String?)
}

/// Work the runtime does for the core; its result comes back as an `Action`.
public enum Effect: Equatable, Sendable {
    case loadTLSFiles(certificate: String, key: String)
    case generateTLS(GenerationSpec)
    /// What is on disk where the write goes (and, on the helm-post-render route, which Helm is on PATH).
    case inspectDisk(outputDir: String, valuesPath: String, route: InstallRoute = .kubectl)
    /// Whether a manifests folder can be written (checked as it is typed).
    case checkFolder(String)
    case write(WritePlan)
    /// Reads the edited file again (after it changed on disk).
    case reload(String)
    case exit(status: Int32)

    /// What the status line says while this effect runs.
    public var workNote: String {
        switch self {
        case .loadTLSFiles: return "reading the TLS files"
        case .generateTLS(let spec): return spec.rsa ? "generating an RSA 2048 key" : "generating an ECDSA P-256 key"
        case .inspectDisk: return "checking the files on disk"
        case .checkFolder: return "checking the folder"
        case .write: return "writing files"
        case .reload: return "reading the file again"
        case .exit: return "exiting"
        }
    }
}

/// Where the registry's TLS comes from.
public enum TLSSource: String, CaseIterable, Equatable, Sendable {
    case existing = "existing secret", importFiles = "import PEM files", generate = "generate self-signed"
}

/// What a generated certificate was made for; a change makes it stale.
public struct GenerationSpec: Hashable, Sendable {
    public let names: [String]
    /// IP SANs: the node address, when one is set.
    public let addresses: [String]
    public let days: Int
    public let rsa: Bool
}

/// A generated certificate and key.
public struct GeneratedTLSMaterial: Equatable, Sendable {
    public let spec: GenerationSpec
    public let pair: PEMPair
    public init(spec: GenerationSpec, pair: PEMPair) {
        self.spec = spec
        self.pair = pair
    }
}

extension RegistryTLSMaterial {
    /// PEM files imported on the TLS step: their problems show on its two file rows.
    public static func imported(certificatePEM: String, keyPEM: String?, certificateFile: String,
                                keyFile: String) -> RegistryTLSMaterial {
        RegistryTLSMaterial(certificatePEM: certificatePEM, keyPEM: keyPEM, certificateOrigin: certificateFile,
                            keyOrigin: keyFile, locations: (.tlsInput(.certificate), .tlsInput(.key)))
    }
}

/// The result of reading imported PEM files.
public enum TLSImportResult: Equatable, Sendable {
    case loaded(RegistryTLSMaterial)
    case failed(input: ProblemLocation.TLSInput, message: String)
}

/// The TLS step's settings.
public struct TLSSettings: Equatable, Sendable {
    public var source: TLSSource = .existing
    public var certificatePath = ""
    public var keyPath = ""
    public var days = "365"
    public var rsa = false
    public var imported: TLSImportResult?
    public var generated: GeneratedTLSMaterial?
    /// Why the last generation failed, shown under the algorithm until the next attempt.
    public var generationFailure: String?
    public init() {}
}

/// What is on disk where the wizard will write: existing files and their text.
public struct DiskSnapshot: Equatable, Sendable {
    public var outputDir: String
    /// Manifest file name → contents, for those that exist.
    public var manifests: [String: String]
    /// Whether the values file exists (first-time setup must not overwrite it silently).
    public var valuesFileExists: Bool
    /// The shared REGISTRY_HTTP_SECRET for several replicas: the one the folder's Secret holds, else a new one.
    public var httpSecret: String?
    /// The values file's permission bits, when it exists.
    public var valuesFileMode: UInt16?
    /// The values file's bytes when it exists (a fresh setup replacing it shows the real counts, and the write is
    /// refused if it changes before then).
    public var valuesFileBytes: [UInt8]?
    /// Why the folder could not be read (an unreadable manifest is never taken as absent and replaced).
    public var failure: String?
    /// The Helm on PATH, for the `helm-post-render` steps (a path for Helm 3, a plugin for Helm 4); nil: none found.
    public var helm: NextSteps.HelmMajor?
    public init(
        outputDir: String, manifests: [String: String], valuesFileExists: Bool, httpSecret: String? = nil,
        valuesFileMode: UInt16? = nil,
                valuesFileBytes: [UInt8]? = nil, failure: String? = nil, helm: NextSteps.HelmMajor? = nil) {
        self.helm = helm
        self.outputDir = outputDir
        self.manifests = manifests
        self.valuesFileExists = valuesFileExists
        self.httpSecret = httpSecret
        self.valuesFileMode = valuesFileMode
        self.valuesFileBytes = valuesFileBytes
        self.failure = failure
    }
}

/// Everything a write does, computed purely and executed by the runtime.
public struct WritePlan: Equatable, Sendable {
    public var valuesPath: String
    public var valuesBytes: [UInt8]
    /// `values-tls.yaml` (written 0600) when the values file is not the chart's own: it carries `registryTls`.
    public var tlsValues: FileBytes?
    public var outputDir: String
    public var files: [OutputLayout.File]
    /// Existing files the wizard did not open, which the write replaces.
    public var overwrites: [String]
    /// The values file will hold a private key while others can read it (its mode lets group or others read).
    public var keyInReadableValues = false
    /// Write the values file 0600 (offered when it will hold a private key; `p` in the write dialog).
    public var restrictValuesMode = false
    /// "+N -M" per path.
    public var summary: [FileChange]
    /// The values file as it was read (nil: it did not exist): the write is refused if it is not so any more.
    public var valuesReadBefore: [UInt8]?
    /// The claim differs from the one applied before in what a bound claim cannot change.
    public var claimChanges = false
}

/// A file's path and the bytes a write gives it.
public struct FileBytes: Equatable, Sendable {
    public let path: String
    public let bytes: [UInt8]
}

/// How many lines a write adds to and removes from a file.
public struct FileChange: Equatable, Sendable {
    public let path: String
    public let added: Int
    public let removed: Int
}

/// How a write ended.
public enum WriteOutcome: Equatable, Sendable {
    case written([String])
    /// The message says what changed, or that nothing did.
    case failed(String)
    /// The values file changed on disk since it was read: nothing was written.
    case changedOnDisk(String)
}

/// An open dialog.
public enum Dialog: Equatable, Sendable {
    case help
    case find(query: String, selection: Int)
    case preview(tab: Int, scroll: Int)
    case write(plan: WritePlan?, choice: Int)
    case quit(choice: Int)
    case failed(String)
    /// Every key and what it does (`?`), scrolled by this many lines.
    case keys(scroll: Int)
    /// The edited file changed on disk since it was read; choice 1 reloads it (keeping this session's edits).
    case changedOnDisk(path: String, choice: Int)
    case done([String])
    /// A list field edited row by row: the highlighted item, and the text of the item being typed (nil: none is).
    case list(path: KeyPath, selection: Int, editing: String?)
}

/// What a field's edits can change, as it was when the field was focused.
public struct FieldSnapshot: Equatable, Sendable {
    public let config: RegistryConfig
    public let outputDir: String
    public let tls: TLSSettings

    /// The same edits (material that arrived from the background, a generated pair, is not an edit).
    func sameEdits(as other: FieldSnapshot) -> Bool {
        config == other.config && outputDir == other.outputDir && tls.source == other.tls.source
            && tls.certificatePath == other.tls.certificatePath && tls.keyPath == other.tls.keyPath
            && tls.days == other.tls.days && tls.rsa == other.tls.rsa
    }
}

/// Why a manifests folder cannot be written.
public struct FolderProblem: Equatable, Sendable {
    public let path: String
    public let message: String
}

/// The wizard's whole state: a value, changed only by `update`.
public struct WizardState: Equatable, Sendable {
    /// New configuration on defaults, or editing a file.
    public enum Mode: Equatable, Sendable { case setup, edit }

    public var mode: Mode
    public var valuesPath: String
    /// The edited file as read (edit mode), to write back with the smallest diff.
    public var originalBytes: [UInt8]
    public var originalConfig: RegistryConfig
    public var config: RegistryConfig
    /// TLS material the edited file carries under `registryTls`.
    public var chartTLS: RegistryTLSMaterial?
    public var outputDir: String
    public var tls = TLSSettings()
    public var step: Step = .general
    public var focus = 0
    public var cursor = 0
    /// The text being typed into the focused field.
    public var draft: String?
    /// What the focused field held when it was focused (Esc restores it).
    public var focusedText = ""
    /// The values when the field was focused, so Esc undoes exactly what was typed into it.
    public var focusedSnapshot: FieldSnapshot?
    /// Field edits to undo (Ctrl-Z), oldest first, and undone edits to redo (Ctrl-Y): one step per field left changed.
    public var undoStack: [FieldSnapshot] = []
    public var redoStack: [FieldSnapshot] = []
    /// Why the manifests folder cannot be written, for the folder it was checked for.
    public var folderProblem: FolderProblem?
    public var dialog: Dialog?
    public var width: Int
    public var height: Int
    public var glyphs: Glyphs
    public var disk: DiskSnapshot?
    /// The open preview's tabs, built when it opens and when what they show arrives (not on every scroll key).
    public var previewTabs: [PreviewTab] = []
    public private(set) var problems: [Problem] = []
    /// What the known certificate covers and when it expires, inspected when it or the names change (not per frame).
    public private(set) var tlsReport: CertificateReport?
    /// The moment certificates are checked against: the runtime's clock when the session started (tests set it).
    public var now: Date
    /// Notes of the effects running in the background, oldest first.
    public var working: [String] = []
    /// Set once a write succeeded with the current state.
    public var savedConfig: RegistryConfig?
    /// The TLS source the session started with (generate for a new setup, the file's for an edit).
    public private(set) var initialTLSSource = TLSSource.existing

    public static let minimumWidth = 80, minimumHeight = 24

    /// `document` is the edited file already parsed (it is parsed here when not given).
    public init(
        mode: Mode, valuesPath: String, originalBytes: [UInt8] = [], config: RegistryConfig,
        outputDir: String = "manifests", width: Int = 80, height: Int = 24, glyphs: Glyphs = .unicode,
        document: ValuesDocument? = nil, now: Date
    ) {
        self.now = now
        self.mode = mode
        self.valuesPath = valuesPath
        self.originalBytes = originalBytes
        self.originalConfig = config
        self.config = config
        self.outputDir = outputDir
        self.width = width
        self.height = height
        self.glyphs = glyphs
        if mode == .edit, let document = document ?? (try? ValuesDocument(bytes: originalBytes, name: valuesPath)) {
            adopt(document)
        }
        // A first setup ends in a registry that starts: its own pair for its names, unless the person chooses.
        if mode == .setup { tls.source = .generate }
        initialTLSSource = tls.source
        revalidate()
        rememberFocusedField()
    }

    /// Takes in what the edited file says beside its values, when it is opened and when it is read again: where it
    /// holds the addresses the registry had or may have had (a later change of the address makes these lines stale),
    /// whose consumers push to the registry, whether it is the chart's values file, and its `registryTls` pair.
    mutating func adopt(_ document: ValuesDocument) {
        let candidates = [originalConfig.registryAddress] + RegistryAddress.staleCandidates(originalConfig, opened: nil)
        addressReferences = RegistryAddress.references(in: document, to: Array(Set(candidates)).sorted())
        besideChart = document.holdsOtherComponents
        pushers = document.pushers(to: originalConfig.registryAddress)
        chartTLS = RegistryTLSMaterial(document: document)
    }

    /// Where the program runs and which executable it is: the post-renderer wrapper's paths are made absolute with
    /// them.
    public var workingDirectory = "."
    /// The chart the Helm steps install (`--chart`); nil: the steps explain `$KUBIYA_CHART`.
    public var chart: String?
    public var executable = "cache-registry-setup"

    /// Lines of the edited file whose consumers push to the registry (BuildKit, the Tool Manager), found when it was
    /// read.
    public var pushers: [AddressReference] = []
    /// The edited file is the chart's values file (it holds other components of the chart).
    public var besideChart = false

    /// The claim the output folder applied before, when this write cannot change it in place.
    var replacedClaim: NextSteps.ReplacedClaim? {
        guard let previous = previousClaim else { return nil }
        let changes = ClaimChange.differs(previous: previous, new: rendered(httpSecret: nil))
        return .from(previous: previous, changes: changes)
    }

    /// What the last screen's next steps depend on besides the configuration.
    public var nextStepsContext: NextSteps.Context {
        // A pair generated on write is not known yet, and is the values' own.
        let valuesTLS: NextSteps.ValuesTLS = managedTLS.map {
            PublishedPairs.contains(certificatePEM: $0.certificatePEM) ? .published : .own
        } ?? (tls.source == .existing ? .none : .own)
        return NextSteps.Context(valuesFiles: [valuesPath] + (tlsValuesPath.map { [$0] } ?? []), outputDir: outputDir,
                                 managesTLS: writesTrust, valuesTLS: valuesTLS, besideChart: besideChart,
                                 chart: chart, helm: disk?.helm, replacedClaim: replacedClaim)
    }

    /// Lines of the edited file that hold an address the registry had (by that address), found when it was read.
    public var addressReferences: [String: [AddressReference]] = [:]
    /// Whether the write also updates those lines to the registry's current address.
    public var updateReferences = false
    /// The mirror whose own screen the Mirrors step shows (its index in `mirrors`), nil for the list.
    public var openMirror: Int?
    /// The inputs the problems were last computed from.
    var validatedInputs: ValidationInputs?
    /// Every line the reference update changes (the Tool Manager's own key included), in file order.
    public var referenceLines: [AddressReference] {
        addressReferences.filter { $0.key != config.registryAddress }.values.flatMap { $0 }.sorted { $0.line < $1.line }
    }


    /// Unsaved changes: the configuration or TLS choice differs from what was loaded or last written.
    public var isDirty: Bool {
        config != (savedConfig ?? originalConfig)
            || (savedConfig == nil && (tls.source != initialTLSSource || updateReferences))
    }

    /// Whether the open dialog cannot go on until background work finishes (keys are held until then): the
    /// write dialog waits for its plan (disk check, certificate) and then for the write itself.
    public var isWaitingForWork: Bool {
        guard !working.isEmpty, case .write? = dialog else { return false }
        return true
    }

    public var isTooSmall: Bool { width < WizardState.minimumWidth || height < WizardState.minimumHeight }

    /// What the problems are computed from: when none of it changed, neither did they.
    struct ValidationInputs: Equatable, Sendable {
        let config: RegistryConfig
        let tls: TLSSettings
        let outputDir: String
        let folderProblem: FolderProblem?
        let updateReferences: Bool
        let chartTLS: RegistryTLSMaterial?
        let pushers: [AddressReference]
        let addressReferences: [String: [AddressReference]]
        let now: Date
    }

    var validationInputs: ValidationInputs {
        ValidationInputs(
            config: config, tls: tls, outputDir: outputDir, folderProblem: folderProblem,
            updateReferences: updateReferences,
                         chartTLS: chartTLS, pushers: pushers, addressReferences: addressReferences, now: now)
    }

    /// Recomputes the problems when what they come from changed since they were last computed.
    public mutating func revalidateIfChanged() {
        let inputs = validationInputs
        guard inputs != validatedInputs else { return }
        revalidate()
    }

    /// Recomputes every problem: the model's rules and the TLS checks.
    public mutating func revalidate() {
        validatedInputs = validationInputs
        // Imported or generated material is written as registryTls too, so the rules see the files as written.
        var written = config
        if tls.source != .existing { written.external.hasRegistryTLS = true }
        if updateReferences, written.external.toolManagerRegistryAddress != nil {
            written.external.toolManagerRegistryAddress = config.registryAddress
        }
        // Lines that still hold an old address are no problem while the write is to update them.
        let checked = Diagnostics.check(Diagnostics.Inputs(
            config: written, material: knownTLSMaterial, pushers: pushers.map { (file: nil, reference: $0) },
            staleReferences: updateReferences ? [] : [(file: nil, references: addressReferences)], now: now))
        var found = checked.problems
        tlsReport = checked.report
        // What only a session has: the output folder and the TLS step's inputs.
        if outputDir.isEmpty {
            found.append(Problem(.error, .outputFolder, .setting(.outputDir), "must not be empty; the manifests need a "
                + "folder, such as manifests"))
        } else if let folderProblem, folderProblem.path == outputDir {
            found.append(Problem(.error, .outputFolder, .setting(.outputDir), folderProblem.message))
        }
        switch tls.source {
        case .existing:
            break
        case .importFiles:
            if tls.certificatePath.isEmpty {
                found.append(Problem(.error, .tlsInput, .tlsInput(.certificate), "choose the PEM certificate file"))
            }
            if tls.keyPath.isEmpty { found.append(Problem(.error, .tlsInput, .tlsInput(.key), "choose the PEM private "
                + "key file")) }
            if case .failed(let input, let message)? = tls.imported {
                found.append(Problem(.error, .tlsInput, .tlsInput(input), message))
            }
        case .generate:
            if let days = Int(tls.days), (1...3650).contains(days) {} else {
                found.append(Problem(.error, .tlsInput, .tlsInput(.days), "must be a number of days from 1 to 3650"))
            }
            if let failure = tls.generationFailure {
                found.append(Problem(.error, .tlsInput, .tlsInput(.algorithm), failure))
            }
        }
        problems = found.ordered
    }

    /// The TLS pair the registry will serve, as far as it is known: the file's for an existing secret, the
    /// imported files' once read (a generated pair is made for the names, so it has nothing to check).
    public var knownTLSMaterial: RegistryTLSMaterial? {
        switch tls.source {
        case .existing: return chartTLS
        case .importFiles: if case .loaded(let loaded)? = tls.imported { return loaded } else { return nil }
        case .generate: return nil
        }
    }

    /// The spec a generated certificate must match now.
    public var generationSpec: GenerationSpec {
        GenerationSpec(
            names: config.certificateNames, addresses: config.certificateIPs,
            days: Int(tls.days) ?? 365,
                       rsa: tls.rsa)
    }

    /// Where imported or generated TLS material goes for Helm, besides secret.yaml: nil when it goes into the
    /// edited file itself (the chart's values file, which carries `registryTls`) or when nothing is generated
    /// or imported; otherwise `values-tls.yaml` beside the values file, so the values file holds no key.
    public var tlsValuesPath: String? {
        guard tls.source != .existing, !(mode == .edit && chartTLS != nil) else { return nil }
        return ValuesFiles.tlsValuesPath(beside: valuesPath)
    }

    /// Whether the write includes `trust/` (whenever the program writes the TLS Secret).
    public var writesTrust: Bool { managedTLS != nil || tls.source != .existing }

    /// The TLS material the program manages (imported or generated), if any.
    public var managedTLS: PEMPair? {
        switch tls.source {
        case .existing:
            return chartTLS.flatMap { material in
                material.keyPEM.map { PEMPair(certificatePEM: material.certificatePEM, keyPEM: $0) }
            }
        case .importFiles:
            if case .loaded(let material)? = tls.imported, let key = material.keyPEM {
                return PEMPair(certificatePEM: material.certificatePEM, keyPEM: key)
            }
            return nil
        case .generate:
            guard let generated = tls.generated, generated.spec == generationSpec else { return nil }
            return generated.pair
        }
    }
}
