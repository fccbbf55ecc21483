import RegistryModel

/// Why a file cannot be read or written (a values file, a PEM file, a theme, a manifest, a lock): the file, where in
/// it when known, and one sentence. It is rendered as `file:line:column: message` only where it is shown, as
/// compilers do.
public struct FileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let message: String
    /// Set when the refusal is that the file changed on disk since it was read (the wizard then offers to reload).
    public let changedOnDisk: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, _ message: String, changedOnDisk: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.changedOnDisk = changedOnDisk
    }

    /// The same place with another sentence.
    public func saying(_ message: String) -> FileError {
        FileError(file: file, line: line, column: column, message, changedOnDisk: changedOnDisk)
    }

    public var description: String {
        Quote.path(file) + (line.map { ":\($0)" } ?? "") + (column.map { ":\($0)" } ?? "") + ": " + message
    }
}
