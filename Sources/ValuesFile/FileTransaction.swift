import Foundation
import RegistryModel

/// Several files replaced as one commit, as git replaces its index. The output folder is written whole: a new folder
/// is built beside it (the files this program writes, and hard links of everything else that was there), then the
/// two are exchanged in one step (`renameat2(RENAME_EXCHANGE)`), so a reader (`kubectl apply -k`, git, a person)
/// sees the old folder or the new one, never a mix, whenever the program is killed. Other files (the person's
/// values file, `values-tls.yaml`) are staged beside their targets as temporaries (created exclusively, never
/// through a link), synced, named in a journal of their folder, then renamed. A failure before the renames changes
/// nothing; a failure during them puts back what was replaced; a killed run leaves a journal that the next run in
/// that folder completes, when it is this user's own and names only this program's temporaries in that folder.
public struct FileTransaction: Sendable {
    /// How a file is made.
    public enum Kind: Sendable, Equatable {
        /// A file of the output folder: keeps an existing file's mode, owner and group, else is made 0644.
        case regular
        /// A file that holds a secret: always a new regular file created 0600 and owned by the user who writes it;
        /// a link, a non-regular file or a file of another user at its path is refused, never written through.
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

    /// A folder written whole: the writes below it and what else it held, less what it no longer should.
    public struct WholeFolder: Sendable {
        public let path: String
        /// Paths relative to the folder that the new folder does not keep (files this program wrote before and
        /// writes no more; a folder among them goes with all below it). Everything else in it is kept as it is.
        public let dropping: Set<String>
    }

    public private(set) var writes: [Write] = []
    public private(set) var wholeFolder: WholeFolder?
    /// Where the files are written: the disk, or a test's fake.
    public let fileSystem: any FileSystem

    public init(fileSystem: any FileSystem) {
        self.fileSystem = fileSystem
    }

    /// Adds a file to write.
    public mutating func write(_ bytes: [UInt8], to path: String, kind: Kind = .regular, mode: mode_t? = nil,
                               readBefore: [UInt8]?? = .none) {
        writes.append(Write(path: path, bytes: bytes, kind: kind, mode: mode, readBefore: readBefore))
    }

    /// Writes `folder` whole: the writes below it land in one step, what it held is kept but for `dropping`.
    public mutating func replaceWhole(_ folder: String, dropping: Set<String> = []) {
        wholeFolder = WholeFolder(path: folder, dropping: dropping)
    }

    /// What a commit did, in the order of the writes.
    public struct Report: Sendable {
        /// The paths written (as given) and the mode each has on disk now.
        public var written: [(path: String, mode: mode_t)] = []
        /// The files and folders of the old folder that the new one does not keep.
        public var removed: [String] = []
        /// What could not be removed, with the reason (the new files are in place all the same).
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

    /// Writes everything or nothing. The caller holds the lock of every folder involved (`FileLock(for:)`).
    public func commit() throws(FileError) -> Report {
        if wholeFolder != nil, let report = try commitSwapping() { return report }
        return try commitInPlace()
    }

    // MARK: - The folder written whole

    /// Where a folder really is: its real parent and name (it may not exist yet), and what is there now.
    struct Place {
        let given: String
        let parent: String
        let name: String
        let existing: FileStatus?
        var path: String { PathName.join(parent, name) }

        /// A target's path relative to the folder when it lies inside (as given, or by its real folder), else nil.
        func relative(_ target: String, in fs: any FileSystem) -> String? {
            let given = PathName.join(self.given, "")
            if target.hasPrefix(given) { return String(target.dropFirst(given.count)) }
            let inside = path == "/" ? "/" : path + "/"
            var folder = PathName.folder(of: target)
            var rest = PathName.lastComponent(target)
            // The nearest folder that exists tells where the target really is.
            while fs.canonical(folder) == nil && folder != "." && folder != "/" {
                rest = PathName.lastComponent(folder) + "/" + rest
                folder = PathName.folder(of: folder)
            }
            guard let real = fs.canonical(folder) else { return nil }
            let full = PathName.join(real, rest)
            return full.hasPrefix(inside) ? String(full.dropFirst(inside.count)) : nil
        }
    }

    /// The real place of a folder; its parent folders are made when missing (the lock needs them first).
    static func place(of folder: String, in fs: any FileSystem) throws(FileError) -> Place {
        let existing = fs.existing(folder, followingLinks: true)
        if let existing, existing.kind != .folder {
            throw FileError(file: folder, "is a file, not a folder; choose another output folder")
        }
        if existing != nil, let real = fs.canonical(folder) {
            return Place(given: folder, parent: PathName.folder(of: real), name: PathName.lastComponent(real),
                         existing: existing)
        }
        let parent = PathName.folder(of: folder)
        _ = try FileAccess.makeFolderRecording(parent, in: fs)
        let real = fs.canonical(parent) ?? parent
        return Place(given: folder, parent: real, name: PathName.lastComponent(folder), existing: nil)
    }

    /// The lock file of a folder written whole: beside it in its parent, so it outlives the exchange.
    static func lockPath(replacing folder: String, in fs: any FileSystem) throws(FileError) -> String {
        let place = try place(of: folder, in: fs)
        guard place.path != "/" else { return PathName.join("/", FileLock.name) }
        return PathName.join(place.parent, ".\(place.name).\(FileLock.suffix)")
    }

    /// Builds the new folder beside the old and exchanges them; nil when this folder cannot be swapped (the folder
    /// this process runs in, a mount point, a file system without the exchange, files that cannot be linked): then
    /// nothing was changed and its files are written one by one instead.
    func commitSwapping() throws(FileError) -> Report? {
        guard let whole = wholeFolder else { return nil }
        let fs = fileSystem
        let place = try FileTransaction.place(of: whole.path, in: fs)
        if place.path == "/" { return nil }
        if let cwd = fs.workingDirectory, cwd == place.path || cwd.hasPrefix(place.path + "/") { return nil }
        try FileTransaction.cleanUp(beside: place, in: fs)
        if place.existing != nil { try FileTransaction.recover(in: place.path, fileSystem: fs) }
        let targets = try writes.map { write throws(FileError) in try target(of: write) }
        var relatives: [Int: String] = [:]
        for index in writes.indices { relatives[index] = place.relative(targets[index], in: fs) }
        let inside = writes.indices.filter { relatives[$0] != nil }
        // Refusals first, on the folder as it is: nothing is made before every write may go ahead.
        var old: [Int: FileStatus] = [:]
        for index in inside {
            try FileTransaction.refuseLinks(below: place, to: relatives[index] ?? "", for: writes[index].path, in: fs)
            old[index] = try check(writes[index], target: PathName.join(place.path, relatives[index] ?? ""))
        }
        let stage = FileTransaction.temporaryName(for: place.path, tag: "stage")
        let made = fs.makeFolder(stage, mode: 0o755)
        if made == EACCES || made == EPERM { return nil }
        if made != 0 {
            throw FileError(file: whole.path, place.existing == nil
                ? "cannot create the folder: \(FileAccess.reason(made)); nothing was changed"
                : "cannot write in \(Quote.path(place.parent)): \(FileAccess.reason(made)); nothing was changed")
        }
        func abandon() { _ = fs.removeTree(stage) }
        // The loose files (values files outside the folder) are staged as usual, beside their targets.
        var loose = Loose(transaction: self, indexes: writes.indices.filter { relatives[$0] == nil },
                          targets: targets)
        do throws(FileError) {
            let written = Set(inside.compactMap { relatives[$0] })
            if place.existing != nil {
                if let failure = fs.carryOver(from: place.path, into: stage, skipping: whole.dropping.union(written)
                    .union(FileTransaction.ownNames)) {
                    // A file another user owns (hard links to it are not allowed), a pipe, a device: written in place.
                    if [EPERM, EXDEV, EMLINK, EINVAL].contains(failure.code) {
                        abandon()
                        return nil
                    }
                    throw FileError(file: PathName.join(whole.path, failure.path), "cannot be kept in the new "
                        + "folder: \(FileAccess.reason(failure.code)); nothing was changed")
                }
            }
            for index in inside {
                let relative = relatives[index] ?? ""
                try FileTransaction.makeFolders(for: relative, in: stage, named: whole.path, fs: fs)
                try create(writes[index], at: PathName.join(stage, relative), replacing: old[index])
            }
            if let existing = place.existing {
                var code = fs.setMode(stage, existing.permissions)
                if code == 0, fs.isSuperuser {
                    code = fs.setOwner(stage, owner: existing.owner, group: existing.group)
                }
                if code != 0 {
                    throw FileError(file: whole.path, "cannot keep its mode and owner: "
                        + "\(FileAccess.reason(code)); nothing was changed")
                }
            }
            try loose.stage()
            try sync([stage] + loose.staged.map(\.temporary))
            try loose.writeJournals(alsoCounting: 1)
        } catch {
            loose.abandon()
            abandon()
            throw error
        }
        // The one step a reader can see: the new folder takes the old one's place.
        let code = place.existing == nil ? fs.renameNew(stage, to: place.path) : fs.exchange(stage, place.path)
        if code != 0 {
            loose.abandon()
            abandon()
            if [EINVAL, ENOSYS, EBUSY, EXDEV, EOPNOTSUPP, ENOTSUP].contains(code) { return nil }
            throw FileError(file: whole.path, "cannot be replaced: \(FileAccess.reason(code)); nothing was "
                + "changed")
        }
        do { try loose.rename() } catch {
            // The folder goes back too, so either everything is new or the error names what stayed changed.
            let back = place.existing == nil ? fs.rename(place.path, to: stage) : fs.exchange(stage, place.path)
            abandon()
            throw back == 0 ? error : error.saying(error.message.replacingOccurrences(of: "nothing was changed",
                with: "\(Quote.path(whole.path)) holds the new files") + " (\(Quote.path(whole.path)) holds the new "
                + "files)")
        }
        var report = Report()
        for relative in whole.dropping.sorted() where fs.existing(PathName.join(stage, relative),
                                                                  followingLinks: false) != nil {
            report.removed.append(PathName.join(whole.path, relative))
        }
        if place.existing != nil {
            FileTransaction.keepLateArrivals(from: stage, into: place.path, dropping: whole.dropping, in: fs)
            let removal = fs.removeTree(stage)
            if removal != 0 {
                report.notRemoved.append("\(Quote.path(stage)) (the previous folder): \(FileAccess.reason(removal))")
            }
        }
        fs.syncFolder(place.parent)
        report.written = loose.written() + inside.map { index in
            (writes[index].path,
             fs.existing(PathName.join(place.path, relatives[index] ?? ""), followingLinks: true)?.permissions ?? 0)
        }
        report.written.sort { first, second in
            (writes.firstIndex { $0.path == first.path } ?? 0) < (writes.firstIndex { $0.path == second.path } ?? 0)
        }
        return report
    }

    /// Names this program keeps in a folder for itself, never carried into the new one.
    static let ownNames: Set<String> = [journalName, FileLock.name]

    /// A write below the folder never goes through a link that is already there (`trust` → `../outside`).
    static func refuseLinks(below place: Place, to relative: String, for path: String, in fs: any FileSystem)
        throws(FileError)
    {
        var current = place.path
        var shown = place.given
        for component in relative.split(separator: "/").dropLast() {
            current = PathName.join(current, String(component))
            shown = PathName.join(shown, String(component))
            guard let info = fs.existing(current, followingLinks: false) else { return }
            if info.kind == .link {
                throw FileError(file: shown,
                    "is a symbolic link; nothing is written or removed through a link below the output folder: "
                    + "remove it (nothing was changed)")
            }
            if info.kind != .folder {
                throw FileError(file: path, "cannot be written: \(Quote.path(current)) is not a folder; "
                    + "nothing was changed")
            }
        }
    }

    /// The folders of a write inside the new folder, made as needed; a link there (carried from the old folder)
    /// is refused rather than followed.
    static func makeFolders(for relative: String, in stage: String, named folder: String, fs: any FileSystem)
        throws(FileError)
    {
        var current = stage
        var shown = folder
        for component in relative.split(separator: "/").dropLast() {
            current = PathName.join(current, String(component))
            shown = PathName.join(shown, String(component))
            switch fs.existing(current, followingLinks: false)?.kind {
            case nil:
                let code = fs.makeFolder(current, mode: 0o755)
                if code != 0 {
                    throw FileError(file: shown, "cannot create the folder: \(FileAccess.reason(code)); "
                        + "nothing was changed")
                }
            case .folder?: continue
            case .link?:
                throw FileError(file: shown, "is a symbolic link; nothing is written or removed through a "
                    + "link below the output folder: remove it (nothing was changed)")
            default:
                throw FileError(file: shown, "is a file, not a folder; nothing was changed")
            }
        }
    }

    /// Entries made in the old folder by someone else while the new one was built are moved into the new one.
    static func keepLateArrivals(from old: String, into folder: String, dropping: Set<String>, in fs: any FileSystem) {
        for name in fs.names(inFolder: old) ?? [] where !dropping.contains(name) && !ownNames.contains(name) {
            let target = PathName.join(folder, name)
            guard fs.existing(target, followingLinks: false) == nil else { continue }
            _ = fs.renameNew(PathName.join(old, name), to: target)
        }
    }

    /// Removes what a killed run left beside a folder written whole: the new folders it was building, or the old
    /// folder it had swapped out (this user's own, by their names), so the folder itself is always one whole commit.
    static func cleanUp(beside place: Place, in fs: any FileSystem) throws(FileError) {
        let prefix = "." + place.name + ".stage-"
        for name in fs.names(inFolder: place.parent) ?? [] where name.hasPrefix(prefix) && isRandomTail(name) {
            let path = PathName.join(place.parent, name)
            guard let info = fs.existing(path, followingLinks: false), info.kind == .folder, info.owner == fs.user
            else { continue }
            let code = fs.removeTree(path)
            if code != 0 {
                throw FileError(file: path, "is left from an earlier run and cannot be removed: "
                    + "\(FileAccess.reason(code)); nothing was changed")
            }
        }
    }

    /// Makes what is there consistent before it is read: a killed commit of loose files completed, and what a killed
    /// run left beside a folder written whole removed.
    public static func recover(replacing folder: String, fileSystem fs: any FileSystem) throws(FileError) {
        let place = try place(of: folder, in: fs)
        if place.path != "/" { try cleanUp(beside: place, in: fs) }
        if place.existing != nil { try recover(in: place.path, fileSystem: fs) }
    }

    // MARK: - Files one by one

    /// Every write as a file of its own (the folder's files too, when it cannot be swapped), then the folder's
    /// dropped files removed.
    func commitInPlace() throws(FileError) -> Report {
        let fs = fileSystem
        let targets = try writes.map { write throws(FileError) in try target(of: write) }
        var removals: [String] = []
        var dropped: [(given: String, real: String)] = []
        if let whole = wholeFolder {
            let place = try FileTransaction.place(of: whole.path, in: fs)
            var written = Set<String>()
            for index in writes.indices {
                guard let relative = place.relative(targets[index], in: fs) else { continue }
                try FileTransaction.refuseLinks(below: place, to: relative, for: writes[index].path, in: fs)
                written.insert(PathName.join(place.path, relative))
            }
            for relative in whole.dropping.sorted() {
                let path = PathName.join(place.path, relative)
                guard let info = fs.existing(path, followingLinks: false) else { continue }
                switch info.kind {
                case .regular where !written.contains(path): removals.append(path)
                case .folder:
                    removals += FileAccess.files(under: path, in: fs).map { PathName.join(path, $0) }
                        .filter { !written.contains($0) && fs.existing($0, followingLinks: false)?.kind == .regular }
                default: continue  // a link is never followed, nor removed as if it were the file
                }
                dropped.append((PathName.join(whole.path, relative), path))
            }
        }
        var loose = Loose(transaction: self, indexes: Array(writes.indices), targets: targets)
        do {
            try loose.stage()
            try sync(loose.staged.map(\.temporary))
            try loose.writeJournals(alsoCounting: removals.isEmpty ? 0 : 1)
        } catch {
            loose.abandon()
            throw error
        }
        try loose.rename()
        var report = Report()
        for path in removals {
            let code = fs.remove(path)
            if code != 0 && code != ENOENT {
                report.notRemoved.append("\(Quote.path(path)): \(FileAccess.reason(code))")
            }
        }
        // A dropped folder (an old trust/) goes when nothing but this program's files were in it.
        for (_, real) in dropped where fs.existing(real, followingLinks: false)?.kind == .folder {
            for folder in FileAccess.folders(under: real, in: fs).reversed() { _ = fs.removeFolder(folder) }
            _ = fs.removeFolder(real)
        }
        report.removed = dropped.filter { fs.existing($0.real, followingLinks: false) == nil }.map(\.given)
        report.written = loose.written()
        do { try sync(loose.staged.map(\.target)) } catch {
            throw error.saying(error.message.replacingOccurrences(of: "nothing was changed", with: "the files were "
                + "replaced") + " but may not survive a power cut")
        }
        return report
    }

    /// Files written beside their targets: staged as temporaries, named in their folders' journals, renamed.
    struct Loose {
        let transaction: FileTransaction
        let indexes: [Int]
        let targets: [String]
        var staged: [Staged] = []
        var createdFolders: [String] = []
        var journals: [String] = []

        init(transaction: FileTransaction, indexes: [Int], targets: [String]) {
            self.transaction = transaction
            self.indexes = indexes
            self.targets = targets
        }

        var fs: any FileSystem { transaction.fileSystem }

        mutating func stage() throws(FileError) {
            for folder in Set(indexes.map { PathName.folder(of: targets[$0]) }).sorted() {
                try FileTransaction.recover(in: folder, fileSystem: fs)
                createdFolders += try FileAccess.makeFolderRecording(folder, in: fs)
            }
            for index in indexes {
                let write = transaction.writes[index]
                let info = try transaction.check(write, target: targets[index])
                let temporary = FileTransaction.temporaryName(for: targets[index], tag: "tmp")
                try transaction.create(write, at: temporary, replacing: info)
                staged.append(Staged(write: write, target: targets[index], temporary: temporary, existed: info != nil))
            }
        }

        /// A journal in each folder, when the commit renames more than one file (`others`: steps outside these).
        mutating func writeJournals(alsoCounting others: Int) throws(FileError) {
            guard staged.count + others > 1 else { return }
            for folder in Set(staged.map { PathName.folder(of: $0.target) }).sorted() {
                let inFolder = staged.filter { PathName.folder(of: $0.target) == folder }
                try transaction.writeJournal(in: folder, staged: inFolder)
                journals.append(PathName.join(folder, FileTransaction.journalName))
            }
        }

        func abandon() {
            for item in staged { _ = fs.remove(item.temporary) }
            for journal in journals { _ = fs.remove(journal) }
            for folder in createdFolders.reversed() { _ = fs.removeFolder(folder) }
        }

        /// Renames every staged file; a failure puts back what was replaced and says what could not be.
        mutating func rename() throws(FileError) {
            // What a failed rename puts back: the person's files and the secrets are linked aside first; the other
            // files can be made again, so a failure among them is named instead of undone.
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
                let unrestored = transaction.rollBack(staged)
                for item in staged where !item.replaced { _ = fs.remove(item.temporary) }
                for journal in journals { _ = fs.remove(journal) }
                if unrestored.isEmpty {
                    throw FileError(file: failed, "cannot replace the file: \(reason); nothing was changed")
                }
                throw FileError(file: failed, "cannot replace the file: \(reason); these files were changed and "
                    + "could not be put back: \(unrestored.joined(separator: ", "))")
            }
            for journal in journals { _ = fs.remove(journal) }
            for item in staged {
                if let backup = item.backup { _ = fs.remove(backup) }
            }
            for folder in Set(staged.map { PathName.folder(of: $0.target) }) { fs.syncFolder(folder) }
        }

        func written() -> [(path: String, mode: mode_t)] {
            staged.map { ($0.write.path, fs.existing($0.target, followingLinks: true)?.permissions ?? 0) }
        }
    }

    /// The real file a write replaces: a values file's symbolic link is followed, any other path is taken as is.
    func target(of write: Write) throws(FileError) -> String {
        write.kind == .personal ? try FileAccess.resolvedTarget(write.path, in: fileSystem) : write.path
    }

    /// Refuses what must not be replaced; returns the old file's status when there is one.
    func check(_ write: Write, target: String) throws(FileError) -> FileStatus? {
        let fs = fileSystem
        let path = write.path
        var info: FileStatus?
        switch fs.status(target, followingLinks: false) {
        case .success(let found): info = found
        case .failure(let error) where error.code == ENOENT: info = nil
        case .failure(let error):
            throw FileError(file: path, "cannot be checked: \(FileAccess.reason(error.code)); nothing was "
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
                throw FileError(
                    file: path, "changed on disk since it was read; nothing written", changedOnDisk: write.path)
            }
        }
        guard let info else { return nil }
        switch info.kind {
        case .regular: break
        case .link:
            throw FileError(file: path, write.kind == .secret
                ? "is a symbolic link; a file that holds a secret is never written through a link: remove the link "
                    + "(nothing was changed)"
                : "is a symbolic link; the output folder's files are written only as regular files: remove the link "
                    + "(nothing was changed)")
        case .folder: throw FileError(file: path, "is a folder, not a file; nothing was changed")
        default:
            throw FileError(file: path, "is not a regular file; remove it or choose another folder (nothing was "
                + "changed)")
        }
        if write.kind == .secret && info.owner != fs.user {
            throw FileError(file: path, "belongs to another user (uid \(info.owner)); a file that holds a secret "
                + "is only ever replaced by its owner, so the new key cannot go there: remove it or choose another "
                + "folder (nothing was changed)")
        }
        let folder = PathName.folder(of: target)
        let folderAccess = fs.writeAccess(folder)
        if folderAccess != 0 {
            throw FileError(file: path, "cannot write in \(Quote.path(folder)): "
                + "\(FileAccess.reason(folderAccess)); nothing was changed")
        }
        if info.permissions & 0o200 == 0 || (!fs.isSuperuser && fs.writeAccess(target) != 0) {
            throw FileError(file: path, "is read-only (mode \(String(info.permissions & 0o777, radix: 8))); "
                                  + "nothing was changed (chmod u+w \(Quote.path(path)) to allow it)")
        }
        if info.links > 1 {
            throw FileError(file: path, "has \(info.links) hard links; replacing it would split them, so the "
                + "other names would keep the old content: copy it to a file of its own first (nothing was changed)")
        }
        return info
    }

    /// Creates a write's new content at `path` (a temporary beside its target, or its place in the new folder),
    /// with its final mode; a file that replaces another keeps its owner and group, a secret is always the user's.
    func create(_ write: Write, at path: String, replacing old: FileStatus?) throws(FileError) {
        let mode: mode_t = write.kind == .secret ? 0o600 : write.mode ?? old?.permissions ?? 0o644
        let owner = write.kind == .secret ? nil : old.map { ($0.owner, $0.group) }
        guard let failure = fileSystem.create(path, bytes: write.bytes, mode: mode, owner: owner, flush: false) else {
            return
        }
        let reason = FileAccess.reason(failure.code)
        switch failure.step {
        case .open:
            throw FileError(file: write.path, "cannot write in \(Quote.path(PathName.folder(of: write.path))): "
                                  + "\(reason); nothing was changed")
        case .owner: throw FileError(file: write.path, "cannot keep its owner and group: \(reason); nothing was "
            + "changed")
        case .mode: throw FileError(file: write.path, "cannot set the mode: \(reason); nothing was changed")
        case .write: throw FileError(file: write.path, "cannot write: \(reason); nothing was changed")
        }
    }

    /// Flushes every staged file in one pass: one `syncfs` per file system rather than one `fsync` per file.
    func sync(_ paths: [String]) throws(FileError) {
        var devices = Set<UInt64>()
        for path in paths {
            guard let info = fileSystem.existing(path, followingLinks: true),
                devices.insert(info.device).inserted
            else { continue }
            let code = fileSystem.syncFileSystem(holding: path)
            if code != 0 {
                throw FileError(file: path, "cannot flush to disk: \(FileAccess.reason(code)); nothing was "
                    + "changed")
            }
        }
    }

    // MARK: - The journal

    /// The journal's name in a folder: it lists the renames of a commit in progress, by names in that folder.
    static let journalName = ".cache-registry-setup.journal"
    static let journalHeader = "# cache-registry-setup: a commit in progress; the next run in this folder completes it"

    func writeJournal(in folder: String, staged: [Staged]) throws(FileError) {
        var text = FileTransaction.journalHeader + "\n"
        for item in staged {
            text += "rename\t\(PathName.lastComponent(item.temporary))\t\(PathName.lastComponent(item.target))\n"
        }
        let journal = PathName.join(folder, FileTransaction.journalName)
        let temporary = FileTransaction.temporaryName(for: journal, tag: "tmp")
        if let failure = fileSystem.create(temporary, bytes: Array(text.utf8), mode: 0o600, owner: nil, flush: true) {
            throw FileError(file: folder, "cannot write: \(FileAccess.reason(failure.code)); nothing was changed")
        }
        let code = fileSystem.rename(temporary, to: journal)
        guard code == 0 else {
            _ = fileSystem.remove(temporary)
            throw FileError(file: folder, "cannot write: \(FileAccess.reason(code)); nothing was changed")
        }
        fileSystem.syncFolder(folder)
    }

    /// Completes a commit that a killed run left in `folder`, then removes this user's leftover temporaries and
    /// backups there. A journal is acted on only when it is a regular file of this user that others cannot write,
    /// and every line renames one of this program's temporaries in that folder onto its own target there;
    /// anything else is refused, naming the journal, and nothing is touched.
    public static func recover(in folder: String, fileSystem fs: any FileSystem) throws(FileError) {
        let journal = PathName.join(folder, journalName)
        if let info = fs.existing(journal, followingLinks: false) {
            let renames = try journalRenames(journal, info, in: folder, fileSystem: fs)
            for (temporary, target) in renames {
                let source = PathName.join(folder, temporary)
                guard let found = fs.existing(source, followingLinks: false) else { continue }
                guard found.kind == .regular, found.owner == fs.user else {
                    throw refusal(journal, "names \(Quote.path(temporary)), which is not this user's own temporary")
                }
                _ = fs.rename(source, to: PathName.join(folder, target))
            }
            _ = fs.remove(journal)
        }
        guard let names = fs.names(inFolder: folder) else { return }
        for name in names where isLeftover(name) {
            let path = PathName.join(folder, name)
            guard let info = fs.existing(path, followingLinks: false), info.kind == .regular, info.owner == fs.user
            else { continue }
            _ = fs.remove(path)
        }
    }

    /// The renames a journal asks for, by names in its folder, or the refusal that names it.
    static func journalRenames(_ journal: String, _ info: FileStatus, in folder: String, fileSystem fs: any FileSystem)
        throws(FileError) -> [(temporary: String, target: String)]
    {
        guard info.kind == .regular, info.links == 1 else { throw refusal(journal, "is not a regular file") }
        guard info.owner == fs.user else {
            throw refusal(journal, "belongs to another user (uid \(info.owner))")
        }
        guard info.permissions & 0o022 == 0 else {
            throw refusal(journal, "can be written by others (mode \(String(info.permissions & 0o777, radix: 8)))")
        }
        let bytes: [UInt8]
        switch fs.read(journal, limit: 1 << 20) {
        case .success(let read) where read.count <= 1 << 20: bytes = read
        case .success: throw refusal(journal, "is too large to be one of this program's journals")
        case .failure(let error): throw refusal(journal, "cannot be read (\(FileAccess.reason(error.code)))")
        }
        var renames: [(temporary: String, target: String)] = []
        for (number, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, fields[0] == "rename", isOwnName(fields[2]),
                fields[1].hasPrefix("." + fields[2] + ".tmp-"), isLeftover(fields[1])
            else {
                throw refusal(journal, "line \(number + 1) is not a rename of one of this program's temporaries onto "
                    + "its file in the same folder")
            }
            renames.append((fields[1], fields[2]))
        }
        return renames
    }

    /// A plain name in a folder: no `/`, not `.` or `..`, nothing that is not text.
    static func isOwnName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
            && !name.unicodeScalars.contains { $0.value < 32 }
    }

    static func refusal(_ journal: String, _ reason: String) -> FileError {
        FileError(file: journal, "\(reason), so it was not written by this program for this user; it was left "
            + "as it is and nothing was changed: remove it if you trust it")
    }

    /// `.NAME.tmp-XXXXXX` or `.NAME.old-XXXXXX`: a temporary or backup of this program.
    static func isLeftover(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.count > 12, isRandomTail(name) else { return false }
        let suffix = name.suffix(11)
        return suffix.hasPrefix(".tmp-") || suffix.hasPrefix(".old-")
    }

    /// The name ends in `-` and six letters or digits, as this program's temporary names do.
    static func isRandomTail(_ name: String) -> Bool {
        name.count > 7 && name.dropLast(6).hasSuffix("-")
            && name.suffix(6).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
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

/// How long a command waits for another process's lock, and what it says while it waits.
public struct LockWait: Sendable {
    public var seconds: Double
    /// Called once, at once, when the lock is held by someone else.
    public var announce: @Sendable (String) -> Void
    public init(seconds: Double, announce: @escaping @Sendable (String) -> Void) {
        self.seconds = seconds
        self.announce = announce
    }

    /// The wait as messages say it: `15 s`, `0.5 s`.
    var text: String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}

/// An advisory lock that serialises this program's writers of one folder: `flock` on a lock file, removed when
/// released (and released by the kernel if the process dies). A lock held by another process is announced at once
/// and given up after a bounded wait.
public final class FileLock {
    private var held: [(path: String, fd: Int32)] = []

    /// Locks the folders of `paths` and, beside each folder in `replacing`, that folder's own lock (each lock
    /// once, in a fixed order, so two writers never deadlock).
    /// The folders are found on `fileSystem`; the locks are always the disk's (`flock`), so on a test's fake file
    /// system, whose folders the disk lacks, none is taken.
    public init(folderOf paths: [String], replacing folders: [String] = [], wait: LockWait,
                fileSystem fs: any FileSystem) throws(FileError) {
        var locks: [String] = []
        for path in paths {
            let folder = PathName.folder(of: (try? FileAccess.resolvedTarget(path, in: fs)) ?? path)
            // A folder still to be made has no other writer yet; a file in its place is refused by the commit.
            guard let canonical = fs.canonical(folder), fs.existing(canonical, followingLinks: false)?.kind == .folder
            else { continue }
            locks.append(PathName.join(canonical, FileLock.name))
        }
        for folder in folders { locks.append(try FileTransaction.lockPath(replacing: folder, in: fs)) }
        for path in Set(locks).sorted() {
            var info = stat()
            guard stat(PathName.systemBytes(PathName.folder(of: path)), &info) == 0, info.st_mode & S_IFMT == S_IFDIR
            else { continue }
            try lock(path, wait: wait)
        }
    }

    /// The locks a transaction needs: its loose files' folders, and its folder written whole.
    public convenience init(for transaction: FileTransaction, wait: LockWait) throws(FileError) {
        let whole = transaction.wholeFolder
        let loose = transaction.writes.map(\.path).filter { path in
            guard let whole else { return true }
            return !path.hasPrefix(PathName.join(whole.path, ""))
        }
        try self.init(folderOf: loose, replacing: whole.map { [$0.path] } ?? [], wait: wait,
                      fileSystem: transaction.fileSystem)
    }

    public static let name = ".cache-registry-setup.lock"
    /// The end of the name of a folder's own lock beside it (`.manifests.cache-registry-setup.lock`).
    static let suffix = "cache-registry-setup.lock"

    private func lock(_ path: String, wait: LockWait) throws(FileError) {
        var announced = false
        // A deadline on the monotonic clock: the wall clock may be set back while we wait.
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(wait.seconds * 1000)))
        while true {
            let fd = open(PathName.systemBytes(path), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            // Nothing can be written there either: the commit says why, naming the file it could not write.
            guard fd >= 0 else { return }
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                if errno == EINTR { continue }
                guard errno == EWOULDBLOCK else {
                    let code = errno
                    close(fd)
                    throw FileError(file: path, "cannot take the lock: \(FileAccess.reason(code)); nothing was "
                        + "changed")
                }
                if !announced {
                    wait.announce("waiting for \(Quote.path(path)): another cache-registry-setup is writing there "
                        + "(giving up after \(wait.text))")
                    announced = true
                }
                if ContinuousClock.now >= deadline {
                    close(fd)
                    throw FileError(file: path, "is still held by another process after \(wait.text); "
                        + "nothing was changed. If no other cache-registry-setup is running, remove it")
                }
                usleep(50_000)
            }
            // The previous holder may have removed the file between our open and our lock: lock the file that is there.
            var opened = stat(), current = stat()
            if fstat(fd, &opened) == 0, lstat(PathName.systemBytes(path), &current) == 0,
                opened.st_ino == current.st_ino, opened.st_dev == current.st_dev
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
            unlink(PathName.systemBytes(path))
            close(fd)
        }
        held = []
    }

    deinit { release() }
}
