import Foundation
import Manifests
import RegistryModel
import Wizard

/// The wizard as line prompts (SPEC section 9), for screen readers, dumb terminals and scripts: the same state
/// machine, steps, fields, live checks and write plan as the full-screen wizard, driven by the same keys, on
/// standard input and output with no cursor movement, colour or box drawing.
public struct PlainWizard {
    /// The next line of input without its line break, or nil when input has ended.
    let readLine: () -> String?
    /// Writes text as it is (prompts end without a line break).
    let write: (String) -> Void
    /// Runs an effect at once and returns the action it produced.
    let perform: (Effect) -> Action?
    /// Whether to repeat each answer after its prompt (input from a pipe is not echoed by a terminal).
    let echo: Bool
    /// The signal that ended the input early (Ctrl-C, a closed terminal), if one did.
    let interruption: () -> Int32?
    /// Sees the last state when the session ends (to keep a draft of unsaved answers).
    let leaving: (WizardState) -> Void

    public init(
        readLine: @escaping () -> String?, write: @escaping (String) -> Void, perform: @escaping (Effect) -> Action?,
        echo: Bool, interruption: @escaping () -> Int32? = { nil }, leaving: @escaping (WizardState) -> Void = { _ in }
    ) {
        self.readLine = readLine
        self.write = write
        self.perform = perform
        self.echo = echo
        self.interruption = interruption
        self.leaving = leaving
    }

    /// Why the session stopped before its end.
    enum Stop: Error { case inputEnded(String), exit(Int32) }

    /// Asks every field, then writes or not; returns the exit status (as the wizard's, 2 when input ended early).
    public func run(_ initial: WizardState) -> Int32 {
        var state = initial
        state.width = 100
        state.height = 200
        let title = state.mode == .setup ? "new configuration" : "editing \(state.valuesPath)"
        write("Cache Registry setup: \(title).\nEnter keeps the value in brackets; ? shows help; < goes back one "
            + "field.\n")
        defer { leaving(state) }
        do {
            try askFields(&state, from: (.general, 0))
            while try reviewAsksToFix(&state) {}
            return try writeFiles(&state)
        } catch Stop.inputEnded(let field) {
            write("\n")
            if let signal = interruption() {
                standardError("stopped by \(PromptInput.name(of: signal)) at \(field); nothing was written\n")
                return 128 + signal
            }
            standardError("input ended at \(field); nothing was written\n")
            return 2
        } catch Stop.exit(let status) {
            return status
        } catch {
            return 2
        }
    }

    /// The steps of fields, in order: every step but Review and Write.
    static let formSteps = Step.allCases.filter(\.isForm)

    /// Asks each row of each step from a position on, following the form as answers change it (a storage mode
    /// shows its own fields).
    func askFields(_ state: inout WizardState, from start: (step: Step, index: Int)) throws {
        var step = start.step, index = start.index
        var announced: Step? = nil
        var direction = 1
        while let stepNumber = Self.formSteps.firstIndex(of: step) {
            try send(.intent(.goTo(step: step, focus: 0)), to: &state)
            let items = state.items
            if index >= items.count, step == .mirrors, state.openMirror != nil {
                // The end of a cache's own screen: back to the list, after that cache's row.
                try send(.intent(.goTo(step: step, focus: 0)), to: &state)
                try send(.intent(.confirm), to: &state)
                index = state.focus + 1
                continue
            }
            if index >= items.count {
                guard stepNumber + 1 < Self.formSteps.count else { return }
                step = Self.formSteps[stepNumber + 1]
                index = 0
                continue
            }
            if index < 0 {
                guard stepNumber > 0 else {
                    index = 0
                    continue
                }
                step = Self.formSteps[stepNumber - 1]
                try send(.intent(.goTo(step: step, focus: 0)), to: &state)
                index = state.items.count - 1
                continue
            }
            if announced != step {
                write("\n\(step.rawValue) (step \((Step.allCases.firstIndex(of: step) ?? 0) + 1) of "
                    + "\(Step.allCases.count))\n")
                announced = step
            }
            // A shown fact is passed in the direction the person is going.
            let asked = state.items[index].id
            if let forward = try ask(&state, step: step, index: index) { direction = forward ? 1 : -1 }
            if direction == 1, state.step == step, state.items.indices.contains(state.focus),
                state.items[state.focus].id != asked
            {
                // The answer opened another screen (a cache just added): its rows are asked next.
                index = state.focus
                continue
            }
            index += direction
        }
    }

    /// One row: prompts until the answer is accepted; false when the person asked to go back, nil for a fact
    /// (shown, nothing to answer).
    func ask(_ state: inout WizardState, step: Step, index: Int) throws -> Bool? {
        try send(.intent(.goTo(step: step, focus: index)), to: &state)
        guard state.items.indices.contains(index) else { return nil }
        let item = state.items[index]
        let current = Forms.text(of: item.id, in: state)
        if item.widget == .fact {
            write("\(item.label) (\(keyDisplay(item))): \(current)\n")
            return nil
        }
        let options = choices(item)
        while true {
            if let options {
                for (number, option) in options.enumerated() { write("  \(number + 1)) \(option)\n") }
            }
            // A choice's default reads with its label: [1: yes].
            let shown =
                options.map { list in list.firstIndex(of: current).map { "\($0 + 1): \(current)" } ?? current }
                ?? current
            let question = item.widget == .action ? "\(item.label)? (y/n)" : "\(item.label) (\(keyDisplay(item)))"
            write("\(question) [\(item.widget == .action ? "n" : shown)]: ")
            guard let answer = readLine() else {
                throw Stop.inputEnded(keyDisplay(item).isEmpty ? item.label : keyDisplay(item))
            }
            if echo { write(answer + "\n") }
            let trimmed = answer.trimmingCharacters(in: .whitespaces)
            let errors = Forms.problems(of: item, in: state).errors
            switch trimmed {
            case "" where !errors.isEmpty:
                // Keeping a value that is wrong (a required field left empty) is asked again.
                for problem in errors { write("  error: \(problem.message)\n") }
                continue
            case "": return true
            case "?":
                write(wrapped(helpText(item)) + "\n")
                continue
            case "<": return false
            default: break
            }
            if try apply(trimmed, to: item, options: options, in: &state) { return true }
        }
    }

    /// The numbered choices of a row, when it is one (toggles are yes / no).
    func choices(_ item: FormItem) -> [String]? {
        switch item.widget {
        case .choice(let options): return options
        case .toggle: return ["yes", "no"]
        case .text, .action, .fact: return nil
        }
    }

    /// Applies an answer through the wizard's keys; on an error of this row, prints it, restores the row and
    /// returns false so the question is asked again.
    func apply(_ answer: String, to item: FormItem, options: [String]?, in state: inout WizardState) throws -> Bool {
        let before = state
        let earlier = Set(Forms.problems(of: item, in: state).map(\.description))
        if item.widget == .action {
            guard ["y", "yes"].contains(answer.lowercased()) else {
                return ["n", "no"].contains(answer.lowercased()) || retry("Enter y or n")
            }
            try send(.intent(.confirm), to: &state)
        } else if let options {
            // By number, by the whole label, or by its name without the explanation in brackets (`dynamic`).
            let chosen = Int(answer).map { $0 - 1 }.flatMap { options.indices.contains($0) ? $0 : nil }
                ?? options.firstIndex { option in
                    let name = option.split(separator: " (").first.map(String.init) ?? option
                    return option.lowercased() == answer.lowercased() || name.lowercased() == answer.lowercased()
                }
            guard let chosen else { return retry("Enter a number from 1 to \(options.count)") }
            try send(.intent(.choose(index: chosen)), to: &state)
        } else {
            try send(.intent(.setText(answer)), to: &state)
        }
        let now = Forms.problems(of: item, in: state)
        let new = now.filter { !earlier.contains($0.description) }
        if !new.errors.isEmpty {
            for problem in new.errors { write("  error: \(problem.message)\n") }
            state = before
            return false
        }
        // Warnings this answer caused, on this row or any other (replicas on one row warn about storage on another).
        let known = Set(before.problems.map(\.description))
        for problem in state.problems.warnings where !known.contains(problem.description) {
            write("  warning: \(now.contains(problem) ? "" : problem.path + ": ")\(problem.message)\n")
        }
        return true
    }

    /// Asks until the answer is y/yes or n/no (an empty answer asks again).
    func yesOrNo(_ question: String, at place: String) throws -> Bool {
        while true {
            write(question)
            guard let answer = readLine() else { throw Stop.inputEnded(place) }
            if echo { write(answer + "\n") }
            switch answer.trimmingCharacters(in: .whitespaces).lowercased() {
            case "y", "yes": return true
            case "n", "no": return false
            default: write("  Enter y or n\n")
            }
        }
    }

    func retry(_ message: String) -> Bool {
        write("  \(message)\n")
        return false
    }

    /// Sends an action through `update` and runs the effects it returns (and theirs) at once.
    func send(_ action: Action, to state: inout WizardState) throws {
        var queue = [action]
        while !queue.isEmpty {
            for effect in update(&state, queue.removeFirst()) {
                if case .exit(let status) = effect { throw Stop.exit(status) }
                if let result = perform(effect) { queue.append(result) }
            }
        }
    }

    /// Prints the problems; with errors, offers to go back to the first one. True when it went back to fix it.
    func reviewAsksToFix(_ state: inout WizardState) throws -> Bool {
        write("\nReview\n")
        if state.problems.isEmpty { write("No problems.\n") }
        for problem in state.problems {
            write("\(problem.severity == .error ? "ERROR" : "WARN") \(problem.path): \(problem.message)\n")
        }
        for note in state.manifestPlan.notes { write("Note: \(note)\n") }
        guard let firstError = state.problems.firstIndex(where: { $0.severity == .error }) else { return false }
        let first = state.problems[firstError]
        write("Writing is refused while there are errors. Go back to \(first.path)? (y/n) [y]: ")
        guard let answer = readLine() else { throw Stop.inputEnded("the review") }
        if echo { write(answer + "\n") }
        guard !["n", "no"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()) else {
            write("Nothing was written.\n")
            throw Stop.exit(state.isDirty ? 1 : 0)
        }
        try send(.intent(.showProblem(firstError)), to: &state)
        try askFields(&state, from: (state.step, state.focus))
        return true
    }

    /// The write plan with a diff summary, a yes/no, then what was written and the next commands.
    func writeFiles(_ state: inout WizardState) throws -> Int32 {
        try send(.intent(.requestWrite), to: &state)
        switch state.dialog {
        case .write(let plan?, _)?:
            write("\nThese files will be written:\n")
            for entry in plan.summary {
                let change = entry.added + entry.removed == 0 ? "unchanged" : "+\(entry.added) -\(entry.removed) lines"
                write("  \(entry.path) (\(change))\n")
            }
            if !plan.overwrites.isEmpty { write("These files exist and will be replaced: "
                + "\(plan.overwrites.joined(separator: ", "))\n") }
            if let offer = WritePlanner.editOffer(state) { write(offer + "\n") }
            // Only an explicit answer counts: an Enter too many never discards every answer given so far.
            while true {
                switch try yesOrNo("Write them? [y/n]: ", at: "the write question") {
                case true: break
                case false:
                    guard try yesOrNo("Leave without writing (the answers are kept as a draft to resume)? [y/n]: ",
                                      at: "the leave question") else { continue }
                    write("Nothing was written.\n")
                    return state.isDirty ? 1 : 0
                }
                break
            }
            try send(.intent(.answer(true)), to: &state)
        case .failed(let message)?:
            write("Writing failed: \(message)\n")
            return 2
        default:
            write("Nothing to write.\n")
            return 0
        }
        switch state.dialog {
        case .done(let paths)?:
            write("\nWritten:\n" + paths.map { "  \($0)\n" }.joined())
            for note in state.manifestPlan.notes { write("Note: \(note)\n") }
            write("Next, with \(state.config.route.rawValue), in this order:\n")
            for (index, line) in NextSteps.lines(state.config, state.nextStepsContext).enumerated() {
                write("  \(index + 1). \(line)\n")
            }
            return 0
        case .failed(let message)?:
            write("Writing failed: \(message)\n")
            return 2
        case .changedOnDisk(let path, _)?:
            write("Writing refused: \(path) changed on disk since it was read; nothing was written. Run the wizard "
                + "again on it.\n")
            return 2
        default:
            return 2
        }
    }

    /// Help text indented, in lines of at most 78 characters.
    func wrapped(_ text: String) -> String {
        wrap(text, width: 76).map { "  " + $0 }.joined(separator: "\n")
    }

    func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
