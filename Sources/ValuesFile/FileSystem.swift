import Glibc
import RegistryModel

/// What a path names.
public enum FileKind: Sendable, Equatable { case regular, folder, link, fifo, device, socket, other }

/// What `stat` says about a path, as the reads and writes use it.
public struct FileStatus: Sendable, Equatable {
    public var kind: FileKind
    /// The permission bits (`0o644`).
    public var permissions: mode_t
    public var owner: uid_t
    public var group: gid_t
    public var links: Int
    public var size: Int
    /// Which file system holds it, and which file it is there.
    public var device: UInt64
    public var inode: UInt64

    public init(kind: FileKind, permissions: mode_t, owner: uid_t = 0, group: gid_t = 0, links: Int = 1, size: Int = 0,
                device: UInt64 = 1, inode: UInt64 = 0) {
        self.kind = kind
        self.permissions = permissions
        self.owner = owner
        self.group = group
        self.links = links
        self.size = size
        self.device = device
        self.inode = inode
    }
}

/// Why a system call failed: its `errno`.
public struct Errno: Error, Sendable, Equatable {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
}

/// The step of creating a file that failed, and why (an `errno`).
public struct CreateFailure: Error, Sendable, Equatable {
    public enum Step: Sendable, Equatable { case open, owner, mode, write }
    public let step: Step
    public let code: Int32

    public init(_ step: Step, _ code: Int32) {
        self.step = step
        self.code = code
    }
}

/// The file operations every read and write of this program is made of. `RealFileSystem` is the disk; the tests
/// run the same transactions on a fake that fails at any step. Operations that change something return 0 or the
/// `errno` that stopped them.
public protocol FileSystem: Sendable {
    /// `stat` (or `lstat` when links are not followed); the `errno` when there is nothing to say.
    func status(_ path: String, followingLinks: Bool) -> Result<FileStatus, Errno>
    /// At most `limit + 1` bytes of a file (one more than allowed shows that it is too large).
    func read(_ path: String, limit: Int) -> Result<[UInt8], Errno>
    /// Where a symbolic link points; nil when the path is no link.
    func destination(ofLink path: String) -> String?
    /// The names in a folder; nil when it cannot be listed.
    func names(inFolder path: String) -> [String]?
    /// Whether this process may write the path (`access(W_OK)`): 0, or why not.
    func writeAccess(_ path: String) -> Int32
    /// The effective user: what this program creates is theirs, and only what is theirs it acts on.
    var user: uid_t { get }
    /// The real path of something that exists (links and `..` resolved), nil when nothing is there.
    func canonical(_ path: String) -> String?
    /// The folder this process runs in (a folder holding it is never swapped for another).
    var workingDirectory: String? { get }
    /// A new folder with `mode` (less the umask).
    func makeFolder(_ path: String, mode: mode_t) -> Int32
    /// Sets the permission bits of a folder this program made.
    func setMode(_ path: String, _ mode: mode_t) -> Int32
    /// Gives what this program made to another owner and group (root only), never following a link.
    func setOwner(_ path: String, owner: uid_t, group: gid_t) -> Int32
    /// Creates a new file exclusively, never through a link, holding `bytes` with `mode` and, when given, the owner
    /// and group; flushed to disk when asked. A failure leaves nothing at the path.
    func create(_ path: String, bytes: [UInt8], mode: mode_t, owner: (uid_t, gid_t)?, flush: Bool) -> CreateFailure?
    func rename(_ source: String, to target: String) -> Int32
    /// Swaps two paths in one step (`renameat2(RENAME_EXCHANGE)`): a reader sees one or the other, never neither.
    func exchange(_ first: String, _ second: String) -> Int32
    /// Renames only when nothing is at the target (`RENAME_NOREPLACE`).
    func renameNew(_ source: String, to target: String) -> Int32
    /// Recreates what is below `source` inside the new folder `target`, never following a link: regular files as
    /// hard links, folders with their mode, symbolic links as links; relative paths in `skipping` (and all below a
    /// folder among them) stay behind. On failure, the path that failed and why.
    func carryOver(from source: String, into target: String, skipping: Set<String>) -> (path: String, code: Int32)?
    /// Removes a folder and everything below it, never following a link.
    func removeTree(_ path: String) -> Int32
    /// A hard link (the person's files are linked aside before they are replaced, to be put back on failure).
    func link(_ source: String, to target: String) -> Int32
    func remove(_ path: String) -> Int32
    func removeFolder(_ path: String) -> Int32
    /// Flushes the whole file system that holds the path (`syncfs`: one call per file system, not one per file).
    func syncFileSystem(holding path: String) -> Int32
    /// Makes the renames and removals in a folder durable.
    func syncFolder(_ path: String)
}

extension FileSystem {
    /// The effective user is root (who may replace read-only files and give files to others).
    public var isSuperuser: Bool { user == 0 }

    /// What is at a path, or nil when nothing is there (or it cannot be looked at, which every caller treats the
    /// same: as a path to create, or to skip).
    public func existing(_ path: String, followingLinks: Bool) -> FileStatus? {
        if case .success(let info) = status(path, followingLinks: followingLinks) { return info }
        return nil
    }
}

/// The disk, through the C library.
public struct RealFileSystem: FileSystem {
    public init() {}

    public func status(_ path: String, followingLinks: Bool) -> Result<FileStatus, Errno> {
        var info = stat()
        let code = followingLinks ? stat(c(path), &info) : lstat(c(path), &info)
        guard code == 0 else { return .failure(Errno(errno)) }
        let kind: FileKind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .folder
        case S_IFLNK: kind = .link
        case S_IFIFO: kind = .fifo
        case S_IFCHR, S_IFBLK: kind = .device
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        return .success(
            FileStatus(
                kind: kind, permissions: info.st_mode & 0o7777, owner: info.st_uid, group: info.st_gid,
                                   links: Int(info.st_nlink), size: Int(info.st_size), device: UInt64(info.st_dev),
                                   inode: UInt64(info.st_ino)))
    }

    public func read(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        let descriptor = open(c(path), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Errno(errno)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(errno))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return .success(bytes)
    }

    public func destination(ofLink path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(c(path), &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return PathName.decoding(buffer[0..<count].map { UInt8(bitPattern: $0) })
    }

    public func names(inFolder path: String) -> [String]? {
        guard let folder = opendir(c(path)) else { return nil }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in PathName.decoding(raw.prefix { $0 != 0 }) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func writeAccess(_ path: String) -> Int32 { access(c(path), W_OK) == 0 ? 0 : errno }

    public var user: uid_t { geteuid() }

    public func canonical(_ path: String) -> String? {
        guard let resolved = realpath(c(path), nil) else { return nil }
        defer { free(resolved) }
        return PathName.decoding(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
    }

    public var workingDirectory: String? {
        guard let folder = getcwd(nil, 0) else { return nil }
        defer { free(folder) }
        return PathName.decoding(UnsafeRawBufferPointer(start: folder, count: strlen(folder)))
    }

    public func makeFolder(_ path: String, mode: mode_t) -> Int32 { mkdir(c(path), mode) == 0 ? 0 : errno }

    public func setMode(_ path: String, _ mode: mode_t) -> Int32 {
        let fd = open(c(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return fchmod(fd, mode) == 0 ? 0 : errno
    }

    public func setOwner(_ path: String, owner: uid_t, group: gid_t) -> Int32 {
        lchown(c(path), owner, group) == 0 ? 0 : errno
    }

    public func create(
        _ path: String, bytes: [UInt8], mode: mode_t, owner: (uid_t, gid_t)?, flush: Bool
    ) -> CreateFailure? {
        let fd = open(c(path), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return CreateFailure(.open, errno) }
        func fail(_ step: CreateFailure.Step, _ code: Int32) -> CreateFailure {
            close(fd)
            unlink(c(path))
            return CreateFailure(step, code)
        }
        var made = stat()
        if let (uid, gid) = owner, fstat(fd, &made) == 0, made.st_uid != uid || made.st_gid != gid {
            if fchown(fd, uid, gid) != 0 { return fail(.owner, errno) }
        }
        if fchmod(fd, mode) != 0 { return fail(.mode, errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return fail(.write, errno)
            }
            written += result
        }
        if flush && fsync(fd) != 0 { return fail(.write, errno) }
        if close(fd) != 0 {
            let code = errno
            unlink(c(path))
            return CreateFailure(.write, code)
        }
        return nil
    }

    public func rename(_ source: String, to target: String) -> Int32 {
        Glibc.rename(c(source), c(target)) == 0 ? 0 : errno
    }

    public func exchange(_ first: String, _ second: String) -> Int32 {
        systemRenameat2(AT_FDCWD, c(first), AT_FDCWD, c(second), renameExchange) == 0 ? 0 : errno
    }

    public func renameNew(_ source: String, to target: String) -> Int32 {
        systemRenameat2(AT_FDCWD, c(source), AT_FDCWD, c(target), renameNoReplace) == 0 ? 0 : errno
    }

    public func link(_ source: String, to target: String) -> Int32 { Glibc.link(c(source), c(target)) == 0 ? 0 : errno }

    public func carryOver(from source: String, into target: String, skipping: Set<String>)
        -> (path: String, code: Int32)?
    {
        let from = open(c(source), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard from >= 0 else { return (source, errno) }
        defer { close(from) }
        let into = open(c(target), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard into >= 0 else { return (target, errno) }
        defer { close(into) }
        return TreeWalk.carry(from: from, into: into, prefix: "", skipping: skipping)
    }

    public func removeTree(_ path: String) -> Int32 {
        let fd = open(c(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? 0 : errno }
        let code = TreeWalk.empty(fd)
        close(fd)
        guard code == 0 else { return code }
        return rmdir(c(path)) == 0 || errno == ENOENT ? 0 : errno
    }

    public func remove(_ path: String) -> Int32 { unlink(c(path)) == 0 ? 0 : errno }

    public func removeFolder(_ path: String) -> Int32 { rmdir(c(path)) == 0 ? 0 : errno }

    public func syncFileSystem(holding path: String) -> Int32 {
        let fd = open(c(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }  // gone since it was staged: nothing of it to flush
        defer { close(fd) }
        return systemSyncfs(fd) == 0 ? 0 : errno
    }

    public func syncFolder(_ path: String) {
        let fd = open(c(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// A path's bytes for the system (names that are not UTF-8 included, see `PathName.decoding`).
private func c(_ path: String) -> [CChar] { PathName.systemBytes(path) }

@_silgen_name("syncfs") private func systemSyncfs(_ fd: Int32) -> Int32
@_silgen_name("renameat2") private func systemRenameat2(
    _ fromFolder: Int32, _ from: UnsafePointer<CChar>, _ toFolder: Int32, _ to: UnsafePointer<CChar>, _ flags: UInt32
) -> Int32
private let renameNoReplace: UInt32 = 1
private let renameExchange: UInt32 = 2

/// Walks of folders by descriptor (`openat` with `O_NOFOLLOW`), so a link planted in a folder, or a folder swapped
/// for a link while the walk runs, is never followed.
enum TreeWalk {
    /// The names in an open folder (the descriptor stays open).
    static func names(_ folder: Int32) -> [String]? {
        let copy = dup(folder)
        guard copy >= 0, let stream = fdopendir(copy) else { return nil }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in PathName.decoding(raw.prefix { $0 != 0 }) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func carry(from: Int32, into: Int32, prefix: String, skipping: Set<String>) -> (path: String, code: Int32)? {
        guard let names = names(from) else { return (prefix.isEmpty ? "." : prefix, errno) }
        let superuser = geteuid() == 0
        for name in names.sorted() {
            let relative = prefix + name
            if skipping.contains(relative) { continue }
            var info = stat()
            guard fstatat(from, c(name), &info, AT_SYMLINK_NOFOLLOW) == 0 else { return (relative, errno) }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                guard linkat(from, c(name), into, c(name), 0) == 0 else { return (relative, errno) }
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let count = readlinkat(from, c(name), &buffer, buffer.count - 1)
                guard count >= 0 else { return (relative, errno) }
                buffer[count] = 0
                guard symlinkat(buffer, into, c(name)) == 0 else { return (relative, errno) }
                if superuser { fchownat(into, c(name), info.st_uid, info.st_gid, AT_SYMLINK_NOFOLLOW) }
            case S_IFDIR:
                guard mkdirat(into, c(name), 0o700) == 0 else { return (relative, errno) }
                let inner = openat(from, c(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard inner >= 0 else { return (relative, errno) }
                defer { close(inner) }
                let made = openat(into, c(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard made >= 0 else { return (relative, errno) }
                defer { close(made) }
                if let failure = carry(from: inner, into: made, prefix: relative + "/", skipping: skipping) {
                    return failure
                }
                if superuser && (info.st_uid != geteuid() || info.st_gid != getegid()) {
                    guard fchown(made, info.st_uid, info.st_gid) == 0 else { return (relative, errno) }
                }
                guard fchmod(made, info.st_mode & 0o7777) == 0 else { return (relative, errno) }
            default:
                // A pipe, socket or device cannot be carried by a link; the caller says so.
                return (relative, EINVAL)
            }
        }
        return nil
    }

    /// Removes everything inside an open folder.
    static func empty(_ folder: Int32) -> Int32 {
        guard let names = names(folder) else { return errno }
        for name in names {
            var info = stat()
            guard fstatat(folder, c(name), &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                return errno
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                let inner = openat(folder, c(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard inner >= 0 else { return errno }
                let code = empty(inner)
                close(inner)
                guard code == 0 else { return code }
                guard unlinkat(folder, c(name), AT_REMOVEDIR) == 0 || errno == ENOENT else { return errno }
            } else {
                guard unlinkat(folder, c(name), 0) == 0 || errno == ENOENT else { return errno }
            }
        }
        return 0
    }
}
