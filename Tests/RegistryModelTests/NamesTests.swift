import XCTest
@testable import RegistryModel

final class NamesTests: XCTestCase {
    func testDNS1123Label() {
        for good in ["a", "abc", "a-b", "0a", "a0", String(repeating: "a", count: 63)] { XCTAssertNil(Names.dns1123LabelProblem(good), good) }
        for bad in ["", "A", "-a", "a-", "a.b", "a_b", String(repeating: "a", count: 64)] { XCTAssertNotNil(Names.dns1123LabelProblem(bad), bad) }
    }

    func testDNS1123Subdomain() {
        for good in ["a", "a.b", "docker-registry-pv", "a1.b-2.c", String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63)] {
            XCTAssertNil(Names.dns1123SubdomainProblem(good), good)
        }
        for bad in ["", "a..b", ".a", "a.", "A.b", "a_b", "a.-b", String(repeating: "a", count: 254)] {
            XCTAssertNotNil(Names.dns1123SubdomainProblem(bad), bad)
        }
    }

    func testDNS1035() {
        XCTAssertNil(Names.dns1035LabelProblem("cache-registry-svc"))
        XCTAssertNotNil(Names.dns1035LabelProblem("1svc"))
        XCTAssertNotNil(Names.dns1035LabelProblem("svc.x"))
    }

    func testLabelsAndImages() {
        XCTAssertNil(Names.labelKeyProblem("kubernetes.io/hostname"))
        XCTAssertNotNil(Names.labelKeyProblem("a/b/c"))
        XCTAssertNil(Names.labelValueProblem("node_A.1"))
        XCTAssertNotNil(Names.labelValueProblem("-x"))
        XCTAssertNil(Names.imageTagProblem("2.8.3"))
        XCTAssertNotNil(Names.imageTagProblem(".x"))
        for good in ["registry", "library/registry", "ghcr.io/kubiyabot/registry", "localhost:5000/registry", "my-host.example:443/a/b_c"] {
            XCTAssertNil(Names.imageRepositoryProblem(good), good)
        }
        for bad in ["", "Registry", "registry:2", "a//b", "host:port/x", "registry@sha256:00"] {
            XCTAssertNotNil(Names.imageRepositoryProblem(bad), bad)
        }
        XCTAssertNil(Names.envNameProblem("REGISTRY_HTTP_SECRET"))
        XCTAssertNotNil(Names.envNameProblem("1X"))
        XCTAssertNotNil(Names.envNameProblem("A-B"))
    }
}
