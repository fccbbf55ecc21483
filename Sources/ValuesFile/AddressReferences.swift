import RegistryModel
import Yams

/// A string outside `cacheRegistry` that holds the registry's address (the chart repeats it in the Tool
/// Manager's env, certs.d mount paths, a start command and BuildKit's config).
public struct AddressReference: Equatable, Sendable {
    /// 1-based line in the file.
    public let line: Int
    /// The key path of the value that holds it (`toolManager.volumeMounts[2].mountPath`).
    public let path: String
}

extension ValuesDocument {
    /// Every line outside `cacheRegistry` (and `registryTls`) that holds `address` as a whole host name: inside
    /// longer strings and block scalars too, and as the start of its longer forms (`<address>.svc...`).
    public func references(to address: String) -> [AddressReference] {
        guard !address.isEmpty, let root = rootMapping else { return [] }
        var scalars: [(line: Int, path: String, block: Bool)] = []
        func walk(_ node: Node, _ path: String) {
            switch node {
            case .scalar(let scalar):
                if let line = node.mark?.line {
                    scalars.append((line, path, scalar.style == .literal || scalar.style == .folded))
                }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    let name = key.string ?? ""
                    if path.isEmpty && (name == KeyPath.section || name == "registryTls") { continue }
                    walk(value, path.isEmpty ? name : path + "." + name)
                }
            case .sequence(let sequence):
                for (index, item) in sequence.enumerated() { walk(item, "\(path)[\(index)]") }
            case .alias: break
            }
        }
        // The top level walked pair by pair: wrapping it in a new Node.Mapping would make Yams build its default
        // resolver, whose regular expressions cost more than the whole walk.
        for (key, value) in root {
            let name = key.string ?? ""
            if name == KeyPath.section || name == "registryTls" { continue }
            walk(value, name)
        }
        scalars.sort { $0.line < $1.line }
        var found: [AddressReference] = []
        for (index, start) in source.lineStarts.enumerated() {
            var end = source.lineEnd(of: start)
            guard start < end, AddressText.contains(bytes[start..<end], address) else { continue }
            let line = index + 1
            guard let owner = scalars.last(where: { $0.line <= line }) else { continue }
            if !(owner.block && line > owner.line) {
                // Outside a block scalar a comment ends the line's content: a name in a comment is no reference.
                if let hash = (start..<end).first(where: {
                    bytes[$0] == Byte.hash && ($0 == start || bytes[$0 - 1] == Byte.space || bytes[$0 - 1] == Byte.tab)
                }) {
                    end = hash
                }
                guard start < end, AddressText.contains(bytes[start..<end], address) else { continue }
            }
            found.append(AddressReference(line: line, path: owner.path))
        }
        return found
    }
}

extension ValuesDocument {
    /// The lines of consumers that push images to the registry at `address`: BuildKit's `[registry."<address>"]`
    /// table and the Tool Manager's `KUBIYA_IMAGE_REGISTRY_ADDRESS` (where it builds and pushes tool images).
    public func pushers(to address: String) -> [AddressReference] {
        references(to: address).filter { reference in
            if reference.path == "toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS" { return true }
            let start = source.lineStarts[reference.line - 1]
            let text = String(decoding: bytes[start..<source.lineEnd(of: start)], as: UTF8.self).drop { $0 == " " }
            return text.hasPrefix("[registry.\"\(address)")
        }
    }
}

/// Finding and replacing a host name as a whole word: not part of a longer name, but allowed before a `.`,
/// `:` or `/` (so `<address>.svc.cluster.local` and `<address>:443` count).
enum AddressText {
    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 45
    }

    /// Offsets (within `text`) where `address` starts as a whole name.
    static func occurrences(_ text: ArraySlice<UInt8>, _ address: String) -> [Int] {
        let needle = Array(address.utf8)
        guard !needle.isEmpty, text.count >= needle.count else { return [] }
        var result: [Int] = []
        var index = text.startIndex
        while index + needle.count <= text.endIndex {
            if text[index] == needle[0] && text[index..<(index + needle.count)].elementsEqual(needle) {
                let before = index > text.startIndex ? text[index - 1] : 32
                let after = index + needle.count < text.endIndex ? text[index + needle.count] : 32
                if !isNameByte(before) && before != 46 && !isNameByte(after) { result.append(index) }
                index += needle.count
            } else {
                index += 1
            }
        }
        return result
    }

    static func contains(_ text: ArraySlice<UInt8>, _ address: String) -> Bool { !occurrences(text, address).isEmpty }
}

extension ValuesEditor {
    /// The document with every reference to `old` (outside `cacheRegistry`) replaced by `new`, and the lines changed.
    public static func updatingReferences(from old: String, to new: String, in document: ValuesDocument)
        throws(FileError) -> (document: ValuesDocument, changed: [AddressReference]) {
        let references = document.references(to: old)
        guard !references.isEmpty, old != new else { return (document, []) }
        var bytes = document.bytes
        for reference in references.reversed() {
            let start = document.source.lineStarts[reference.line - 1], end = document.source.lineEnd(of: start)
            for offset in AddressText.occurrences(bytes[start..<end], old).reversed() {
                bytes.replaceSubrange(offset..<(offset + old.utf8.count), with: Array(new.utf8))
            }
        }
        return (try ValuesDocument(bytes: bytes, name: document.name), references)
    }
}

/// The registry's address (`<service>.<namespace>[:port]`) is one fact; these find where a file still holds an old one.
public enum RegistryAddress {
    /// Addresses other components in a file may still use for the registry, besides the current one: the Tool
    /// Manager's, the chart's default for the namespace, and the address when the file was opened.
    public static func staleCandidates(_ config: RegistryConfig, opened: RegistryConfig? = nil) -> [String] {
        let defaults = RegistryConfig(namespace: config.namespace, release: config.release).registryAddress
        let candidates = [opened?.registryAddress, config.external.toolManagerRegistryAddress, defaults].compactMap {
            $0
        }
        var seen = Set<String>()
        return candidates.filter { $0 != config.registryAddress && !$0.isEmpty && seen.insert($0).inserted }
    }

    /// One warning per line that still holds a stale address (the Tool Manager's own key has its own warning).
    public static func problems(_ references: [String: [AddressReference]], current: String) -> [Problem] {
        references.keys.sorted().filter { $0 != current }.flatMap { old in
            (references[old] ?? []).filter { $0.path != "toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS" }.map {
                reference in
                var problem = Problem(.warning, .staleAddress, .valuesKey(reference.path), "still holds the registry's "
                    + "old address \(old); it is now \(current). Update it: set --update-references, or the wizard's "
                    + "Service step", line: reference.line)
                problem.isAddressReference = true
                return problem
            }
        }
    }

    /// Proxy mode while the file's consumers push to the registry: one warning naming their lines.
    public static func pusherProblems(
        _ config: RegistryConfig, _ pushers: [(file: String?, reference: AddressReference)]
    ) -> [Problem] {
        guard config.view.bool(.proxyEnabled) == true, config.view.enabled, !pushers.isEmpty else { return [] }
        let lines = pushers.map { "\($0.file.map { $0 + ":" } ?? "line ")\($0.reference.line) \($0.reference.path)" }
        return [.warning(.pushersRefused, .proxyEnabled, "image builds push here (\(lines.joined(separator: ", "))); a "
            + "pull-through cache refuses pushes: keep a private registry for them, or point them at another one")]
    }

    /// The references in a document to each stale candidate.
    public static func references(in document: ValuesDocument, to candidates: [String]) -> [String: [AddressReference]]
    {
        Dictionary(uniqueKeysWithValues: candidates.map { ($0, document.references(to: $0)) })
    }
}
