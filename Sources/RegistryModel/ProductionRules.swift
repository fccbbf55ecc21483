/// The rules of the keys a platform team sets for production: scheduling lists, annotations, who may reach
/// the registry (the NetworkPolicy) and a node address it must admit.
enum ProductionRules {
    static func problems(_ config: RegistryConfig, view: RegistryConfig.View) -> [Problem] {
        var problems: [Problem] = []
        problems += listItems(view, .deploymentTolerations, "a toleration mapping, such as {key: dedicated, operator: "
            + "Equal, value: x, effect: NoSchedule}") {
            guard let entries = $0.entries else { return false }
            let effect = entries.first { $0.key == "effect" }?.value.scalar?.text
            let known = Set(["key", "operator", "value", "effect", "tolerationSeconds"])
            return entries.allSatisfy { known.contains($0.key) }
                && (effect.map { ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains($0) } ?? true)
        }
        problems += listItems(view, .deploymentImagePullSecrets, "a mapping with the Secret's name, such as {name: "
            + "regcred}") {
            $0.entries?.count == 1 && $0["name"]?.scalar.map { Names.dns1123SubdomainProblem($0.text) == nil } == true
        }
        problems += listItems(view, .deploymentTopologySpread, "a mapping with maxSkew, topologyKey and "
            + "whenUnsatisfiable") { item in
            ["maxSkew", "topologyKey", "whenUnsatisfiable"].allSatisfy { item[$0]?.scalar != nil }
        }
        problems += listItems(view, .networkPolicyFrom, "a NetworkPolicyPeer: namespaceSelector, podSelector or "
            + "ipBlock {cidr: ...}") { item in
            guard let entries = item.entries, !entries.isEmpty else { return false }
            return entries.allSatisfy {
                ["namespaceSelector", "podSelector", "ipBlock"].contains($0.key) && $0.value.entries != nil
            }
        }
        problems += listItems(view, .pvMountOptions, "a mount option string, such as nfsvers=4.1") {
            $0.scalar?.kind == .string
        }
        for path in [KeyPath.deploymentPodAnnotations, .serviceAnnotations] {
            for entry in view.value(path)?.entries ?? [] {
                let child = path.appending(entry.key)
                if let problem = Names.labelKeyProblem(entry.key) {
                    problems.append(.error(.annotation, child, "annotation key \(problem)"))
                } else if let kind = entry.value.scalar?.kind, kind != .string {
                    problems.append(.error(.annotation, child, "is \(kind.description), but annotation values are "
                        + "strings: quote it, as \"\(entry.value.scalar?.text ?? "")\""))
                } else if entry.value.scalar == nil {
                    problems.append(.error(.annotation, child, "is \(entry.value.typeName), but annotation values are "
                        + "strings"))
                }
            }
        }
        let proxy = view.bool(.proxyEnabled) == true
        if proxy, view.string(.proxyUsername).map({ !$0.isEmpty }) == true, !view.hasNetworkPolicy {
            problems.append(.warning(.credentialsOpen, .networkPolicyEnabled, "is off while the cache pulls with "
                + "proxy.username's account: every pod in the cluster can pull that account's private images through "
                + "it; turn the NetworkPolicy on"))
        }
        if view.hasNetworkPolicy, let address = config.nodeAddress,
           !(view.value(.networkPolicyFrom)?.items ?? []).contains(where: { $0["ipBlock"] != nil }) {
            problems.append(.warning(.nodesNotAdmitted, .networkPolicyFrom, "admits no ipBlock, but nodes pull through "
                + "the node address \(address) from their own addresses: add the nodes' network (set "
                + "networkPolicy.from[\(view.value(.networkPolicyFrom)?.items?.count ?? 0)].ipBlock.cidr=10.0.0.0/16, "
                + "with your nodes' CIDR), or pulls by nodes time out"))
        }
        problems += maintenance(view)
        problems += listItems(view, .metricsFrom, "a NetworkPolicyPeer: namespaceSelector, podSelector or ipBlock "
            + "{cidr: ...}") { item in
            guard let entries = item.entries, !entries.isEmpty else { return false }
            return entries.allSatisfy {
                ["namespaceSelector", "podSelector", "ipBlock"].contains($0.key) && $0.value.entries != nil
            }
        }
        if view.flag(.metricsEnabled) {
            let scrapers = view.value(.metricsFrom)?.items ?? []
            if view.hasNetworkPolicy && scrapers.isEmpty {
                problems.append(.warning(.metricsNotAdmitted, .metricsFrom, "is empty, so the NetworkPolicy admits "
                    + "nothing to the metrics port and Prometheus cannot scrape it: add the namespace Prometheus runs "
                    + "in, such as {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}"))
            }
            if view.flag(.metricsServiceMonitor), (view.value(.metricsServiceMonitorLabels)?.entries ?? []).isEmpty {
                problems.append(.warning(.monitorUnselected, .metricsServiceMonitorLabels, "is empty: "
                    + "kube-prometheus-stack's Prometheus selects only ServiceMonitors labelled release=<its release> "
                    + "(serviceMonitorSelectorNilUsesHelmValues), so this one is not scraped; set the label it "
                    + "selects, such as release=kube-prometheus-stack"))
            }
        }
        return problems
    }

    /// What maintenance and the cache's expiry meet: shared storage that ignores fsGroup, replicas that share one
    /// expiry state, and an expiry that needs delete.
    static func maintenance(_ view: RegistryConfig.View) -> [Problem] {
        var problems: [Problem] = []
        if view.storageMode.provisionsVolume, view.isShared, view.runsAsNonRoot {
            problems.append(.warning(.fsGroupIgnored, .pvcAccessMode, "ReadWriteMany with the registry as UID "
                + "\(RegistryConfig.nonRootID): a CSI driver whose fsGroupPolicy is ReadWriteOnceWithFSType (the "
                + "default) applies fsGroup to ReadWriteOnce volumes only, so the registry may not write; check with "
                + "kubectl get csidriver -o custom-columns=NAME:.metadata.name,FSGROUPPOLICY:.spec.fsGroupPolicy "
                + "(File applies it), or give the share to UID \(RegistryConfig.nonRootID), or set "
                + "deployment.runAsNonRoot to false"))
        }
        guard view.bool(.proxyEnabled) == true else { return problems }
        let three = view.registryMajor.map { $0 >= 3 } == true
        let expires = view.string(.proxyTTL).map { $0 != "0" && $0 != "0s" } ?? true
        if view.replicas > 1 && (!three || expires) {
            problems.append(.warning(.sharedScheduler, .deploymentReplicas, "\(view.replicas) replicas of a "
                + "pull-through cache each run their own expiry scheduler on one /scheduler-state.json in the shared "
                + "storage (distribution's registry/proxy/proxyregistry.go), overwriting each other's: expiries are "
                + "lost or run twice; run one replica, or registry 3 with proxy.ttl: 0, which runs no scheduler (the "
                + "cache then keeps everything until a garbage collection)"))
        }
        let env = view.value(.deploymentEnv)
        let deleteOff = (env?["REGISTRY_STORAGE_DELETE_ENABLED"]?.scalar?.text
            ?? env?.items?.first { $0["name"]?.scalar?.text == "REGISTRY_STORAGE_DELETE_ENABLED" }?["value"]?.scalar?
                .text).map { $0.lowercased() == "false" } ?? false
        if three && expires && deleteOff {
            problems.append(.warning(.expiryNeedsDelete, .deploymentEnv, "turns storage delete off, but registry 3's "
                + "cache expiry deletes what expires through it and fails without it (distribution#4957), so the "
                + "cache only grows: leave REGISTRY_STORAGE_DELETE_ENABLED to the renderer, or set proxy.ttl: 0"))
        }
        return problems
    }

    /// Each item of a list key that `accepts` refuses, named by its position.
    static func listItems(
        _ view: RegistryConfig.View, _ path: KeyPath, _ expected: String, accepts: (Value) -> Bool
    ) -> [Problem] {
        (view.value(path)?.items ?? []).enumerated().compactMap { index, item in
            accepts(item) ? nil : .error(.listItem, path, "item \(index + 1) is not \(expected)")
        }
    }
}
