import RegistryModel
import ValuesFile

/// Helm's post-renderer: the release's rendered stream with the cache registry's objects replaced by ours, ours that
/// the chart lacks added after them, and every other document left byte for byte as it came. The stream is read as
/// Helm and the API server read it: duplicate keys (the chart's labels), CRLF line ends, a first document without
/// `---` (Helm 4), `List` objects. A document that cannot be identified is an error that names it, never passed on
/// unread; the chart's TLS Secret, a hook Helm 4 hands over, is passed on untouched.
public enum PostRenderer {
    /// Why a stream cannot be post-rendered.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The annotation Helm 4 puts on each document it hands over, naming its template; ours take it over from the
    /// document they replace, so Helm 4 files them under the chart's template.
    static let helmFileAnnotation = "postrenderer.helm.sh/postrender-filename"

    /// The kinds and names of the chart's cache registry objects for a configuration.
    public static func chartObjects(_ config: RegistryConfig) -> [(kind: String, name: String)] {
        let view = config.view
        return [("PersistentVolume", view.text(.pvName)), ("PersistentVolumeClaim", view.text(.pvcName)),
                ("Deployment", view.text(.deploymentName)), ("Service", view.text(.serviceName))]
    }

    /// One document of the stream: its text as it came, and what it holds.
    struct Document {
        let text: String
        let number: Int
        /// The `# Source:` comment Helm 3 puts first, for messages.
        var source: String? {
            let line = text.split(whereSeparator: \.isNewline).lazy
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.first { $0.hasPrefix("# Source:") }
            return line.map { String($0.dropFirst(9)).trimmingCharacters(in: .whitespaces) }
        }
        var name: String { "document \(number)" + (source.map { " (\($0))" } ?? "") }
    }

    /// What a document holds.
    enum Content {
        /// Comments or nothing (Helm prints one for a template that renders nothing).
        case empty
        case object(Value)
        /// A `List` (`v1/List`, `DeploymentList`...) with its items.
        case list(Value, items: [Value])
    }

    public static func splice(_ stream: String, config: RegistryConfig, rendered: RenderedSet) throws(Failure) -> String
    {
        let documents = split(stream)
        let contents = try documents.map { document throws(Failure) in try read(document) }
        let ours = rendered.resources
        // The chart's objects, and any object of the same kind and name as one of ours (never the TLS Secret,
        // which the chart's hook makes from registryTls and which we do not render here).
        let wanted = Set((chartObjects(config) + ours.map { ($0.kind, $0.name) }).map { "\($0.kind)/\($0.name)" })
        func isWanted(_ object: Value) -> Bool { wanted.contains(identity(object)) }
        var matched = false
        for (document, content) in zip(documents, contents) {
            for object in objects(of: content) where isWanted(object) {
                matched = true
                if let namespace = object["metadata"]?["namespace"]?.scalar?.text, namespace != config.namespace,
                    object["kind"]?.scalar?.text != "PersistentVolume"
                {
                    throw Failure(description: "\(document.name) puts \(identity(object)) in the namespace "
                        + "\(Quote.value(namespace)), but post-render was given -n \(Quote.value(config.namespace)): "
                        + "give post-render the namespace Helm installs into; nothing was printed")
                }
            }
        }
        guard matched else {
            let names = chartObjects(config).map { "\($0.kind) \($0.name)" }.joined(separator: ", ")
            throw Failure(description: "the stream holds none of the cache registry's objects (\(names)): this chart "
                + "version has no cache registry, cacheRegistry.enabled is false in the values Helm read, or the names "
                + "differ from the values given here; nothing was printed")
        }
        let lineBreak = stream.utf8.contains(13) && stream.contains("\r\n") ? "\r\n" : "\n"
        var placed = Set<Int>()
        var output = ""
        func append(_ text: String) {
            if !output.isEmpty && !output.hasSuffix("\n") { output += lineBreak }
            output += text
        }
        func ourDocument(for object: Value) throws(Failure) -> String? {
            guard let position = ours.firstIndex(where: { "\($0.kind)/\($0.name)" == identity(object) }) else {
                return nil  // the chart renders it and we do not (dynamic mode has no PersistentVolume): dropped
            }
            guard placed.insert(position).inserted else { return nil }  // the same object twice: ours once
            let annotation = object["metadata"]?["annotations"]?[helmFileAnnotation]
            return try emit(ours[position], keeping: annotation, lineBreak: lineBreak)
        }
        let lastMatched = contents.lastIndex { objects(of: $0).contains(where: isWanted) } ?? documents.count - 1
        for (index, (document, content)) in zip(documents, contents).enumerated() {
            switch content {
            case .object(let object) where isWanted(object):
                if let ours = try ourDocument(for: object) { append(ours) }
            case .list(let list, let items) where items.contains(where: isWanted):
                // The List keeps its other items; ours go in their own documents.
                var replacements: [String] = []
                for item in items where isWanted(item) {
                    if let ours = try ourDocument(for: item) { replacements.append(ours) }
                }
                let rest = items.filter { !isWanted($0) }
                if !rest.isEmpty {
                    append(try emit(list.setting(.sequence(rest), at: KeyPath(["items"])), source: document.source,
                                    lineBreak: lineBreak))
                }
                for text in replacements { append(text) }
            default:
                append(document.text)
            }
            if index == lastMatched {
                for (position, resource) in ours.enumerated() where !placed.contains(position) {
                    append(try emit(resource, keeping: nil, lineBreak: lineBreak))
                    placed.insert(position)
                }
            }
        }
        return output
    }

    /// `Kind/name` of an object.
    static func identity(_ object: Value) -> String {
        "\(object["kind"]?.scalar?.text ?? "")/\(object["metadata"]?["name"]?.scalar?.text ?? "")"
    }

    static func objects(of content: Content) -> [Value] {
        switch content {
        case .empty: return []
        case .object(let object): return [object]
        case .list(_, let items): return items
        }
    }

    /// What a document holds, read as the API server reads it; one that is no object is an error naming it.
    static func read(_ document: Document) throws(Failure) -> Content {
        let parsed: ValuesDocument
        do { parsed = try ValuesDocument.tolerant(bytes: Array(document.text.utf8), name: document.name) } catch {
            throw Failure(description: "\(error.description); nothing was printed")
        }
        guard let value = parsed.rootValue, !value.isNull else { return .empty }
        guard value.entries != nil, let kind = value["kind"]?.scalar?.text, !kind.isEmpty else {
            throw Failure(description: "\(document.name) is not a Kubernetes object (it has no kind); nothing was "
                + "printed")
        }
        if kind.hasSuffix("List"), let items = value["items"]?.items {
            return .list(value, items: items)
        }
        guard value["metadata"]?["name"]?.scalar != nil else {
            throw Failure(description: "\(document.name) is a \(kind) without metadata.name; nothing was printed")
        }
        return .object(value)
    }

    /// One of our objects as a document of the stream (with Helm 4's file annotation of the one it replaces).
    static func emit(_ resource: RenderedResource, keeping annotation: Value?, lineBreak: String) throws(Failure)
        -> String
    {
        var object = resource.object
        if let annotation {
            object = object.setting(annotation, at: KeyPath(["metadata", "annotations", helmFileAnnotation]))
        }
        // Helm 4 names the document's file by the annotation; Helm 3 shows a comment.
        let source = annotation == nil ? "cache-registry-setup post-render (\(resource.fileName))" : nil
        return try emit(object, source: source, lineBreak: lineBreak)
    }

    static func emit(_ object: Value, source: String?, lineBreak: String) throws(Failure) -> String {
        do {
            let text = "---\n" + (source.map { "# Source: \($0)\n" } ?? "") + (try Emitter.yaml(object))
            return lineBreak == "\n" ? text : text.replacingOccurrences(of: "\n", with: lineBreak)
        } catch { throw Failure(description: error.description) }
    }

    /// The documents of a stream, each with the `---` line that starts it (Helm 4's first has none). Lines end at
    /// `\n`, so a CRLF stream splits as an LF one does. Joining them gives the stream back byte for byte.
    static func split(_ stream: String) -> [Document] {
        var documents: [Document] = []
        let bytes = Array(stream.utf8)
        var start = 0, lineStart = 0
        func close(at end: Int) {
            guard end > start else { return }
            documents.append(Document(text: String(decoding: bytes[start..<end], as: UTF8.self),
                                      number: documents.count + 1))
            start = end
        }
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
            var content = bytes[lineStart..<lineEnd]
            if content.last == 13 { content = content.dropLast() }
            let marker = content.elementsEqual("---".utf8) || content.starts(with: "--- ".utf8)
            if marker { close(at: lineStart) }
            lineStart = min(lineEnd + 1, bytes.count)
        }
        close(at: bytes.count)
        return documents
    }
}
