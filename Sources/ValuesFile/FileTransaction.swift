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

    public init() {}

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
        var createdFolders: [String] = []
        var staged: [Staged] = []
        func abandon() {
            for item in staged { unlink(item.temporary) }
            for folder in createdFolders.reversed() { rmdir(folder) }
        }
        do {
            let targets = try writes.map { write throws(ValuesFileError) in try FileTransaction.target(of: write) }
            for folder in Set(targets.map(PathName.folder(of:))).sorted() {
                FileTransaction.recover(in: folder)
                createdFolders += try FileAccess.makeFolderRecording(folder)
            }
            for (write, target) in zip(writes, targets) {
                let info = try FileTransaction.check(write, target: target)
                let temporary = try FileTransaction.stage(write, target: target, replacing: info)
                staged.append(Staged(write: write, target: target, temporary: temporary, existed: info != nil))
            }
            try FileTransaction.sync(staged.map(\.temporary))
        } catch {
            abandon()
            throw error
        }
        let journal = staged.count + removals.count > 1 ? staged.first.map { PathName.folder(of: $0.target) } : nil
        if let journal {
            do { try FileTransaction.writeJournal(in: journal, staged: staged, removals: removals) } catch {
                abandon()
                throw error
            }
        }
        // What a failed rename puts back: the person's files and the secrets are linked aside first; the output
        // folder's other files can be made again, so a failure among them is named instead of undone.
        for index in staged.indices where staged[index].write.kind != .regular && access(staged[index].target, F_OK) == 0 {
            let backup = FileTransaction.temporaryName(for: staged[index].target, tag: "old")
            if link(staged[index].target, backup) == 0 { staged[index].backup = backup }
        }
        for index in staged.indices {
            if rename(staged[index].temporary, staged[index].target) == 0 {
                staged[index].replaced = true
                continue
            }
            let reason = FileAccess.reason(errno)
            let failed = staged[index].write.path
            let unrestored = FileTransaction.rollBack(staged)
            for item in staged where !item.replaced { unlink(item.temporary) }
            if let journal { unlink(PathName.join(journal, FileTransaction.journalName)) }
            if unrestored.isEmpty {
                throw ValuesFileError("\(failed): cannot replace the file: \(reason); nothing was changed")
            }
            throw ValuesFileError("\(failed): cannot replace the file: \(reason); these files were changed and could not "
                                  + "be put back: \(unrestored.joined(separator: ", "))")
        }
        var report = Report()
        for path in removals {
            if unlink(path) == 0 { report.removed.append(path) }
            else if errno != ENOENT { report.notRemoved.append("\(Quote.path(path)): \(FileAccess.reason(errno))") }
        }
        if let journal { unlink(PathName.join(journal, FileTransaction.journalName)) }
        for item in staged {
            if let backup = item.backup { unlink(backup) }
            var info = stat()
            report.written.append((item.write.path, stat(item.target, &info) == 0 ? info.st_mode & 0o7777 : 0))
        }
        // The renames and removals made durable in one more pass (one `syncfs` per file system, not one per folder).
        do { try FileTransaction.sync(staged.map(\.target)) } catch {
            throw ValuesFileError("\(error.description.replacingOccurrences(of: "nothing was changed", with: "the files were replaced"))"
                                  + " but may not survive a power cut")
        }
        return report
    }

    /// The real file a write replaces: a values file's symbolic link is followed, any other path is taken as is.
    static func target(of write: Write) throws(ValuesFileError) -> String {
        write.kind == .personal ? try FileAccess.resolvedTarget(write.path) : write.path
    }

    /// Refuses what must not be replaced; returns the old file's status when there is one.
    static func check(_ write: Write, target: String) throws(ValuesFileError) -> stat? {
        let path = Quote.path(write.path)
        var info = stat()
        let exists = lstat(target, &info) == 0
        if !exists && errno != ENOENT {
            throw ValuesFileError("\(path): cannot be checked: \(FileAccess.reason(errno)); nothing was changed")
        }
        if case .some(let before) = write.readBefore {
            var now: [UInt8]?
            if exists {
                do { now = try FileAccess.readFile(target) } catch {
                    throw ValuesFileError("\(error.description) (reading it again before replacing it); nothing written")
                }
            }
            if now != before {
                throw ValuesFileError("\(path): changed on disk since it was read; nothing written", changedOnDisk: write.path)
            }
        }
        guard exists else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK:
            throw ValuesFileError(write.kind == .secret
                ? "\(path): is a symbolic link; a file that holds a secret is never written through a link: remove the link (nothing was changed)"
                : "\(path): is a symbolic link; the output folder's files are written only as regular files: remove the link (nothing was changed)")
        case S_IFDIR: throw ValuesFileError("\(path): is a folder, not a file; nothing was changed")
        default: throw ValuesFileError("\(path): is not a regular file; remove it or choose another folder (nothing was changed)")
        }
        let folder = PathName.folder(of: target)
        if access(folder, W_OK) != 0 {
            throw ValuesFileError("\(path): cannot write in \(Quote.path(folder)): \(FileAccess.reason(errno)); nothing was changed")
        }
        if info.st_mode & 0o200 == 0 || (geteuid() != 0 && access(target, W_OK) != 0) {
            throw ValuesFileError("\(path): is read-only (mode \(String(info.st_mode & 0o777, radix: 8))); "
                                  + "nothing was changed (chmod u+w \(path) to allow it)")
        }
        if info.st_nlink > 1 {
            throw ValuesFileError("\(path): has \(info.st_nlink) hard links; replacing it would split them, so the other names "
                                  + "would keep the old content: copy it to a file of its own first (nothing was changed)")
        }
        return info
    }

    /// Writes the new content into a temporary created beside the target, with its final mode, owner and group.
    static func stage(_ write: Write, target: String, replacing old: stat?) throws(ValuesFileError) -> String {
        let path = Quote.path(write.path)
        let temporary = temporaryName(for: target, tag: "tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ValuesFileError("\(path): cannot write in \(Quote.path(PathName.folder(of: target))): "
                                  + "\(FileAccess.reason(errno)); nothing was changed")
        }
        func fail(_ what: String, _ code: Int32) -> ValuesFileError {
            close(fd)
            unlink(temporary)
            return ValuesFileError("\(path): cannot \(what): \(FileAccess.reason(code)); nothing was changed")
        }
        let mode: mode_t = write.kind == .secret ? 0o600 : write.mode ?? old.map { $0.st_mode & 0o7777 } ?? 0o644
        var made = stat()
        if let old, fstat(fd, &made) == 0, made.st_uid != old.st_uid || made.st_gid != old.st_gid {
            if fchown(fd, old.st_uid, old.st_gid) != 0 { throw fail("keep its owner and group", errno) }
        }
        if fchmod(fd, mode) != 0 { throw fail("set the mode", errno) }
        var written = 0
        while written < write.bytes.count {
            let result = write.bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress.map { $0 + written }, write.bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw fail("write", errno)
            }
            written += result
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temporary)
            throw ValuesFileError("\(path): cannot write: \(FileAccess.reason(code)); nothing was changed")
        }
        return temporary
    }

    /// Flushes every staged file in one pass: one `syncfs` per file system rather than one `fsync` per file.
    static func sync(_ temporaries: [String]) throws(ValuesFileError) {
        var devices = Set<UInt64>()
        for temporary in temporaries {
            var info = stat()
            guard stat(temporary, &info) == 0, devices.insert(UInt64(info.st_dev)).inserted else { continue }
            let fd = open(temporary, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            if systemSyncfs(fd) != 0 {
                throw ValuesFileError("\(Quote.path(temporary)): cannot flush to disk: \(FileAccess.reason(errno)); nothing was changed")
            }
        }
    }

    /// The journal's name in a folder: it lists the renames of a commit in progress.
    static let journalName = ".cache-registry-setup.journal"

    static func writeJournal(in folder: String, staged: [Staged], removals: [String]) throws(ValuesFileError) {
        var text = "# cache-registry-setup: a commit in progress; the next run in this folder completes it\n"
        for item in staged { text += "rename\t\(item.temporary)\t\(item.target)\n" }
        for path in removals { text += "remove\t\(path)\n" }
        let journal = PathName.join(folder, journalName)
        let temporary = temporaryName(for: journal, tag: "tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ValuesFileError("\(Quote.path(folder)): cannot write: \(FileAccess.reason(errno)); nothing was changed") }
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, bytes.count) }
        let synced = result == bytes.count && fsync(fd) == 0
        let code = errno
        close(fd)
        guard synced, rename(temporary, journal) == 0 else {
            unlink(temporary)
            throw ValuesFileError("\(Quote.path(folder)): cannot write: \(FileAccess.reason(code)); nothing was changed")
        }
        FileAccess.syncFolder(folder)
    }

    /// Completes a commit that a killed run left in `folder` (its journal's renames whose temporaries remain), then
    /// removes leftover temporaries and backups of this program.
    public static func recover(in folder: String) {
        let journal = PathName.join(folder, journalName)
        if let bytes = try? FileAccess.readFile(journal) {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if fields.count == 3, fields[0] == "rename", access(fields[1], F_OK) == 0 { rename(fields[1], fields[2]) }
                if fields.count == 2, fields[0] == "remove" { unlink(fields[1]) }
            }
            unlink(journal)
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where isLeftover(name) { unlink(PathName.join(folder, name)) }
    }

    /// `.NAME.tmp-XXXXXX` or `.NAME.old-XXXXXX`: a temporary or backup of this program.
    static func isLeftover(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.count > 12 else { return false }
        let suffix = name.suffix(11)
        return (suffix.hasPrefix(".tmp-") || suffix.hasPrefix(".old-")) && suffix.dropFirst(5).allSatisfy { $0.isLetter || $0.isNumber }
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
    static func rollBack(_ staged: [Staged]) -> [String] {
        var unrestored: [String] = []
        for item in staged.reversed() where item.replaced {
            if let backup = item.backup {
                if rename(backup, item.target) != 0 { unrestored.append(item.write.path) }
            } else if item.existed || unlink(item.target) != 0 {
                unrestored.append(item.write.path)  // the new content stays: the old one was not kept aside
            }
        }
        for item in staged where !item.replaced { if let backup = item.backup { unlink(backup) } }
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
                if errno == EACCES || errno == EROFS || errno == EPERM { return }  // nothing can be written there anyway
                throw ValuesFileError("\(Quote.path(path)): cannot take the lock: \(FileAccess.reason(errno)); nothing was changed")
            }
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
            // The previous holder may have removed the file between our open and our lock: lock the file that is there.
            var opened = stat(), current = stat()
            if fstat(fd, &opened) == 0, stat(path, &current) == 0, opened.st_ino == current.st_ino, opened.st_dev == current.st_dev {
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

/// `syncfs(2)`: Glibc declares it only under `_GNU_SOURCE`, which the Swift overlay does not set.
@_silgen_name("syncfs") private func systemSyncfs(_ fd: Int32) -> Int32
