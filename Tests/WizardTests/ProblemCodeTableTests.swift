import Diagnostics
import Foundation
import TestSupport
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import RegistryTLS
@testable import ValuesFile
@testable import Wizard

/// Every problem code from the smallest input that causes it, at the place it names: a values file (its key and
/// line), the TLS pair it carries, a setting, a session's own inputs, or what a write causes. A new code fails
/// `testEveryCodeComesFromItsCase` until it has a case here, so no rule goes untested.
final class ProblemCodeTableTests: XCTestCase {
    /// A values file that causes `code` at `location` (`cacheRegistry.pv.size`, `registryTls.crt`).
    struct Case {
        let code: ProblemCode
        let location: String
        let yaml: String
        var route: InstallRoute = .kubectl
        var namespace = RegistryConfig.defaultNamespace
        var release = RegistryConfig.defaultRelease

        init(_ code: ProblemCode, _ location: String, _ yaml: String, route: InstallRoute = .kubectl,
             namespace: String = RegistryConfig.defaultNamespace, release: String = RegistryConfig.defaultRelease) {
            self.code = code
            self.location = location
            self.yaml = yaml
            self.route = route
            self.namespace = namespace
            self.release = release
        }
    }

    static let valuesCases: [Case] = [
        Case(.required, "cacheRegistry.pv.size", "cacheRegistry:\n  pv:\n    size: null\n"),
        Case(.wrongType, "cacheRegistry.service.port", "cacheRegistry:\n  service:\n    port: [1]\n"),
        Case(.badValue, "cacheRegistry.pv.size", "cacheRegistry:\n  pv:\n    size: abc\n"),
        Case(.quotedNumber, "cacheRegistry.service.port", "cacheRegistry:\n  service:\n    port: \"443\"\n"),
        Case(.unknownKey, "cacheRegistry.pv.sise", "cacheRegistry:\n  pv:\n    sise: 1Gi\n"),
        Case(.forbiddenKey, "cacheRegistry.proxy.password", "cacheRegistry:\n  proxy:\n    password: x\n"),
        Case(.unpinnedTag, "cacheRegistry.deployment.image.tag", "cacheRegistry:\n  deployment:\n    image:\n      tag: latest\n"),
        Case(.listItem, "cacheRegistry.pv.mountOptions", "cacheRegistry:\n  pv:\n    mountOptions: [1]\n"),
        Case(.annotation, "cacheRegistry.service.annotations.a", "cacheRegistry:\n  service:\n    annotations:\n      a: 1\n"),
        Case(.volumeSource, "cacheRegistry.pv.volumeSource", "cacheRegistry:\n  pv:\n    volumeSource: 3\n"),
        Case(.classWithSource, "cacheRegistry.pv.storageClass", "cacheRegistry:\n  pv:\n    storageClass: fast\n"),
        Case(.defaultClass, "cacheRegistry.pvc.storageClass", "cacheRegistry:\n  pv:\n    hostPath: null\n"),
        Case(.hostPathUnpinned, "cacheRegistry.deployment.nodeSelector", "cacheRegistry: {}\n"),
        Case(.nfsIncomplete, "cacheRegistry.pv.volumeSource.nfs.server", "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n        path: /x\n"),
        Case(.nfsServerName, "cacheRegistry.pv.volumeSource.nfs.server", "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n        server: 'bad name!'\n        path: /x\n"),
        Case(.readOnlyVolume, "cacheRegistry.pv.volumeSource.nfs.readOnly", "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n        server: nfs.example.com\n        path: /x\n        readOnly: true\n"),
        Case(.hostPathUnsafe, "cacheRegistry.pv.hostPath", "cacheRegistry:\n  pv:\n    hostPath: /etc\n"),
        Case(.reclaimPolicy, "cacheRegistry.pv.reclaimPolicy", "cacheRegistry:\n  pv:\n    reclaimPolicy: Delete\n"),
        Case(.claimLarger, "cacheRegistry.pvc.size", "cacheRegistry:\n  pvc:\n    size: 100Gi\n"),
        Case(.classMismatch, "cacheRegistry.pvc.storageClass", "cacheRegistry:\n  pv:\n    storageClass: a\n  pvc:\n    storageClass: b\n"),
        Case(.volumeNameMismatch, "cacheRegistry.pvc.volumeName", "cacheRegistry:\n  pvc:\n    volumeName: other\n"),
        Case(.noReplicas, "cacheRegistry.deployment.replicas", "cacheRegistry:\n  deployment:\n    replicas: 0\n"),
        Case(.replicasNeedSharedStorage, "cacheRegistry.deployment.replicas", "cacheRegistry:\n  deployment:\n    replicas: 2\n"),
        Case(.requestAboveLimit, "cacheRegistry.deployment.resources.requests.cpu", "cacheRegistry:\n  deployment:\n    resources:\n      requests:\n        cpu: '2'\n      limits:\n        cpu: '1'\n"),
        Case(.probeTiming, "cacheRegistry.deployment.livenessProbe.timeoutSeconds", "cacheRegistry:\n  deployment:\n    livenessProbe:\n      timeoutSeconds: 30\n      periodSeconds: 10\n"),
        Case(.probePort, "cacheRegistry.deployment.livenessProbe.httpGet.port", "cacheRegistry:\n  deployment:\n    livenessProbe:\n      httpGet:\n        port: 6000\n"),
        Case(.probeScheme, "cacheRegistry.deployment.livenessProbe.httpGet.scheme", "cacheRegistry:\n  deployment:\n    livenessProbe:\n      httpGet:\n        scheme: HTTP\n"),
        Case(.envName, "cacheRegistry.deployment.env.1BAD", "cacheRegistry:\n  deployment:\n    env:\n      1BAD: x\n"),
        Case(.plainHTTPSecret, "cacheRegistry.deployment.env.REGISTRY_HTTP_SECRET", "cacheRegistry:\n  deployment:\n    env:\n      REGISTRY_HTTP_SECRET: x\n"),
        Case(.envOverridesRenderer, "cacheRegistry.deployment.env.REGISTRY_HTTP_ADDR", "cacheRegistry:\n  deployment:\n    env:\n      REGISTRY_HTTP_ADDR: ':5000'\n"),
        Case(.tlsSecretName, "cacheRegistry.deployment.tlsSecretName", "registryTls:\n  crt: abc\n  key: abc\ncacheRegistry:\n  deployment:\n    tlsSecretName: other\n", route: .helm),
        Case(.nodeSelector, "cacheRegistry.deployment.nodeSelector.zone", "cacheRegistry:\n  deployment:\n    nodeSelector:\n      zone: 1\n"),
        Case(.fsGroupIgnored, "cacheRegistry.pvc.accessMode", "cacheRegistry:\n  pv:\n    hostPath: null\n  pvc:\n    storageClass: nfs\n    accessMode: ReadWriteMany\n"),
        Case(.plainUpstream, "cacheRegistry.proxy.remoteURL", "cacheRegistry:\n  proxy:\n    enabled: true\n    remoteURL: http://registry-1.docker.io\n"),
        Case(.upstreamCredentials, "cacheRegistry.proxy.passwordSecret.name", "cacheRegistry:\n  proxy:\n    enabled: true\n    username: me\n"),
        Case(.ttlIgnored, "cacheRegistry.proxy.ttl", "cacheRegistry:\n  proxy:\n    enabled: true\n    ttl: 24h\n"),
        Case(.credentialsOpen, "cacheRegistry.networkPolicy.enabled", "cacheRegistry:\n  networkPolicy:\n    enabled: false\n  proxy:\n    enabled: true\n    username: me\n    passwordSecret:\n      name: s\n"),
        Case(.sharedScheduler, "cacheRegistry.deployment.replicas", "cacheRegistry:\n  pv:\n    hostPath: null\n  pvc:\n    storageClass: nfs\n    accessMode: ReadWriteMany\n  deployment:\n    replicas: 2\n  proxy:\n    enabled: true\n"),
        Case(.expiryNeedsDelete, "cacheRegistry.deployment.env", "cacheRegistry:\n  deployment:\n    image:\n      tag: '3.0.0'\n    env:\n      REGISTRY_STORAGE_DELETE_ENABLED: 'false'\n  proxy:\n    enabled: true\n"),
        Case(.exposedService, "cacheRegistry.service.type", "cacheRegistry:\n  service:\n    type: NodePort\n"),
        Case(.toolManagerAddress, "toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS", "toolManager:\n  env:\n    KUBIYA_IMAGE_REGISTRY_ADDRESS: other:5000\ncacheRegistry: {}\n"),
        Case(.nodePortNeedsType, "cacheRegistry.service.nodePort", "cacheRegistry:\n  service:\n    nodePort: 30500\n"),
        Case(.clusterIPTaken, "cacheRegistry.service.clusterIP", "cacheRegistry:\n  service:\n    clusterIP: 10.96.0.10\n"),
        Case(.nodesNotAdmitted, "cacheRegistry.networkPolicy.from", "cacheRegistry:\n  service:\n    clusterIP: 10.96.0.50\n"),
        Case(.metricsNotAdmitted, "cacheRegistry.metrics.from", "cacheRegistry:\n  metrics:\n    enabled: true\n"),
        Case(.monitorUnselected, "cacheRegistry.metrics.serviceMonitor.labels", "cacheRegistry:\n  metrics:\n    enabled: true\n    serviceMonitor:\n      enabled: true\n"),
        Case(.publishedPair, "registryTls.crt", "cacheRegistry: {}\n", route: .helm),
        Case(.chartNeedsVolume, "cacheRegistry.pv", "cacheRegistry:\n  pv:\n    hostPath: null\n", route: .helm),
        Case(.chartPort, "cacheRegistry.service.targetPort", "cacheRegistry:\n  service:\n    targetPort: 5001\n", route: .helm),
        Case(.chartEnvForm, "cacheRegistry.deployment.env", "cacheRegistry:\n  deployment:\n    env:\n    - name: A\n      value: b\n", route: .helm),
        Case(.chartEnvValue, "cacheRegistry.deployment.env.A", "cacheRegistry:\n  deployment:\n    env:\n      A: 1\n", route: .helm),
        Case(.chartReplicasDefault, "cacheRegistry.deployment.replicas", "cacheRegistry:\n  deployment:\n    replicas: 0\n", route: .helm),
        Case(.chartClaimClass, "cacheRegistry.pvc.storageClass", "cacheRegistry: {}\n", route: .helm),
        Case(.chartClaimVolume, "cacheRegistry.pvc.volumeName", "cacheRegistry: {}\n", route: .helm),
        Case(.chartRollout, "cacheRegistry.deployment.replicas", "cacheRegistry: {}\n", route: .helm),
        Case(.chartNFSAccess, "cacheRegistry.pv.volumeSource", "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n        server: nfs.example.com\n        path: /x\n", route: .helm),
        Case(.chartHTTPSecret, "cacheRegistry.deployment.replicas", "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n        server: nfs.example.com\n        path: /x\n  pvc:\n    accessMode: ReadWriteMany\n  deployment:\n    replicas: 2\n", route: .helm),
        Case(.s3ChunkSize, "cacheRegistry.storage.s3.chunkSize", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n      chunkSize: 1Mi\n"),
        Case(.s3Region, "cacheRegistry.storage.s3.region", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n"),
        Case(.s3CredentialsTwice, "cacheRegistry.storage.s3.credentials.existingSecret", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n"
            + "      credentials:\n        existingSecret: s\n      identity:\n        annotations:\n          a/b: c\n"),
        Case(.s3NoCredentials, "cacheRegistry.storage.s3.credentials.existingSecret", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n"),
        Case(.s3IdentityIgnored, "cacheRegistry.storage.s3.identity.annotations", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n"
            + "      identity:\n        annotations:\n          eks.amazonaws.com/role-arn: arn\n"),
        Case(.s3PathStyleIgnored, "cacheRegistry.storage.s3.forcePathStyle", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n"
            + "      regionEndpoint: http://minio:9000\n      forcePathStyle: false\n"),
        Case(.s3CABundle, "cacheRegistry.deployment.env", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n"
            + "  deployment:\n    env:\n      AWS_CA_BUNDLE: /etc/ssl/ca.crt\n"),
        Case(.chartObjectStorage, "cacheRegistry.storage.s3.bucket", "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n", route: .helm),
        Case(.mirrorName, "cacheRegistry.mirrors[1].name", "cacheRegistry:\n  mirrors:\n  - {name: hub, upstream: https://quay.io}\n  - {name: hub, upstream: https://ghcr.io}\n"),
        Case(.mirrorUpstream, "cacheRegistry.mirrors[1].upstream", "cacheRegistry:\n  mirrors:\n  - {name: a, upstream: https://registry-1.docker.io}\n  - {name: b, upstream: https://index.docker.io}\n"),
        Case(.mirrorAddress, "cacheRegistry.mirrors[0].service.nodePort", "cacheRegistry:\n  service: {type: NodePort, nodePort: 30500}\n  mirrors:\n  - {name: a, upstream: https://quay.io, service: {type: NodePort, nodePort: 30500}}\n"),
        Case(.mirrorStorage, "cacheRegistry.mirrors[0].storage.hostPath", "cacheRegistry:\n  mirrors:\n  - {name: a, upstream: https://quay.io, storage: {hostPath: /var/lib/registry}}\n"),
        Case(.mirrorsOnChart, "cacheRegistry.mirrors", "cacheRegistry:\n  mirrors:\n  - {name: a, upstream: https://quay.io}\n", route: .helm),
        Case(.mirrorUnreachable, "cacheRegistry.mirrors[0].service", "cacheRegistry:\n  mirrors:\n  - {name: a, upstream: https://quay.io}\n"),
        Case(.badNamespace, "namespace", "cacheRegistry: {}\n", namespace: "Bad_Namespace"),
        Case(.badRelease, "release", "cacheRegistry: {}\n", release: String(repeating: "r", count: 54)),
    ]

    /// The values file's cases plus those only a file can carry beside its keys: pushers, stale addresses and the
    /// TLS pair in `registryTls`.
    func fileCases() throws -> [Case] {
        let address = RegistryConfig().registryAddress
        let names = RegistryConfig().serviceNames()
        let now = Date()
        func pair(_ names: [String], addresses: [String] = [], days: Int = 365, at time: Date = now) throws
            -> (certificate: String, key: String) {
            let generated = try TLSGenerator.generate(names: names, addresses: addresses, days: days, now: time)
            return (Data(generated.certificatePEM.utf8).base64EncodedString(),
                    Data(generated.keyPEM.utf8).base64EncodedString())
        }
        func tls(_ certificate: String, _ key: String, _ rest: String = "cacheRegistry: {}\n") -> String {
            "registryTls:\n  crt: \(certificate)\n  key: \(key)\n" + rest
        }
        let good = try pair(names), other = try pair(names)
        let expired = try pair(names, days: 30, at: now.addingTimeInterval(-400 * 86_400))
        let early = try pair(names, at: now.addingTimeInterval(30 * 86_400))
        let soon = try pair(names, days: 10)
        let elsewhere = try pair(["other.example"])
        return Self.valuesCases + [
            Case(.pushersRefused, "cacheRegistry.proxy.enabled", "toolManager:\n  env:\n    "
                + "KUBIYA_IMAGE_REGISTRY_ADDRESS: \(address)\ncacheRegistry:\n  proxy:\n    enabled: true\n"),
            Case(.staleAddress, "dagger.buildkitConfig", "dagger:\n  buildkitConfig: |\n    [registry.\"\(address)\"]\n"
                + "      insecure = true\ncacheRegistry:\n  service:\n    name: renamed\n"),
            Case(.keyMismatch, "registryTls.key", tls(good.certificate, other.key)),
            Case(.expired, "registryTls.crt", tls(expired.certificate, expired.key)),
            Case(.notYetValid, "registryTls.crt", tls(early.certificate, early.key)),
            Case(.expiresSoon, "registryTls.crt", tls(soon.certificate, soon.key)),
            Case(.namesNotCovered, "registryTls.crt", tls(elsewhere.certificate, elsewhere.key)),
            Case(.unreadableTLS, "registryTls.crt", tls("bm90IGEgY2VydGlmaWNhdGU=", good.key)),
            Case(.nodeAddressNotCovered, "registryTls.crt",
                 tls(good.certificate, good.key, "cacheRegistry:\n  service:\n    clusterIP: 10.96.0.50\n")),
        ]
    }

    /// The problems of a values file as `validate` reports them: located at the file's lines.
    func problems(_ testCase: Case) throws -> [Problem] {
        let document = try ValuesDocument(bytes: Array(testCase.yaml.utf8), name: "values.yaml")
        let files = ValuesFiles([document])
        var config = try files.config(namespace: testCase.namespace, release: testCase.release)
        config.route = testCase.route
        return Diagnostics.problems(config, files: files, now: Date())
    }

    /// What only a session (its output folder, its TLS inputs) or a write (a claim to recreate, a secret that
    /// changes on every export) can cause.
    func sessionAndWriteProblems() throws -> [Problem] {
        var state = WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), now: Date())
        state.outputDir = ""
        state.tls.source = .importFiles
        state.revalidate()
        let shared = RegistryConfig().applying(Assignment(path: .pvHostPath, value: .null))
            .applying(Assignment(path: .pvcStorageClass, value: .string("nfs")))
            .applying(Assignment(path: .pvcAccessMode, value: .string("ReadWriteMany")))
            .applying(Assignment(path: .deploymentReplicas, value: .int(2)))
        let toStandardOutput = try OutputPlan(OutputPlan.Inputs(
            config: shared, tls: nil, httpSecret: "s", valuesFiles: [], outputDir: "-", workingDirectory: "/",
            executable: "crs", singleFile: true, previousClaim: ClaimChange.spec(of: RegistryConfig())))
        return state.problems + toStandardOutput.problems
    }

    func testEveryCodeComesFromItsCase() throws {
        var seen = Set<ProblemCode>()
        for testCase in try fileCases() {
            let found = try problems(testCase)
            let match = found.first { $0.code == testCase.code && $0.path == testCase.location }
            XCTAssertNotNil(match, "\(testCase.code.rawValue) (\(testCase.code)) at \(testCase.location) from:\n"
                + "\(testCase.yaml)\nfound: \(found.map { "\($0.code.rawValue) \($0.path)" })")
            if let match { seen.insert(match.code) }
            // A key the file sets is located at its line.
            if let match, let keys = match.location.valuesKeys, match.location.key != nil || keys.first != "registryTls",
               testCase.yaml.contains(keys.last! + ":") {
                XCTAssertNotNil(match.line, "\(match) names the file's line")
            }
        }
        let session = try sessionAndWriteProblems()
        for (code, location) in [(ProblemCode.outputFolder, "outputDir"), (.tlsInput, "tls.certificate"),
                                 (.tlsInput, "tls.key"), (.claimSpecChanges, "cacheRegistry.pvc.name"),
                                 (.httpSecretChanges, "cacheRegistry.deployment.replicas")] {
            let found = session.contains { $0.code == code && $0.path == location }
            XCTAssertTrue(found, "\(code.rawValue) at \(location); found \(session.map { "\($0.code.rawValue) \($0.path)" })")
            if found { seen.insert(code) }
        }
        let missing = ProblemCode.allCases.filter { !seen.contains($0) }
        XCTAssertEqual(missing, [], "codes without a case here: add the smallest input that causes each")
    }
}
