import ArgumentParser
import Foundation
import RegistryModel

/// Parses the arguments, runs the command, and maps every failure to the documented exit status.
enum CommandLineEntry {
    /// Subcommands parsed by their own type: parsing against the root reflects over every subcommand,
    /// which is most of the start-up time (BENCHMARKS.md). Help and usage errors still go through the root.
    static let directCommands: [String: ParsableCommand.Type] = [
        "export": ExportCommand.self, "validate": ValidateCommand.self, "set": SetCommand.self,
        "edit": EditCommand.self,
        "schema": SchemaCommand.self, "post-render": PostRenderCommand.self,
    ]

    static func run(_ arguments: [String]) -> Int32 {
        do {
            var command = try directCommand(arguments) ?? CacheRegistrySetup.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let failure as CommandFailure {
            Output.error(failure.message)
            return failure.status
        } catch {
            let code = CacheRegistrySetup.exitCode(for: error)
            let message = CacheRegistrySetup.fullMessage(for: error)
            if code == .success {
                Output.line(message)
                return 0
            }
            Output.error(message)
            return 2
        }
    }
}

extension CommandLineEntry {
    /// The command for a known subcommand (or the wizard with only its own options), parsed without the root; nil when
    /// help is asked for or the arguments do not parse, so the root gives the usual help and messages.
    static func directCommand(_ arguments: [String]) -> ParsableCommand? {
        if arguments.contains(where: { $0 == "-h" || $0 == "--help" || $0 == "--version" }) { return nil }
        // The wizard's own options (`--theme light`, `--plain`) need no subcommand either.
        if arguments.isEmpty || arguments[0].hasPrefix("-") { return try? SetupCommand.parse(arguments) }
        guard let type = directCommands[arguments[0]] else { return nil }
        return try? type.parseAsRoot(Array(arguments.dropFirst()))
    }
}

/// A failure that already has its sentence, by what failed; each has its documented exit status.
enum CommandFailure: Error {
    /// The arguments are wrong (exit 2).
    case usage(String)
    /// A file cannot be read or written, or holds what cannot be used (exit 2).
    case file(String)
    /// The terminal cannot show the wizard, or a standard stream is closed (exit 2).
    case terminal(String)
    /// The command ran and found its answer is no (exit 1): nothing to inspect, nothing to do.
    case refused(String)
    /// The command could not do its work for another reason (exit 2).
    case failed(String)

    var message: String {
        switch self {
        case .usage(let text), .file(let text), .terminal(let text), .refused(let text), .failed(let text): return text
        }
    }

    var status: Int32 {
        if case .refused = self { return 1 }
        return 2
    }
}

/// Writing to standard output and error without losing bytes to buffering.
/// Every message passes here, with its control characters quoted, so a crafted value from a file cannot drive the
/// terminal (set its title, move the cursor).
enum Output {
    static func error(_ text: String) {
        let safe = Quote.controls(text, keepingLines: true)
        FileHandle.standardError.write(Data((safe.hasSuffix("\n") ? safe : safe + "\n").utf8))
    }

    /// A line on standard output.
    static func line(_ text: String) {
        Swift.print(Quote.controls(text, keepingLines: true))
    }
}

/// The top-level command: the wizard by default, and the headless commands.
struct CacheRegistrySetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-registry-setup",
        abstract: "Set up the Cache Registry of the Kubiya Tool Manager chart: a wizard, and headless commands for CI.",
        version: "0.1.0",
        subcommands: [SetupCommand.self, EditCommand.self, ExportCommand.self, ValidateCommand.self, SetCommand.self,
                      SchemaCommand.self, CodesCommand.self, KeysCommand.self, TLSCommand.self, PostRenderCommand.self,
                      DoctorCommand.self, GCCommand.self],
        defaultSubcommand: SetupCommand.self
    )
}
