import Foundation
import RegistryModel

/// Several files replaced as one commit, as git replaces its index: every new file is staged beside its target
/// as a temporary (created exclusively, never through a link), all are synced, a journal names them, then all are
/// renamed. A failure before the renames removes the temporaries and changes nothing; a failure during them puts
/// back what was replaced; a killed run leaves a journal that the next run in that folder completes.
public struct FileTransaction: Sendable {
    /// How a file is made.
    public enum Kind: Sendable, Equatable {
        /// A file of the output folder: keeps an existing file's mode, owner and group, else is made 0644.
        case regular
        /// A file that holds a secret: always a new regular file created 0600; a link or a non-regular file at
        /// its path is refused, never written through.
        case secret
        /// The values file a person named: a symbolic link's target is edited and the link kept.
        case personal
    }

    /// One file to write.
    public struct Write: Sendable {
        public let path: String
        public let bytes: [UInt8]
        public let kind: Kind
        /// A mode to set whatever the old file had (a values file that will hold a private key: 0600).
        public let mode: mode_t?
        /// The bytes this program read from the path (nil when it did not exist): the write is refused when the
        /// file changed on disk since. Unset: not checked (regenerable output).
        public let readBefore: [UInt8]??
    }

    public private(set) var writes: [Write] = []
    public private(set) var removals: [String] = []
    /// Where the files are written: the disk, or a test's fake.
    public let fileSystem: any FileSystem

    public init(fileSystem: any FileSystem = RealFileSystem()) {
        self.fileSystem = fileSystem
    }

    /// Adds a file to write.
    public mutating func write(_ bytes: [UInt8], to path: String, kind: Kind = .regular, mode: mode_t? = nil,
                               readBefore: [UInt8]?? = .none) {
        writes.append(Write(path: path, bytes: bytes, kind: kind, mode: mode, readBefore: readBefore))
    }

    /// Adds a file to remove once the new files are in place.
    public mutating func remove(_ path: String) { removals.append(path) }

    /// What a commit did, in the order of the writes.
    public struct Report: Sendable {
        /// The paths written (as given) and the mode each has on disk now.
        public var written: [(path: String, mode: mode_t)] = []
        public var removed: [String] = []
        /// Stale files that could not be removed, with the reason (the new files are in place all the same).
        public var notRemoved: [String] = []
        /// The mode of a written path.
        public func mode(of path: String) -> mode_t? { written.first { $0.path == path }?.mode }
    }

    /// A staged file: its temporary, its real target and the file it replaces.
    struct Staged {
        let write: Write
        let target: String
        let temporary: String
        /// A file was at the target before (its mode, owner and group were taken from it).
        let existed: Bool
        var backup: String?
        var replaced = false
    }

    /// Writes everything or nothing. The caller holds the `FileLock` of every folder involved.
    public func commit() throws(ValuesFileError) -> Report {
        let fs = fileSystem
        var createdFolders: [String] = []
        var staged: [Staged] = []
        func abandon() {
            for item in staged { _ = fs.remove(item.temporary) }
            for folder in createdFolders.reversed() { _ = fs.removeFolder(folder) }
        }
        do {
            let targets = try writes.map { write throws(ValuesFileError) in try target(of: write) }
            for folder in Set(targets.map(PathName.folder(of:))).sorted() {
                FileTransaction.recover(in: folder, fileSystem: fs)
                createdFolders += try FileAccess.makeFolderRecording(folder, in: fs)
            }
            for (write, target) in zip(writes, targets) {
                let info = try check(write, target: target)
                let temporary = try stage(write, target: target, replacing: info)
                staged.append(Staged(write: write, target: target, temporary: temporary, existed: info != nil))
            }
            try sync(staged.map(\.temporary))
        } catch {
            abandon()
            throw error
        }
        let journal = staged.count + removals.count > 1 ? staged.first.map { PathName.folder(of: $0.target) } : nil
        if let journal {
            do { try writeJournal(in: journal, staged: staged) } catch {
                abandon()
                throw error
            }
        }
        // What a failed rename puts back: the person's files and the secrets are linked aside first; the output
        // folder's other files can be made again, so a failure among them is named instead of undone.
        for index in staged.indices where staged[index].write.kind != .regular
            && fs.existing(staged[index].target, followingLinks: false) != nil {
            let backup = FileTransaction.temporaryName(for: staged[index].target, tag: "old")
            if fs.link(staged[index].target, to: backup) == 0 { staged[index].backup = backup }
        }
        for index in staged.indices {
            let code = fs.rename(staged[index].temporary, to: staged[index].target)
            if code == 0 {
                staged[index].replaced = true
                continue
            }
            let reason = FileAccess.reason(code)
            let failed = staged[index].write.path
            let unrestored = rollBack(staged)
            for item in staged where !item.replaced { _ = fs.remove(item.temporary) }
            if let journal { _ = fs.remove(PathName.join(journal, FileTransaction.journalName)) }
            if unrestored.isEmpty {
                throw ValuesFileError(file: failed, "cannot replace the file: \(reason); nothing was changed")
            }
            throw ValuesFileError(file: failed, "cannot replace the file: \(reason); these files were changed and "
                + "could not "
                + "be put back: \(unrestored.joined(separator: ", "))")
        }
        var report = Report()
        for path in removals {
            let code = fs.remove(path)
            if code == 0 { report.removed.append(path) }
            else if code != ENOENT { report.notRemoved.append("\(Quote.path(path)): \(FileAccess.reason(code))") }
        }
        if let journal { _ = fs.remove(PathName.join(journal, FileTransaction.journalName)) }
        for item in staged {
            if let backup = item.backup { _ = fs.remove(backup) }
            let mode = fs.existing(item.target, followingLinks: true)?.permissions ?? 0
            report.written.append((item.write.path, mode))
        }
        // The renames and removals made durable in one more pass (one `syncfs` per file system, not one per folder).
        do { try sync(staged.map(\.target)) } catch {
            throw error.saying(error.message.replacingOccurrences(of: "nothing was changed", with: "the files were "
                + "replaced")
                + " but may not survive a power cut")
        }
        return report
    }

    /// The real file a write replaces: a values file's symbolic link is followed, any other path is taken as is.
    func target(of write: Write) throws(ValuesFileError) -> String {
        write.kind == .personal ? try FileAccess.resolvedTarget(write.path, in: fileSystem) : write.path
    }

    /// Refuses what must not be replaced; returns the old file's status when there is one.
    func check(_ write: Write, target: String) throws(ValuesFileError) -> FileStatus? {
        let fs = fileSystem
        let path = write.path
        var info: FileStatus?
        switch fs.status(target, followingLinks: false) {
        case .success(let found): info = found
        case .failure(let error) where error.code == ENOENT: info = nil
        case .failure(let error):
            throw ValuesFileError(file: path, "cannot be checked: \(FileAccess.reason(error.code)); nothing was "
                + "changed")
        }
        if case .some(let before) = write.readBefore {
            var now: [UInt8]?
            if info != nil {
                do { now = try FileAccess.readFile(target, in: fs) } catch {
                    throw error.saying("\(error.message) (reading it again before replacing it); nothing written")
                }
            }
            if now != before {
                throw ValuesFileError(
                    file: path, "changed on disk since it was read; nothing written", changedOnDisk: write.path)
            }
        }
        guard let info else { return nil }
        switch info.kind {
        case .regular: break
        case .link:
            throw ValuesFileError(file: path, write.kind == .secret
                ? "is a symbolic link; a file that holds a secret is never written through a link: remove the link "
                    + "(nothing was changed)"
                : "is a symbolic link; the output folder's files are written only as regular files: remove the link "
                    + "(nothing was changed)")
        case .folder: throw ValuesFileError(file: path, "is a folder, not a file; nothing was changed")
        default:
            throw ValuesFileError(file: path, "is not a regular file; remove it or choose another folder (nothing was "
                + "changed)")
        }
        let folder = PathName.folder(of: target)
        let folderAccess = fs.writeAccess(folder)
        if folderAccess != 0 {
            throw ValuesFileError(file: path, "cannot write in \(Quote.path(folder)): "
                + "\(FileAccess.reason(folderAccess)); nothing was changed")
        }
        if info.permissions & 0o200 == 0 || (!fs.isSuperuser && fs.writeAccess(target) != 0) {
            throw ValuesFileError(file: path, "is read-only (mode \(String(info.permissions & 0o777, radix: 8))); "
                                  + "nothing was changed (chmod u+w \(Quote.path(path)) to allow it)")
        }
        if info.links > 1 {
            throw ValuesFileError(file: path, "has \(info.links) hard links; replacing it would split them, so the "
                + "other names would keep the old content: copy it to a file of its own first (nothing was changed)")
        }
        return info
    }

    /// Writes the new content into a temporary created beside the target, with its final mode, owner and group.
    func stage(_ write: Write, target: String, replacing old: FileStatus?) throws(ValuesFileError) -> String {
        let temporary = FileTransaction.temporaryName(for: target, tag: "tmp")
        let mode: mode_t = write.kind == .secret ? 0o600 : write.mode ?? old?.permissions ?? 0o644
        let owner = old.map { ($0.owner, $0.group) }
        guard let failure = fileSystem.create(temporary, bytes: write.bytes, mode: mode, owner: owner, flush: false)
        else {
            return temporary
        }
        let reason = FileAccess.reason(failure.code)
        switch failure.step {
        case .open:
            throw ValuesFileError(file: write.path, "cannot write in \(Quote.path(PathName.folder(of: target))): "
                                  + "\(reason); nothing was changed")
        case .owner: throw ValuesFileError(file: write.path, "cannot keep its owner and group: \(reason); nothing was "
            + "changed")
        case .mode: throw ValuesFileError(file: write.path, "cannot set the mode: \(reason); nothing was changed")
        case .write: throw ValuesFileError(file: write.path, "cannot write: \(reason); nothing was changed")
        }
    }

    /// Flushes every staged file in one pass: one `syncfs` per file system rather than one `fsync` per file.
    func sync(_ paths: [String]) throws(ValuesFileError) {
        var devices = Set<UInt64>()
        for path in paths {
            guard let info = fileSystem.existing(path, followingLinks: true),
                devices.insert(info.device).inserted
            else { continue }
            let code = fileSystem.syncFileSystem(holding: path)
            if code != 0 {
                throw ValuesFileError(file: path, "cannot flush to disk: \(FileAccess.reason(code)); nothing was "
                    + "changed")
            }
        }
    }

    /// The journal's name in a folder: it lists the renames of a commit in progress.
    static let journalName = ".cache-registry-setup.journal"

    func writeJournal(in folder: String, staged: [Staged]) throws(ValuesFileError) {
        var text = "# cache-registry-setup: a commit in progress; the next run in this folder completes it\n"
        for item in staged { text += "rename\t\(item.temporary)\t\(item.target)\n" }
        for path in removals { text += "remove\t\(path)\n" }
        let journal = PathName.join(folder, FileTransaction.journalName)
        let temporary = FileTransaction.temporaryName(for: journal, tag: "tmp")
        if let failure = fileSystem.create(temporary, bytes: Array(text.utf8), mode: 0o600, owner: nil, flush: true) {
            throw ValuesFileError(file: folder, "cannot write: \(FileAccess.reason(failure.code)); nothing was changed")
        }
        let code = fileSystem.rename(temporary, to: journal)
        guard code == 0 else {
            _ = fileSystem.remove(temporary)
            throw ValuesFileError(file: folder, "cannot write: \(FileAccess.reason(code)); nothing was changed")
        }
        fileSystem.syncFolder(folder)
    }

    /// Completes a commit that a killed run left in `folder` (its journal's renames whose temporaries remain), then
    /// removes leftover temporaries and backups of this program.
    public static func recover(in folder: String, fileSystem fs: any FileSystem = RealFileSystem()) {
        let journal = PathName.join(folder, journalName)
        if case .success(let bytes) = fs.read(journal, limit: FileAccess.maximumFileSize) {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if fields.count == 3, fields[0] == "rename",
                    fs.existing(fields[1], followingLinks: false) != nil
                {
                    _ = fs.rename(fields[1], to: fields[2])
                }
                if fields.count == 2, fields[0] == "remove" { _ = fs.remove(fields[1]) }
            }
            _ = fs.remove(journal)
        }
        guard let names = fs.names(inFolder: folder) else { return }
        for name in names where isLeftover(name) { _ = fs.remove(PathName.join(folder, name)) }
    }

    /// `.NAME.tmp-XXXXXX` or `.NAME.old-XXXXXX`: a temporary or backup of this program.
    static func isLeftover(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.count > 12 else { return false }
        let suffix = name.suffix(11)
        return (suffix.hasPrefix(".tmp-") || suffix.hasPrefix(".old-"))
            && suffix.dropFirst(5).allSatisfy { $0.isLetter || $0.isNumber }
    }

    static func temporaryName(for target: String, tag: String) -> String {
        // Six letters or digits from one random number (one getrandom call, not one per letter); the exclusive
        // create refuses a name that happens to exist.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var bits = UInt64.random(in: .min ... .max)
        var random = ""
        for _ in 0..<6 {
            random.append(alphabet[Int(bits % UInt64(alphabet.count))])
            bits /= UInt64(alphabet.count)
        }
        return PathName.join(PathName.folder(of: target), ".\(PathName.lastComponent(target)).\(tag)-\(random)")
    }

    /// Puts back what the renames so far replaced; returns the paths that could not be put back.
    func rollBack(_ staged: [Staged]) -> [String] {
        var unrestored: [String] = []
        for item in staged.reversed() where item.replaced {
            if let backup = item.backup {
                if fileSystem.rename(backup, to: item.target) != 0 { unrestored.append(item.write.path) }
            } else if item.existed || fileSystem.remove(item.target) != 0 {
                unrestored.append(item.write.path)  // the new content stays: the old one was not kept aside
            }
        }
        for item in staged where !item.replaced { if let backup = item.backup { _ = fileSystem.remove(backup) } }
        return unrestored
    }
}

/// An advisory lock that serialises this program's writers of one folder: `flock` on a lock file in it, removed
/// when released (and released by the kernel if the process dies).
public final class FileLock {
    private var held: [(path: String, fd: Int32)] = []

    /// Locks the folders of `paths` (each folder once, in a fixed order, so two writers never deadlock).
    public init(folderOf paths: [String]) throws(ValuesFileError) {
        var folders: [String] = []
        for path in paths {
            let folder = PathName.folder(of: (try? FileAccess.resolvedTarget(path)) ?? path)
            var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let canonical = realpath(folder, &resolved) != nil
                ? String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : folder
            if !folders.contains(canonical) { folders.append(canonical) }
        }
        for folder in folders.sorted() {
            // A folder still to be made has no other writer yet; a file in its place is refused by the commit.
            var info = stat()
            guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
            try lock(PathName.join(folder, FileLock.name))
        }
    }

    public static let name = ".cache-registry-setup.lock"

    private func lock(_ path: String) throws(ValuesFileError) {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                // nothing can be written there anyway
                if errno == EACCES || errno == EROFS || errno == EPERM { return }
                throw ValuesFileError(file: path, "cannot take the lock: \(FileAccess.reason(errno)); nothing was "
                    + "changed")
            }
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
            // The previous holder may have removed the file between our open and our lock: lock the file that is there.
            var opened = stat(), current = stat()
            if fstat(fd, &opened) == 0, stat(path, &current) == 0, opened.st_ino == current.st_ino,
                opened.st_dev == current.st_dev
            {
                held.append((path, fd))
                return
            }
            close(fd)
        }
    }

    /// Releases every lock (also done when the lock is freed).
    public func release() {
        for (path, fd) in held.reversed() {
            unlink(path)
            close(fd)
        }
        held = []
    }

    deinit { release() }
}
