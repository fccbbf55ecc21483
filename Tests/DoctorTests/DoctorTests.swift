import Foundation
import RegistryTLS
import X509
import XCTest
@testable import Doctor
@testable import RegistryModel

/// The parts of doctor that need no registry: image references, HTTP answers, the node address.
final class DoctorTests: XCTestCase {
    func testImageReferencesAsTheRegistryAPINamesThem() {
        XCTAssertEqual(Doctor.split("nginx").repository, "library/nginx")
        XCTAssertEqual(Doctor.split("nginx").reference, "latest")
        XCTAssertEqual(Doctor.split("docker.io/library/tiny:v1").repository, "library/tiny")
        XCTAssertEqual(Doctor.split("docker.io/library/tiny:v1").reference, "v1")
        XCTAssertEqual(Doctor.split("127.0.0.1:30500/tools/hello:2.8").repository, "tools/hello")
        XCTAssertEqual(Doctor.split("127.0.0.1:30500/tools/hello:2.8").reference, "2.8")
        let pinned = Doctor.split("grafana/grafana@sha256:" + String(repeating: "a", count: 64))
        XCTAssertEqual(pinned.repository, "grafana/grafana")
        XCTAssertTrue(pinned.reference.hasPrefix("sha256:"))
    }

    /// A wildcard covers the names a TLS client accepts it for, as the validator judges them too.
    func testWildcardNamesAreCoveredAsTLSClientsJudgeThem() throws {
        let pair = try TLSGenerator.generate(names: ["cache-registry-svc", "*.kubiya", "*.kubiya.svc", "*.kubiya.svc.cluster.local"],
                                             addresses: ["127.0.0.1"], days: 30, now: Date())
        let certificate = try Certificate(pemEncoded: pair.certificatePEM)
        let target = Doctor.Target(host: "127.0.0.1", port: 30500, caFile: nil, proxy: false, serviceNames: RegistryConfig().serviceNames(),
                                   nodeAddress: "127.0.0.1:30500", image: nil, now: Date())
        XCTAssertEqual(Doctor.coverage(certificate, target).map(\.passed), [true, true])
        var other = target
        other.host = "10.96.0.50"
        XCTAssertEqual(Doctor.coverage(certificate, other).map(\.passed), [true, false], "no IP SAN 10.96.0.50")
    }

    func testHTTPAnswersPlainAndChunked() throws {
        let plain = try XCTUnwrap(HTTPAnswer(Array("HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\n\r\n{\"errors\":[{\"code\":\"UNSUPPORTED\"}]}".utf8)))
        XCTAssertEqual(plain.status, 405)
        XCTAssertEqual(plain.errorCode, "UNSUPPORTED")
        let chunked = try XCTUnwrap(HTTPAnswer(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n0\r\n\r\n".utf8)))
        XCTAssertEqual(String(decoding: chunked.body, as: UTF8.self), "{}\n")
        XCTAssertNil(HTTPAnswer(Array("not http".utf8)))
    }

    func testTheNodeAddressFollowsTheServiceSettings() {
        var config = RegistryConfig()
        XCTAssertNil(config.nodeAddress, "Service names only: nodes cannot resolve them")
        config = config.applying(Assignment(path: "service.clusterIP", value: .string("10.96.0.50")))
        XCTAssertEqual(config.nodeAddress, "10.96.0.50")
        config = config.applying(Assignment(path: "service.port", value: .int(5443)))
        XCTAssertEqual(config.nodeAddress, "10.96.0.50:5443")
        config = config.applying(Assignment(path: "service.type", value: .string("NodePort")))
            .applying(Assignment(path: "service.nodePort", value: .int(30500)))
        XCTAssertEqual(config.nodeAddress, "127.0.0.1:30500", "a node port is answered on the node itself")
        XCTAssertEqual(config.nodeAddressIP, "127.0.0.1")
    }
}
