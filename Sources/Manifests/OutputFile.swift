/// Every file this program writes in the output folder, its name declared once: the renderer's objects, the
/// kustomization or the single stream, the Helm post-renderer and its plugin, `tls generate`'s pair and `gc`'s Job.
public enum OutputFile: String, CaseIterable, Sendable {
    case persistentVolume = "pv.yaml"
    case claim = "pvc.yaml"
    /// The registry's own ServiceAccount, for a workload identity (object storage).
    case serviceAccount = "serviceaccount.yaml"
    case deployment = "deployment.yaml"
    case service = "service.yaml"
    case networkPolicy = "networkpolicy.yaml"
    case metricsService = "metrics-service.yaml"
    case metricsProxy = "metrics-proxy.yaml"
    case serviceMonitor = "servicemonitor.yaml"
    case disruptionBudget = "pdb.yaml"
    case httpSecret = "http-secret.yaml"
    case tlsSecret = "secret.yaml"
    /// `export --single-file`: every object in one stream.
    case stream = "cache-registry.yaml"
    case kustomization = "kustomization.yaml"
    /// Helm 3's `--post-renderer` (a path).
    case postRenderWrapper = "post-render.sh"
    /// Helm 4's post-renderer plugin, in a folder of its own (`helm plugin install DIR/helm-plugin`).
    case helmPlugin = "helm-plugin/plugin.yaml"
    /// The mirrors' folder (`mirrors/<name>/` holds each cache's objects), marked as this program's by its README.
    case mirrorsReadme = "mirrors/README.txt"
    /// `tls generate`'s pair, beside the manifests.
    case certificate = "tls.crt"
    case key = "tls.key"
    /// `gc`'s garbage-collection Job.
    case gcJob = "gc-job.yaml"

    public var name: String { rawValue }

    /// The folder the file sits in inside the output folder, when it is one of its own (`helm-plugin`).
    public var folder: String? { name.contains("/") ? String(name.split(separator: "/")[0]) : nil }

    /// Holds a secret: written 0600, and never removed without saying so.
    public var holdsSecret: Bool {
        switch self {
        case .httpSecret, .tlsSecret, .key: return true
        case .persistentVolume, .claim, .serviceAccount, .deployment, .service, .networkPolicy, .metricsService,
            .metricsProxy, .serviceMonitor, .disruptionBudget, .stream, .kustomization, .postRenderWrapper, .helmPlugin,
            .mirrorsReadme, .certificate, .gcJob:
            return false
        }
    }

    /// Written by every export and so dropped by the next when it no longer renders it (`tls generate`'s pair and
    /// `gc`'s Job are written by those commands alone, and kept).
    public var isExportOutput: Bool {
        switch self {
        case .certificate, .key, .gcJob: return false
        case .persistentVolume, .claim, .serviceAccount, .deployment, .service, .networkPolicy, .metricsService,
            .metricsProxy, .serviceMonitor, .disruptionBudget, .httpSecret, .tlsSecret, .stream, .kustomization,
            .postRenderWrapper, .helmPlugin, .mirrorsReadme:
            return true
        }
    }
}
