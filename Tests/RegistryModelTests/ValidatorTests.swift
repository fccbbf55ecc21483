import Foundation
import XCTest
@testable import RegistryModel

/// Every field rule and cross-field rule gives a problem naming its key path.
final class ValidatorTests: XCTestCase {
    func config(_ assignments: [String], namespace: String = "kubiya", external: ExternalValues = ExternalValues()) throws -> RegistryConfig {
        var config = RegistryConfig(namespace: namespace, external: external)
        for text in assignments { config = config.applying(try Assignment(parsing: text)) }
        return config
    }

    func problems(_ assignments: [String], namespace: String = "kubiya") throws -> [Problem] {
        Validator.validate(try config(assignments, namespace: namespace))
    }

    func testDefaultsAreValid() throws {
        XCTAssertEqual(try problems([]).errors, [])
    }

    func testEachRuleNamesItsPath() throws {
        let cases: [([String], String)] = [
            (["enabled=maybe"], "cacheRegistry.enabled"),
            (["pv.name=Bad_Name"], "cacheRegistry.pv.name"),
            (["pv.size=0"], "cacheRegistry.pv.size"),
            (["pv.size=100m"], "cacheRegistry.pv.size"),
            (["pv.size=512Ki"], "cacheRegistry.pv.size"),
            (["pv.size=20GB"], "cacheRegistry.pv.size"),
            (["pv.size=-1Gi"], "cacheRegistry.pv.size"),
            (["pv.reclaimPolicy=Keep"], "cacheRegistry.pv.reclaimPolicy"),
            (["pv.hostPath=relative/dir"], "cacheRegistry.pv.hostPath"),
            (["pv.hostPath=/"], "cacheRegistry.pv.hostPath"),
            (["pv.hostPath=/a/../b"], "cacheRegistry.pv.hostPath"),
            (["pv.storageClass=Fast_SSD"], "cacheRegistry.pv.storageClass"),
            (["pvc.name=-x"], "cacheRegistry.pvc.name"),
            (["pvc.size=abc"], "cacheRegistry.pvc.size"),
            (["pvc.size=30Gi"], "cacheRegistry.pvc.size"),
            (["pv.storageClass=a", "pvc.storageClass=b"], "cacheRegistry.pvc.storageClass"),
            (["pvc.volumeName=other-pv"], "cacheRegistry.pvc.volumeName"),
            (["deployment.name=UPPER"], "cacheRegistry.deployment.name"),
            (["deployment.replicas=two"], "cacheRegistry.deployment.replicas"),
            (["deployment.replicas=-1"], "cacheRegistry.deployment.replicas"),
            (["deployment.replicas=2"], "cacheRegistry.deployment.replicas"),
            (["deployment.selector=-bad-"], "cacheRegistry.deployment.selector"),
            (["deployment.image.repository=Registry"], "cacheRegistry.deployment.image.repository"),
            (["deployment.image.tag=.bad"], "cacheRegistry.deployment.image.tag"),
            (["deployment.image.pullPolicy=always"], "cacheRegistry.deployment.image.pullPolicy"),
            (["deployment.tlsSecretName=TLS"], "cacheRegistry.deployment.tlsSecretName"),
            (["deployment.resources.requests.cpu=1"], "cacheRegistry.deployment.resources.requests.cpu"),
            (["deployment.resources.requests.memory=1Gi"], "cacheRegistry.deployment.resources.requests.memory"),
            (["deployment.resources.limits.cpu=lots"], "cacheRegistry.deployment.resources.limits.cpu"),
            (["deployment.livenessProbe.timeoutSeconds=30"], "cacheRegistry.deployment.livenessProbe.timeoutSeconds"),
            (["deployment.readinessProbe.periodSeconds=0"], "cacheRegistry.deployment.readinessProbe.periodSeconds"),
            (["deployment.readinessProbe.httpGet.scheme=HTTP"], "cacheRegistry.deployment.readinessProbe.httpGet.scheme"),
            (["service.name=1svc"], "cacheRegistry.service.name"),
            (["service.type=Ingress"], "cacheRegistry.service.type"),
            (["service.port=0"], "cacheRegistry.service.port"),
            (["service.port=65536"], "cacheRegistry.service.port"),
            (["service.targetPort=70000"], "cacheRegistry.service.targetPort"),
            (["pv.volumeSource.nfs.server=nfs.local", "pv.volumeSource.nfs.path=/x"], "cacheRegistry.pv.volumeSource"),
            (["pv.hostPath=null", "pv.volumeSource.nfs.server=nfs.local"], "cacheRegistry.pv.volumeSource.nfs.path"),
            (["deployment.nodeSelector=oops"], "cacheRegistry.deployment.nodeSelector"),
            (["pv.hostPath=/etc"], "cacheRegistry.pv.hostPath"),
            (["proxy.enabled=true", "proxy.remoteURL=https://registry-1.docker.io/v2/library"], "cacheRegistry.proxy.remoteURL"),
            (["proxy.enabled=true", "proxy.remoteURL=ftp://mirror"], "cacheRegistry.proxy.remoteURL"),
            (["proxy.password=hunter2"], "cacheRegistry.proxy.password"),
            (["proxy.enabled=true", "proxy.username=robot"], "cacheRegistry.proxy.passwordSecret.name"),
            (["proxy.enabled=true", "proxy.passwordSecret.name=upstream"], "cacheRegistry.proxy.username"),
            (["proxy.enabled=true", "proxy.ttl=7days"], "cacheRegistry.proxy.ttl"),
            (["pv.hostPath=/var/lib/kubelet/pods"], "cacheRegistry.pv.hostPath"),
            (["pv.hostPath=/lib64"], "cacheRegistry.pv.hostPath"),
            (["pv.hostPath=/var/run"], "cacheRegistry.pv.hostPath"),
            (["pv.hostPath=null", "pvc.storageClass=fast", "deployment.replicas=2"], "cacheRegistry.deployment.replicas"),
        ]
        for (assignments, path) in cases {
            let found = try problems(assignments).errors
            XCTAssertTrue(found.contains { $0.path == path }, "\(assignments) must give an error at \(path); got \(found)")
        }
        XCTAssertTrue(try problems([], namespace: "Bad_NS").errors.contains { $0.path == "namespace" })
    }

    func testWarnings() throws {
        let cases: [([String], String)] = [
            (["pv.reclaimPolicy=Recycle"], "cacheRegistry.pv.reclaimPolicy"),
            (["pv.reclaimPolicy=Delete"], "cacheRegistry.pv.reclaimPolicy"),
            (["deployment.image.tag=latest"], "cacheRegistry.deployment.image.tag"),
            (["deployment.replicas=0"], "cacheRegistry.deployment.replicas"),
            ([], "cacheRegistry.deployment.nodeSelector"),
            (["pv.storageClass=fast"], "cacheRegistry.pv.storageClass"),
            (["pv.hostPath=null"], "cacheRegistry.pvc.storageClass"),
            (["pv.sise=1Gi"], "cacheRegistry.pv.sise"),
            (["deployment.env.REGISTRY_HTTP_ADDR=0.0.0.0:1"], "cacheRegistry.deployment.env.REGISTRY_HTTP_ADDR"),
            (["pv.hostPath=null", "pv.volumeSource.nfs.server=bad_host!", "pv.volumeSource.nfs.path=/x"], "cacheRegistry.pv.volumeSource.nfs.server"),
            (["deployment.env.REGISTRY_HTTP_SECRET=s3cr3t"], "cacheRegistry.deployment.env.REGISTRY_HTTP_SECRET"),
            (["service.type=NodePort"], "cacheRegistry.service.type"),
            (["proxy.enabled=true", "proxy.remoteURL=http://mirror.local:5000"], "cacheRegistry.proxy.remoteURL"),
            (["proxy.enabled=true", "proxy.ttl=168h"], "cacheRegistry.proxy.ttl"),
            (["service.type=LoadBalancer"], "cacheRegistry.service.type"),
            (["pv.hostPath=null", "pvc.storageClass=fast", "pv.reclaimPolicy=Retain"], "cacheRegistry.pv.reclaimPolicy"),
            (["deployment.livenessProbe.httpGet.port=5001"], "cacheRegistry.deployment.livenessProbe.httpGet.port"),
        ]
        for (assignments, path) in cases {
            let found = try problems(assignments)
            XCTAssertTrue(found.warnings.contains { $0.path == path }, "\(assignments) must warn at \(path); got \(found)")
            XCTAssertTrue(found.errors.isEmpty, "\(assignments) must give no error; got \(found.errors)")
        }
    }

    func testSharedStorageCarriesReplicasWithAGeneratedSecret() throws {
        for assignments in [["pv.hostPath=null", "pvc.storageClass=efs", "pvc.accessMode=ReadWriteMany", "deployment.replicas=3"],
                            ["pv.hostPath=null", "pv.volumeSource.nfs.server=10.0.0.1", "pv.volumeSource.nfs.path=/x", "deployment.replicas=2"]] {
            let found = try problems(assignments)
            XCTAssertEqual(found.errors, [], "\(assignments)")
            XCTAssertFalse(found.contains { $0.path.hasPrefix("cacheRegistry.deployment.env") }, "the HTTP secret is generated, not asked for")
        }
        XCTAssertTrue(try problems(["pv.hostPath=null"]).isEmpty == false)
        XCTAssertNil(Validator.systemFolder("/var/lib/registry"))
        XCTAssertNil(Validator.systemFolder("/etcetera"), "a folder that only starts like one is fine")
        XCTAssertEqual(Validator.systemFolder("/usr//local/registry"), "/usr")
    }

    func testRunAsNonRootFollowsTheStorageMode() throws {
        XCTAssertFalse(try config([]).view.runsAsNonRoot, "hostPath ignores fsGroup: root unless chosen")
        XCTAssertTrue(try config(["pv.hostPath=null"]).view.runsAsNonRoot, "dynamic: non-root with fsGroup")
        XCTAssertTrue(try config(["deployment.runAsNonRoot=true"]).view.runsAsNonRoot)
        XCTAssertFalse(try config(["pv.hostPath=null", "deployment.runAsNonRoot=false"]).view.runsAsNonRoot)
    }

    func testNumbersAreReadAsHelmReadsThem() throws {
        for (text, fix) in [("080", "write 80"), ("+443", "write 443"), ("0443", "write 443")] {
            let found = try problems(["service.port=\(text)"]).errors.first { $0.path == "cacheRegistry.service.port" }
            XCTAssertTrue(found?.message.hasSuffix(fix) == true, "\(text): \(String(describing: found))")
        }
        XCTAssertEqual(try problems(["service.port=8443"]).errors, [])
        XCTAssertEqual(try config(["service.port=080"]).overrides.value(at: "service.port")?.scalar?.text, "080", "kept as written")
    }

    func testQuantitySuggestions() throws {
        let gb = try problems(["pv.size=20GB"]).errors.first { $0.path == "cacheRegistry.pv.size" }
        XCTAssertTrue(gb?.message.hasSuffix("did you mean 20G or 20Gi?") == true, String(describing: gb))
        let milli = try problems(["pv.size=1e-3"]).errors.first { $0.path == "cacheRegistry.pv.size" }
        XCTAssertFalse(milli?.message.contains("1e-Mi") ?? true, "no nonsense suggestion")
        let hundred = try problems(["pv.size=100m"]).errors.first { $0.path == "cacheRegistry.pv.size" }
        XCTAssertTrue(hundred?.message.hasSuffix("did you mean 100Mi?") == true)
    }

    func testFractionsAndUnitsAreNamedForWhatTheyAre() throws {
        let half = try problems(["deployment.replicas=1.5"]).errors.first { $0.path == "cacheRegistry.deployment.replicas" }
        XCTAssertTrue(half?.message.hasSuffix("1.5 is not a whole number") == true, String(describing: half))
        let bytes = try problems(["deployment.resources.limits.cpu=0.5Gi"]).errors
            .first { $0.path == "cacheRegistry.deployment.resources.limits.cpu" }
        XCTAssertTrue(bytes?.message.contains("CPU is counted in cores or millicores") == true, String(describing: bytes))
        for cpu in ["500m", "1", "0.5", "2k"] {
            XCTAssertFalse(try problems(["deployment.resources.limits.cpu=\(cpu)"]).errors.contains {
                $0.path == "cacheRegistry.deployment.resources.limits.cpu"
            }, cpu)
        }
    }

    func testAnInvalidNodePortIsNoNodeAddress() throws {
        XCTAssertEqual(try config(["service.type=NodePort", "service.nodePort=31443"]).nodeAddress, "127.0.0.1:31443")
        XCTAssertNil(try config(["service.type=NodePort", "service.nodePort=80"]).nodeAddress)
    }

    func testLongValuesAreQuotedShort() throws {
        let long = String(repeating: "9", count: 5_000_000)
        let found = try problems(["pv.size=\(long)"]).errors.first { $0.path == "cacheRegistry.pv.size" }
        let message = try XCTUnwrap(found?.message)
        XCTAssertLessThan(message.utf8.count, 300)
        XCTAssertTrue(message.contains("…\" (5000000 bytes)"), message)
    }

    func testGoDurationsAndRegistryURLs() {
        for good in ["0", "168h", "1h30m", "1.5h", "300ms", "2h45m10s"] { XCTAssertNil(Validator.durationProblem(good), good) }
        for bad in ["", "7days", "h", "-1h", "10"] { XCTAssertNotNil(Validator.durationProblem(bad), bad) }
        for good in ["https://registry-1.docker.io", "https://mirror.example.com:5000/", "http://127.0.0.1:5000"] {
            XCTAssertNil(Validator.registryURLProblem(good), good)
        }
        for bad in ["registry-1.docker.io", "https://", "https://host/v2/", "https://user@host"] { XCTAssertNotNil(Validator.registryURLProblem(bad), bad) }
        XCTAssertTrue(try problems(["proxy.enabled=true", "proxy.ttl=168h", "deployment.image.tag=3.0.0"]).isEmpty == false)
        XCTAssertFalse(try problems(["proxy.enabled=true", "proxy.ttl=168h", "deployment.image.tag=3.0.0"]).contains { $0.path == "cacheRegistry.proxy.ttl" })
    }

    func testDidYouMean() throws {
        let found = try problems(["pv.sise=1Gi"]).warnings.first { $0.path == "cacheRegistry.pv.sise" }
        XCTAssertEqual(found?.message, "unknown key; did you mean pv.size?")
    }

    func testWrongTypes() throws {
        var config = RegistryConfig()
        config.overrides = Value.mapping([]).setting(.string("two"), at: "deployment.replicas")
        XCTAssertTrue(Validator.validate(config).errors.contains { $0.path == "cacheRegistry.deployment.replicas" && $0.message.contains("\"two\"") })
        config.overrides = Value.mapping([]).setting(.string("false"), at: "enabled")
        XCTAssertTrue(Validator.validate(config).errors.contains { $0.path == "cacheRegistry.enabled" })
        config.overrides = Value.mapping([]).setting(.sequence([]), at: "pv.size")
        XCTAssertTrue(Validator.validate(config).errors.contains { $0.path == "cacheRegistry.pv.size" })
    }

    func testReplicatedNFSIsValid() throws {
        let found = try problems(["pv.hostPath=null", "pv.volumeSource.nfs.server=nfs.example.com", "pv.volumeSource.nfs.path=/exports/registry",
                                  "deployment.replicas=3", "deployment.env.REGISTRY_HTTP_SECRET=s"])
        XCTAssertEqual(found.errors, [])
        XCTAssertEqual(RegistryConfig.View(try config(["pv.hostPath=null", "pv.volumeSource.nfs.server=a", "pv.volumeSource.nfs.path=/x"]).merged).storageMode, .nfs)
    }

    func testToolManagerAddress() throws {
        let external = ExternalValues(toolManagerRegistryAddress: "cache-registry-svc.kubiya")
        XCTAssertEqual(Validator.validate(try config([], external: external)).filter { $0.path.hasPrefix("toolManager") }, [])
        let moved = Validator.validate(try config(["service.port=8443"], external: external)).warnings
        XCTAssertTrue(moved.contains { $0.path == "toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS" && $0.message.contains("cache-registry-svc.kubiya:8443") })
    }

    func testStorageModes() throws {
        XCTAssertEqual(try config([]).view.storageMode, .hostPath)
        XCTAssertEqual(try config(["pv.hostPath=null", "pv.storageClass=fast"]).view.storageMode, .dynamic)
        XCTAssertEqual(try problems(["pv.hostPath=null", "pv.storageClass=fast", "pvc.size=500Gi"]).errors, [], "no PV size limit in dynamic mode")
    }

    func testAssignmentsAreTyped() throws {
        XCTAssertEqual(try Assignment(parsing: "deployment.image.tag=2.8").value, .string("2.8"))
        XCTAssertEqual(try Assignment(parsing: "deployment.replicas=3").value, .int(3))
        XCTAssertEqual(try Assignment(parsing: "enabled=false").value, .bool(false))
        XCTAssertEqual(try Assignment(parsing: "pv.hostPath=null").value, .null)
        XCTAssertEqual(try Assignment(parsing: "deployment.nodeSelector.kubernetes\\.io/hostname=a").path.components,
                       ["deployment", "nodeSelector", "kubernetes.io/hostname"])
        XCTAssertThrowsError(try Assignment(parsing: "novalue"))
        XCTAssertThrowsError(try Assignment(parsing: "a..b=1"))
    }

    func testSchemaIsGeneratedFromTheRegistry() throws {
        let text = JSONSchemaGenerator.schema().serialized()
        let schema = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(schema["$schema"] as? String, "http://json-schema.org/draft-07/schema#")
        // Every field is at its whole path (properties of properties), not merely somewhere by its last name.
        for field in FieldRegistry.all {
            var node: [String: Any]? = schema
            for component in field.path.components {
                node = (node?["properties"] as? [String: Any])?[component] as? [String: Any]
            }
            XCTAssertNotNil(node, "\(field.path) is not at its path in the schema")
            if let node, let defaultValue = field.defaultValue, let scalar = defaultValue.scalar {
                XCTAssertEqual(node["default"].map { "\($0)" }, scalar.text == "true" ? "1" : scalar.text == "false" ? "0" : scalar.text,
                               "\(field.path): the schema's default is the registry's")
            }
        }
    }
}
