/// How the registry gets installed: an output setting like the namespace. It adds problems (what the chart would
/// do with the values); it never changes what a file means.
public enum InstallRoute: String, CaseIterable, Sendable {
    /// Our manifests, `kubectl apply -k DIR`.
    case kubectl
    /// The Kubiya chart renders the values with its own templates.
    case helm
    /// Helm installs our manifests: `helm upgrade --post-renderer` runs `cache-registry-setup post-render`.
    case helmPostRender = "helm-post-render"

    /// The route a file suggests: `helm` when it holds other components of the chart (it is the chart's values
    /// file), otherwise `kubectl`.
    public static func suggested(holdsOtherComponents: Bool) -> InstallRoute { holdsOtherComponents ? .helm : .kubectl }

    /// Whether what is installed is our manifests (the preview), not the chart's templates.
    public var installsOurManifests: Bool { self != .helm }
}
