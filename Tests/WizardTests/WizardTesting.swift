import Foundation
import RegistryTLS
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

    /// Picks a TLS source on the TLS step, as Left/Right on its row do; returns the effects (a pair to generate).
    @discardableResult
    func chooseTLSSource(_ state: inout WizardState, _ source: TLSSource) -> [Effect] {
        _ = update(&state, .intent(.goTo(step: .tls, focus: 0)))
        let row = state.items.firstIndex { $0.id == .tlsSource }!
        _ = update(&state, .intent(.goTo(step: .tls, focus: row)))
        return update(&state, .intent(.choose(index: TLSSource.allCases.firstIndex(of: source)!)))
    }

    /// Hands the state the pair its generation effect would make (a new setup generates one).
    func deliverGeneratedPair(_ state: inout WizardState) throws {
        let spec = state.generationSpec
        let pair = try TLSGenerator.generate(names: spec.names, days: spec.days, now: Date())
        _ = update(&state, .tlsGenerated(GeneratedTLSMaterial(spec: spec, pair: pair)))
    }

    func focus(_ state: inout WizardState, on path: KeyPath) {
        let match = state.findMatches(path.description).first { $0.item.id == .field(path) }!
        _ = update(&state, .intent(.goTo(step: match.step, focus: match.index)))
    }

    /// Sends `action` and compares the whole state with the one `expected` describes, as TCA's exhaustive
    /// `TestStore` does: every field the action changes must be named, so a change nobody expected fails, with the
    /// fields that differ.
    @discardableResult
    func assertChange(_ state: inout WizardState, _ action: Action, effects: [Effect] = [],
                      file: StaticString = #filePath, line: UInt = #line,
                      _ expected: (inout WizardState) -> Void = { _ in }) -> [Effect] {
        var wanted = state
        expected(&wanted)
        let produced = update(&state, action)
        XCTAssertEqual(produced, effects, "effects", file: file, line: line)
        if state != wanted {
            let differing = zip(Mirror(reflecting: state).children, Mirror(reflecting: wanted).children)
                .filter { String(describing: $0.value) != String(describing: $1.value) }
                .map { actual, expected in
                    "\(actual.label ?? "?"): got \(String(describing: actual.value).prefix(200)), expected "
                        + "\(String(describing: expected.value).prefix(200))"
                }
            XCTFail("the state differs from the one expected in: \(differing.joined(separator: "; "))", file: file,
                    line: line)
        }
        return produced
    }
}
