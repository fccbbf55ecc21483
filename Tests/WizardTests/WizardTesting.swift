import Foundation
import TestSupport
import ValuesFile
import XCTest
@testable import RegistryModel
@testable import Wizard

/// What tests of the wizard's state machine share: a fresh state, keys sent through `update`, focusing a field.
protocol WizardTesting {}

extension WizardTesting {
    func newState(width: Int = 80, height: Int = 24) -> WizardState {
        WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), width: width, height: height, now: Date())
    }

    /// The wizard editing the chart's own values file (Tests/Fixtures/chart-values.yaml).
    func chartState(width: Int = 80, height: Int = 24) throws -> WizardState {
        let bytes = Array(try Fixtures.text("chart-values.yaml").utf8)
        let document = try ValuesDocument(bytes: bytes, name: "values.yaml")
        return WizardState(mode: .edit, valuesPath: "values.yaml", originalBytes: bytes, config: try document.config(),
                           width: width, height: height, document: document, now: Date())
    }

    @discardableResult
    func send(_ state: inout WizardState, _ keys: Key...) -> [Effect] {
        keys.flatMap { update(&state, .key($0)) }
    }

    func focus(_ state: inout WizardState, on path: KeyPath) {
        let match = state.findMatches(path.description).first { $0.item.id == .field(path) }!
        _ = update(&state, .intent(.goTo(step: match.step, focus: match.index)))
    }
}
