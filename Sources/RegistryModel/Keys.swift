/// Key paths under `cacheRegistry` that code outside the field registry uses, each declared once.
/// A test checks every one against the registry (a field, or a mapping that holds fields), so a renamed
/// key cannot leave a stale path behind.
extension KeyPath {
    public static let deploymentAffinity: KeyPath = "deployment.affinity"
    public static let deploymentEnv: KeyPath = "deployment.env"
    public static let deploymentHTTPSecretExisting: KeyPath = "deployment.httpSecret.existingSecret"
    public static let deploymentHTTPSecretKey: KeyPath = "deployment.httpSecret.key"
    public static let deploymentImagePullPolicy: KeyPath = "deployment.image.pullPolicy"
    public static let deploymentImageRepository: KeyPath = "deployment.image.repository"
    public static let deploymentImageTag: KeyPath = "deployment.image.tag"
    public static let deploymentName: KeyPath = "deployment.name"
    public static let deploymentNodeSelector: KeyPath = "deployment.nodeSelector"
    public static let deploymentReplicas: KeyPath = "deployment.replicas"
    public static let deploymentRunAsNonRoot: KeyPath = "deployment.runAsNonRoot"
    public static let deploymentResourcesLimitsCpu: KeyPath = "deployment.resources.limits.cpu"
    public static let deploymentResourcesLimitsMemory: KeyPath = "deployment.resources.limits.memory"
    public static let deploymentResourcesRequestsCpu: KeyPath = "deployment.resources.requests.cpu"
    public static let deploymentResourcesRequestsMemory: KeyPath = "deployment.resources.requests.memory"
    public static let deploymentSelector: KeyPath = "deployment.selector"
    public static let deploymentTlsSecretName: KeyPath = "deployment.tlsSecretName"
    public static let deploymentVolumeMounts: KeyPath = "deployment.volumeMounts"
    public static let deploymentVolumes: KeyPath = "deployment.volumes"
    public static let enabled: KeyPath = "enabled"
    public static let proxyEnabled: KeyPath = "proxy.enabled"
    public static let proxyRemoteURL: KeyPath = "proxy.remoteURL"
    public static let proxyUsername: KeyPath = "proxy.username"
    public static let proxyPasswordSecretName: KeyPath = "proxy.passwordSecret.name"
    public static let proxyPasswordSecretKey: KeyPath = "proxy.passwordSecret.key"
    public static let proxyTTL: KeyPath = "proxy.ttl"
    public static let pvHostPath: KeyPath = "pv.hostPath"
    public static let storage: KeyPath = "storage"
    public static let s3: KeyPath = "storage.s3"
    public static let s3Bucket: KeyPath = "storage.s3.bucket"
    public static let s3Region: KeyPath = "storage.s3.region"
    public static let s3RegionEndpoint: KeyPath = "storage.s3.regionEndpoint"
    public static let s3ForcePathStyle: KeyPath = "storage.s3.forcePathStyle"
    public static let s3RootDirectory: KeyPath = "storage.s3.rootDirectory"
    public static let s3Encrypt: KeyPath = "storage.s3.encrypt"
    public static let s3Secure: KeyPath = "storage.s3.secure"
    public static let s3ChunkSize: KeyPath = "storage.s3.chunkSize"
    public static let s3Redirect: KeyPath = "storage.s3.redirect"
    public static let s3CredentialsSecret: KeyPath = "storage.s3.credentials.existingSecret"
    public static let s3AccessKeyKey: KeyPath = "storage.s3.credentials.accessKeyKey"
    public static let s3SecretKeyKey: KeyPath = "storage.s3.credentials.secretKeyKey"
    public static let s3IdentityAnnotations: KeyPath = "storage.s3.identity.annotations"
    public static let pvName: KeyPath = "pv.name"
    public static let pvReclaimPolicy: KeyPath = "pv.reclaimPolicy"
    public static let pvSize: KeyPath = "pv.size"
    public static let pvStorageClass: KeyPath = "pv.storageClass"
    public static let pvVolumeSource: KeyPath = "pv.volumeSource"
    public static let pvNFS: KeyPath = "pv.volumeSource.nfs"
    public static let pvNFSPath: KeyPath = "pv.volumeSource.nfs.path"
    public static let pvNFSReadOnly: KeyPath = "pv.volumeSource.nfs.readOnly"
    public static let pvNFSServer: KeyPath = "pv.volumeSource.nfs.server"
    public static let pvcAccessMode: KeyPath = "pvc.accessMode"
    public static let pvcName: KeyPath = "pvc.name"
    public static let pvcSize: KeyPath = "pvc.size"
    public static let pvcStorageClass: KeyPath = "pvc.storageClass"
    public static let pvcVolumeName: KeyPath = "pvc.volumeName"
    public static let serviceAdditionalPorts: KeyPath = "service.additionalPorts"
    public static let serviceAnnotations: KeyPath = "service.annotations"
    public static let deploymentImageDigest: KeyPath = "deployment.image.digest"
    public static let deploymentTolerations: KeyPath = "deployment.tolerations"
    public static let deploymentPriorityClassName: KeyPath = "deployment.priorityClassName"
    public static let deploymentImagePullSecrets: KeyPath = "deployment.imagePullSecrets"
    public static let deploymentPodAnnotations: KeyPath = "deployment.podAnnotations"
    public static let deploymentTopologySpread: KeyPath = "deployment.topologySpreadConstraints"
    public static let livenessFailureThreshold: KeyPath = Probe.liveness.base.appending("failureThreshold")
    public static let networkPolicyEnabled: KeyPath = "networkPolicy.enabled"
    public static let networkPolicyFrom: KeyPath = "networkPolicy.from"
    public static let networkPolicyEgress: KeyPath = "networkPolicy.egress"
    public static let pvMountOptions: KeyPath = "pv.mountOptions"
    public static let metricsEnabled: KeyPath = "metrics.enabled"
    public static let metricsPort: KeyPath = "metrics.port"
    public static let metricsServiceMonitor: KeyPath = "metrics.serviceMonitor.enabled"
    public static let metricsDebugPort: KeyPath = "metrics.debugPort"
    public static let metricsFrom: KeyPath = "metrics.from"
    public static let metricsProxyRepository: KeyPath = "metrics.proxy.repository"
    public static let metricsProxyTag: KeyPath = "metrics.proxy.tag"
    public static let metricsServiceMonitorLabels: KeyPath = "metrics.serviceMonitor.labels"
    public static let metricsServiceMonitorInterval: KeyPath = "metrics.serviceMonitor.interval"
    public static let metricsServiceMonitorTimeout: KeyPath = "metrics.serviceMonitor.scrapeTimeout"
    public static let serviceClusterIP: KeyPath = "service.clusterIP"
    public static let serviceNodePort: KeyPath = "service.nodePort"
    public static let serviceName: KeyPath = "service.name"
    public static let servicePort: KeyPath = "service.port"
    public static let serviceTargetPort: KeyPath = "service.targetPort"
    public static let serviceType: KeyPath = "service.type"
}

/// The registry's two probes and the key paths of their settings, declared once for the registry, the rules
/// and the renderer.
public enum Probe: String, CaseIterable, Sendable {
    case liveness = "livenessProbe", readiness = "readinessProbe"

    public var title: String { self == .liveness ? "Liveness" : "Readiness" }
    public var base: KeyPath { KeyPath(["deployment", rawValue]) }
    public var enabled: KeyPath { base.appending("enabled") }
    public var path: KeyPath { KeyPath(base.components + ["httpGet", "path"]) }
    public var port: KeyPath { KeyPath(base.components + ["httpGet", "port"]) }
    public var scheme: KeyPath { KeyPath(base.components + ["httpGet", "scheme"]) }
    public var initialDelay: KeyPath { base.appending("initialDelaySeconds") }
    public var period: KeyPath { base.appending("periodSeconds") }
    public var timeout: KeyPath { base.appending("timeoutSeconds") }
    /// Only the liveness probe has one (a failing readiness probe restarts nothing).
    public var failureThreshold: KeyPath? { self == .liveness ? .livenessFailureThreshold : nil }
}
