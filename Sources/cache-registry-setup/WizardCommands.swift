import ArgumentParser
import Effects
import Foundation
import Manifests
import RegistryModel
import RegistryTLS
import Terminal
import ValuesFile
import Wizard

/// Options of the wizard, shared by `setup` and `edit`.
struct WizardOptions: ParsableArguments {
    @Option(help: "A theme name from themes/ (default, light, high-contrast, mono) or a theme file.") var theme: String?
    @Flag(name: .customLong("no-color"), help: "No colour (the mono theme).") var noColor = false
    @Option(name: [.customShort("n"), .long], help: ArgumentHelp(ProblemLocation.Setting.namespace.help))
    var namespace = RegistryConfig.defaultNamespace
    @Option(name: .long, help: ArgumentHelp(ProblemLocation.Setting.release.help))
    var release = RegistryConfig.defaultRelease
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp(ProblemLocation.Setting.outputDir.help))
    var output = "manifests"
    @Option(help: ArgumentHelp(ProblemLocation.Setting.route.help))
    var route: InstallRoute?
    @Option(help: ArgumentHelp("The chart the last screen's helm commands install: its repository/name "
        + "(kubiya/kubiya-runner) or its folder."))
    var chart: String?
    @Flag(help: ArgumentHelp("Line prompts instead of the full screen (for screen readers, dumb terminals and "
        + "scripts); also "
        + "ACCESSIBLE=1 or TERM=dumb."))
    var plain = false
    @Flag(help: ArgumentHelp("Resume the draft kept when the wizard was last left on this file with unsaved answers, "
        + "without asking."))
    var resume = false
    @Flag(name: .customLong("discard-draft"), help: ArgumentHelp("Remove that draft and start from the file."))
    var discardDraft = false

    func validate() throws {
        if resume && discardDraft { throw ValidationError("--resume and --discard-draft exclude each other") }
    }
}

/// The wizard on built-in defaults (the default command).
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "setup", abstract: "Start the wizard for a new "
        + "configuration (the default).")
    @OptionGroup var options: WizardOptions

    func run() throws {
        let theme = try ThemeLoader.load(options)
        let state = WizardState(mode: .setup, valuesPath: "values.yaml",
                                config: RegistryConfig(namespace: options.namespace, release: options.release,
                                                       route: options.route ?? .kubectl),
                                outputDir: options.output, glyphs: TerminalSession.localeIsUTF8 ? .unicode : .ascii,
                                now: Environment.now)
        try WizardLauncher.run(state, theme: theme, options: options)
    }
}

/// The wizard on an existing values file, written back with the smallest diff.
struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Start the wizard on a values file.")
    @Argument(help: "The values file to edit.") var file: String
    @OptionGroup var options: WizardOptions

    func run() throws {
        let theme = try ThemeLoader.load(options)
        let document: ValuesDocument
        let config: RegistryConfig
        do {
            document = try ValuesDocument.read(path: file, in: Environment.disk)
            var read = try document.config(namespace: options.namespace, release: options.release)
            read.route = options.route ?? ValuesFiles([document]).suggestedRoute
            config = read
        } catch { throw CommandFailure.file(error.description) }
        let state = WizardState(mode: .edit, valuesPath: file, originalBytes: document.bytes, config: config,
                                outputDir: options.output,
                                glyphs: TerminalSession.localeIsUTF8 ? .unicode : .ascii, document: document,
                                now: Environment.now)
        try WizardLauncher.run(state, theme: theme, options: options)
    }
}

/// Starts the terminal, runs the loop, and always restores the terminal.
enum WizardLauncher {
    static func run(_ initial: WizardState, theme: Theme, options: WizardOptions) throws {
        let plain = options.plain, chart = options.chart
        // A draft kept when this file was last left with unsaved answers is offered before anything is drawn.
        var state = try Drafts.offer(onto: initial, resume: options.resume, discard: options.discardDraft,
                                     ask: isatty(0) == 1)
        state.workingDirectory = Environment.workingDirectory
        state.chart = chart
        state.executable = Environment.executable
        let environment = ProcessInfo.processInfo.environment
        if plain || !(environment["ACCESSIBLE"] ?? "").isEmpty && environment["ACCESSIBLE"] != "0"
            || environment["TERM"] == "dumb"
        {
            var plainState = state
            plainState.glyphs = .ascii
            // What a value from the file holds, and what is typed, reaches the terminal with its control
            // characters quoted, as in the curses wizard.
            let input = PromptInput()
            let prompts = PlainWizard(readLine: input.readLine,
                                      write: { Output.data(Quote.controls($0, keepingLines: true)) },
                                      perform: Environment.effectRunner(announcing: false).perform,
                                      echo: isatty(0) != 1, interruption: { input.interruption },
                                      leaving: Drafts.keep)
            let status = prompts.run(plainState)
            if status != 0 { throw ExitCode(status) }
            return
        }
        let session: TerminalSession
        do {
            session = try TerminalSession.start(
                theme: theme, environment: environment, isTerminal: isatty(0) == 1 && isatty(1) == 1)
        } catch { throw CommandFailure.terminal(error.description) }
        let runner = Environment.effectRunner(announcing: false)
        let work = BackgroundWork(perform: { effect in
            TerminalSession.takeEndingSignalsOnThisThread()
            return runner.perform(effect)
        })
        let status: Int32
        if let framesFile = ProcessInfo.processInfo.environment["CACHE_REGISTRY_SETUP_FRAMES"], !framesFile.isEmpty {
            status = runWizard(state, terminal: FrameRecorder(session, path: framesFile), work: work,
                               leaving: Drafts.keep)
        } else {
            status = runWizard(state, terminal: session, work: work, leaving: Drafts.keep)
        }
        session.end()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Finds and reads theme files: `themes/` beside the sources (swift run) or the installed share folder.
enum ThemeLoader {
    static func load(_ options: WizardOptions) throws -> Theme {
        let environment = ProcessInfo.processInfo.environment
        let noColor = options.noColor || !(environment["NO_COLOR"] ?? "").isEmpty
        let chosen = options.theme ?? environment["CACHE_REGISTRY_SETUP_THEME"].flatMap { $0.isEmpty ? nil : $0 }
        let name = noColor ? "mono" : chosen ?? "default"
        let file: String?
        if name.contains("/") || name.hasSuffix(".theme") {
            guard FileManager.default.fileExists(atPath: name) else { throw CommandFailure.usage("theme file \(name) "
                + "does not exist") }
            file = name
        } else if let folder = themesFolder() {
            let path = PathName.join(folder, name + ".theme")
            if FileManager.default.fileExists(atPath: path) { file = path }
            else if name == "default" || name == "mono" { file = nil }
            else {
                let known = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                    $0.hasSuffix(".theme")
                }
                    .map { String($0.dropLast(6)) }.sorted()
                throw CommandFailure.usage("no theme named \"\(name)\"; themes are \(known.joined(separator: ", ")), "
                    + "or give a theme file path")
            }
        } else if name == "default" || name == "mono" {
            file = nil
        } else {
            throw CommandFailure.usage("no theme named \"\(name)\" (the themes folder was not found); give a theme "
                + "file path")
        }
        guard let file else { return noColor ? Theme.builtInMono : Theme.builtInDefault }
        let text = try readText(file, limit: Theme.maximumFileSize, what: "a theme file")
        do {
            let theme = try Theme.parse(text, file: file)
            return noColor ? theme.withoutColor : theme
        } catch { throw CommandFailure.file("\(error)") }
    }

    /// `CACHE_REGISTRY_SETUP_THEMES`, then `share/cache-registry-setup/themes` beside the executable, then a
    /// `themes/` folder in the executable's folder or any parent (the repository under `swift run`).
    static func themesFolder() -> String? {
        if let folder = getenv("CACHE_REGISTRY_SETUP_THEMES").map({ String(cString: $0) }), !folder.isEmpty {
            return folder
        }
        let executable = Environment.executable
        guard executable.hasPrefix("/") else { return nil }
        var folder = PathName.folder(of: executable)
        let installed = PathName.join(PathName.folder(of: folder), "share/cache-registry-setup/themes")
        if access(installed + "/default.theme", R_OK) == 0 { return installed }
        for _ in 0..<6 {
            let candidate = PathName.join(folder, "themes")
            if access(candidate + "/default.theme", R_OK) == 0 { return candidate }
            folder = PathName.folder(of: folder)
        }
        return nil
    }
}

extension Environment {
    /// The wizard's effects on the disk; the curses wizard says nothing on standard error while it draws.
    static func effectRunner(announcing: Bool) -> EffectRunner {
        EffectRunner(fileSystem: Environment.disk,
                     lockWait: announcing ? lockWait : LockWait(seconds: lockSeconds, announce: { _ in }),
                     helmOnPath: { helmOnPath }, clock: { Date() })
    }
}
