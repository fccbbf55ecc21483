import RegistryModel

/// A bound claim's spec is immutable (but for a larger size): a change of storage mode, class, access mode or
/// volume makes `kubectl apply` fail, so the claim must be deleted and made again.
public enum ClaimChange {
    /// The claim's spec as rendered, without its size (which may grow in place).
    static func spec(_ rendered: RenderedSet) -> Value? {
        rendered.resources.first { $0.kind == "PersistentVolumeClaim" }?.object["spec"]?.removing("resources")
    }

    /// The spec text of a claim file, without the size line (for a previous export's pvc.yaml).
    public static func specText(_ yaml: String) -> String {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.drop { $0 != "spec:" }.filter { !$0.contains("storage:") }.joined(separator: "\n")
    }

    /// Whether the claim of `new` differs from the one `old` rendered in what cannot change in place.
    public static func changes(from old: RegistryConfig, to new: RegistryConfig) -> Bool {
        spec(Renderer.render(old)) != spec(Renderer.render(new))
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
