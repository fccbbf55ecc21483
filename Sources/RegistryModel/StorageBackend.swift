/// How the registry stores its data, one case per backend, and everything that depends on the backend: how it is
/// recognised in the values, the PersistentVolume's source or its absence, the claim, the wizard's switch to it, its
/// rules and what the chart's templates make of it. Every member switches over all cases, so a new backend is one
/// case (plus its fields in the registry) and the compiler lists each place that must answer.
public enum StorageMode: String, CaseIterable, Sendable {
    case hostPath, nfs, dynamic
    /// A volume source other than NFS, kept and rendered as given.
    case otherSource
    /// Object storage: a bucket of S3 or an S3-compatible store, no volume at all.
    case s3

    /// The backend the merged values describe, by one rule: an S3 section (`storage.s3`, whose bucket is then
    /// required), else a host path, else a volume source (NFS or another), else dynamic provisioning (by the class
    /// named, or the cluster's default StorageClass). A section rather than its bucket, so that clearing the bucket
    /// while typing another asks for it instead of switching the storage away.
    static func detect(_ view: RegistryConfig.View) -> StorageMode {
        if view.value(.s3) != nil { return .s3 }
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
        case .s3: return "S3 object storage"
        }
    }

    /// What the wizard's help says about choosing it.
    public var help: String {
        switch self {
        case .hostPath: return "hostPath keeps images on one node's disk"
        case .nfs: return "NFS shares them (ReadWriteMany, several replicas)"
        case .dynamic: return "dynamic lets a StorageClass provision the volume"
        case .otherSource: return "a custom volume source is kept and rendered as written"
        case .s3: return "S3 keeps them in a bucket (AWS or an S3-compatible store; no volume, any number of replicas)"
        }
    }

    /// Offered by the wizard's Storage step (a custom source is kept as written, never chosen there).
    public var isWizardChoice: Bool {
        switch self {
        case .hostPath, .nfs, .dynamic, .s3: return true
        case .otherSource: return false
        }
    }

    /// The backends the wizard offers, in its order.
    public static var wizardChoices: [StorageMode] { allCases.filter(\.isWizardChoice) }

    /// Whether a PersistentVolume is rendered and the claim binds to it by name.
    public var hasStaticVolume: Bool {
        switch self {
        case .hostPath, .nfs, .otherSource: return true
        case .dynamic, .s3: return false
        }
    }

    /// The backends with a PersistentVolume of their own (the fields of the PV belong to them).
    public static var staticVolumes: Set<StorageMode> { Set(allCases.filter(\.hasStaticVolume)) }

    /// Whether the registry's data is on a volume it claims (everything but object storage).
    public var hasClaim: Bool {
        switch self {
        case .hostPath, .nfs, .dynamic, .otherSource: return true
        case .s3: return false
        }
    }

    /// The backends with a claim (the fields of the claim belong to them).
    public static var withClaim: Set<StorageMode> { Set(allCases.filter(\.hasClaim)) }

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
        case .dynamic, .s3:
            return nil
        }
    }

    /// The registry's environment for its storage driver (distribution's `REGISTRY_STORAGE_*`): nothing for a
    /// volume, which the image's own configuration stores on; the S3 driver's settings for a bucket, its keys read
    /// from the credentials Secret. Every variable the driver reads at start is given, so the rendered Deployment
    /// says what the registry does.
    public func registryEnv(_ view: RegistryConfig.View) -> [Value] {
        switch self {
        case .hostPath, .nfs, .dynamic, .otherSource:
            return []
        case .s3:
            func variable(_ name: String, _ value: String) -> Value {
                ["name": .string("REGISTRY_STORAGE" + name), "value": .string(value)]
            }
            let endpoint = view.string(.s3RegionEndpoint)
            // The whole storage section is replaced (the image's configuration stores on the filesystem), then
            // filled key by key: distribution applies the variables in name order, REGISTRY_STORAGE first.
            var env = [variable("", "s3"), variable("_S3_BUCKET", view.text(.s3Bucket)),
                       variable("_S3_REGION", view.string(.s3Region) ?? "us-east-1")]
            if let endpoint { env.append(variable("_S3_REGIONENDPOINT", endpoint)) }
            env.append(variable("_S3_FORCEPATHSTYLE", String(view.bool(.s3ForcePathStyle) ?? (endpoint != nil))))
            if let root = view.string(.s3RootDirectory) { env.append(variable("_S3_ROOTDIRECTORY", root)) }
            if let encrypt = view.bool(.s3Encrypt) { env.append(variable("_S3_ENCRYPT", String(encrypt))) }
            if let secure = view.bool(.s3Secure) { env.append(variable("_S3_SECURE", String(secure))) }
            if let size = view.quantity(.s3ChunkSize), !size.hasFraction {
                env.append(variable("_S3_CHUNKSIZE", String(size.nanos / 1_000_000_000)))
            }
            if let secret = view.string(.s3CredentialsSecret) {
                for (name, key) in [("_S3_ACCESSKEY", KeyPath.s3AccessKeyKey), ("_S3_SECRETKEY", .s3SecretKeyKey)] {
                    env.append(["name": .string("REGISTRY_STORAGE" + name), "valueFrom": [
                        "secretKeyRef": ["name": .string(secret), "key": .string(view.effectiveText(key))],
                    ]])
                }
            }
            if !view.flag(.s3Redirect) { env.append(variable("_REDIRECT_DISABLE", "true")) }
            return env
        }
    }

    /// The ports the registry itself must reach for its storage, which a NetworkPolicy that restricts egress admits
    /// (a volume is mounted by the kubelet, not the pod).
    public func egressPorts(_ view: RegistryConfig.View) -> [Int] {
        switch self {
        case .hostPath, .nfs, .dynamic, .otherSource:
            return []
        case .s3:
            guard let endpoint = view.string(.s3RegionEndpoint) else {
                return view.bool(.s3Secure) == false ? [80] : [443]
            }
            return [Names.port(ofURL: endpoint)]
        }
    }

    /// What a person must know or do by hand for this backend, in the notes of the preview, Review and Done.
    public func notes(_ view: RegistryConfig.View, namespace: String) -> [String] {
        switch self {
        case .hostPath, .nfs, .dynamic, .otherSource:
            return []
        case .s3:
            var notes: [String] = []
            if let secret = view.string(.s3CredentialsSecret) {
                let command = Self.credentialsCommand(view, secret, namespace: namespace)
                notes.append("Create the credentials Secret before applying: \(command)")
            }
            let chunk = view.quantity(.s3ChunkSize).map { $0.nanos / 1_000_000_000 } ?? 10 << 20
            let largest = chunk * 10_000 / (1 << 30)
            notes.append("A layer is uploaded to the bucket in parts of \(chunk >> 20) MiB, at most 10,000 of them, so "
                + "the largest layer is about \(largest) GiB (raise storage.s3.chunkSize for larger ones). Layers "
                + "over 5 GB are fine: distribution copies objects above 32 MiB in parts since 2.6 (#1906, which "
                + "closed #886).")
            return notes
        }
    }

    /// The command that creates the credentials Secret with the key names the values use.
    public static func credentialsCommand(_ view: RegistryConfig.View, _ secret: String, namespace: String) -> String {
        "kubectl -n \(namespace) create secret generic \(secret) "
            + "--from-literal=\(view.effectiveText(.s3AccessKeyKey))=ACCESS_KEY_ID "
            + "--from-literal=\(view.effectiveText(.s3SecretKeyKey))=SECRET_ACCESS_KEY"
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
        case .nfs, .dynamic, .otherSource, .s3:
            return nil
        }
    }

    /// Why no PersistentVolume is rendered, for the preview; nil when one is.
    public func withoutVolumeReason(_ view: RegistryConfig.View) -> String? {
        switch self {
        case .dynamic:
            let provisioner = view.storageClass.map { "the StorageClass \($0)" } ?? "the cluster's default StorageClass"
            return "no PersistentVolume: \(provisioner) provisions it when the claim is created"
        case .s3:
            return "no PersistentVolume and no claim: the images live in the bucket \(view.text(.s3Bucket))"
        case .hostPath, .nfs, .otherSource:
            return nil
        }
    }

    /// Whether a CSI driver provisions the volume (its fsGroupPolicy then decides what fsGroup does).
    public var provisionsVolume: Bool {
        switch self {
        case .dynamic: return true
        case .hostPath, .nfs, .otherSource, .s3: return false
        }
    }

    /// The kind of volume that ignores fsGroup, for the note that says a folder must be chowned; nil otherwise.
    public var ignoresFSGroup: String? {
        switch self {
        case .hostPath: return "hostPath"
        case .nfs: return "NFS"
        case .dynamic, .otherSource, .s3: return nil
        }
    }

    /// The access mode the backend fixes (one node, or shared); nil when the claim's `pvc.accessMode` says.
    public var fixedAccessMode: String? {
        switch self {
        case .hostPath, .otherSource: return "ReadWriteOnce"
        case .nfs: return "ReadWriteMany"
        case .dynamic, .s3: return nil
        }
    }

    /// Whether the registry runs as UID 10001 when `deployment.runAsNonRoot` is unset: where fsGroup makes the
    /// volume writable (a provisioned one), not where the folder must be chowned by hand.
    public var runsAsNonRootByDefault: Bool {
        switch self {
        case .dynamic, .s3: return true
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
        case .dynamic, .s3: return nil
        }
    }

    /// How several replicas become possible when the volume is one node's.
    public var sharingFix: String {
        switch self {
        case .dynamic: return "set pvc.accessMode to ReadWriteMany (a class that shares, such as EFS or Azure Files)"
        case .hostPath, .nfs, .otherSource: return "switch to NFS or S3 object storage"
        case .s3: return "keep them: replicas share the bucket"
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
        case .s3:
            apply.append(Assignment(path: .pvHostPath, value: .null))
            apply.append(Assignment(path: .pvVolumeSource, value: .null))
            apply.append(Assignment(path: .s3, value: original.value(.s3) ?? .emptyMapping))
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
        // Leaving object storage removes its section (the whole `storage` key when it holds nothing else).
        if hasClaim, view.value(.s3) != nil {
            let alone = (view.value(.storage)?.entries ?? []).count == 1
            apply.append(Assignment(path: alone ? .storage : .s3, value: .null))
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
        case .s3:
            problems += Self.objectStorageRules(view)
        }
        if hasStaticVolume, view.string(.pvStorageClass) != nil || view.string(.pvcStorageClass) != nil {
            let source: KeyPath = self == .hostPath ? .pvHostPath : .pvVolumeSource
            problems.append(.warning(.classWithSource, .pvStorageClass, "a storage class is set while the PV still "
                + "uses \(source); for dynamic provisioning set \(source) to null"))
        }
        return problems
    }

    /// Object storage's rules: what the S3 driver refuses at start, and credentials it would not find.
    static func objectStorageRules(_ view: RegistryConfig.View) -> [Problem] {
        var problems: [Problem] = []
        let endpoint = view.string(.s3RegionEndpoint)
        let below3 = view.registryMajor.map { $0 < 3 } ?? false
        if view.value(.s3Bucket) == nil {
            problems.append(.error(.required, .s3Bucket, "is required with storage.s3: the bucket that holds the "
                + "images, such as kubiya-registry"))
        }
        if endpoint == nil, view.string(.s3Region) == nil {
            problems.append(.error(.s3Region, .s3Region, "is required for AWS S3, where the driver refuses to start "
                + "without it (\"no region parameter provided\"): the bucket's region, such as eu-west-1; for an "
                + "S3-compatible store give storage.s3.regionEndpoint instead"))
        }
        if let text = view.string(.s3ChunkSize), let size = view.quantity(.s3ChunkSize) {
            let mebi = Quantity(nanos: 5 << 20 * 1_000_000_000, format: .binarySI)
            let gibi = Quantity(nanos: 5 << 30 * 1_000_000_000, format: .binarySI)
            if size.hasFraction || size < mebi || size > gibi {
                problems.append(.error(.s3ChunkSize, .s3ChunkSize, "is \(text), but a multipart upload's parts are "
                    + "whole bytes from 5Mi to 5Gi (S3's limits), and the driver refuses to start outside them; "
                    + "10Mi is its default"))
            }
        }
        let secret = view.string(.s3CredentialsSecret)
        let identity = !(view.value(.s3IdentityAnnotations)?.entries ?? []).isEmpty
        if secret != nil && identity {
            problems.append(.error(.s3CredentialsTwice, .s3CredentialsSecret, "is set and so are "
                + "storage.s3.identity.annotations: the driver takes the Secret's keys and never uses the identity; "
                + "keep one"))
        } else if secret == nil && !identity {
            problems.append(.warning(.s3NoCredentials, .s3CredentialsSecret, "is unset and storage.s3.identity gives "
                + "no annotations: the driver then looks for AWS_ACCESS_KEY_ID in deployment.env and for the node's "
                + "EC2 instance role, which works only on EC2 nodes whose role may use the bucket; name a Secret "
                + "holding the keys"))
        }
        if identity && below3 {
            problems.append(.warning(.s3IdentityIgnored, .s3IdentityAnnotations, "give a workload identity, but "
                + "registry \(view.text(.deploymentImageTag))'s S3 driver takes credentials only from its keys, AWS_* "
                + "variables, a credentials file and the EC2 instance role (s3-aws/s3.go in distribution 2.8): it "
                + "never reads the web identity token these annotations bring; use image tag 3, or a credentials "
                + "Secret"))
        }
        if below3, Validator.envVariableNames(view.value(.deploymentEnv)).contains("AWS_CA_BUNDLE") {
            problems.append(.error(.s3CABundle, .deploymentEnv, "sets AWS_CA_BUNDLE, and registry "
                + "\(view.text(.deploymentImageTag))'s S3 driver then panics at start (\"LoadCustomCABundleError: "
                + "unable to load custom CA bundle, HTTPClient's transport unsupported type\"): remove it, or use "
                + "image tag 3"))
        }
        if endpoint != nil, view.bool(.s3ForcePathStyle) == false, below3 {
            problems.append(.warning(.s3PathStyleIgnored, .s3ForcePathStyle, "is false, but registry "
                + "\(view.text(.deploymentImageTag)) always uses path-style URLs with an endpoint (distribution#4291); "
                + "virtual-hosted URLs need image tag 3"))
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
        case .s3:
            problems.append(.error(.chartObjectStorage, .s3Bucket, "is not read by the chart: its templates always "
                + "render a PersistentVolume with a hostPath (\(pv):1-27) and its claim (\(pvc)), and give the "
                + "registry no storage settings (\(deployment):39-53), so images would land on one node's disk, not "
                + "in the bucket; install with --route kubectl, or --route helm-post-render, whose post-renderer "
                + "removes the chart's volume and claim"))
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
