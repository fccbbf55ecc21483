import Foundation
import RegistryModel
import ValuesFile

/// A session left with unsaved changes, kept to resume: the answers (errors and all), the step and the TLS choice
/// as a small YAML file, and a generated pair's key only in a file of its own (written 0600 by the caller).
public struct Draft: Equatable, Sendable {
    /// The draft file: no secret in it.
    public var text: String
    /// The secrets file (the generated pair), when there is one.
    public var secrets: String?

    /// Why a draft cannot be resumed.
    public struct Unreadable: Error, CustomStringConvertible, Sendable { public let description: String }

    /// The draft of a session.
    public init(of state: WizardState, keptAt date: Date) {
        var session: [Entry] = [
            Entry(key: "mode", value: .string(state.mode == .edit ? "edit" : "setup")),
            Entry(key: "step", value: .string(state.step.rawValue)),
            Entry(key: "focus", value: .int(state.focus)),
            Entry(key: "namespace", value: .string(state.config.namespace)),
            Entry(key: "release", value: .string(state.config.release)),
            Entry(key: "route", value: .string(state.config.route.rawValue)),
            Entry(key: "outputDir", value: .string(state.outputDir)),
            Entry(key: "updateReferences", value: .bool(state.updateReferences)),
            Entry(key: "tlsSource", value: .string(state.tls.source.rawValue)),
            Entry(key: "certificatePath", value: .string(state.tls.certificatePath)),
            Entry(key: "keyPath", value: .string(state.tls.keyPath)),
            Entry(key: "days", value: .string(state.tls.days)),
            Entry(key: "rsa", value: .bool(state.tls.rsa)),
        ]
        if state.tls.generated != nil { session.append(Entry(key: "generatedPair", value: .bool(true))) }
        let root = Value.mapping([
            Entry(key: Draft.sessionKey, value: .mapping(session)),
            Entry(key: KeyPath.section, value: state.config.overrides),
        ])
        let kept = ISO8601DateFormatter().string(from: date)
        text = "# cache-registry-setup: a draft of \(state.valuesPath), kept \(kept) when the wizard was left with "
            + "unsaved answers.\n# Start the wizard on the same file to resume it "
            + "(--resume), or --discard-draft. The generated key, if any, is in the -secrets file beside it.\n"
            + ValueText.block(root)
        secrets = state.tls.generated.map { generated in
            ValueText.block(.mapping([
                Entry(key: "names", value: .sequence(generated.spec.names.map(Value.string))),
                Entry(key: "addresses", value: .sequence(generated.spec.addresses.map(Value.string))),
                Entry(key: "days", value: .int(generated.spec.days)),
                Entry(key: "rsa", value: .bool(generated.spec.rsa)),
                Entry(key: "certificatePEM", value: .string(generated.pair.certificatePEM)),
                Entry(key: "keyPEM", value: .string(generated.pair.keyPEM)),
            ]))
        }
    }

    static let sessionKey = "draft"

    /// The session with the draft's answers, step and TLS choice in place of its own.
    public static func resume(_ text: String, secrets: String?, onto state: WizardState) throws(Unreadable)
        -> WizardState
    {
        let (session, overrides) = try read(text)
        var resumed = state
        resumed.config.overrides = overrides
        if let namespace = session["namespace"]?.scalar?.text { resumed.config.namespace = namespace }
        if let release = session["release"]?.scalar?.text { resumed.config.release = release }
        if let route = (session["route"]?.scalar?.text).flatMap(InstallRoute.init(rawValue:)) {
            resumed.config.route = route
        }
        if let folder = session["outputDir"]?.scalar?.text { resumed.outputDir = folder }
        resumed.updateReferences = session["updateReferences"]?.scalar?.boolValue ?? false
        if let source = (session["tlsSource"]?.scalar?.text).flatMap(TLSSource.init(rawValue:)) {
            resumed.tls.source = source
        }
        resumed.tls.certificatePath = session["certificatePath"]?.scalar?.text ?? ""
        resumed.tls.keyPath = session["keyPath"]?.scalar?.text ?? ""
        resumed.tls.days = session["days"]?.scalar?.text ?? resumed.tls.days
        resumed.tls.rsa = session["rsa"]?.scalar?.boolValue ?? false
        var pair: Value?
        if let secrets {
            do { pair = try ValuesDocument(bytes: Array(secrets.utf8), name: "draft secrets").rootValue } catch {
                throw Unreadable(description: "its secrets file: \(error.description)")
            }
        }
        if let pair, let certificate = pair["certificatePEM"]?.scalar?.text, let key = pair["keyPEM"]?.scalar?.text {
            let spec = GenerationSpec(
                names: pair["names"]?.items?.compactMap { $0.scalar?.text } ?? [],
                addresses: pair["addresses"]?.items?.compactMap { $0.scalar?.text } ?? [],
                days: pair["days"]?.scalar?.intValue ?? 365, rsa: pair["rsa"]?.scalar?.boolValue ?? false)
            resumed.tls.generated = GeneratedTLSMaterial(
                spec: spec, pair: PEMPair(certificatePEM: certificate, keyPEM: key))
        }
        resumed.revalidate()
        let step = (session["step"]?.scalar?.text).flatMap(Step.init(rawValue:)) ?? Step.general
        resumed.goTo(step: step, focus: session["focus"]?.scalar?.intValue ?? 0)
        return resumed
    }

    /// What the draft answers differently from the session it would replace (`pv.size: 20Gi → 30Gi`).
    public static func differences(_ text: String, from state: WizardState) throws(Unreadable) -> [String] {
        let (session, overrides) = try read(text)
        var lines: [String] = []
        let before = leaves(state.config.overrides), after = leaves(overrides)
        for path in Set(before.keys).union(after.keys).sorted() where before[path] != after[path] {
            lines.append("\(path): \(before[path] ?? "(not set)") → \(after[path] ?? "(not set)")")
        }
        let settings: [(String, String)] = [("namespace", state.config.namespace), ("release", state.config.release),
                                            ("route", state.config.route.rawValue), ("outputDir", state.outputDir),
                                            ("tlsSource", state.tls.source.rawValue)]
        for (key, now) in settings {
            if let kept = session[key]?.scalar?.text, kept != now { lines.append("\(key): \(now) → \(kept)") }
        }
        return lines
    }

    static func read(_ text: String) throws(Unreadable) -> (session: Value, overrides: Value) {
        let root: Value?
        do { root = try ValuesDocument(bytes: Array(text.utf8), name: "draft").rootValue } catch {
            throw Unreadable(description: error.description)
        }
        guard let session = root?[sessionKey], session.entries != nil else {
            throw Unreadable(description: "is not a draft of this program")
        }
        return (session, root?[KeyPath.section] ?? .emptyMapping)
    }

    /// Every leaf of a value by its dotted path, as shown.
    static func leaves(_ value: Value, _ prefix: String = "") -> [String: String] {
        switch value {
        case .mapping(let entries) where !entries.isEmpty:
            return entries.reduce(into: [:]) { result, entry in
                result.merge(leaves(entry.value, prefix.isEmpty ? entry.key : prefix + "." + entry.key)) { $1 }
            }
        default:
            return prefix.isEmpty ? [:] : [prefix: FieldRegistry.displayText(value)]
        }
    }
}
