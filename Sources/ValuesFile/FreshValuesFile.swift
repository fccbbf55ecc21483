import RegistryModel

/// A new, commented values.yaml for first-time setup: every field with its help text.
public enum FreshValuesFile {
    public static func render(_ config: RegistryConfig) -> String {
        var lines = ["# Cache Registry values, written by cache-registry-setup."] + header(config.route)
        lines.append("cacheRegistry:")
        // Explicit nulls stay: `pv.hostPath: null` is what keeps the chart's default host path switched off.
        render(config.mergedKeepingNulls, path: KeyPath([]), indent: "  ", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    /// How the file is used, by install route.
    static func header(_ route: InstallRoute) -> [String] {
        switch route {
        case .kubectl:
            return ["# Installed with kubectl apply -k on the manifests written beside it. When the kubiya-runner "
                + "chart is installed too,", "# give it --set cacheRegistry.enabled=false --set registryTls.crt= --set "
                + "registryTls.key=, so it makes neither", "# the registry nor its TLS Secret (its hook would replace "
                + "this one's pair)."]
        case .helm:
            return ["# Use with the kubiya-runner chart: helm upgrade --install ... -f values.yaml [-f "
                + "values-tls.yaml]"]
        case .helmPostRender:
            return ["# Use with the kubiya-runner chart through the post-renderer written beside the manifests:",
                    "# helm upgrade --install ... -f values.yaml [-f values-tls.yaml] --post-renderer ..."]
        }
    }

    static func render(_ value: Value, path: KeyPath, indent: String, into lines: inout [String]) {
        for entry in value.entries ?? [] {
            let child = path.appending(entry.key)
            if let field = FieldRegistry.field(child) {
                lines.append(indent + "# " + field.label + ": " + field.help)
            }
            if entry.value.entries.map({ !$0.isEmpty }) == true && FieldRegistry.field(child)?.kind.isYAML != true
                || (entry.value.entries.map({ !$0.isEmpty }) == true && FieldRegistry.field(child) == nil) {
                lines.append(indent + YAMLText.key(entry.key) + ":")
                render(entry.value, path: child, indent: indent + "  ", into: &lines)
            } else if YAMLText.isNonEmptyCollection(entry.value) {
                lines.append(indent + YAMLText.key(entry.key) + ":")
                lines += YAMLText.block(entry.value, indent: indent + "  ", unit: 2, lineBreak: "\n").split(
                    separator: "\n"
                ).map(String.init)
            } else {
                lines.append(indent + YAMLText.key(entry.key) + ": " + YAMLText.flow(entry.value))
            }
        }
    }
}
