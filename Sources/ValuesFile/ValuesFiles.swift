import RegistryModel

/// Several values files read as `helm -f a.yaml -f b.yaml` reads them: each merged over the ones before it,
/// all over the chart's defaults. One file is the usual case; `values.yaml` then `values-tls.yaml` the other.
public struct ValuesFiles: Sendable {
    public let documents: [ValuesDocument]

    public init(_ documents: [ValuesDocument]) { self.documents = documents }

    /// The name of the file beside a values file that carries its TLS pair for Helm.
    public static let tlsValuesFileName = "values-tls.yaml"

    /// Where the TLS pair of a values file goes for Helm: `values-tls.yaml` in the same folder.
    public static func tlsValuesPath(beside valuesPath: String) -> String {
        valuesPath.contains("/") ? PathName.join(PathName.folder(of: valuesPath), tlsValuesFileName) : tlsValuesFileName
    }

    /// `values-tls.yaml` beside the last of `paths` when it exists and is not among them: the pair the wizard or
    /// `tls generate` stored there is then not read (a forgotten `-f`).
    public static func unreadTLSValues(beside paths: [String], in fileSystem: any FileSystem) -> String? {
        guard let last = paths.last, !paths.contains(where: { PathName.lastComponent($0) == tlsValuesFileName }) else {
            return nil
        }
        let candidate = tlsValuesPath(beside: last)
        return FileAccess.exists(candidate, in: fileSystem) ? candidate : nil
    }

    /// The install route the files suggest: `helm` when one is the chart's values file.
    public var suggestedRoute: InstallRoute { .suggested(holdsOtherComponents: holdsOtherComponents) }

    /// Whether one of the files is the chart's values file (it holds other components of the chart).
    public var holdsOtherComponents: Bool { documents.contains { $0.holdsOtherComponents } }

    /// The names, for messages.
    public var name: String { documents.map(\.name).joined(separator: ", ") }

    /// The configuration the files mean together: later files win key by key, and a null removes.
    public func config(namespace: String = RegistryConfig.defaultNamespace,
                       release: String = RegistryConfig.defaultRelease) throws(FileError) -> RegistryConfig {
        var overrides = Value.emptyMapping
        var external = ExternalValues()
        for document in documents {
            overrides = try document.section().merged(over: overrides, keepingNulls: true)
            let own = document.external
            external.toolManagerRegistryAddress = own.toolManagerRegistryAddress ?? external.toolManagerRegistryAddress
            if document.topLevelString(["registryTls", "crt"]) != nil { external.hasRegistryTLS = own.hasRegistryTLS }
        }
        return RegistryConfig(overrides: overrides, namespace: namespace, release: release, external: external)
    }

    /// A top-level string (`registryTls.crt`) from the last file that sets it.
    public func topLevelString(_ path: [String]) -> String? {
        documents.reversed().lazy.compactMap { $0.topLevelString(path) }.first
    }

    /// The last file that carries a `registryTls` pair.
    public var registryTLSDocument: ValuesDocument? {
        documents.last { $0.topLevelString(["registryTls", "crt"]).map { !$0.isEmpty } == true }
    }

    /// Problems located in the last file that sets their key (with its name and line).
    public func locate(_ problems: [Problem]) -> [Problem] {
        let indexes = documents.map(ValuesDocument.KeyLines.init)
        return problems.map { problem in
            guard problem.file == nil, let components = problem.location.valuesKeys else { return problem }
            guard let position = indexes.lastIndex(where: { $0.contains(components) }) ?? (documents.isEmpty ? nil : 0)
            else {
                return problem
            }
            var located = documents[position].locate(problem, indexes[position])
            located.file = located.line == nil ? nil : documents[position].name
            return located
        }
    }
}
