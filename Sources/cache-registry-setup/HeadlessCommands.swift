import ArgumentParser
import Diagnostics
import Foundation
import RegistryModel
import RegistryTLS
import ValuesFile
import Wizard

/// The namespace and release every command that reads values files shares, and how it reads them.
struct ScopeOptions: ParsableArguments {
    @Option(name: [.customShort("n"), .long], help: ArgumentHelp(ProblemLocation.Setting.namespace.help))
    var namespace: String = RegistryConfig.defaultNamespace

    @Option(name: .long, help: ArgumentHelp(ProblemLocation.Setting.release.help))
    var release: String = RegistryConfig.defaultRelease

    @Option(help: ArgumentHelp(ProblemLocation.Setting.route.help))
    var route: InstallRoute?

    /// The help of `-f`.
    static let fileHelp: ArgumentHelp = ArgumentHelp("A values file: a standalone cacheRegistry file or the chart's "
        + "whole values.yaml. Repeat it to read several as helm -f does (later files win), such as -f values.yaml -f "
        + "values-tls.yaml.")

    /// The files read together, or nil for none.
    func files(_ paths: [String]) throws -> ValuesFiles? {
        guard !paths.isEmpty else { return nil }
        do {
            return ValuesFiles(try paths.map { path throws(FileError) in
                try ValuesDocument.read(path: path, in: Environment.disk)
            })
        } catch { throw CommandFailure.file("\(error)") }
    }

    func config(of files: ValuesFiles?) throws -> RegistryConfig {
        guard let files else { return RegistryConfig(namespace: namespace, release: release, route: route ?? .kubectl) }
        do {
            var config = try files.config(namespace: namespace, release: release)
            config.route = route ?? files.suggestedRoute
            return config
        } catch { throw CommandFailure.file("\(error)") }
    }
}

extension InstallRoute: ExpressibleByArgument {}

/// A text file (PEM certificates and keys, themes), or one sentence saying why it cannot be read.
func readText(_ path: String, limit: Int = FileAccess.maximumFileSize, what: String = "a PEM file") throws -> String {
    do { return try FileAccess.readText(path, limit: limit, what: what, in: Environment.disk) } catch {
        throw CommandFailure.file(error.description)
    }
}

/// What the headless commands do with problems: parse `--set`, print them, stop on errors. The problems
/// themselves come from `Diagnostics`.
enum Checks {
    /// The configuration with the overrides applied in Helm's order, and what each text set (for problems to cite
    /// it); one sentence for the first text that cannot be read.
    static func applying(
        _ overrides: ValueOverrides, to config: RegistryConfig
    ) throws -> (config: RegistryConfig, applied: [(text: String, assignment: Assignment)]) {
        var config = config
        var applied: [(text: String, assignment: Assignment)] = []
        for (style, text) in overrides.inHelmOrder {
            let assignments: [Assignment]
            do {
                assignments = try Assignment.assignments(parsing: text, style: style, into: config.overrides,
                                                         readFile: { try readText($0, what: "a --set-file value") })
            } catch { throw CommandFailure.usage("\(style.rawValue) \(error.description)") }
            for assignment in assignments {
                config = config.applying(assignment)
                applied.append((text, assignment))
            }
        }
        return (config, applied)
    }

    /// Prints the configuration's errors and stops the command when there are any
    /// (`gc: the values have 2 errors; nothing was written`).
    static func requireNoErrors(_ config: RegistryConfig, files: ValuesFiles?, names: [String], command: String,
                                outcome: String) throws {
        let errors = Diagnostics.problems(config, files: files, now: Environment.now).errors
        print(errors, file: names.joined(separator: ", "))
        guard errors.isEmpty else {
            Output.error("\(command): the values have \(errors.count) error\(errors.count == 1 ? "" : "s"); \(outcome)")
            throw ExitCode(1)
        }
    }

    /// The problems on standard error, one line each, written at once (100k problems are not 100k writes).
    static func print(_ problems: [Problem], file: String?) {
        guard !problems.isEmpty else { return }
        Output.errorText(Diagnostics.report(problems, file: file))
    }
}

/// `validate`: checks a values file and reports every problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a values file; exit 0 "
        + "valid, 1 errors, 2 unreadable.")

    @Option(name: [.customShort("f"), .long], help: ScopeOptions.fileHelp) var file: [String]
    @OptionGroup var options: ScopeOptions

    enum Format: String, ExpressibleByArgument { case text, json }
    @Option(help: "text or json") var output: Format = .text
    @Flag(help: "Treat warnings as errors (exit 1), as helm lint --strict does, for CI.") var strict = false
    @OptionGroup var overrides: ValueOverrides
    @Option(name: .customLong("allow"), help: ArgumentHelp("Acknowledge warnings with these codes, so --strict passes: "
        + "--allow CR204,CR501.",
                                                           valueName: "codes"))
    var allowed: [String] = []

    /// The texts of `--allow`, one code each.
    var allowedTexts: [String] {
        allowed.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
    }

    /// The argument checks, before anything is read (as swift-argument-parser runs them).
    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("validate needs a file: validate -f values.yaml") }
        for text in allowedTexts where ProblemCode(rawValue: text) == nil {
            throw ValidationError("--allow \(Quote.value(text)): not a problem code; codes look like CR204 (see the "
                + "README's list)")
        }
    }

    func run() throws {
        let allow = Set(allowedTexts.compactMap(ProblemCode.init(rawValue:)))
        let name = file.joined(separator: ", ")
        let files: ValuesFiles?
        var config: RegistryConfig
        let assignments: [(text: String, assignment: Assignment)]
        do {
            files = try options.files(file)
            config = try options.config(of: files)
            (config, assignments) = try Checks.applying(overrides, to: config)
        } catch let failure as CommandFailure where output == .json {
            // A pipeline reads JSON: a file that cannot be read or parsed is a JSON answer too, with the same exit.
            Output.text(
                JSON.object([("file", .string(name)), ("valid", .bool(false)), ("error", .string(failure.message))])
                    .serialized())
            throw ExitCode(failure.status)
        }
        var problems = Diagnostics.problems(config, files: files, overrides: assignments, now: Environment.now)
        problems = files?.acknowledging(problems, allow: allow) ?? problems
        let open = problems.filter { $0.allowedBy == nil }
        let valid = problems.errors.isEmpty && !(strict && !open.isEmpty)
        let withoutSection = (files?.documents ?? []).filter { !$0.hasSection }.map(\.name)
        let notes = withoutSection.map { "\($0) has no cacheRegistry section: the chart's defaults were checked" }
            + (files?.unknownWaiverCodes ?? [])
        switch output {
        case .json:
            let json = JSON.object([
                ("file", .string(name)),
                ("valid", .bool(valid)),
                ("errors", .number(problems.errors.count)),
                ("warnings", .number(problems.warnings.count)),
                ("allowed", .number(problems.count - open.count)),
                ("problems", .array(problems.map { problem in
                    .object([("severity", .string(problem.severity.rawValue)), ("code", .string(problem.code.rawValue)),
                             ("path", .string(problem.path)), ("allowed", problem.allowedBy.map(JSON.string) ?? .null),
                             ("message", .string(problem.message)), ("line", problem.line.map(JSON.number) ?? .null),
                             ("file", problem.line == nil ? .null : .string(problem.file ?? name)),
                             ("set", problem.override.map(JSON.string) ?? .null),
                            ])
                })),
                ("notes", .array(notes.map(JSON.string))),
            ])
            Output.text(json.serialized())
        case .text:
            Checks.print(problems, file: name)
            for note in notes { Output.error("note: \(note)") }
            let allowedCount = problems.count - open.count
            let summary = "\(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s"), "
                + "\(problems.warnings.count) warning\(problems.warnings.count == 1 ? "" : "s")"
                + (allowedCount > 0 ? ", \(allowedCount) allowed" : "")
            let strictNote = strict && problems.errors.isEmpty ? "; --strict counts warnings not allowed" : ""
            Output.line(valid ? "\(name): valid (\(summary))" : "\(name): invalid (\(summary)\(strictNote))")
        }
        if !valid { throw ExitCode(1) }
    }
}

/// Helm's `--set` family (SPEC: Helm's strvals grammar), applied after the files in Helm's order: `--set-json`,
/// `--set`, `--set-string`, `--set-file`.
struct ValueOverrides: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override values as helm --set does: pv.size=50Gi, "
        + "a[0].b=c, a={x,y}; commas separate pairs, \\ escapes (repeatable).", valueName: "key=value"))
    var set: [String] = []
    @Option(name: .customLong("set-string"), help: ArgumentHelp("As --set, every value kept as text.",
                                                                valueName: "key=value"))
    var setString: [String] = []
    @Option(name: .customLong("set-json"), help: ArgumentHelp("As --set, each value JSON: a={\"b\":[1]}.",
                                                              valueName: "key=json"))
    var setJSON: [String] = []
    @Option(name: .customLong("set-file"), help: ArgumentHelp("As --set, each value the text of a file.",
                                                              valueName: "key=path"))
    var setFile: [String] = []

    /// Every text with its flag, in the order Helm applies them.
    var inHelmOrder: [(HelmSet.Style, String)] {
        setJSON.map { (.json, $0) } + set.map { (.set, $0) } + setString.map { (.string, $0) }
            + setFile.map { (.file, $0) }
    }
}

/// `set`: edits values in place with the smallest diff, refusing a result with errors.
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Edit a values file in place: set pv.size=50Gi service.port=8443 (null removes a key).")

    @Option(name: [.customShort("f"), .long], help: "The values file to edit (one file).") var file: String
    @OptionGroup var options: ScopeOptions
    @Argument(help: ArgumentHelp("KEY=VALUE pairs, read as helm --set reads them (a[0].b=c, a={x,y}, \\, and \\. "
        + "escapes); keys are paths under cacheRegistry."))
    var assignments: [String] = []
    @OptionGroup var overrides: ValueOverrides
    @Flag(name: .customLong("update-references"),
          help: ArgumentHelp("When the registry's address changes (service name, port or namespace), update every "
              + "other string in "
              + "the file that holds the old one."))
    var updateReferences = false

    /// The argument checks, before the file is read: at least one pair, each a KEY=VALUE.
    func validate() throws {
        guard !assignments.isEmpty || !overrides.inHelmOrder.isEmpty else {
            throw ValidationError("set needs at least one KEY=VALUE, such as pv.size=50Gi")
        }
    }

    func run() throws {
        // The pairs are --set texts, after any --set-json and before any --set-string, as Helm orders them.
        var all = overrides
        all.set = assignments + overrides.set
        // Writers of one file wait for each other, so parallel edits all survive; the file is read under the lock.
        let lock: FileLock
        do {
            lock = try FileLock(folderOf: [file], wait: Environment.lockWait, fileSystem: Environment.disk)
        } catch { throw CommandFailure.file(error.description) }
        defer { lock.release() }
        guard let document = try options.files([file])?.documents.first else { return }
        // A section that is not a mapping has no keys to set (`cacheRegistry: [a, b]`).
        do { _ = try document.section() } catch {
            throw CommandFailure.file("\(error.description); \(file) was not changed")
        }
        let parsed = try Checks.applying(all, to: try options.config(of: ValuesFiles([document]))).applied
            .map(\.assignment)
        // A typo in a key is never what a person meant: refuse it before touching the file.
        let unknown = parsed.filter { !FieldRegistry.isKnown($0.path) }
        if !unknown.isEmpty {
            for assignment in unknown {
                Output.error(Problem.refusedEdit(of: assignment.path).description)
            }
            Output.line("\(file): not changed: "
                + "\(unknown.count == 1 ? "a key it cannot take" : "\(unknown.count) keys it cannot take")")
            throw ExitCode(1)
        }
        var edited: ValuesDocument
        var updatedLines: [AddressReference] = []
        do {
            edited = try ValuesEditor.apply(parsed, to: document)
            if updateReferences {
                let opened = try options.config(of: ValuesFiles([document]))
                let now = try options.config(of: ValuesFiles([edited]))
                for old in RegistryAddress.staleCandidates(now, opened: opened) {
                    let result = try ValuesEditor.updatingReferences(from: old, to: now.registryAddress, in: edited)
                    edited = result.document
                    updatedLines += result.changed
                }
            }
        } catch {
            throw CommandFailure.file("\(error); \(file) was not changed")
        }
        let config = try options.config(of: ValuesFiles([edited]))
        let problems = Diagnostics.problems(config, files: ValuesFiles([edited]), now: Environment.now)
        // What this edit is about: problems of the keys it set, those it caused anywhere (a changed address makes
        // other lines stale), every error, and the published pair; the rest of the file's warnings as one line, not
        // reprinted on every edit.
        let before = Set(Diagnostics.problems(try options.config(of: ValuesFiles([document])),
                                              files: ValuesFiles([document]), now: Environment.now).map(\.description))
        let shown = problems.filter { problem in
            problem.severity == .error || problem.first || !before.contains(problem.description)
                || parsed.contains { $0.path.location.overlaps(problem.location) }
        }
        Checks.print(shown, file: file)
        if !updateReferences, shown.contains(where: { [.toolManagerAddress, .staleAddress].contains($0.code) }) {
            Output.error("hint: the registry's address changed; run this set again with --update-references to "
                + "change every line that holds the old one")
        }
        let others = problems.count - shown.count
        if others > 0 { Output.error("(\(others) other warning\(others == 1 ? "" : "s") in \(file): validate -f "
            + "\(file) lists \(others == 1 ? "it" : "them"))") }
        if !problems.errors.isEmpty {
            if problems.errors.contains(where: { $0.location == .registryCertificate && $0.code == .namesNotCovered }) {
                Output.error("hint: the certificate in registryTls does not cover the new name; make a pair for it "
                    + "first: "
                        + "tls generate -f \(file) " + assignments.map { "--set \($0)" }.joined(separator: " ")
                        + ", then run this set again")
            }
            Output.line("\(file): not changed: the result would have \(problems.errors.count) "
                + "error\(problems.errors.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let newBytes = edited.bytes
        if newBytes == document.bytes {
            Output.line("\(file): unchanged (already set)")
            return
        }
        var transaction = FileTransaction(fileSystem: Environment.disk)
        transaction.write(newBytes, to: file, kind: .personal, readBefore: .some(document.bytes))
        do { _ = try transaction.commit() } catch { throw CommandFailure.file(error.description) }
        for reference in updatedLines.sorted(by: { $0.line < $1.line }) {
            Output.line("updated \(file):\(reference.line) \(reference.path)")
        }
        Output.line("\(file): set " + parsed.map { "\($0.path)" }.joined(separator: ", "))
    }
}

/// `codes`: the stable code of every rule and what it checks.
struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "codes", abstract: "List the problem codes (for "
        + "validate --allow and in-file waivers).")
    @Flag(help: "Print them as Markdown (the README's table).") var markdown = false
    func run() throws {
        Output.text(markdown ? ProblemCode.markdownTable() : ProblemCode.allCases.map { "\($0.rawValue)  "
            + "\($0.meaning)" }.joined(separator: "\n"))
    }
}

/// `keys`: the wizard's keys, from its keymap (what `?` lists).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "List the wizard's keys and what "
        + "they do.")
    @Flag(help: "Print them as Markdown (the README's table).") var markdown = false
    func run() throws {
        Output.text(markdown ? Keymap.markdownTable() : KeyListLayout.lines.joined(separator: "\n"))
    }
}

/// `schema`: the JSON Schema (draft-07) of the cacheRegistry section.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the JSON Schema (draft-07) "
        + "of cacheRegistry (--chart: of the whole chart's values).")
    @Flag(help: "Print the table of keys as Markdown instead (the README's table).") var markdown = false
    @Flag(help: ArgumentHelp("Print a values.schema.json for the whole chart: cacheRegistry and registryTls "
        + "constrained, every other key accepted."))
    var chart = false
    func run() throws {
        Output.text(
            markdown
                ? FieldRegistry.markdownTable()
                : (chart ? JSONSchemaGenerator.chartSchema() : JSONSchemaGenerator.schema()).serialized())
    }
}
