import ArgumentParser
import Foundation
import RegistryModel

/// The command-line mistakes people make most, answered with what they meant, where the parser alone would give
/// a message about something else (`exprot -f x.yaml` is not an unknown option of the wizard).
enum CommandLineMistakes {
    /// Every command's name, as typed.
    static var commandNames: [String] {
        CacheRegistrySetup.configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The commands that read values files only through `-f`.
    static let valuesFileCommands: Set<String> = ["export", "validate", "set", "gc", "doctor", "post-render", "tls"]

    /// One sentence for the mistake in `arguments`, or nil when it is none of these.
    static func hint(_ arguments: [String]) -> String? {
        guard let first = arguments.first else { return nil }
        if !first.hasPrefix("-") && !commandNames.contains(first) { return unknownCommand(first) }
        guard valuesFileCommands.contains(first) else { return nil }
        let command = first == "tls" ? arguments.prefix(2).joined(separator: " ") : first
        for (index, argument) in arguments.enumerated().dropFirst() where looksLikeValuesFile(argument) {
            let previous = arguments[index - 1]
            guard previous != "-f" && previous != "--file" && !previous.hasPrefix("--") else { continue }
            if first == "tls" && arguments.dropFirst().first == "inspect" { continue }  // its own check reads the file
            return "\(command): \(Quote.bare(argument)) is a values file; did you mean -f \(Quote.bare(argument))?"
        }
        return nil
    }

    static func unknownCommand(_ typed: String) -> String {
        let text = Array(typed.lowercased().utf8)
        let closest = commandNames.map { ($0, FieldRegistry.editDistance(text, Array($0.utf8))) }
            .filter { $0.1 <= max(2, typed.count / 3) }.min { $0.1 < $1.1 }
        let known = commandNames.filter { $0 != "help" }.joined(separator: ", ")
        if let closest { return "unknown command '\(Quote.bare(typed))'; did you mean '\(closest.0)'?" }
        return "unknown command '\(Quote.bare(typed))'; the commands are \(known) (the wizard needs none)"
    }

    /// A name that ends like a values file, or a file that holds YAML.
    static func looksLikeValuesFile(_ argument: String) -> Bool {
        !argument.hasPrefix("-") && !argument.contains("=")
            && (argument.hasSuffix(".yaml") || argument.hasSuffix(".yml"))
    }
}
