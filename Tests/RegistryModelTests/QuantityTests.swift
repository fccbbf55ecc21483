import XCTest
@testable import RegistryModel

/// The facts of Kubernetes' own quantity tests: what parses, its value, and its canonical form.
final class QuantityTests: XCTestCase {
    func testCanonicalForms() throws {
        let table: [(String, String)] = [
            ("0", "0"), ("0m", "0"), ("0Ki", "0"), ("-0", "0"), ("1", "1"), ("+1", "1"), ("-1", "-1"),
            ("1m", "1m"), ("100m", "100m"), ("1.5", "1500m"), ("0.5", "500m"), (".5", "500m"), ("5.", "5"),
            ("1000", "1k"), ("1024", "1024"), ("1000000", "1M"), ("1k", "1k"), ("1000m", "1"),
            ("1Ki", "1Ki"), ("1024Ki", "1Mi"), ("1.5Gi", "1536Mi"), ("0.5Gi", "512Mi"), ("20Gi", "20Gi"),
            ("0.5Ki", "512"), ("1e3", "1e3"), ("1E3", "1e3"), ("1e6", "1e6"), ("10e-1", "1"), ("1e-3", "1e-3"),
            ("5G", "5G"), ("1n", "1n"), ("1000n", "1u"), ("1u", "1u"), ("0.1m", "100u"), ("0.0000000001", "1n"),
            ("1.1Ki", "1126400m"), ("-100m", "-100m"), ("1Ei", "1Ei"),
        ]
        for (input, canonical) in table {
            let quantity = try Quantity(parsing: input)
            XCTAssertEqual(quantity.description, canonical, "canonical form of \(input)")
        }
    }

    func testRejected() {
        for input in ["", " ", "1 Ki", "1KiB", "1KB", "1i", "1Mix", "1e", "e1", "1k1", "--1", "+-1", "Mi", "1ki", "1.1.1", "abc", "1e1.5", "0x10", ".", "1E+"] {
            XCTAssertThrowsError(try Quantity(parsing: input), "\(input) must be rejected")
        }
    }

    func testLimitOf2To63Minus1() throws {
        XCTAssertNoThrow(try Quantity(parsing: "9223372036854775807"))
        XCTAssertNoThrow(try Quantity(parsing: "7Ei"))
        XCTAssertThrowsError(try Quantity(parsing: "9223372036854775808")) { XCTAssertEqual($0 as? Quantity.ParseError, .tooLarge) }
        XCTAssertThrowsError(try Quantity(parsing: "16Ei"))
        XCTAssertThrowsError(try Quantity(parsing: "1e30"))
        XCTAssertThrowsError(try Quantity(parsing: "99999999999999999999999999999999999999999"))
    }

    func testNumericComparison() throws {
        let gi = try Quantity(parsing: "1Gi"), mi = try Quantity(parsing: "1000Mi"), g = try Quantity(parsing: "1G")
        XCTAssertGreaterThan(gi, mi)
        XCTAssertGreaterThan(mi, g)
        XCTAssertEqual(try Quantity(parsing: "1Gi"), try Quantity(parsing: "1024Mi"))
        XCTAssertEqual(try Quantity(parsing: "1"), try Quantity(parsing: "1000m"))
        XCTAssertEqual(try Quantity(parsing: "1e3"), try Quantity(parsing: "1k"))
        XCTAssertLessThan(try Quantity(parsing: "500m"), try Quantity(parsing: "1"))
    }
}
