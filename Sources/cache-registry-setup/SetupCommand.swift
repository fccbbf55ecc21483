import ArgumentParser

/// The wizard on built-in defaults.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "setup", abstract: "Start the wizard on built-in defaults.")
    func run() throws { throw CommandFailure.usage("the wizard is being built; use export, validate or set") }
}

/// The wizard on an existing file.
struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Start the wizard on a values file.")
    @Argument var file: String
    func run() throws { throw CommandFailure.usage("the wizard is being built; use export, validate or set") }
}
