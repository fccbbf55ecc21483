import Glibc
import Manifests
import RegistryModel
import ValuesFile

/// Writes files into an output folder as one step (the folder is written whole, see `FileTransaction`), with the
/// other files of the same commit (the values files), under the locks of every folder involved.
public enum ManifestWriter {
    /// What a write into the output folder did.
    public struct Outcome: Sendable {
        public let report: FileTransaction.Report
        /// The Secret files this program wrote before that the folder no longer holds (announced, never silent).
        public let removedSecrets: [String]
    }

    /// Commits `files` into `folder` together with the writes already in `transaction`. With `replacingOutput`,
    /// the files this program wrote there before and writes no more (its marker in them, directly where it put
    /// them) are dropped; everything else in the folder is kept as it is.
    public static func commit(
        _ files: [OutputLayout.File], in folder: String, alongside transaction: FileTransaction,
        replacingOutput: Bool, wait: LockWait
    ) throws(FileError) -> Outcome {
        var transaction = transaction
        for file in files {
            transaction.write(Array(file.contents.utf8), to: PathName.join(folder, file.name),
                              kind: file.isSecret ? .secret : .regular, mode: file.isExecutable ? 0o755 : nil)
        }
        transaction.replaceWhole(folder)
        let lock = try FileLock(for: transaction, wait: wait)
        defer { lock.release() }
        // What is stale is decided under the lock, on the folder as the commit finds it.
        let dropping = replacingOutput ? try stale(files, in: folder, fileSystem: transaction.fileSystem) : []
        transaction.replaceWhole(folder, dropping: dropping)
        let report = try transaction.commit()
        let secrets = Set(OutputLayout.secretFileNames.map { PathName.join(folder, $0) })
        return Outcome(report: report, removedSecrets: report.removed.filter(secrets.contains))
    }

    /// The names in the folder that this program wrote before and `files` no longer holds: regular files with its
    /// marker under the names it writes, and its own folders (`trust/`, `helm-plugin/`) whose marked file it wrote,
    /// replaced whole, so the hosts of an old service name do not linger.
    static func stale(_ files: [OutputLayout.File], in folder: String, fileSystem fs: any FileSystem)
        throws(FileError) -> Set<String>
    {
        let names = Set(files.map(\.name))
        var dropping = Set<String>()
        for name in OutputLayout.allFileNames where !names.contains(name) {
            let path = PathName.join(folder, name)
            if fs.existing(path, followingLinks: false)?.kind == .regular, try isOurs(path, in: fs) {
                dropping.insert(name)
            }
        }
        for (name, markedFile) in OutputLayout.ownFolders {
            let marked = PathName.join(folder, markedFile)
            if fs.existing(PathName.join(folder, name), followingLinks: false)?.kind == .folder,
                fs.existing(marked, followingLinks: false)?.kind == .regular, try isOurs(marked, in: fs)
            {
                dropping.insert(name)
            }
        }
        return dropping
    }

    /// Whether a file in the output folder was written by this program; one that cannot be read is an error, not
    /// taken as absent (it would be replaced without asking).
    static func isOurs(_ path: String, in fileSystem: any FileSystem) throws(FileError) -> Bool {
        do {
            return OutputLayout.isOurs(
                String(decoding: try FileAccess.readFile(path, what: "a manifest", in: fileSystem), as: UTF8.self))
        } catch {
            throw error.saying("\(error.message); nothing was changed")
        }
    }

    /// How a mode is printed: `0600`.
    public static func modeText(_ mode: mode_t?) -> String {
        guard let mode else { return "mode unknown" }
        let digits = String(mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
