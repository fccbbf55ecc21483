import Foundation
import XCTest
@testable import RegistryModel
@testable import Terminal
@testable import Wizard

/// A terminal that replays scripted input and keeps every frame: the loop is tested without curses.
final class FakeTerminal: TerminalBackend {
    /// Input in order; `nil` stands for a wait that times out (nothing typed).
    var input: [Action?]
    var size: (width: Int, height: Int)
    var frames: [Canvas] = []
    var ended = 0
    var signalAfterInput: Int32?
    /// Runs when the loop asks for input and the script is empty (to let background work finish).
    var waits = 0

    init(input: [Action?], width: Int = 80, height: Int = 24) {
        self.input = input
        self.size = (width, height)
    }

    func draw(_ canvas: Canvas) { frames.append(canvas) }

    func nextAction(timeout: Int) -> Action? {
        guard !input.isEmpty else {
            if timeout > 0 { waits += 1; Thread.sleep(forTimeInterval: 0.002) }
            return nil
        }
        // A pending nil is a pause between keys: an immediate read (timeout 0) does not consume it.
        if input[0] == nil {
            if timeout == 0 { return nil }
            input.removeFirst()
            return nil
        }
        let action = input.removeFirst()
        if case .resize(let width, let height)? = action { size = (width, height) }
        return action
    }

    var pendingSignal: Int32? { input.isEmpty ? signalAfterInput : nil }
    func end() { ended += 1 }
}

final class WizardLoopTests: XCTestCase {
    func newState() -> WizardState {
        WizardState(mode: .setup, valuesPath: "values.yaml", config: RegistryConfig(), now: Date())
    }

    static let noEffects = BackgroundWork(synchronous: true) { _ in nil }

    func testTypingThatArrivesTogetherIsOneEditAndOneFrame() {
        // General step, first row: Namespace. Ctrl-U clears it, then "abc" arrives at once.
        let keys: [Action?] = [.key(.control("u")), nil, .key(.character("a")), .key(.character("b")), .key(.character("c")), nil, .key(.control("c")), nil, .key(.character("y"))]
        let terminal = FakeTerminal(input: keys)
        let status = runWizard(newState(), terminal: terminal, work: Self.noEffects)
        XCTAssertEqual(status, 1, "unsaved changes: Ctrl-C asks, y discards them")
        // First frame, one after Ctrl-U, one after the three letters, one with the quit dialog.
        XCTAssertEqual(terminal.frames.count, 4)
        XCTAssertTrue(terminal.frames[2].text.contains("abc"))
        XCTAssertFalse(terminal.frames[1].text.contains("kubiya "), "the namespace was cleared")
    }

    func testSignalEndsTheTerminalAndExitsWith128PlusN() {
        let terminal = FakeTerminal(input: [.key(.pageDown)])
        terminal.signalAfterInput = 15
        let status = runWizard(newState(), terminal: terminal, work: Self.noEffects)
        XCTAssertEqual(status, 143)
        XCTAssertEqual(terminal.ended, 1)
    }

    func testFirstFrameUsesTheTerminalSizeAndResizesRedrawAtTheNewSize() {
        let terminal = FakeTerminal(input: [.resize(width: 132, height: 43), nil, .resize(width: 60, height: 20), nil,
                                                        .resize(width: 97, height: 31), nil, .key(.function(12))],
                                    width: 100, height: 30)
        let status = runWizard(newState(), terminal: terminal, work: Self.noEffects)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(terminal.frames.map { "\($0.width)x\($0.height)" }, ["100x30", "132x43", "60x20", "97x31"])
        guard terminal.frames.count == 4 else { return }
        XCTAssertTrue(terminal.frames[0].text.hasSuffix("F1 Help ? Keys F2 Preview F10 Write ^F Find PgDn Step ^C Quit"),
                      "the status line is on the last row of the first frame")
        XCTAssertTrue(terminal.frames[2].text.contains("Terminal too small: need 80x24, have 60x20"))
    }

    func testSlowWorkShowsANoteAndKeysTypedMeanwhileAreKept() {
        // The disk check blocks until the test releases it; F10 opens the write dialog, whose plan waits for it.
        let release = DispatchSemaphore(value: 0)
        let work = BackgroundWork { effect in
            switch effect {
            case .inspectDisk(let folder, _, _):
                release.wait()
                return .diskInspected(DiskSnapshot(outputDir: folder, manifests: [:], valuesFileExists: false))
            case .write:
                return .writeFinished(.written(["values.yaml"]))
            default:
                return nil
            }
        }
        // Enter (write) and q (leave the done screen) are typed while the disk is still being checked.
        let terminal = FakeTerminal(input: [.key(.function(10)), nil, .key(.enter), nil, .key(.character("q")), nil, nil])
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { release.signal() }
        // The disk alone is slow here: the TLS secret is one that exists, so no pair is generated.
        var state = newState()
        state.tls.source = .existing
        let status = runWizard(state, terminal: terminal, work: work)
        XCTAssertEqual(status, 0, "Enter wrote and q left the done screen, both typed before the plan was ready")
        XCTAssertTrue(terminal.frames.contains { $0.text.contains("working: checking the files on disk...") })
        XCTAssertTrue(terminal.frames.contains { $0.text.contains("kubectl apply -k") }, "the done screen was shown")
    }

    func testEscapeCancelsAWaitingDialogAtOnce() {
        let release = DispatchSemaphore(value: 0)
        let work = BackgroundWork { effect in
            if case .inspectDisk = effect { release.wait() }
            return nil
        }
        let terminal = FakeTerminal(input: [.key(.function(10)), nil, .key(.escape), nil, .key(.function(12))])
        let status = runWizard(newState(), terminal: terminal, work: work)
        release.signal()
        XCTAssertEqual(status, 0, "Escape closed the dialog and F12 quit without waiting for the disk")
    }
}
