import RegistryModel
import Yams

/// Helm's post-renderer: the release's rendered stream with the cache registry's objects (found by kind and the
/// names the values give them) replaced by ours, ours that the chart lacks added after them, and every other
/// document left byte for byte as it came, `# Source:` comments included.
public enum PostRenderer {
    /// Why a stream cannot be post-rendered.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The kinds and names of the chart's cache registry objects for a configuration.
    public static func chartObjects(_ config: RegistryConfig) -> [(kind: String, name: String)] {
        let view = config.view
        return [("PersistentVolume", view.text(.pvName)), ("PersistentVolumeClaim", view.text(.pvcName)),
                ("Deployment", view.text(.deploymentName)), ("Service", view.text(.serviceName))]
    }

    public static func splice(_ stream: String, config: RegistryConfig, rendered: RenderedSet) throws(Failure) -> String
    {
        let documents = split(stream)
        let identities = documents.map(identity(of:))
        let wanted = chartObjects(config)
        let ours = rendered.resources
        // The chart's objects, and its TLS Secret when we render one of that name.
        func replaces(_ identity: (kind: String, name: String)) -> Bool {
            wanted.contains { $0 == identity }
                || identity.kind == "Secret" && ours.contains { $0.kind == "Secret" && $0.name == identity.name }
        }
        let matched = Set(identities.indices.filter { identities[$0].map(replaces) ?? false })
        guard let last = matched.max(), matched.contains(where: { identities[$0]?.kind != "Secret" }) else {
            let names = wanted.map { "\($0.kind) \($0.name)" }.joined(separator: ", ")
            throw Failure(description: "the stream holds none of the cache registry's objects (\(names)): this chart "
                + "version has no cache registry, cacheRegistry.enabled is false in the values Helm read, or the names "
                + "differ from the values given here; nothing was printed")
        }
        var placed = Set<Int>()
        var output = ""
        for (index, document) in documents.enumerated() {
            if matched.contains(index), let identity = identities[index] {
                // Replaced by ours of the same kind and name, or dropped when we render none (dynamic mode has no PV).
                if let match = ours.firstIndex(where: { $0.kind == identity.kind && $0.name == identity.name }) {
                    output += try ourDocument(ours[match])
                    placed.insert(match)
                }
            } else {
                output += document
            }
            if index == last {
                for (position, resource) in ours.enumerated() where !placed.contains(position) {
                    output += try ourDocument(resource)
                }
            }
        }
        return output
    }

    /// One of our objects as a document of the stream.
    static func ourDocument(_ resource: RenderedResource) throws(Failure) -> String {
        do {
            return "---\n# Source: cache-registry-setup post-render (\(resource.fileName))\n"
                + (try Emitter.yaml(resource.object))
        } catch { throw Failure(description: error.description) }
    }

    /// The documents of a stream, each with the `---` line that starts it; text before the first marker is a
    /// document of its own. Joining them gives the stream back byte for byte.
    static func split(_ stream: String) -> [String] {
        var documents: [String] = []
        var current = Substring()
        var rest = Substring(stream)
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n").map { rest.index(after: $0) } ?? rest.endIndex
            let line = rest[..<end]
            let bare = line.hasSuffix("\n") ? line.dropLast() : line
            if bare == "---" || bare == "---\r" || bare.hasPrefix("--- ") {
                if !current.isEmpty { documents.append(String(current)) }
                current = line
            } else {
                current = current.isEmpty ? line : stream[current.startIndex..<end]
            }
            rest = rest[end...]
        }
        if !current.isEmpty { documents.append(String(current)) }
        return documents
    }

    /// The kind and name of a document, when it is a Kubernetes object; a document that does not parse is not one of
    /// ours, and is passed on as it came.
    static func identity(of document: String) -> (kind: String, name: String)? {
        let node: Node?
        do { node = try Yams.compose(yaml: document) } catch { return nil }
        guard let mapping = node?.mapping, let kind = mapping["kind"]?.string,
              let name = mapping["metadata"]?.mapping?["name"]?.string else { return nil }
        return (kind, name)
    }
}
