import Foundation
import XCTest
@testable import Terminal
@testable import Wizard

final class ThemeTests: XCTestCase {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../themes").standardized

    func testShippedThemesParseAndCoverEveryRole() throws {
        for name in ["default", "light", "high-contrast"] {
            let file = ThemeTests.themes.appendingPathComponent("\(name).theme")
            let theme = try Theme.parse(try String(contentsOf: file, encoding: .utf8), file: file.path)
            XCTAssertTrue(theme.usesColor, name)
            XCTAssertEqual(Set(theme.styles.keys), Set(StyleRole.allCases), "\(name) must give every role a look")
        }
        let mono = try Theme.parse(try String(contentsOf: ThemeTests.themes.appendingPathComponent("mono.theme"), encoding: .utf8), file: "mono")
        XCTAssertFalse(mono.usesColor)
        XCTAssertEqual(mono.styles[.focus]?.reverse, true)
        XCTAssertEqual(mono.styles[.error]?.bold, true)
    }

    func testColours() {
        XCTAssertEqual(ThemeColor(parsing: "red"), .index(1))
        XCTAssertEqual(ThemeColor(parsing: "bright-blue"), .index(12))
        XCTAssertEqual(ThemeColor(parsing: "200"), .index(200))
        XCTAssertEqual(ThemeColor(parsing: "#ff0000"), .rgb(255, 0, 0))
        XCTAssertNil(ThemeColor(parsing: "256"))
        XCTAssertNil(ThemeColor(parsing: "#12345"))
        XCTAssertEqual(ThemeColor.rgb(255, 0, 0).resolved(colors: 256), 9)
        XCTAssertEqual(ThemeColor.rgb(250, 10, 10).resolved(colors: 8), 1)
        XCTAssertEqual(ThemeColor.index(196).resolved(colors: 8), 1, "a 256-colour index maps to the nearest of 8")
        XCTAssertEqual(ThemeColor.terminalDefault.resolved(colors: 256), -1)
    }

    func testBadThemesNameFileLineAndKey() {
        XCTAssertThrowsError(try Theme.parse("text = default\nerror = purple-ish\n", file: "t.theme")) { error in
            XCTAssertEqual("\(error)", "t.theme:2: error: \"purple-ish\" is not a colour (use a name, 0-255 or #rrggbb)")
        }
        XCTAssertThrowsError(try Theme.parse("colour = red\n", file: "t.theme")) { XCTAssertTrue("\($0)".hasPrefix("t.theme:1: unknown role \"colour\"")) }
        XCTAssertThrowsError(try Theme.parse("focus = black on\n", file: "t.theme")) { XCTAssertTrue("\($0)".contains("t.theme:1: focus")) }
        XCTAssertThrowsError(try Theme.parse("just words\n", file: "t.theme"))
    }

    func testCommentsAndHexColours() throws {
        let theme = try Theme.parse("# a comment\nerror = #ff5f5f bold # red\n", file: "t")
        XCTAssertEqual(theme.styles[.error], RoleStyle(foreground: .rgb(255, 95, 95), background: .terminalDefault, bold: true))
        // Without colour every role keeps its attributes and loses its colours, so state still reads (bold, reverse).
        let mono = theme.withoutColor
        XCTAssertFalse(mono.usesColor)
        XCTAssertEqual(mono.styles[.error], RoleStyle(foreground: .terminalDefault, background: .terminalDefault, bold: true))
    }
}
