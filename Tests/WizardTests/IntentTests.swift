import Foundation
import XCTest
@testable import Diagnostics
@testable import RegistryTLS
@testable import RegistryModel
@testable import Wizard

/// One test per semantic action: sent as an intent (no key involved), it does what it names.
final class IntentTests: XCTestCase, WizardTesting {
    @discardableResult
    func perform(_ state: inout WizardState, _ intents: Intent...) -> [Effect] {
        intents.flatMap { update(&state, .intent($0)) }
    }

    func testNextAndPreviousFieldMoveTheFocus() {
        var state = newState()
        let first = state.focusedText, second = Forms.text(of: state.items[1].id, in: state)
        assertChange(&state, .intent(.nextField)) {
            $0.focus = 1
            $0.focusedText = second
            $0.cursor = second.count
        }
        assertChange(&state, .intent(.previousField)) {
            $0.focus = 0
            $0.focusedText = first
            $0.cursor = first.count
        }
    }

    func testNextAndPreviousStepMoveAStep() {
        var state = newState()
        perform(&state, .nextStep)
        XCTAssertEqual(state.step, .storage)
        perform(&state, .nextStep, .previousStep)
        XCTAssertEqual(state.step, .storage)
    }

    func testGoToFocusesARowOfAStep() {
        var state = newState()
        let text = Forms.text(of: Forms.items(.registry, in: state)[2].id, in: state)
        assertChange(&state, .intent(.goTo(step: .registry, focus: 2))) {
            $0.step = .registry
            $0.focus = 2
            $0.focusedText = text
            $0.cursor = text.count
        }
    }

    func testShowProblemMovesToTheRowItIsAbout() {
        var state = newState()
        focus(&state, on: .pvSize)
        perform(&state, .setText("abc"), .goTo(step: .review, focus: 0))
        let index = state.problems.firstIndex { $0.path == "cacheRegistry.pv.size" }!
        perform(&state, .showProblem(index))
        XCTAssertEqual(state.step, .storage)
        XCTAssertEqual(state.focusedItem?.id, .field(.pvSize))
        perform(&state, .showProblem(state.problems.count))
        XCTAssertEqual(state.focusedItem?.id, .field(.pvSize), "a problem that is not there moves nothing")
    }

    func testSetTextReplacesTheFocusedFieldAndChecksIt() {
        var state = newState()
        focus(&state, on: .pvSize)
        perform(&state, .setText("abc"))
        XCTAssertEqual(state.draft, "abc")
        XCTAssertEqual(state.cursor, 3)
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.pv.size" })
        perform(&state, .setText("20Gi"))
        XCTAssertEqual(state.config.view.text(.pvSize), "20Gi")
    }

    func testChooseTakesAnOptionByItsPlaceNotItsLabel() {
        var state = newState()
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))
        perform(&state, .choose(index: StorageMode.wizardChoices.firstIndex(of: .dynamic)!))
        XCTAssertEqual(state.config.view.storageMode, .dynamic)
        perform(&state, .goTo(step: .tls, focus: state.items.count))
        let source = Forms.items(.tls, in: state).firstIndex { $0.id == .tlsSource }!
        perform(&state, .goTo(step: .tls, focus: source), .choose(index: TLSSource.allCases.firstIndex(of: .generate)!))
        XCTAssertEqual(state.tls.source, .generate)
        let algorithm = state.items.firstIndex { $0.id == .tlsAlgorithm }!
        perform(&state, .goTo(step: .tls, focus: algorithm), .choose(index: 1))
        XCTAssertTrue(state.tls.rsa)
        perform(&state, .choose(index: 7))
        XCTAssertTrue(state.tls.rsa, "an option that does not exist changes nothing")
    }

    func testCycleChoiceStepsThroughOptionsAndFlipsToggles() {
        var state = newState()
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))
        perform(&state, .cycleChoice(by: 1))
        XCTAssertEqual(state.config.view.storageMode, .nfs)
        perform(&state, .cycleChoice(by: -1))
        XCTAssertEqual(state.config.view.storageMode, .hostPath)
        let route = Forms.items(.general, in: state).firstIndex { $0.id == .route }!
        perform(&state, .goTo(step: .general, focus: route), .cycleChoice(by: 1))
        XCTAssertEqual(state.config.route, InstallRoute.allCases[1])
    }

    func testInsertDeleteClearAndMoveEditAtTheCursor() {
        var state = newState()
        focus(&state, on: .pvSize)
        perform(&state, .clearText, .insertText("10Gi"))
        XCTAssertEqual(state.draft, "10Gi")
        perform(&state, .moveCursor(.start), .deleteForward)
        XCTAssertEqual(state.draft, "0Gi")
        perform(&state, .moveCursor(.end), .deleteBackward, .insertText("i\n\u{13}"))
        XCTAssertEqual(state.draft, "0Gi", "line breaks and control characters in typed text are dropped")
        perform(&state, .moveCursor(.left), .moveCursor(.right), .insertText("x"))
        XCTAssertEqual(state.draft, "0Gix")
        perform(&state, .clearText)
        XCTAssertEqual(state.draft, "")
        XCTAssertEqual(state.cursor, 0)
    }

    func testConfirmMovesOnAndPressesButtons() {
        var state = newState()
        perform(&state, .confirm)
        XCTAssertEqual(state.focus, 1, "on a field, confirm moves on")
        perform(&state, .goTo(step: .write, focus: 0))
        let effects = perform(&state, .confirm)
        XCTAssertEqual(state.dialog, .write(plan: nil, choice: 0), "on the Write button it opens the write")
        XCTAssertTrue(effects.contains { if case .inspectDisk = $0 { return true } else { return false } })
    }

    func testRevertPutsBackWhatTheFieldHeld() {
        var state = newState()
        focus(&state, on: .pvSize)
        let before = state.config
        perform(&state, .setText("1Gi"), .revert)
        XCTAssertEqual(state.config, before)
        XCTAssertNil(state.draft)
    }

    func testUndoAndRedoAFieldEdit() {
        var state = newState()
        focus(&state, on: .pvSize)
        perform(&state, .setText("1Gi"), .nextField, .undo)
        XCTAssertNotEqual(state.config.view.text(.pvSize), "1Gi")
        perform(&state, .redo)
        XCTAssertEqual(state.config.view.text(.pvSize), "1Gi")
    }

    func testShowHelpShowKeysOpenFindAndOpenPreviewOpenTheirDialogs() {
        var state = newState()
        perform(&state, .showHelp)
        XCTAssertEqual(state.dialog, .help)
        perform(&state, .close, .showKeys)
        XCTAssertEqual(state.dialog, .keys(scroll: 0))
        perform(&state, .close, .openFind)
        XCTAssertEqual(state.dialog, .find(query: "", selection: 0))
        perform(&state, .close, .openPreview)
        XCTAssertEqual(state.dialog, .preview(tab: 0, scroll: 0))
        perform(&state, .close)
        XCTAssertNil(state.dialog)
    }

    func testChoosingGenerateStartsTheNewPairAtOnceAndEscPutsTheChoiceBack() {
        var state = newState()
        XCTAssertEqual(state.tls.source, .generate, "a new setup generates its own pair")
        perform(&state, .goTo(step: .tls, focus: 0))
        let source = state.items.firstIndex { $0.id == .tlsSource }!
        perform(&state, .goTo(step: .tls, focus: source))
        perform(&state, .choose(index: 0))
        XCTAssertEqual(state.tls.source, .existing)
        perform(&state, .revert)
        XCTAssertEqual(state.tls.source, .generate, "Esc puts the choice back")
        perform(&state, .choose(index: 0))
        XCTAssertEqual(perform(&state, .choose(index: 2)), [.generateTLS(state.generationSpec)])
        XCTAssertEqual(state.tls.source, .generate)
    }

    func testRequestWriteOpensTheWriteOrListsTheErrors() {
        var state = newState()
        focus(&state, on: .pvSize)
        perform(&state, .setText("bad"), .requestWrite)
        XCTAssertEqual(state.dialog, .write(plan: nil, choice: 0))
        XCTAssertFalse(state.problems.errors.isEmpty)
    }

    func testQuitExitsAtOnceOrAsksWhenChangesAreUnsaved() {
        var state = newState()
        XCTAssertEqual(perform(&state, .quit), [.exit(status: 0)])
        focus(&state, on: .pvSize)
        perform(&state, .setText("20Gi"))
        XCTAssertEqual(perform(&state, .quit), [])
        XCTAssertEqual(state.dialog, .quit(choice: 0))
        XCTAssertEqual(perform(&state, .quit), [.exit(status: 1)], "quit again in the quit dialog confirms it")
    }

    func testAnswerAndSwitchButtonInTheQuitDialog() {
        var state = newState()
        focus(&state, on: .pvSize)
        perform(&state, .setText("20Gi"), .quit)
        perform(&state, .answer(false))
        XCTAssertNil(state.dialog)
        perform(&state, .quit, .switchButton)
        XCTAssertEqual(state.dialog, .quit(choice: 1))
        XCTAssertEqual(perform(&state, .confirm), [.exit(status: 1)])
        perform(&state, .answer(false))
        XCTAssertEqual(perform(&state, .quit, .answer(true)), [.exit(status: 1)])
    }

    func testToggleKeepModeOnlyWhenAKeyGoesIntoAReadableFile() throws {
        var state = try chartState()
        state.chartTLS = RegistryTLSMaterial(certificateBase64: "x", keyBase64: nil)
        perform(&state, .goTo(step: .tls, focus: 0))
        let source = state.items.firstIndex { $0.id == .tlsSource }!
        perform(&state, .goTo(step: .tls, focus: source), .choose(index: 2))
        let pair = try TLSGenerator.generate(names: state.generationSpec.names, days: 30, now: Date())
        _ = update(&state, .tlsGenerated(GeneratedTLSMaterial(spec: state.generationSpec, pair: pair)))
        perform(&state, .requestWrite)
        let disk = DiskSnapshot(outputDir: "manifests", manifests: [:], valuesFileExists: true, valuesFileMode: 0o644)
        _ = update(&state, .diskInspected(disk))
        guard case .write(let plan?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertTrue(plan.restrictValuesMode)
        perform(&state, .toggleKeepMode)
        guard case .write(let kept?, _)? = state.dialog else { return XCTFail("no plan") }
        XCTAssertFalse(kept.restrictValuesMode)
        XCTAssertEqual(perform(&state, .answer(true)), [.write(kept)])
    }

    func testSwitchTabAndScrollInThePreview() {
        var state = newState(width: 80, height: 24)
        perform(&state, .openPreview)
        let tabs = state.previewTabs.count
        XCTAssertGreaterThan(tabs, 1)
        perform(&state, .switchTab(by: 1))
        XCTAssertEqual(state.dialog, .preview(tab: 1, scroll: 0))
        perform(&state, .switchTab(by: -1), .switchTab(by: -1))
        XCTAssertEqual(state.dialog, .preview(tab: tabs - 1, scroll: 0))
        perform(&state, .switchTab(by: 1), .scroll(.bottom))
        let last = state.lastScroll(0)
        XCTAssertEqual(state.dialog, .preview(tab: 0, scroll: last))
        perform(&state, .scroll(.lines(5)))
        XCTAssertEqual(state.dialog, .preview(tab: 0, scroll: last), "scrolling stops at the end")
        perform(&state, .scroll(.top), .scroll(.pages(1)))
        XCTAssertEqual(state.dialog, .preview(tab: 0, scroll: min(last, 16)))
    }

    func testFindTakesTextAndMovesTheSelection() {
        var state = newState()
        perform(&state, .openFind, .insertText("size"))
        XCTAssertEqual(state.dialog, .find(query: "size", selection: 0))
        perform(&state, .moveSelection(by: 1))
        XCTAssertEqual(state.dialog, .find(query: "size", selection: 1))
        perform(&state, .moveSelection(by: -5))
        XCTAssertEqual(state.dialog, .find(query: "size", selection: 0))
        perform(&state, .deleteBackward)
        XCTAssertEqual(state.dialog, .find(query: "siz", selection: 0))
        perform(&state, .clearText, .insertText("pvc.size"), .confirm)
        XCTAssertNil(state.dialog)
        XCTAssertEqual(state.items[state.focus].id, .field(.pvcSize))
    }

    func testAKeyIsTheIntentItsBindingNames() {
        var state = newState()
        focus(&state, on: .pvSize)
        XCTAssertEqual(Keymap.intent(for: .character("?"), in: state.keyContexts), .insertText("?"), "typed in a text field")
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))
        XCTAssertEqual(Keymap.intent(for: .character("?"), in: state.keyContexts), .showKeys)
        XCTAssertEqual(Keymap.intent(for: .right, in: state.keyContexts), .cycleChoice(by: 1))
        XCTAssertEqual(Keymap.intent(for: .function(10), in: state.keyContexts), .requestWrite)
        XCTAssertNil(Keymap.intent(for: .function(7), in: state.keyContexts))
    }

    func testOnlyClosingAndQuittingKeysActWhileTheWriteWaits() {
        var state = newState()
        _ = update(&state, .intent(.requestWrite))
        XCTAssertTrue(state.interruptsWaiting(.escape))
        XCTAssertTrue(state.interruptsWaiting(.control("c")))
        XCTAssertFalse(state.interruptsWaiting(.character("y")), "an answer waits for the plan it answers")
        XCTAssertFalse(state.interruptsWaiting(.enter))
    }
}
