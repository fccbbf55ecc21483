import Foundation
import XCTest
@testable import RegistryModel
@testable import RegistryTLS

final class TLSTests: XCTestCase {
    let names = RegistryConfig().serviceNames()

    func testGeneratedCertificateCoversExactlyTheServiceNames() throws {
        for algorithm in TLSGenerator.Algorithm.allCases {
            let generated = try TLSGenerator.generate(names: names, days: 31, algorithm: algorithm, now: Date())
            let material = RegistryTLSMaterial(certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM, certificateOrigin: "c", keyOrigin: "k")
            let report = try XCTUnwrap(TLSChecks.inspect(material, serviceNames: names, now: Date()))
            XCTAssertEqual(report.dnsNames, names)
            XCTAssertEqual(report.keyMatches, true)
            XCTAssertEqual(report.problems, [], "a month left is no warning")
            XCTAssertTrue(report.coverage.allSatisfy(\.covered))
        }
    }

    func testMismatchExpiryAndNames() throws {
        let a = try TLSGenerator.generate(names: names, days: 365, now: Date())
        let b = try TLSGenerator.generate(names: names, days: 365, now: Date())
        let mismatched = RegistryTLSMaterial(certificatePEM: a.certificatePEM, keyPEM: b.keyPEM, certificateOrigin: "a.crt", keyOrigin: "b.key")
        XCTAssertTrue(try XCTUnwrap(TLSChecks.inspect(mismatched, serviceNames: names, now: Date())).problems.errors.contains { $0.message.contains("does not match") })

        let expiring = try TLSGenerator.generate(names: names, days: 10, now: Date())
        let soon = RegistryTLSMaterial(certificatePEM: expiring.certificatePEM, keyPEM: nil, certificateOrigin: "s", keyOrigin: "")
        let soonProblems = try XCTUnwrap(TLSChecks.inspect(soon, serviceNames: names, now: Date())).problems
        XCTAssertEqual(soonProblems.errors, [])
        XCTAssertTrue(soonProblems.warnings.contains { $0.message.contains("expires in") })
        let later = Date().addingTimeInterval(20 * 86400)
        XCTAssertTrue(try XCTUnwrap(TLSChecks.inspect(soon, serviceNames: names, now: later)).problems.errors.contains { $0.message.contains("expired") })

        let other = RegistryConfig().applying(Assignment(path: "service.name", value: .string("other-registry")))
        let problems = TLSChecks.problems(for: soon, config: other, now: Date())
        XCTAssertTrue(problems.errors.contains { $0.message.contains("other-registry.kubiya") })
    }

    func testCalendarDates() {
        XCTAssertEqual(CalendarDate.string(Date(timeIntervalSince1970: 0)), "1970-01-01")
        XCTAssertEqual(CalendarDate.string(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29")
        XCTAssertEqual(CalendarDate.string(Date(timeIntervalSince1970: 1_822_222_222)), "2027-09-29")
        XCTAssertEqual(CalendarDate.string(Date(timeIntervalSince1970: -86400)), "1969-12-31")
    }

    func testWildcards() {
        XCTAssertTrue(TLSChecks.matches("*.kubiya", "cache-registry-svc.kubiya"))
        XCTAssertFalse(TLSChecks.matches("*.kubiya", "a.b.kubiya"))
        XCTAssertFalse(TLSChecks.matches("*.kubiya", "kubiya"))
        XCTAssertTrue(TLSChecks.matches("Cache-Registry-Svc.Kubiya", "cache-registry-svc.kubiya"))
    }

    func testKeyIsOnlyShownRedacted() throws {
        let generated = try TLSGenerator.generate(names: names, days: 1, now: Date())
        let material = RegistryTLSMaterial(certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM, certificateOrigin: "c", keyOrigin: "k")
        XCTAssertEqual(material.redactedKey, "<redacted: \(generated.keyPEM.utf8.count) bytes>")
        let report = try XCTUnwrap(TLSChecks.inspect(material, serviceNames: names, now: Date()))
        XCTAssertFalse(report.problems.map(\.message).joined().contains("PRIVATE KEY"))
    }

    func testNotAPEM() {
        let config = RegistryConfig()
        let bad = RegistryTLSMaterial(certificatePEM: "hello", keyPEM: nil, certificateOrigin: "x.crt", keyOrigin: "")
        XCTAssertEqual(TLSChecks.problems(for: bad, config: config, now: Date()).errors.count, 1)
    }

    /// A published pair (its key is public) is recognised by fingerprint and warned about before anything else.
    func testPublishedPairIsFlaggedFirst() throws {
        let generated = try TLSGenerator.generate(names: ["other.example"], days: 365, now: Date())
        let material = RegistryTLSMaterial(certificatePEM: generated.certificatePEM, keyPEM: generated.keyPEM, certificateOrigin: "registryTls.crt",
                                           keyOrigin: "registryTls.key")
        let plain = try XCTUnwrap(TLSChecks.inspect(material, serviceNames: names, now: Date()))
        XCTAssertFalse(plain.isPublished, "a freshly generated pair is not published")
        XCTAssertEqual(plain.fingerprint.count, 64)
        let published = try XCTUnwrap(TLSChecks.inspect(material, serviceNames: names, now: Date(), published: [plain.fingerprint]))
        XCTAssertTrue(published.isPublished)
        let ordered = ([Problem.error(.badValue, .pvSize, "x")] + published.problems).ordered
        XCTAssertEqual(ordered.first?.message, PublishedPairs.message, "above every other problem, errors included")
        XCTAssertTrue(ordered.first?.first == true)
        XCTAssertEqual(PublishedPairs.fingerprints, ["c0c4f8e780e198ae801b742b1968a6e3f9dab441fbbfccff20b3627117a95661"])
    }
}
