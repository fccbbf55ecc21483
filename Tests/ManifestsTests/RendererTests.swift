import Foundation
import XCTest
import TestSupport
import Yams
@testable import Manifests
@testable import RegistryModel

/// Golden manifests per storage mode, the mode table field by field, and strings that must stay strings.
final class RendererTests: XCTestCase {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static let variants: [String: [String]] = [
        "hostpath": [],
        "dynamic": ["pv.hostPath=null", "pv.storageClass=fast-ssd", "pvc.storageClass=fast-ssd"],
        "nfs": ["pv.hostPath=null", "pv.volumeSource.nfs.server=nfs.example.com", "pv.volumeSource.nfs.path=/exports/registry"],
        "replicated": ["pv.hostPath=null", "pv.volumeSource.nfs.server=10.0.0.5", "pv.volumeSource.nfs.path=/exports/registry",
                       "deployment.replicas=3", "deployment.nodeSelector.disk=ssd", "service.targetPort=6000", "service.type=NodePort"],
        "pinned-non-root": ["deployment.nodeSelector.kubernetes\\.io/hostname=node-a", "deployment.runAsNonRoot=true"],
        "s3": ["storage.s3.bucket=kubiya-registry", "storage.s3.region=eu-west-1", "storage.s3.rootDirectory=/registry",
               "storage.s3.encrypt=true", "deployment.image.tag=3.0.0", "deployment.replicas=3",
               "storage.s3.identity.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/registry"],
    ]

    func config(_ assignments: [String]) throws -> RegistryConfig {
        try assignments.reduce(RegistryConfig()) { $0.applying(try Assignment(parsing: $1)) }
    }

    func objects(_ assignments: [String]) throws -> [String: Value] {
        Dictionary(uniqueKeysWithValues: Renderer.render(try config(assignments)).resources.map { ($0.kind, $0.object) })
    }

    func testGoldenManifestsPerStorageMode() throws {
        for (name, assignments) in RendererTests.variants.sorted(by: { $0.key < $1.key }) {
            let config = try config(assignments)
            XCTAssertEqual(Validator.validate(config).errors, [], name)
            let stream = try Emitter.stream(Renderer.render(config, httpSecret: "fixed-test-http-secret").resources.map(\.object))
            try Golden.check(stream, "\(name).yaml", in: RendererTests.golden, what: "manifests")
        }
    }

    func testModeTable() throws {
        let host = try objects([])
        XCTAssertEqual(host["PersistentVolume"]?.value(at: "spec.hostPath.type"), .string("DirectoryOrCreate"))
        XCTAssertEqual(host["PersistentVolumeClaim"]?.value(at: "spec.storageClassName"), .string(""))
        XCTAssertEqual(host["PersistentVolumeClaim"]?.value(at: "spec.volumeName"), .string("docker-registry-pv"))
        XCTAssertEqual(host["PersistentVolumeClaim"]?.value(at: "spec.accessModes"), .sequence([.string("ReadWriteOnce")]))
        XCTAssertEqual(host["Deployment"]?.value(at: "spec.strategy.type"), .string("Recreate"))

        let nfs = try objects(RendererTests.variants["nfs"]!)
        XCTAssertEqual(nfs["PersistentVolume"]?.value(at: "spec.nfs.server"), .string("nfs.example.com"))
        XCTAssertNil(nfs["PersistentVolume"]?.value(at: "spec.hostPath"))
        XCTAssertEqual(nfs["PersistentVolumeClaim"]?.value(at: "spec.accessModes"), .sequence([.string("ReadWriteMany")]))
        XCTAssertEqual(nfs["Deployment"]?.value(at: "spec.strategy.type"), .string("RollingUpdate"))

        let dynamic = Renderer.render(try config(RendererTests.variants["dynamic"]!))
        XCTAssertFalse(dynamic.resources.contains { $0.kind == "PersistentVolume" })
        XCTAssertTrue(dynamic.omitted.contains { $0.reason.contains("StorageClass") })
        let claim = dynamic.resources.first { $0.kind == "PersistentVolumeClaim" }!.object
        XCTAssertEqual(claim.value(at: "spec.storageClassName"), .string("fast-ssd"))
        XCTAssertNil(claim.value(at: "spec.volumeName"))
    }

    func testTargetPortMovesContainerPortAddressAndProbes() throws {
        let deployment = try objects(["service.targetPort=6000"])["Deployment"]!
        let container = deployment.value(at: "spec.template.spec.containers")!.items![0]
        XCTAssertEqual(container.value(at: "ports")?.items?[0]["containerPort"], .int(6000))
        XCTAssertEqual(container["env"]?.items?[0]["value"], .string("0.0.0.0:6000"))
        XCTAssertEqual(container.value(at: "livenessProbe.httpGet.port"), .int(6000))
        XCTAssertEqual(container.value(at: "readinessProbe.httpGet.port"), .int(6000))
        let service = try objects(["service.targetPort=6000"])["Service"]!
        XCTAssertEqual(service.value(at: "spec.ports")?.items?[0]["targetPort"], .int(6000))
    }

    func testLabelsAndSelection() throws {
        for (kind, object) in try objects([]) {
            XCTAssertEqual(object.value(at: KeyPath(["metadata", "labels", "app.kubernetes.io/managed-by"])), .string("cache-registry-setup"), kind)
            XCTAssertEqual(object.value(at: KeyPath(["metadata", "labels", "app"])), .string("cache-registry"), kind)
            XCTAssertEqual(object.value(at: "metadata.namespace") == nil, kind == "PersistentVolume", kind)
        }
        let all = try objects([])
        XCTAssertEqual(all["Service"]?.value(at: "spec.selector"), all["Deployment"]?.value(at: "spec.selector.matchLabels"))
        XCTAssertEqual(all["Deployment"]?.value(at: "spec.template.metadata.labels.app"), .string("cache-registry"))
    }

    func testDisabledRendersNothing() throws {
        XCTAssertTrue(Renderer.render(try config(["enabled=false"])).resources.isEmpty)
    }

    func testTrickyStringsStayStrings() throws {
        let tricky = ["yes", "no", "on", "0x10", "1e3", ": x", "#x", "null", "~", "true", "012", "1.0", "-", "a: b", "'q'", "\"d\"", ""]
        var config = RegistryConfig()
        config.overrides = .mapping([Entry(key: "deployment", value: .mapping([Entry(key: "env", value: .mapping(
            tricky.enumerated().map { Entry(key: "V\($0.offset)", value: .string($0.element)) }))]))])
        let deployment = Renderer.render(config).resources.first { $0.kind == "Deployment" }!
        let text = try Emitter.yaml(deployment.object)
        let parsed = try Yams.load(yaml: text) as? [String: Any]
        let spec = (parsed?["spec"] as? [String: Any])?["template"] as? [String: Any]
        let containers = (spec?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]
        let env = containers?.first?["env"] as? [[String: Any]] ?? []
        for (index, value) in tricky.enumerated() {
            let entry = env.first { $0["name"] as? String == "V\(index)" }
            XCTAssertEqual(entry?["value"] as? String, value, "\(value) must come back as the same string")
        }
        XCTAssertEqual(try Emitter.yaml(deployment.object), text, "the same input gives the same bytes")
    }

    func testSecretIsRedactedForDisplay() throws {
        let rendered = Renderer.render(RegistryConfig(), tls: PEMPair(certificatePEM: "CERT", keyPEM: "-----BEGIN PRIVATE KEY-----\nSECRET\n"))
        let secret = rendered.resources.first { $0.kind == "Secret" }!
        let display = Emitter.displayYAML(secret)
        XCTAssertFalse(display.contains(Base64.encode(Array("-----BEGIN PRIVATE KEY-----\nSECRET\n".utf8))))
        XCTAssertTrue(display.contains("<redacted: 35 bytes>"), display)
        XCTAssertEqual(Base64.encode(Array("ab".utf8)), "YWI=")
    }
}
