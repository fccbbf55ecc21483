/// Why a values file cannot be read or written; always one sentence naming the file.
public struct ValuesFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
