/// How the registry gets installed: an output setting like the namespace. It adds problems (what the chart would
/// do with the values); it never changes what a file means.
public enum InstallRoute: String, CaseIterable, Sendable {
    /// Our manifests, `kubectl apply -k DIR`.
    case kubectl
    /// The kubiya-runner chart renders the values with its own templates.
    case helm
    /// Helm installs our manifests: `helm upgrade --post-renderer` runs `cache-registry-setup post-render`.
    case helmPostRender = "helm-post-render"

    /// The route a file suggests: `helm` when it holds other components of the chart (it is the chart's values
    /// file), otherwise `kubectl`.
    public static func suggested(holdsOtherComponents: Bool) -> InstallRoute { holdsOtherComponents ? .helm : .kubectl }

    /// What installing this way does, for the wizard's F1.
    public var help: String {
        switch self {
        case .kubectl: return "our manifests are applied with kubectl apply -k DIR; beside a chart install, the chart "
            + "is installed with cacheRegistry.enabled=false."
        case .helm: return "the chart's own templates render the values: the checks add what they would do (errors "
            + "where Helm would fail, warnings where the result differs from our manifests)."
        case .helmPostRender: return "Helm installs our manifests in place of the chart's: post-render.sh for Helm 3, "
            + "the helm-plugin folder for Helm 4."
        }
    }

    /// Whether what is installed is our manifests (the preview), not the chart's templates.
    public var installsOurManifests: Bool { self != .helm }
}
