import RegistryModel
import ValuesFile

/// A bound claim's spec is immutable (but for a larger size): a change of storage mode, class, access mode or
/// volume makes `kubectl apply` fail, so the claim must be deleted and made again.
public enum ClaimChange {
    /// The spec of a claim that matters for binding: all of it but the size (which may grow in place).
    static func bindingSpec(_ claim: Value?) -> Value? { claim?["spec"]?.removing("resources") }

    /// The binding spec of a configuration's claim (what an earlier write of it applied).
    public static func spec(of config: RegistryConfig) -> Value? {
        bindingSpec(Renderer.render(config).resources.first { $0.fileName == OutputFile.claim.name }?.object)
    }

    /// The binding spec of a claim file an earlier write left in the folder; nil when it is not one this program
    /// wrote (then nothing is compared), or cannot be read as YAML.
    public static func spec(ofFile text: String) -> Value? {
        guard OutputLayout.isOurs(text),
            let document = try? ValuesDocument.tolerant(bytes: Array(text.utf8), name: OutputFile.claim.name)
        else { return nil }  // an unreadable old file is reported by export before this
        return bindingSpec(document.rootValue)
    }

    /// Whether the new claim differs from the one applied before in what cannot change in place.
    static func differs(previous: Value?, new: Value?) -> Bool {
        guard let previous, let new else { return false }
        return previous != new
    }

    /// Whether the rendered set's claim differs from the one applied before.
    public static func differs(previous: Value?, new rendered: RenderedSet) -> Bool {
        differs(previous: previous,
                new: bindingSpec(rendered.resources.first { $0.fileName == OutputFile.claim.name }?.object))
    }

    /// What to do about it.
    public static func problem(_ config: RegistryConfig) -> Problem {
        let view = config.view
        let keep = !view.storageMode.hasStaticVolume ? "" : "; with reclaim policy Retain the data stays on the PV "
            + "\(view.text(.pvName))"
        return .warning(.claimSpecChanges, .pvcName, "the claim's spec changes (storage mode, class, access mode or "
            + "volume), and a bound claim's spec is immutable: apply fails until the claim is recreated (kubectl -n "
            + "\(config.namespace) delete pvc \(view.text(.pvcName)) with the registry scaled to 0)\(keep)")
    }
}
