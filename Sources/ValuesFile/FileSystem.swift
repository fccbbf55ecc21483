import Glibc

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
    /// The effective user is root (who may replace read-only files).
    var isSuperuser: Bool { get }
    func makeFolder(_ path: String) -> Int32
    /// Creates a new file exclusively, never through a link, holding `bytes` with `mode` and, when given, the owner
    /// and group; flushed to disk when asked. A failure leaves nothing at the path.
    func create(_ path: String, bytes: [UInt8], mode: mode_t, owner: (uid_t, gid_t)?, flush: Bool) -> CreateFailure?
    func rename(_ source: String, to target: String) -> Int32
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
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return .failure(Errno(errno)) }
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
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
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
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func names(inFolder path: String) -> [String]? {
        guard let folder = opendir(path) else { return nil }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func writeAccess(_ path: String) -> Int32 { access(path, W_OK) == 0 ? 0 : errno }

    public var isSuperuser: Bool { geteuid() == 0 }

    public func makeFolder(_ path: String) -> Int32 { mkdir(path, 0o755) == 0 ? 0 : errno }

    public func create(
        _ path: String, bytes: [UInt8], mode: mode_t, owner: (uid_t, gid_t)?, flush: Bool
    ) -> CreateFailure? {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return CreateFailure(.open, errno) }
        func fail(_ step: CreateFailure.Step, _ code: Int32) -> CreateFailure {
            close(fd)
            unlink(path)
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
            unlink(path)
            return CreateFailure(.write, code)
        }
        return nil
    }

    public func rename(_ source: String, to target: String) -> Int32 { Glibc.rename(source, target) == 0 ? 0 : errno }

    public func link(_ source: String, to target: String) -> Int32 { Glibc.link(source, target) == 0 ? 0 : errno }

    public func remove(_ path: String) -> Int32 { unlink(path) == 0 ? 0 : errno }

    public func removeFolder(_ path: String) -> Int32 { rmdir(path) == 0 ? 0 : errno }

    public func syncFileSystem(holding path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }  // gone since it was staged: nothing of it to flush
        defer { close(fd) }
        return systemSyncfs(fd) == 0 ? 0 : errno
    }

    public func syncFolder(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

@_silgen_name("syncfs") private func systemSyncfs(_ fd: Int32) -> Int32
