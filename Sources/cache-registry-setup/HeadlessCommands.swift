import ArgumentParser
import Foundation
import RegistryModel
import RegistryTLS
import ValuesFile

/// Options every command that reads a values file shares.
struct FileOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long],
            help: "A values file: a standalone cacheRegistry file or the chart's whole values.yaml. Repeat it to read several as helm -f does (later files win), such as -f values.yaml -f values-tls.yaml.")
    var file: [String] = []

    @Option(name: [.customShort("n"), .long], help: "The namespace the registry is installed in.")
    var namespace: String = RegistryConfig.defaultNamespace

    @Option(name: .long, help: "The Helm release name (the app.kubernetes.io/instance label).")
    var release: String = RegistryConfig.defaultRelease

    /// The files, when any were given.
    func files() throws -> ValuesFiles? {
        guard !file.isEmpty else { return nil }
        do { return ValuesFiles(try file.map { path throws(ValuesFileError) in try ValuesDocument.read(path: path) }) }
        catch { throw CommandFailure.usage("\(error)") }
    }

    func config(of files: ValuesFiles?) throws -> RegistryConfig {
        guard let files else { return RegistryConfig(namespace: namespace, release: release) }
        do { return try files.config(namespace: namespace, release: release) } catch { throw CommandFailure.usage("\(error)") }
    }

    /// The names for messages ("values" without a file).
    var name: String { file.isEmpty ? "values" : file.joined(separator: ", ") }
}

/// A text file (PEM certificates and keys, themes), or one sentence saying why it cannot be read.
func readText(_ path: String) throws -> String {
    do {
        let bytes = try FileAccess.readFile(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CommandFailure.usage("\(path): is not a text (PEM) file") }
        return text
    } catch let error as ValuesFileError {
        throw CommandFailure.usage(error.description)
    }
}

/// Every problem of a configuration: the model's rules and the TLS material's checks.
enum Checks {
    static func problems(_ config: RegistryConfig, files: ValuesFiles?) -> [Problem] {
        let material = files?.registryTLSDocument.flatMap(RegistryTLSMaterial.init(document:))
        let problems = (Validator.validate(config) + (material.map { TLSChecks.problems(for: $0, config: config) } ?? [])).ordered
        return files?.locate(problems) ?? problems
    }

    static func print(_ problems: [Problem], file: String?) {
        for problem in problems {
            let location = problem.line.map { " (\(problem.file ?? file ?? "values"):\($0))" } ?? ""
            Output.error("\(problem)\(location)")
        }
    }
}

extension RegistryTLSMaterial {
    /// The `registryTls` section of a chart values file.
    init?(document: ValuesDocument) {
        guard let crt = document.topLevelString(["registryTls", "crt"]), !crt.isEmpty else { return nil }
        self.init(certificateBase64: crt, keyBase64: document.topLevelString(["registryTls", "key"]))
    }
}

/// `validate`: checks a values file and reports every problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a values file; exit 0 valid, 1 errors, 2 unreadable.")

    @OptionGroup var options: FileOptions

    enum Format: String, ExpressibleByArgument { case text, json }
    @Option(help: "text or json") var output: Format = .text
    @Flag(help: "Treat warnings as errors (exit 1), as helm lint --strict does, for CI.") var strict = false

    func run() throws {
        guard !options.file.isEmpty else { throw CommandFailure.usage("validate needs a file: validate -f values.yaml") }
        let files = try options.files()
        let config = try options.config(of: files)
        let problems = Checks.problems(config, files: files)
        let name = options.name
        switch output {
        case .json:
            let json = JSON.object([
                ("file", .string(name)),
                ("valid", .bool(problems.errors.isEmpty)),
                ("errors", .number(problems.errors.count)),
                ("warnings", .number(problems.warnings.count)),
                ("problems", .array(problems.map { problem in
                    .object([("severity", .string(problem.severity.rawValue)), ("path", .string(problem.path)),
                             ("message", .string(problem.message)), ("line", problem.line.map(JSON.number) ?? .null),
                             ("file", problem.line == nil ? .null : .string(problem.file ?? name))])
                })),
            ])
            print(json.serialized())
        case .text:
            Checks.print(problems, file: name)
            let summary = "\(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s"), \(problems.warnings.count) warning\(problems.warnings.count == 1 ? "" : "s")"
            let valid = problems.errors.isEmpty && !(strict && !problems.isEmpty)
            print(valid ? "\(name): valid (\(summary))" : "\(name): invalid (\(summary)\(strict && problems.errors.isEmpty ? "; --strict counts warnings" : ""))")
        }
        if !problems.errors.isEmpty || strict && !problems.isEmpty { throw ExitCode(1) }
    }
}

/// `set`: edits values in place with the smallest diff, refusing a result with errors.
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Edit a values file in place: set pv.size=50Gi service.port=8443 (null removes a key).")

    @OptionGroup var options: FileOptions
    @Argument(help: "KEY=VALUE pairs; keys are paths under cacheRegistry, \\. escapes a dot in a key.")
    var assignments: [String] = []

    func run() throws {
        guard options.file.count == 1, let file = options.file.first else {
            throw CommandFailure.usage("set edits one file: set -f values.yaml pv.size=50Gi")
        }
        guard !assignments.isEmpty else { throw CommandFailure.usage("set needs at least one KEY=VALUE, such as pv.size=50Gi") }
        let parsed = try assignments.map { text in
            do { return try Assignment(parsing: text) } catch { throw CommandFailure.usage("\(error)") }
        }
        // A typo in a key is never what a person meant: refuse it before touching the file.
        let unknown = parsed.filter { !FieldRegistry.isKnown($0.path) }
        if !unknown.isEmpty {
            for assignment in unknown { Output.error("error: \(Problem.display(assignment.path)): \(FieldRegistry.unknownKeyMessage(assignment.path))") }
            print("\(file): not changed: \(unknown.count == 1 ? "an unknown key" : "\(unknown.count) unknown keys")")
            throw ExitCode(1)
        }
        guard let document = try options.files()?.documents.first else { return }
        let edited: ValuesDocument
        do {
            edited = try ValuesEditor.apply(parsed, to: document)
        } catch {
            throw CommandFailure.usage("\(error); \(file) was not changed")
        }
        let config = try options.config(of: ValuesFiles([edited]))
        let problems = Checks.problems(config, files: ValuesFiles([edited]))
        Checks.print(problems, file: file)
        if !problems.errors.isEmpty {
            print("\(file): not changed: the result would have \(problems.errors.count) error\(problems.errors.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let newBytes = edited.bytes
        if newBytes == document.bytes {
            print("\(file): unchanged (already set)")
            return
        }
        do { try FileAccess.writeAtomically(newBytes, to: file) } catch { throw CommandFailure.usage("\(error)") }
        print("\(file): set " + parsed.map { "\($0.path)" }.joined(separator: ", "))
    }
}

/// `schema`: the JSON Schema (draft-07) of the cacheRegistry section.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the JSON Schema (draft-07) of cacheRegistry.")
    @Flag(help: "Print the table of keys as Markdown instead (the README's table).") var markdown = false
    func run() throws { print(markdown ? FieldRegistry.markdownTable() : JSONSchemaGenerator.schema().serialized()) }
}
