import Foundation
import Wizard

/// What the wizard's loop needs from a terminal. `TerminalSession` is the real one; tests drive the loop
/// with a fake (as ratatui's `TestBackend` allows), so typing coalescing, signals, resizes and background
/// work are checked without a terminal.
public protocol TerminalBackend: AnyObject {
    /// The window's size in cells.
    var size: (width: Int, height: Int) { get }
    /// Shows a whole frame.
    func draw(_ canvas: Canvas)
    /// The next action, waiting at most `timeout` milliseconds; 0 returns nil at once when nothing is pending.
    func nextAction(timeout: Int) -> Action?
    /// A signal that asked the program to stop, if one came.
    var pendingSignal: Int32? { get }
    /// Puts the terminal back as it was.
    func end()
}

/// Runs effects off the input loop, one at a time in the order they were started, and hands back their
/// results; the loop never waits for them, so the screen stays live while a key is generated.
public final class BackgroundWork: @unchecked Sendable {
    private let queue = DispatchQueue(label: "cache-registry-setup.effects")
    private let lock = NSLock()
    private var finished: [Action] = []
    private let perform: @Sendable (Effect) -> Action?
    private let synchronous: Bool

    /// `synchronous` runs each effect at once on the caller's thread (for tests that want a fixed order).
    public init(synchronous: Bool = false, perform: @escaping @Sendable (Effect) -> Action?) {
        self.perform = perform
        self.synchronous = synchronous
    }

    func start(_ effect: Effect) {
        let job: @Sendable () -> Void = { [self] in
            let result = perform(effect)
            lock.withLock {
                finished.append(.workFinished(effect.workNote))
                if let result { finished.append(result) }
            }
        }
        if synchronous { job() } else { queue.async(execute: job) }
    }

    /// The results that arrived since the last call, in order.
    func takeFinished() -> [Action] {
        lock.withLock {
            defer { finished = [] }
            return finished
        }
    }
}

extension Key {
    /// The text a key types, for joining keys that arrive together.
    var typedText: String? {
        switch self {
        case .character(let character): return String(character)
        case .paste(let text): return text
        default: return nil
        }
    }
}

/// How long one wait for input lasts: short while work runs, so its result shows promptly.
enum LoopTiming {
    static let idleWait = 100
    static let busyWait = 10
}

/// Runs the wizard until it exits and returns its exit status. Effects run on `work`; keys typed while a
/// dialog waits for their result are kept and applied, in order, once it arrives.
/// `leaving` sees the last state once the terminal is restored (to keep a draft of unsaved answers).
public func runWizard(
    _ initial: WizardState, terminal: some TerminalBackend, work: BackgroundWork,
    leaving: (WizardState) -> Void = { _ in }
) -> Int32 {
    var state = initial
    let size = terminal.size
    _ = update(&state, .resize(width: size.width, height: size.height))
    terminal.draw(view(state))
    var held: [Action] = []
    while true {
        if let signal = terminal.pendingSignal {
            terminal.end()
            leaving(state)
            return 128 + signal
        }
        var queue = work.takeFinished()
        if queue.isEmpty, !state.isWaitingForWork, !held.isEmpty {
            queue = held
            held = []
        }
        if queue.isEmpty {
            guard
                let action = terminal.nextAction(
                    timeout: state.working.isEmpty ? LoopTiming.idleWait : LoopTiming.busyWait)
            else { continue }
            queue = [action]
        }
        while !queue.isEmpty {
            let next = queue.removeFirst()
            if state.isWaitingForWork, case .key(let key) = next, !state.interruptsWaiting(key) {
                held.append(next)
            } else {
                for effect in update(&state, next) {
                    if case .exit(let status) = effect {
                        terminal.end()
                        leaving(state)
                        return status
                    }
                    _ = update(&state, .workStarted(effect.workNote))
                    work.start(effect)
                }
            }
            queue += work.takeFinished()
            if queue.isEmpty, held.isEmpty, let pending = terminal.nextAction(timeout: 0) { queue.append(pending) }
            // Everything already typed is applied before one redraw, so pasted or fast typing costs one frame.
            if case .key(let first)? = queue.first, let typed = first.typedText, !state.isWaitingForWork,
               state.dialog == nil || state.dialog.isFind {
                var text = typed
                queue.removeFirst()
                while let pending = terminal.nextAction(timeout: 0) {
                    guard case .key(let key) = pending, let more = key.typedText else {
                        queue.append(pending)
                        break
                    }
                    text += more
                }
                queue.insert(.key(text.count == 1 ? .character(Character(text)) : .paste(text)), at: 0)
            }
        }
        terminal.draw(view(state))
    }
}

extension Optional where Wrapped == Dialog {
    var isFind: Bool { if case .find? = self { return true } else { return false } }
}
