/// The table of every `cacheRegistry` key. Adding a key is one entry here (plus a rule, if it has one).
public enum FieldRegistry {
    static let static_ = StorageMode.staticVolumes
    static let claimed = StorageMode.withClaim

    public static let all: [Field] = [
        Field("enabled", "Enabled", kind: .toggle, default: .bool(true), step: .general, example: "true",
              help: "Renders the cache registry. When false nothing is rendered, but the rest is kept and still "
                  + "checked."),

        Field("pv.name", "PV name", kind: .text(.subdomain), default: .string("docker-registry-pv"), step: .storage,
              modes: static_, example: "docker-registry-pv",
              help: "Name of the PersistentVolume that holds the registry's data (a DNS-1123 subdomain)."),
        Field("pv.size", "PV size", kind: .quantity(.storage), default: .string("20Gi"), step: .storage,
              modes: static_, example: "50Gi", help: "Capacity of the PersistentVolume, a Kubernetes quantity."),
        Field("pv.reclaimPolicy", "PV reclaim policy", kind: .choice(["Retain", "Delete", "Recycle"]),
              default: .string("Retain"), step: .storage, modes: static_, nullable: true, example: "Retain",
              help: "What happens to the data when the claim is deleted. Retain keeps it. In dynamic mode the "
                  + "StorageClass's policy applies, so it is null there.",
              advice: { $0.text == "Recycle" ? (.reclaimPolicy, .warning, "Recycle is deprecated; use Retain or "
                  + "Delete") : nil }),
        Field("pv.hostPath", "Host path", kind: .text(.absolutePath), default: .string("/var/lib/registry"),
              step: .storage, modes: [.hostPath], nullable: true, example: "/var/lib/registry",
              help: "Directory on the node where images are stored (hostPath mode). Set to null to use another mode."),
        Field("pv.volumeSource.nfs.server", "NFS server", kind: .text(.host), default: nil, step: .storage,
              modes: [.nfs], example: "nfs-server.example.com", help: "Host name or IP address of the NFS server."),
        Field("pv.volumeSource.nfs.path", "NFS path", kind: .text(.absolutePath), default: nil, step: .storage,
              modes: [.nfs], example: "/exports/registry", help: "Exported directory on the NFS server."),
        Field("pv.volumeSource.nfs.readOnly", "NFS read-only", kind: .toggle, default: nil, step: .storage,
              modes: [.nfs], example: "false", help: "Mount the export read-only. A registry needs to write, so leave "
                  + "it off."),
            Field(
                "pv.mountOptions", "NFS mount options", kind: .yamlList, default: .emptySequence, step: .storage,
                modes: [.nfs],
              chartReads: false, example: "[nfsvers=4.1, hard]", help: "Mount options of the NFS volume (strings), "
                  + "such as the NFS version."),
        Field("pv.storageClass", "PV storage class", kind: .text(.subdomain), default: nil, step: .storage,
              modes: claimed, example: "fast-ssd",
              help: "StorageClass name. With no volume source it selects dynamic provisioning."),
        Field("pvc.name", "PVC name", kind: .text(.subdomain), default: .string("docker-registry-pvc"), step: .storage,
              modes: claimed, example: "docker-registry-pvc",
              help: "Name of the PersistentVolumeClaim the registry mounts."),
        Field("pvc.size", "PVC size", kind: .quantity(.storage), default: .string("20Gi"), step: .storage,
              modes: claimed, example: "20Gi",
              help: "Storage the claim requests; with a static PV it must not exceed the PV size."),
        Field("pvc.storageClass", "PVC storage class", kind: .text(.subdomain), default: nil, step: .storage,
              modes: claimed, example: "fast-ssd",
              help: "StorageClass of the claim; must equal the PV's class when both are set."),
        Field("pvc.accessMode", "PVC access mode", kind: .choice(["ReadWriteOnce", "ReadWriteMany"]), default: nil,
                step: .storage, modes: [.dynamic], modeDefaults: [.dynamic: .string("ReadWriteOnce")],
                chartReads: false, example: "ReadWriteMany",
              help: "How a provisioned volume may be mounted: ReadWriteOnce (one node), or ReadWriteMany for classes "
                  + "that share (EFS, Filestore, Azure Files), which allows more than one replica."),
        Field("pvc.volumeName", "PVC volume name", kind: .text(.subdomain), default: nil, step: .storage,
              modes: static_, example: "docker-registry-pv", help: "Binds the claim to a named PV; with a static PV it "
                  + "must be the PV name."),

        Field("storage.s3.bucket", "S3 bucket", kind: .text(.bucketName), default: nil, step: .storage,
              modes: [.s3], chartReads: false, example: "kubiya-registry",
              help: "The bucket that holds the images. A storage.s3 section selects object storage (no volume, any "
                  + "number of replicas share the bucket), and then needs it."),
        Field("storage.s3.region", "S3 region", kind: .text(.region), default: nil, step: .storage, modes: [.s3],
              chartReads: false, example: "eu-west-1",
              help: "The bucket's region; required on AWS. With an endpoint any name is accepted (us-east-1 is "
                  + "rendered when none is given, as registry 2.x needs one)."),
        Field("storage.s3.regionEndpoint", "S3 endpoint", kind: .text(.endpointURL), default: nil, step: .storage,
              modes: [.s3], chartReads: false, example: "http://minio.storage.svc:9000",
              help: "An S3-compatible endpoint (MinIO, Ceph RGW, a cloud's S3 API); unset for AWS S3."),
        Field("storage.s3.forcePathStyle", "Path-style URLs", kind: .toggle, default: nil, step: .storage,
              modes: [.s3], chartReads: false, example: "true",
              help: "Address the bucket as endpoint/bucket rather than bucket.endpoint. Rendered explicitly: on by "
                  + "default with an endpoint (registry 2.x always uses path style there; registry 3 follows this)."),
        Field("storage.s3.rootDirectory", "S3 root directory", kind: .text(.absolutePath), default: nil,
              step: .storage, modes: [.s3], chartReads: false, example: "/registry",
              help: "A prefix inside the bucket for the registry's objects, so one bucket can hold other things."),
        Field("storage.s3.encrypt", "S3 encryption", kind: .toggle, default: nil, step: .storage, modes: [.s3],
              chartReads: false, example: "true", help: "Ask S3 to encrypt the objects at rest (SSE-S3)."),
        Field("storage.s3.secure", "S3 over HTTPS", kind: .toggle, default: nil, step: .storage, modes: [.s3],
              chartReads: false, example: "true",
              help: "Talk to S3 over HTTPS (the driver's default). An endpoint's own http:// or https:// decides for "
                  + "the endpoint."),
        Field("storage.s3.chunkSize", "S3 chunk size", kind: .quantity(.storage), default: nil, step: .storage,
              modes: [.s3], chartReads: false, example: "10Mi",
              help: "Size of each part of a multipart upload (default 10Mi; S3 takes 5Mi to 5Gi). A layer can have at "
                  + "most 10,000 parts, so the largest layer is 10,000 times this."),
        Field("storage.s3.redirect", "S3 redirects", kind: .toggle, default: nil, step: .storage,
              modes: [.s3], modeDefaults: [.s3: .bool(false)], chartReads: false, example: "false",
              help: "Send pulls straight to the bucket with a signed URL. Off by default: nodes and pods must then "
                  + "reach the endpoint themselves, which an in-cluster endpoint does not allow."),
        Field("storage.s3.credentials.existingSecret", "Credentials Secret", kind: .text(.subdomain), default: nil,
              step: .storage, modes: [.s3], chartReads: false, example: "registry-s3",
              help: "An existing Secret that holds the access key and the secret key (read by secretKeyRef, never "
                  + "written in the values). Unset for a node or workload identity."),
        Field("storage.s3.credentials.accessKeyKey", "Access key's key", kind: .text(.free), default: nil,
              step: .storage, modes: [.s3], modeDefaults: [.s3: .string("accessKey")], chartReads: false,
              example: "accessKey",
              help: "The key in that Secret that holds the access key ID."),
        Field("storage.s3.credentials.secretKeyKey", "Secret key's key", kind: .text(.free), default: nil,
              step: .storage, modes: [.s3], modeDefaults: [.s3: .string("secretKey")], chartReads: false,
              example: "secretKey",
              help: "The key in that Secret that holds the secret access key."),
        Field("storage.s3.identity.annotations", "Identity annotations", kind: .yamlMapping, default: nil,
              step: .storage, modes: [.s3], modeDefaults: [.s3: .emptyMapping], flat: true, chartReads: false,
              example: "{eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/registry}",
              help: "Annotations of the registry's own ServiceAccount that give it a workload identity (IRSA's "
                  + "eks.amazonaws.com/role-arn), used instead of a credentials Secret."),

        Field("proxy.enabled", "Mode", kind: .toggle, default: .bool(false), step: .registry,
              choiceLabels: (off: "private registry", on: "pull-through cache"), chartReads: false, example: "true",
              help: "A private registry stores what is pushed to it. A pull-through cache fetches each image from the "
                  + "upstream once and serves it from the cluster afterwards, even while the upstream is down or "
                  + "rate-limiting; it refuses pushes."),
            Field(
                "proxy.remoteURL", "Upstream URL", kind: .text(.registryURL),
                default: .string("https://registry-1.docker.io"),
              step: .registry, shownWhen: "proxy.enabled", chartReads: false, example: "https://registry-1.docker.io",
              help: "The root of the registry the cache pulls from (no path): Docker Hub is "
                  + "https://registry-1.docker.io."),
            Field(
                "proxy.username", "Upstream user", kind: .text(.free), default: nil, step: .registry,
                shownWhen: "proxy.enabled",
              chartReads: false, example: "robot", help: "User name at the upstream; its password comes from "
                  + "proxy.passwordSecret, never from values."),
        Field("proxy.passwordSecret.name", "Password Secret", kind: .text(.subdomain), default: nil, step: .registry,
              shownWhen: "proxy.enabled", chartReads: false, example: "upstream-credentials",
              help: "An existing Secret in the namespace that holds the upstream password or token (read by "
                  + "secretKeyRef)."),
            Field(
                "proxy.passwordSecret.key", "Password key", kind: .text(.free), default: .string("password"),
                step: .registry,
              shownWhen: "proxy.enabled", chartReads: false, example: "password", help: "The key in that Secret that "
                  + "holds the password."),
            Field(
                "proxy.ttl", "Cache TTL", kind: .text(.duration), default: nil, step: .registry,
                shownWhen: "proxy.enabled",
              chartReads: false, example: "168h", help: "How long cached content is kept, as a Go duration (0: never "
                  + "expires). Registry 3 honours it; 2.x keeps content 7 days."),
            Field(
                "mirrors", "Mirrors", kind: .yamlList, default: .emptySequence, step: .mirrors, chartReads: false,
              example: "[{name: docker-io, upstream: https://registry-1.docker.io, service: {type: NodePort, "
                  + "nodePort: 30501}}]",
              help: "Pull-through caches of other upstreams beside this registry, one instance each (distribution "
                  + "serves one upstream per instance): name, upstream, ttl, username and passwordSecret, storage "
                  + "(hostPath, nfs, storageClass, size, or s3Prefix in the registry's bucket), resources, service "
                  + "(type, port, nodePort, clusterIP, targetPort). trust/ gets a containerd hosts.toml per upstream."),
        Field("deployment.name", "Deployment name", kind: .text(.subdomain), default: .string("cache-registry"),
              step: .registry, example: "cache-registry", help: "Name of the registry Deployment."),
        Field("deployment.replicas", "Replicas", kind: .integer(min: 0, max: 1000), default: .int(1), step: .registry,
              example: "1", help: "Number of registry pods. More than 1 needs ReadWriteMany (NFS) storage.",
              advice: { $0.intValue == 0 ? (.noReplicas, .warning, "0 replicas: the registry will not run") : nil }),
        Field("deployment.selector", "Pod selector", kind: .text(.labelValue), default: .string("cache-registry"),
              step: .registry, example: "cache-registry", help: "Value of the `app` label that the Deployment and "
                  + "Service select."),
            Field(
                "deployment.image.repository", "Image repository", kind: .text(.imageRepository),
                default: .string("registry"),
              step: .registry, example: "registry", help: "Registry image, with an optional host and port "
                  + "(myhost:5000/registry)."),
        Field("deployment.image.tag", "Image tag", kind: .text(.imageTag), default: .string("2"), step: .registry,
              example: "2.8", help: "Image tag; pin a version rather than latest.",
              advice: { scalar in
                  if scalar.text == "latest" { return (.unpinnedTag, .warning, "latest is not a pinned version; pods "
                      + "may run different images") }
                  if scalar.kind == .float { return (.unpinnedTag, .warning, "is read as the number "
                      + "\(Quote.bare(scalar.text)); quote it so a tag like 2.10 does not become 2.1") }
                  return nil
              }),
            Field(
                "deployment.image.digest", "Image digest", kind: .text(.digest), default: nil, step: .registry,
                chartReads: false,
              example: "sha256:" + String(repeating: "0", count: 64),
              help: "Pins the image: it is rendered as repository@digest, so every node runs the same bytes (the tag "
                  + "stays for people, in an annotation). Find it with: docker buildx imagetools inspect registry:2."),
        Field("deployment.image.pullPolicy", "Pull policy", kind: .choice(["Always", "IfNotPresent", "Never"]),
              default: .string("IfNotPresent"), step: .registry, example: "IfNotPresent", help: "When the kubelet "
                  + "pulls the image."),
        Field("deployment.resources.requests.cpu", "CPU request", kind: .quantity(.cpu), default: .string("100m"),
              step: .registry, example: "100m", help: "CPU reserved for the registry; at most the CPU limit."),
            Field(
                "deployment.resources.requests.memory", "Memory request", kind: .quantity(.memory),
                default: .string("128Mi"),
              step: .registry, example: "128Mi", help: "Memory reserved for the registry; at most the memory limit."),
        Field("deployment.resources.limits.cpu", "CPU limit", kind: .quantity(.cpu), default: .string("500m"),
              step: .registry, example: "1", help: "Most CPU the registry may use."),
        Field("deployment.resources.limits.memory", "Memory limit", kind: .quantity(.memory), default: .string("512Mi"),
              step: .registry, example: "1Gi", help: "Most memory the registry may use before it is killed."),
            Field(
                "deployment.httpSecret.existingSecret", "HTTP secret from", kind: .text(.subdomain), default: nil,
                step: .registry,
              chartReads: false, example: "registry-http-secret",
              help: "An existing Secret that holds the REGISTRY_HTTP_SECRET the replicas share (read by secretKeyRef), "
                  + "so every export is the same. Without it, several replicas get one generated into "
                  + "http-secret.yaml, kept across exports into the same folder."),
        Field("deployment.httpSecret.key", "HTTP secret key", kind: .text(.free), default: nil, step: .registry,
              shownWhen: nil, chartReads: false, example: "http-secret",
              help: "The key in that Secret that holds the value (default http-secret)."),
        Field("deployment.runAsNonRoot", "Run as non-root", kind: .toggle, default: nil, step: .registry,
                modeDefaults: Dictionary(uniqueKeysWithValues: StorageMode.allCases.map {
                    ($0, Value.bool($0.runsAsNonRootByDefault))
                }), chartReads: false, example: "true",
              help: "Run the registry as UID/GID 10001 (Pod Security \"restricted\"). On by default in dynamic mode, "
                  + "where fsGroup makes the volume writable; hostPath and NFS ignore fsGroup, so there the folder "
                  + "must first be chowned to 10001."),
            Field(
                "deployment.nodeSelector", "Node selector", kind: .yamlMapping, default: .emptyMapping, step: .registry,
                flat: true,
              example: "kubernetes.io/hostname=node-a", help: "Labels a node must have to run the registry. With "
                  + "hostPath, pin the node."),
        Field("deployment.affinity", "Affinity", kind: .yamlMapping, default: .emptyMapping, step: .registry,
              example: "{nodeAffinity: ...}", help: "Pod affinity rules, rendered as given."),
            Field(
                "deployment.tolerations", "Tolerations", kind: .yamlList, default: .emptySequence, step: .registry,
                chartReads: false,
              example: "[{key: dedicated, operator: Equal, value: registry, effect: NoSchedule}]",
              help: "Taints the registry's pods tolerate (a list of Kubernetes Tolerations), such as a node kept for "
                  + "infrastructure."),
            Field(
                "deployment.priorityClassName", "Priority class", kind: .text(.subdomain), default: nil,
                step: .registry, chartReads: false,
              example: "system-cluster-critical", help: "The PriorityClass of the registry's pods, so image pulls keep "
                  + "working when the cluster is full."),
            Field(
                "deployment.imagePullSecrets", "Pull secrets", kind: .yamlList, default: .emptySequence,
                step: .registry,
              chartReads: false, example: "[{name: regcred}]", help: "Secrets the kubelet uses to pull the registry "
                  + "image itself (a mirror of registry:2 that needs login)."),
            Field(
                "deployment.podAnnotations", "Pod annotations", kind: .yamlMapping, default: .emptyMapping,
                step: .registry, flat: true,
              chartReads: false, example: "prometheus.io/scrape=true", help: "Annotations on the registry's pods "
                  + "(string values)."),
            Field(
                "deployment.topologySpreadConstraints", "Topology spread", kind: .yamlList, default: .emptySequence,
                step: .registry,
              chartReads: false, example: "[{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: "
                  + "ScheduleAnyway}]",
              help: "How replicas spread over zones or nodes (a list of TopologySpreadConstraints; the app label "
                  + "selects the pods when labelSelector is left out)."),
        Field("deployment.env", "Extra env", kind: .yamlMappingOrList, default: .emptyMapping, step: .registry,
              example: "REGISTRY_LOG_LEVEL=info", help: "Extra environment variables (a NAME: value map or a list of "
                  + "EnvVar)."),
            Field(
                "deployment.volumeMounts", "Volume mounts", kind: .yamlList, default: .emptySequence,
                step: .registry,
              example: "[{name: x, mountPath: /x}]", help: "Extra volume mounts of the registry container, rendered as "
                  + "given."),
        Field("deployment.volumes", "Extra volumes", kind: .yamlList, default: .emptySequence, step: .registry,
              example: "[{name: x, emptyDir: {}}]", help: "Extra pod volumes, rendered as given."),

            Field(
                "service.name", "Service name", kind: .text(.dns1035), default: .string("cache-registry-svc"),
                step: .service,
              example: "cache-registry-svc", help: "Name of the Service; the Tool Manager reaches the registry at "
                  + "<name>.<namespace>."),
        Field("service.type", "Service type", kind: .choice(["ClusterIP", "NodePort", "LoadBalancer"]),
              default: .string("ClusterIP"), step: .service, example: "ClusterIP", help: "How the Service is exposed."),
        Field("service.port", "Service port", kind: .integer(min: 1, max: 65535), default: .int(443), step: .service,
              example: "443", help: "Port the Service listens on."),
            Field(
                "service.targetPort", "Target port", kind: .integer(min: 1, max: 65535), default: .int(5000),
                step: .service,
              example: "5000", help: "Port the registry listens on: the container port, REGISTRY_HTTP_ADDR and both "
                  + "probes follow it."),
            Field(
                "service.clusterIP", "Fixed ClusterIP", kind: .text(.clusterIP), default: nil, step: .service,
                chartReads: false,
              example: "10.96.0.50", help: "A fixed address in the cluster's Service range, so nodes reach the "
                  + "registry at <clusterIP>[:<port>] "
                  + "(kube-proxy routes ClusterIPs from nodes too; Service names resolve in pods only). It becomes the "
                  + "node address: "
                  + "the generated certificate covers it and trust/ configures it. It must be free: Kubernetes refuses "
                      + "a taken one."),
            Field(
                "service.nodePort", "NodePort", kind: .integer(min: 30000, max: 32767), default: nil, step: .service,
                chartReads: false,
              example: "30500", help: "With service.type NodePort: the port every node listens on, so nodes reach the "
                  + "registry at "
                  + "127.0.0.1:<nodePort> (kube-proxy's iptables mode answers NodePorts on localhost; IPVS mode does "
                  + "not: use a fixed "
                  + "ClusterIP there). It listens on every node's address too, so anyone who reaches a node reaches "
                      + "the registry."),
            Field(
                "service.annotations", "Annotations", kind: .yamlMapping, default: .emptyMapping,
                step: .service, flat: true,
              chartReads: false, example: "service.beta.kubernetes.io/aws-load-balancer-internal=true",
              help: "Annotations on the Service (string values), such as a cloud's internal load balancer."),
            Field(
                "networkPolicy.enabled", "NetworkPolicy", kind: .toggle, default: .bool(true), step: .service,
                chartReads: false,
              example: "true", help: "A NetworkPolicy admitting the registry port only from pods of the release's "
                  + "namespace and the peers in networkPolicy.from: without it any pod in the cluster can push, "
                  + "overwrite and delete images. A CNI must enforce it (Calico, Cilium; flannel alone does not)."),
            Field(
                "networkPolicy.from", "Also admit", kind: .yamlList, default: .emptySequence, step: .service,
                chartReads: false,
              example: "[{ipBlock: {cidr: 10.0.0.0/16}}]",
              help: "More NetworkPolicyPeers admitted to the registry: namespaceSelector, podSelector, and ipBlock "
                  + "CIDRs, such as the nodes' network when nodes pull through the node address."),
            Field(
                "networkPolicy.egress", "Restrict egress", kind: .toggle, default: .bool(false), step: .service,
                chartReads: false,
              example: "false", help: "Also limit what the registry may reach: DNS and, in proxy mode, the upstream's "
                  + "port. Off: egress stays open."),
        Field("service.additionalPorts", "Additional ports", kind: .yamlList, default: .emptySequence, step: .service,
              example: "[{name: metrics, port: 5001}]", help: "Extra Service ports, rendered as given."),

            Field(
                "deployment.tlsSecretName", "TLS secret", kind: .text(.subdomain),
                default: .string("registry-tls-secret"),
              step: .tls, example: "registry-tls-secret", help: "Secret with tls.crt and tls.key that the registry "
                  + "serves HTTPS with."),
    ] + probeFields(.liveness, delay: 30, period: 30)
      + [Field(.livenessFailureThreshold, "Liveness failures", kind: .integer(min: 1, max: 100), default: .int(3),
               step: .probes, shownWhen: Probe.liveness.enabled, chartReads: false, example: "3",
               help: "Failed probes in a row before the kubelet restarts the registry. /v2/ fails while storage does, "
                   + "and a restart does not fix storage: 3 probes 30 s apart tolerate a minute or more of an NFS or "
                   + "disk hiccup.")]
      + probeFields(.readiness, delay: 10, period: 10)
        + [
            Field(
                "metrics.enabled", "Metrics", kind: .toggle, default: .bool(false), step: .probes, chartReads: false,
                example: "true",
               help: "Prometheus metrics: the registry's debug listener stays on the pod's loopback (distribution also "
                   + "serves pprof and expvar there and has no setting to turn them off), and a small proxy beside it "
                   + "passes on /metrics alone, on the metrics port, through a separate ClusterIP Service."),
         Field("metrics.port", "Metrics port", kind: .integer(min: 1, max: 65535), default: .int(5001), step: .probes,
               shownWhen: "metrics.enabled", chartReads: false, example: "5001", help: "Port on which the metrics "
                   + "proxy serves /metrics (and nothing else)."),
         Field(.metricsDebugPort, "Debug port", kind: .integer(min: 1, max: 65535), default: .int(5002),
               step: .probes, shownWhen: "metrics.enabled", chartReads: false, example: "5002",
               help: "The registry's own debug listener, on 127.0.0.1 in the pod only: it serves /metrics with "
                   + "/debug/pprof/ and /debug/vars beside it, so nothing outside the pod reaches it."),
         Field(.metricsFrom, "Scraped from", kind: .yamlList, default: .emptySequence, step: .probes,
               shownWhen: "metrics.enabled", chartReads: false,
               example: "[{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]",
               help: "NetworkPolicyPeers admitted to the metrics port (and only to it), such as the namespace "
                   + "Prometheus runs in. Empty: nothing outside the pod scrapes it."),
         Field(.metricsProxyRepository, "Proxy image", kind: .text(.imageRepository),
               default: .string("nginxinc/nginx-unprivileged"), step: .probes, shownWhen: "metrics.enabled",
               chartReads: false, example: "nginxinc/nginx-unprivileged",
               help: "Image of the metrics proxy (nginx, run as UID 101 with a read-only root)."),
         Field(.metricsProxyTag, "Proxy tag", kind: .text(.imageTag), default: .string("1.27-alpine"),
               step: .probes, shownWhen: "metrics.enabled", chartReads: false, example: "1.27-alpine",
               help: "Tag of the metrics proxy image."),
         Field("metrics.serviceMonitor.enabled", "ServiceMonitor", kind: .toggle, default: .bool(false), step: .probes,
               shownWhen: "metrics.enabled", chartReads: false, example: "false",
               help: "Also a ServiceMonitor for the Prometheus Operator (its CRD must be installed)."),
         Field(.metricsServiceMonitorLabels, "Monitor labels", kind: .yamlMapping, default: .emptyMapping,
               step: .probes, shownWhen: "metrics.serviceMonitor.enabled", flat: true, chartReads: false,
               example: "release=kube-prometheus-stack",
               help: "Labels of the ServiceMonitor, which Prometheus selects monitors by: kube-prometheus-stack "
                   + "takes only those labelled release=<its release> unless its serviceMonitorSelector says "
                   + "otherwise."),
         Field(.metricsServiceMonitorInterval, "Scrape interval", kind: .text(.duration), default: nil,
               step: .probes, shownWhen: "metrics.serviceMonitor.enabled", chartReads: false, example: "30s",
               help: "How often Prometheus scrapes (Prometheus's own default when unset)."),
         Field(.metricsServiceMonitorTimeout, "Scrape timeout", kind: .text(.duration), default: nil,
               step: .probes, shownWhen: "metrics.serviceMonitor.enabled", chartReads: false, example: "10s",
               help: "How long a scrape may take; at most the interval.")]

    static func probeFields(_ probe: Probe, delay: Int, period: Int) -> [Field] {
        let title = probe.title, enabled = probe.enabled
        return [
            Field(enabled, "\(title) probe", kind: .toggle, default: .bool(true),
                  step: .probes, example: "true", help: "Whether the kubelet runs the \(title.lowercased()) probe."),
            Field(probe.path, "\(title) path", kind: .text(.httpPath), default: .string("/v2/"),
                  step: .probes, shownWhen: enabled, example: "/v2/", help: "HTTP path the probe requests; /v2/ is the "
                      + "registry API root."),
            Field(probe.port, "\(title) port", kind: .integer(min: 1, max: 65535),
                  default: .int(5000), step: .probes, shownWhen: enabled, fact: { "\($0.targetPort) (= "
                      + "targetPort)" }, example: "5000",
                  help: "Port the probe checks. It follows service.targetPort when rendered."),
            Field(probe.scheme, "\(title) scheme", kind: .choice(["HTTPS", "HTTP"]),
                  default: .string("HTTPS"), step: .probes, shownWhen: enabled, fact: { _ in "HTTPS (TLS is "
                      + "on)" }, example: "HTTPS", help: "HTTPS while the registry serves TLS."),
            Field(probe.initialDelay, "\(title) delay", kind: .integer(min: 0, max: 86400),
                  default: .int(delay), step: .probes, shownWhen: enabled, example: "\(delay)", help: "Seconds before "
                      + "the first probe."),
            Field(probe.period, "\(title) period", kind: .integer(min: 1, max: 86400),
                default: .int(period), step: .probes, shownWhen: enabled, example: "\(period)",
                help: "Seconds between probes."),
            Field(probe.timeout, "\(title) timeout", kind: .integer(min: 1, max: 86400),
                  default: .int(5), step: .probes, shownWhen: enabled, example: "5", help: "Seconds before a probe "
                      + "times out; must be below the period."),
        ]
    }

    static let byPath: [KeyPath: Field] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })

    /// The field at a path, if it is one.
    public static func field(_ path: KeyPath) -> Field? { byPath[path] }

    /// Mappings that hold fields (`pv`, `deployment.image`, ...).
    public static let containers: Set<KeyPath> = {
        var result = Set<KeyPath>()
        for field in all {
            var path = field.path.parent
            while !path.components.isEmpty {
                result.insert(path)
                path = path.parent
            }
        }
        return result
    }()

    /// The defaults of the chart, as a values tree.
    public static let defaults: Value = all.reduce(Value.emptyMapping) { tree, field in
        field.defaultValue.map { tree.setting($0, at: field.path) } ?? tree
    }

    /// Whether a path names a key the chart knows: a field, a mapping of fields, anything inside a field kept as
    /// YAML (`deployment.env.NAME`), or any volume source under `pv.volumeSource`.
    public static func isKnown(_ path: KeyPath) -> Bool {
        if byPath[path] != nil || containers.contains(path) { return true }
        var ancestor = path.parent
        while !ancestor.components.isEmpty {
            if byPath[ancestor]?.kind.isYAML == true || ancestor == .pvVolumeSource { return true }
            ancestor = ancestor.parent
        }
        return false
    }

    /// The field a path belongs to: the field itself, the YAML field it lies inside (`deployment.env.NAME`), or
    /// for a mapping of fields (`deployment.livenessProbe`) the first field inside it.
    public static func owningField(_ path: KeyPath) -> Field? {
        // An item of a list belongs to the list's field (`mirrors[1].ttl` to `mirrors`).
        let path = KeyPath(path.steps.filter { !$0.hasPrefix("[") })
        if let field = byPath[path] { return field }
        var ancestor = path.parent
        while !ancestor.components.isEmpty {
            if let field = byPath[ancestor] { return field }
            ancestor = ancestor.parent
        }
        return all.first { $0.path.components.starts(with: path.components) }
    }

    /// Keys that must never be in values, with why and what to do instead (an error wherever they appear).
    public static let forbiddenKeys: [KeyPath: String] = [
        "proxy.password": "a password never goes in values (it would land in git); put it in a Secret and set "
            + "proxy.passwordSecret.name",
    ]

    /// "unknown key; did you mean pv.size?" for a path the chart does not know (or why a forbidden key is refused).
    public static func unknownKeyMessage(_ path: KeyPath) -> String {
        forbiddenKeys[path] ?? "unknown key" + (suggestion(for: path).map { "; did you mean \($0)?" } ?? "")
    }

    /// The known path nearest to an unknown one, for "did you mean".
    public static func suggestion(for path: KeyPath) -> KeyPath? {
        let pool = suggestionPool[path.parent] ?? allSuggestions
        let text = Array(path.description.lowercased().utf8)
        let allowed = max(2, path.last.count / 2)
        var best: (path: KeyPath, distance: Int)?
        for candidate in pool {
            // The length difference bounds the distance from below: most candidates need no comparison at all.
            let bound = best.map { min($0.distance, allowed) } ?? allowed
            guard abs(candidate.text.count - text.count) <= bound else { continue }
            let distance = editDistance(text, candidate.text)
            if distance <= allowed,
                best.map({ distance < $0.distance || distance == $0.distance && candidate.path < $0.path }) ?? true
            {
                best = (candidate.path, distance)
            }
        }
        return best?.path
    }

    /// Every key and container with its lower-case text, and the same grouped by parent (a typo is looked for
    /// among its siblings first), computed once.
    static let allSuggestions: [(path: KeyPath, text: [UInt8])] = (Array(byPath.keys) + Array(containers))
        .map { ($0, Array($0.description.lowercased().utf8)) }
    static let suggestionPool: [KeyPath: [(path: KeyPath, text: [UInt8])]] = Dictionary(
        grouping: allSuggestions, by: { $0.path.parent })

    /// Levenshtein distance between two byte strings.
    public static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// A value as a person reads it in help and messages.
    public static func displayText(_ value: Value) -> String {
        switch value {
        case .scalar(let scalar): return scalar.kind == .string && scalar.text.isEmpty ? "\"\"" : scalar.text
        case .mapping(let entries): return entries.isEmpty ? "{}" : "{" + entries.map { "\($0.key): "
            + "\(displayText($0.value))" }.joined(separator: ", ") + "}"
        case .sequence(let items):
            return items.isEmpty ? "[]" : "[" + items.map(displayText).joined(separator: ", ") + "]"
        }
    }
}

extension FieldRegistry {
    /// The README's key table, generated from the registry.
    public static func markdownTable() -> String {
        var lines = ["| key | default | kind | storage modes | what it does |", "|---|---|---|---|---|"]
        for field in all {
            let modes = field.modes.isEmpty ? "all" : field.modes.map(\.rawValue).sorted().joined(separator: ", ")
            let value =
                field.modeDefaults.isEmpty ? field.defaultValue.map(displayText) ?? "(unset)" : field.defaultDescription
            lines.append("| `\(field.path)` | `\(value)` | \(Validator.expectation(field.kind)) | \(modes) | "
                + "\(field.help) |")
        }
        return lines.joined(separator: "\n")
    }
}
