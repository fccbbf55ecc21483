import Foundation
import XCTest
@testable import RegistryModel
@testable import Wizard

/// A draft keeps the answers, the step and the TLS choice; the generated key only in its secrets part.
final class DraftTests: XCTestCase, WizardTesting {
    func testADraftResumesTheAnswersStepAndPairWithoutTheKeyInIt() throws {
        var state = newState()
        focus(&state, on: .pvSize)
        send(&state, .control("u"))
        for character in "bad size" { send(&state, .character(character)) }
        try deliverGeneratedPair(&state)
        _ = update(&state, .intent(.goTo(step: .tls, focus: 1)))
        let draft = Draft(of: state, keptAt: Date(timeIntervalSince1970: 0))
        XCTAssertFalse(draft.text.contains("PRIVATE KEY"), draft.text)
        XCTAssertTrue(draft.secrets?.contains("PRIVATE KEY") == true)

        let fresh = newState()
        XCTAssertEqual(try Draft.differences(draft.text, from: fresh), ["pv.size: (not set) → bad size"])
        let resumed = try Draft.resume(draft.text, secrets: draft.secrets, onto: fresh)
        XCTAssertEqual(resumed.config, state.config, "the answers, an invalid one included")
        XCTAssertEqual(resumed.step, .tls)
        XCTAssertEqual(resumed.focus, 1)
        XCTAssertEqual(resumed.tls.source, .generate)
        XCTAssertEqual(resumed.tls.generated, state.tls.generated, "the same pair, not a new one")
        XCTAssertTrue(resumed.problems.errors.contains { $0.path == "cacheRegistry.pv.size" })
        XCTAssertTrue(resumed.isDirty)
        XCTAssertThrowsError(try Draft.resume("cacheRegistry: {}\n", secrets: nil, onto: fresh), "not a draft")
        XCTAssertThrowsError(try Draft.resume(draft.text, secrets: "a: [", onto: fresh), "a broken secrets file is said")
    }
}
