/// How the registry stores its data, one case per backend, and everything that depends on the backend: how it is
/// recognised in the values, the PersistentVolume's source or its absence, the claim, the wizard's switch to it, its
/// rules and what the chart's templates make of it. Every member switches over all cases, so a new backend is one
/// case (plus its fields in the registry) and the compiler lists each place that must answer.
public enum StorageMode: String, CaseIterable, Sendable {
    case hostPath, nfs, dynamic
    /// A volume source other than NFS, kept and rendered as given.
    case otherSource

    /// The backend the merged values describe, by one rule: a host path, else a volume source (NFS or another),
    /// else dynamic provisioning (by the class named, or the cluster's default StorageClass).
    static func detect(_ view: RegistryConfig.View) -> StorageMode {
        if view.string(.pvHostPath) != nil { return .hostPath }
        if let first = view.value(.pvVolumeSource)?.entries?.first(where: { !$0.value.isNull }) {
            return first.key == "nfs" ? .nfs : .otherSource
        }
        return .dynamic
    }

    public var label: String {
        switch self {
        case .hostPath: return "hostPath (one node)"
        case .nfs: return "NFS (shared)"
        case .dynamic: return "dynamic (StorageClass)"
        case .otherSource: return "custom volume source"
        }
    }

    /// What the wizard's help says about choosing it.
    public var help: String {
        switch self {
        case .hostPath: return "hostPath keeps images on one node's disk"
        case .nfs: return "NFS shares them (ReadWriteMany, several replicas)"
        case .dynamic: return "dynamic lets a StorageClass provision the volume"
        case .otherSource: return "a custom volume source is kept and rendered as written"
        }
    }

    /// Offered by the wizard's Storage step (a custom source is kept as written, never chosen there).
    public var isWizardChoice: Bool {
        switch self {
        case .hostPath, .nfs, .dynamic: return true
        case .otherSource: return false
        }
    }

    /// The backends the wizard offers, in its order.
    public static var wizardChoices: [StorageMode] { allCases.filter(\.isWizardChoice) }

    /// Whether a PersistentVolume is rendered and the claim binds to it by name.
    public var hasStaticVolume: Bool {
        switch self {
        case .hostPath, .nfs, .otherSource: return true
        case .dynamic: return false
        }
    }

    /// The backends with a PersistentVolume of their own (the fields of the PV belong to them).
    public static var staticVolumes: Set<StorageMode> { Set(allCases.filter(\.hasStaticVolume)) }

    /// The PersistentVolume's source entries (`hostPath`, `nfs`, or the custom source as written); nil when the
    /// backend renders no PersistentVolume.
    public func volumeSource(_ view: RegistryConfig.View) -> [Entry]? {
        switch self {
        case .hostPath:
            return [
                Entry(key: "hostPath", value: ["path": .string(view.text(.pvHostPath)), "type": "DirectoryOrCreate"])
            ]
        case .nfs:
            var nfs: [Entry] = [
                Entry(key: "server", value: .string(view.text(.pvNFSServer))),
                Entry(key: "path", value: .string(view.text(.pvNFSPath))),
            ]
            if let readOnly = view.bool(.pvNFSReadOnly) { nfs.append(Entry(key: "readOnly", value: .bool(readOnly))) }
            var entries = [Entry(key: "nfs", value: .mapping(nfs))]
            if let options = view.value(.pvMountOptions)?.items, !options.isEmpty {
                entries.append(Entry(key: "mountOptions", value: .sequence(options)))
            }
            return entries
        case .otherSource:
            return (view.value(.pvVolumeSource)?.entries ?? []).filter { !$0.value.isNull }
        case .dynamic:
            return nil
        }
    }

    /// The PersistentVolume's node affinity: a hostPath volume pinned to the node the registry is pinned to, so a
    /// reschedule cannot find it empty elsewhere.
    public func volumeNodeAffinity(_ view: RegistryConfig.View) -> Value? {
        switch self {
        case .hostPath:
            guard let node = view.value(.deploymentNodeSelector)?["kubernetes.io/hostname"]?.scalar?.text else {
                return nil
            }
            return ["required": [
                "nodeSelectorTerms": [["matchExpressions": [[
                    "key": "kubernetes.io/hostname",
                    "operator": "In",
                    "values": [.string(node)],
                ]]]],
            ]]
        case .nfs, .dynamic, .otherSource:
            return nil
        }
    }

    /// Why no PersistentVolume is rendered, for the preview; nil when one is.
    public func withoutVolumeReason(_ view: RegistryConfig.View) -> String? {
        switch self {
        case .dynamic:
            let provisioner = view.storageClass.map { "the StorageClass \($0)" } ?? "the cluster's default StorageClass"
            return "no PersistentVolume: \(provisioner) provisions it when the claim is created"
        case .hostPath, .nfs, .otherSource:
            return nil
        }
    }

    /// Whether a CSI driver provisions the volume (its fsGroupPolicy then decides what fsGroup does).
    public var provisionsVolume: Bool {
        switch self {
        case .dynamic: return true
        case .hostPath, .nfs, .otherSource: return false
        }
    }

    /// The kind of volume that ignores fsGroup, for the note that says a folder must be chowned; nil otherwise.
    public var ignoresFSGroup: String? {
        switch self {
        case .hostPath: return "hostPath"
        case .nfs: return "NFS"
        case .dynamic, .otherSource: return nil
        }
    }

    /// The access mode the backend fixes (one node, or shared); nil when the claim's `pvc.accessMode` says.
    public var fixedAccessMode: String? {
        switch self {
        case .hostPath, .otherSource: return "ReadWriteOnce"
        case .nfs: return "ReadWriteMany"
        case .dynamic: return nil
        }
    }

    /// Whether the registry runs as UID 10001 when `deployment.runAsNonRoot` is unset: where fsGroup makes the
    /// volume writable (a provisioned one), not where the folder must be chowned by hand.
    public var runsAsNonRootByDefault: Bool {
        switch self {
        case .dynamic: return true
        case .hostPath, .nfs, .otherSource: return false
        }
    }

    /// What makes its folder writable for the non-root UID, which fsGroup does not: nil where fsGroup does.
    public func chownHint(_ view: RegistryConfig.View, pathIsSafe: Bool) -> String? {
        let id = RegistryConfig.nonRootID
        switch self {
        case .hostPath:
            return pathIsSafe ? "on the node: chown -R \(id):\(id) \(view.text(.pvHostPath))"
                : "on the node, make a folder of its own for the registry and chown -R \(id):\(id) it"
        case .nfs: return "on the NFS server \(view.text(.pvNFSServer)): chown -R \(id):\(id) \(view.text(.pvNFSPath))"
        case .otherSource: return "chown -R \(id):\(id) on the volume"
        case .dynamic: return nil
        }
    }

    /// How several replicas become possible when the volume is one node's.
    public var sharingFix: String {
        switch self {
        case .dynamic: return "set pvc.accessMode to ReadWriteMany (a class that shares, such as EFS or Azure Files)"
        case .hostPath, .nfs, .otherSource: return "switch to NFS"
        }
    }

    /// What the wizard sets when switching to it: the old source removed, its own started, the reclaim policy the
    /// backend needs.
    public func switchAssignments(_ view: RegistryConfig.View, original: RegistryConfig.View) -> [Assignment] {
        var apply: [Assignment] = []
        switch self {
        case .hostPath:
            apply.append(Assignment(path: .pvVolumeSource, value: .null))
            apply.append(Assignment(path: .pvHostPath, value: .string(original.text(.pvHostPath))))
        case .nfs:
            apply.append(Assignment(path: .pvHostPath, value: .null))
            if view.value(.pvNFS) == nil {
                apply.append(Assignment(path: .pvVolumeSource, value: .null))
                apply.append(Assignment(path: .pvNFS, value: .emptyMapping))
            }
        case .dynamic, .otherSource:
            apply.append(Assignment(path: .pvHostPath, value: .null))
            apply.append(Assignment(path: .pvVolumeSource, value: .null))
        }
        // A provisioned volume takes its reclaim policy from the StorageClass; a static one needs its own back.
        if !hasStaticVolume {
            apply.append(Assignment(path: .pvReclaimPolicy, value: .null))
        } else if view.string(.pvReclaimPolicy) == nil {
            apply.append(Assignment(path: .pvReclaimPolicy, value: .string(original.text(.pvReclaimPolicy))))
        }
        return apply
    }

    /// The backend's own rules.
    func rules(_ view: RegistryConfig.View) -> [Problem] {
        var problems: [Problem] = []
        switch self {
        case .hostPath:
            if let path = view.string(.pvHostPath), Validator.textProblem(path, format: .absolutePath) == nil,
                let problem = Validator.hostPathProblem(path)
            {
                problems.append(.error(.hostPathUnsafe, .pvHostPath, problem))
            }
            if view.value(.deploymentNodeSelector)?.entries?.isEmpty ?? true {
                problems.append(.warning(.hostPathUnpinned, .deploymentNodeSelector, "hostPath data lives on one node; "
                    + "pin the pod with a node selector such as kubernetes.io/hostname=<node>"))
            }
            if view.string(.pvReclaimPolicy) == "Delete" {
                problems.append(.warning(.reclaimPolicy, .pvReclaimPolicy, "Delete does not clean hostPath volumes; "
                    + "the data stays on the node"))
            }
        case .nfs:
            if view.string(.pvNFSServer) == nil {
                problems.append(.error(.nfsIncomplete, .pvNFSServer, "is required for NFS storage, such as "
                    + "nfs-server.example.com"))
            }
            if view.string(.pvNFSPath) == nil {
                problems.append(.error(.nfsIncomplete, .pvNFSPath, "is required for NFS storage, such as "
                    + "/exports/registry"))
            }
            if let server = view.string(.pvNFSServer), !server.isEmpty, !Names.isHostOrAddress(server) {
                problems.append(.warning(.nfsServerName, .pvNFSServer, "\(Quote.value(server)) is neither a DNS name "
                    + "nor an IP address"))
            }
            if view.bool(.pvNFSReadOnly) == true {
                problems.append(.warning(.readOnlyVolume, .pvNFSReadOnly, "a read-only volume cannot store pushed "
                    + "images"))
            }
        case .dynamic:
            if view.storageClass == nil {
                problems.append(.warning(.defaultClass, .pvcStorageClass, "no storage class: the claim uses the "
                    + "cluster's default StorageClass, so one must be marked default (kubectl get storageclass)"))
            }
            if let policy = view.string(.pvReclaimPolicy) {
                problems.append(.warning(.reclaimPolicy, .pvReclaimPolicy, "is \(policy), but in dynamic mode the "
                    + "StorageClass's reclaim policy applies (usually Delete); set the policy on the class and "
                    + "pv.reclaimPolicy to null"))
            }
        case .otherSource:
            break
        }
        if hasStaticVolume, view.string(.pvStorageClass) != nil || view.string(.pvcStorageClass) != nil {
            let source: KeyPath = self == .hostPath ? .pvHostPath : .pvVolumeSource
            problems.append(.warning(.classWithSource, .pvStorageClass, "a storage class is set while the PV still "
                + "uses \(source); for dynamic provisioning set \(source) to null"))
        }
        return problems
    }

    /// What the chart's templates (chart 0.7.0) make of the backend, citing their lines.
    func chartProblems(_ view: RegistryConfig.View) -> [Problem] {
        let pv = ChartRules.pv, pvc = ChartRules.pvc, deployment = ChartRules.deployment
        var problems: [Problem] = []
        switch self {
        case .dynamic:
            problems.append(.error(.chartNeedsVolume, KeyPath(["pv"]), "the chart always renders a PersistentVolume "
                + "(\(pv):1-27); with no hostPath and no volume source it has no source at all (\(pv):19-26), which "
                + "the API server rejects: give it a hostPath or an NFS source, \(ChartRules.otherRoutes)"))
        case .nfs:
            problems.append(.warning(.chartNFSAccess, .pvVolumeSource, "the chart makes the NFS volume and its claim "
                + "ReadWriteOnce (\(pv):13-14, \(pvc):12-13): one node at a time, so replicas on other nodes cannot "
                + "mount it"))
        case .hostPath, .otherSource:
            break
        }
        if hasStaticVolume {
            if view.string(.pvcStorageClass) == nil {
                problems.append(.warning(.chartClaimClass, .pvcStorageClass, "is unset, and the chart's claim then has "
                    + "no storageClassName (\(pvc):17-19): a cluster with a default StorageClass provisions a new, "
                    + "empty volume instead of binding \(view.text(.pvName)); set pvc.storageClass and pv.storageClass "
                    + "to one class, such as manual"))
            }
            if view.string(.pvcVolumeName) == nil {
                problems.append(.warning(.chartClaimVolume, .pvcVolumeName, "is unset, and the chart's claim then "
                    + "names no volume (\(pvc):20-22), so it may bind another PersistentVolume: set it to "
                    + "\(view.text(.pvName))"))
            }
            problems.append(.warning(.chartRollout, .deploymentReplicas, "the chart's Deployment has no strategy "
                + "(\(deployment):11-15), so a rollout starts the new pod before the old one stops: with a "
                + "ReadWriteOnce volume it waits on Multi-Attach when it lands on another node; scale to 0 before an "
                + "upgrade, \(ChartRules.otherRoutes)"))
        }
        return problems
    }
}
