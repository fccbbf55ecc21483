/// Why a values file cannot be read or written; always one sentence naming the file.
public struct ValuesFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// Set when the refusal is that the file changed on disk since it was read (the wizard then offers to reload).
    public let changedOnDisk: String?
    public init(_ description: String, changedOnDisk: String? = nil) {
        self.description = description
        self.changedOnDisk = changedOnDisk
    }
}
