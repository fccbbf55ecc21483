import Foundation
import RegistryModel
import ValuesFile
import Wizard

/// Where a session's draft is kept and how it is trusted: beside the values file it is for, as
/// `.NAME.cache-registry-setup-draft` and `...-draft-secrets` (0600). A draft acts on the wizard only when it is a
/// regular file of the running user that nobody else can write; anything else is refused with one sentence.
enum Drafts {
    static func paths(for valuesPath: String) -> (draft: String, secrets: String) {
        let folder = PathName.folder(of: valuesPath)
        let draft = PathName.join(folder, "." + PathName.lastComponent(valuesPath) + ".cache-registry-setup-draft")
        return (draft, draft + "-secrets")
    }

    /// The draft kept for a values file, if there is one.
    static func load(for valuesPath: String) throws -> (text: String, secrets: String?)? {
        let (draft, secrets) = paths(for: valuesPath)
        guard let text = try trustedText(draft) else { return nil }
        return (text, try trustedText(secrets))
    }

    static func trustedText(_ path: String) throws -> String? {
        let disk = Environment.disk
        guard let info = disk.existing(path, followingLinks: false) else { return nil }
        let why: String? = info.kind != .regular ? "is not a regular file"
            : info.owner != disk.user ? "belongs to another user (uid \(info.owner))"
            : info.permissions & 0o022 != 0 ? "can be written by others" : nil
        if let why { throw CommandFailure.file("\(path): \(why), so it is not taken as your draft; remove it") }
        do { return String(decoding: try FileAccess.readFile(path, limit: 1 << 20, what: "a draft", in: disk),
                           as: UTF8.self) } catch { throw CommandFailure.file(error.description) }
    }

    /// Keeps the session's draft when answers are unsaved; a written configuration removes it.
    static func keep(_ state: WizardState) {
        let (draft, secrets) = paths(for: state.valuesPath)
        guard state.isDirty else {
            if state.savedConfig != nil { remove(for: state.valuesPath) }
            return
        }
        let kept = Draft(of: state, keptAt: Environment.now)
        var transaction = FileTransaction(fileSystem: Environment.disk)
        transaction.write(Array(kept.text.utf8), to: draft, kind: .secret)
        if let text = kept.secrets { transaction.write(Array(text.utf8), to: secrets, kind: .secret) }
        do {
            _ = try transaction.commit()
            if kept.secrets == nil { removeOwned(secrets) }
            Output.error("your answers are kept as a draft (\(draft)); start the wizard on the same file to resume "
                + "them")
        } catch {
            Output.error("warning: the draft could not be kept: \(error)")
        }
    }

    static func remove(for valuesPath: String) {
        let (draft, secrets) = paths(for: valuesPath)
        removeOwned(draft)
        removeOwned(secrets)
    }

    /// Removes a file of the running user's; what someone else put there is left alone.
    static func removeOwned(_ path: String) {
        guard let info = Environment.disk.existing(path, followingLinks: false), info.kind == .regular,
              info.owner == Environment.disk.user else { return }
        _ = Environment.disk.remove(path)
    }

    /// The session to start: the draft's when `--resume` or the person says so, else the given one (`--discard-draft`
    /// removes the draft).
    static func offer(onto state: WizardState, resume: Bool, discard: Bool, ask: Bool) throws -> WizardState {
        guard let found = try load(for: state.valuesPath) else {
            if resume { throw CommandFailure.usage("--resume: there is no draft of \(state.valuesPath)") }
            return state
        }
        if discard {
            remove(for: state.valuesPath)
            return state
        }
        var take = resume
        if !resume {
            let differences: [String]
            do { differences = try Draft.differences(found.text, from: state) } catch {
                throw CommandFailure.file("\(paths(for: state.valuesPath).draft): \(error.description)")
            }
            guard ask else {
                Output.error("note: a draft of \(state.valuesPath) is kept (\(differences.count) answers differ): "
                    + "--resume takes it, --discard-draft removes it")
                return state
            }
            Output.errorText("A draft of \(state.valuesPath) was kept when the wizard was left with unsaved answers. "
                + "It differs from the file in:\n" + differences.prefix(20).map { "  " + $0 }.joined(separator: "\n")
                + (differences.count > 20 ? "\n  … and \(differences.count - 20) more" : ""))
            Output.data("Resume it? (y: resume, n: start from the file; the draft stays until you write or leave "
                + "again) [y]: ")
            let answer = (readLine() ?? "n").trimmingCharacters(in: .whitespaces).lowercased()
            take = answer.isEmpty || answer == "y" || answer == "yes"
        }
        guard take else { return state }
        do { return try Draft.resume(found.text, secrets: found.secrets, onto: state) } catch {
            throw CommandFailure.file("\(paths(for: state.valuesPath).draft): \(error.description)")
        }
    }
}
