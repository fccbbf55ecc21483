/// The settings beside the values file, described once: the wizard's label and F1 help and the commands' flag and
/// help all come from here, so the three never drift apart.
extension ProblemLocation.Setting {
    /// The General step's label.
    public var label: String {
        switch self {
        case .namespace: return "Namespace"
        case .release: return "Release name"
        case .route: return "Install with"
        case .outputDir: return "Manifests folder"
        }
    }

    /// The flag that sets it, as the General step shows it beside the label.
    public var flag: String {
        switch self {
        case .namespace: return "--namespace"
        case .release: return "--release"
        case .route: return "--route"
        case .outputDir: return "-o DIR"
        }
    }

    /// What it is, for `--help` and the wizard's F1.
    public var help: String {
        switch self {
        case .namespace: return "The namespace the registry is installed in. The Tool Manager reaches it at "
            + "<service>.<namespace>; the certificate must cover that name."
        case .release: return "The Helm release name (the app.kubernetes.io/instance label)."
        case .route: return "How the registry is installed: kubectl (our manifests), helm (the kubiya-runner chart's "
            + "templates; their rules apply) or helm-post-render (Helm installs our manifests). Default: helm for the "
            + "chart's values file, else kubectl."
        case .outputDir: return "The folder for the rendered manifests (one file per resource plus "
            + "kustomization.yaml, for kubectl apply -k)."
        }
    }
}
