import Glibc
import Manifests
import RegistryModel
import ValuesFile

/// Puts an output layout into a transaction, with the removal of stale files this program wrote before, and commits
/// it under the folders' locks.
public enum ManifestWriter {
    /// Adds the files and the stale removals; returns the Secret files among the removals, which are announced.
    public static func stage(_ files: [OutputLayout.File], in folder: String,
                             into transaction: inout FileTransaction) throws(ValuesFileError) -> [String] {
        let fs = transaction.fileSystem
        for file in files {
            transaction.write(Array(file.contents.utf8), to: PathName.join(folder, file.name),
                              kind: file.isSecret ? .secret : .regular, mode: file.isExecutable ? 0o755 : nil)
        }
        let names = Set(files.map(\.name))
        var removedSecrets: [String] = []
        for stale in OutputLayout.allFileNames where !names.contains(stale) {
            let path = PathName.join(folder, stale)
            guard FileAccess.exists(path, in: fs) else { continue }
            if try isOurs(path, in: fs) {
                transaction.remove(path)
                if OutputLayout.secretFileNames.contains(stale) { removedSecrets.append(path) }
            }
        }
        // A trust folder this program wrote is replaced whole, so the hosts of an old service name do not linger.
        let trust = PathName.join(folder, TrustFiles.folder)
        let readme = PathName.join(trust, "README.txt")
        if FileAccess.exists(readme, in: fs), try isOurs(readme, in: fs) {
            for relative in FileAccess.files(under: trust, in: fs)
            where !names.contains(TrustFiles.folder + "/" + relative) {
                transaction.remove(PathName.join(trust, relative))
            }
        }
        return removedSecrets
    }

    /// Whether a file in the output folder was written by this program; one that cannot be read is an error, not
    /// taken as absent (it would be replaced without asking).
    static func isOurs(_ path: String, in fileSystem: any FileSystem) throws(ValuesFileError) -> Bool {
        do {
            return OutputLayout.isOurs(String(decoding: try FileAccess.readFile(path, in: fileSystem), as: UTF8.self))
        } catch {
            throw error.saying("\(error.message); nothing was changed")
        }
    }

    /// Commits while holding the locks of the output folder (which covers its `trust/` subfolders) and of the
    /// folders of the other files it writes (the values files).
    public static func commit(
        _ transaction: FileTransaction, in folder: String
    ) throws(ValuesFileError) -> FileTransaction.Report {
        let inside = PathName.join(folder, "")
        let others = (transaction.writes.map(\.path) + transaction.removals).filter { !$0.hasPrefix(inside) }
        let lock = try FileLock(folderOf: [PathName.join(folder, OutputLayout.kustomizationName)] + others)
        defer { lock.release() }
        let report = try transaction.commit()
        for folder in Set(transaction.removals.map(PathName.folder(of:))) {
            removeEmptyFolders(from: folder, in: transaction.fileSystem)
        }
        return report
    }

    /// Removes a folder of the trust tree left empty by the removals, and its empty parents inside `trust/`.
    static func removeEmptyFolders(from folder: String, in fileSystem: any FileSystem) {
        var current = folder
        while current.contains("/" + TrustFiles.folder + "/") || current.hasPrefix(TrustFiles.folder + "/"),
              fileSystem.removeFolder(current) == 0 {
            current = PathName.folder(of: current)
        }
    }

    /// How a mode is printed: `0600`.
    public static func modeText(_ mode: mode_t?) -> String {
        guard let mode else { return "mode unknown" }
        let digits = String(mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
