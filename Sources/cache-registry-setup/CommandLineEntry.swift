import ArgumentParser
import Foundation
import Glibc
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
            if code != .success, let hint = CommandLineMistakes.hint(arguments) {
                Output.error("error: " + hint)
                return 2
            }
            let message = CacheRegistrySetup.fullMessage(for: error)
            if code == .success {
                Output.text(message)
                return 0
            }
            Output.errorText(message)
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

/// Writing to standard output and error without losing bytes to buffering, and without a crash when a stream is
/// closed or full (SIGPIPE ignored, as systemd and many CI shells set it; `/dev/full`): the command then ends with
/// exit 2 and one sentence, where one can still be written.
/// Every message passes here, with its control characters quoted, so a crafted value from a file cannot drive the
/// terminal (set its title, move the cursor).
/// A message is one line: a line break in a path or value in it is quoted too (`a\nb`); `text` and `errorText`
/// keep the line breaks of output made of several lines (help, tables, a list of problems).
enum Output {
    /// One line on standard error.
    static func error(_ text: String) {
        send(Quote.controls(text) + "\n", to: STDERR_FILENO)
    }

    /// Several lines on standard error.
    static func errorText(_ text: String) {
        let safe = Quote.controls(text, keepingLines: true)
        send(safe.hasSuffix("\n") ? safe : safe + "\n", to: STDERR_FILENO)
    }

    /// A line on standard output.
    static func line(_ text: String) {
        send(Quote.controls(text) + "\n", to: STDOUT_FILENO)
    }

    /// Several lines on standard output.
    static func text(_ text: String) {
        send(Quote.controls(text, keepingLines: true) + "\n", to: STDOUT_FILENO)
    }

    /// Data on standard output as it is (manifests, a post-rendered stream).
    static func data(_ text: String) {
        send(text, to: STDOUT_FILENO)
    }

    /// Writes all of `text`, or ends the program: exit 2 with the reason on standard error when that still works.
    static func send(_ text: String, to descriptor: Int32) {
        guard let code = StandardStream.write(Array(text.utf8), to: descriptor) else { return }
        let stream = descriptor == STDOUT_FILENO ? "standard output" : "standard error"
        let reason = code == ENOSPC ? "no space left on the device"
            : code == EPIPE ? "it was closed (the reader ended)" : String(cString: strerror(code)).lowercased()
        if descriptor != STDERR_FILENO {
            _ = StandardStream.write(Array("cache-registry-setup: cannot write to \(stream): \(reason)\n".utf8),
                                     to: STDERR_FILENO)
        }
        exit(2)
    }
}

/// Whole reads and writes of the standard streams with the system calls themselves (Foundation's `FileHandle`
/// traps on a closed pipe), each read bounded.
enum StandardStream {
    /// Writes every byte; the `errno` that stopped it, or nil.
    static func write(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += result
        }
        return nil
    }

    /// Standard input up to `limit` bytes, or one sentence naming the limit (`/dev/zero` never ends).
    static func readInput(limit: Int, what: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure.file("standard input: cannot be read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit {
                let size = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"
                throw CommandFailure.file("standard input: is larger than \(size), more than \(what) holds; "
                    + "nothing was read further")
            }
        }
    }
}

/// The top-level command: the wizard by default, and the headless commands.
struct CacheRegistrySetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-registry-setup",
        abstract: "Set up the Cache Registry of the kubiya-runner chart: a wizard, and headless commands for CI.",
        version: "0.1.0",
        subcommands: [SetupCommand.self, EditCommand.self, ExportCommand.self, ValidateCommand.self, SetCommand.self,
                      SchemaCommand.self, CodesCommand.self, KeysCommand.self, TLSCommand.self, PostRenderCommand.self,
                      DoctorCommand.self, GCCommand.self],
        defaultSubcommand: SetupCommand.self
    )
}
