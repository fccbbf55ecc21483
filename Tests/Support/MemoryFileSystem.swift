import Foundation
import Glibc
import RegistryModel
import ValuesFile

/// A file system in memory that fails one chosen operation (with EIO), so a test can stop a write at every step
/// and look at what is left. Paths are absolute and clean; hard links share one file.
public final class MemoryFileSystem: FileSystem, @unchecked Sendable {
    public enum Node: Equatable { case file(UInt64), folder, link(String) }
    public struct Contents: Equatable {
        public var bytes: [UInt8]
        public var mode: mode_t
    }

    private let guardLock = NSLock()
    private var nodes: [String: Node] = ["/": .folder]
    private var files: [UInt64: Contents] = [:]
    private var nextInode: UInt64 = 1
    /// The changing operation, counted from 0, that fails; nil: none fails.
    public var failAt: Int?
    /// How many changing operations ran (the failed one included).
    public private(set) var steps = 0
    /// The changing operations in order, as `rename a b`, for the failure messages.
    public private(set) var log: [String] = []

    public init(_ files: [String: String] = [:]) {
        for (path, text) in files.sorted(by: { $0.key < $1.key }) { put(path, text) }
    }

    /// Puts a file (and its folders) in place, outside the count of operations.
    public func put(_ path: String, _ text: String, mode: mode_t = 0o644) {
        guardLock.withLock {
            var folder = ""
            for part in path.split(separator: "/").dropLast() {
                folder += "/" + part
                nodes[folder] = nodes[folder] ?? .folder
            }
            files[nextInode] = Contents(bytes: Array(text.utf8), mode: mode)
            nodes[path] = .file(nextInode)
            nextInode += 1
        }
    }

    /// Every file's text by path (folders and links left out).
    public var snapshot: [String: String] {
        guardLock.withLock {
            nodes.compactMapValues { node in
                if case .file(let inode) = node { return String(decoding: files[inode]!.bytes, as: UTF8.self) }
                return nil
            }
        }
    }

    public func mode(_ path: String) -> mode_t? {
        guardLock.withLock {
            if case .file(let inode)? = nodes[path] { return files[inode]?.mode }
            return nil
        }
    }

    /// Counts a changing operation; EIO when it is the one that fails.
    private func step(_ description: String) -> Int32 {
        defer { steps += 1 }
        log.append(description)
        return steps == failAt ? EIO : 0
    }

    private func parent(_ path: String) -> String {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        return folder.isEmpty ? "/" : folder
    }

    public func status(_ path: String, followingLinks: Bool) -> Result<FileStatus, Errno> {
        guardLock.withLock {
            var current = path
            for _ in 0..<8 {
                switch nodes[current] {
                case nil: return .failure(Errno(ENOENT))
                case .folder: return .success(FileStatus(kind: .folder, permissions: 0o755, owner: user))
                case .file(let inode):
                    let links = nodes.values.filter { $0 == .file(inode) }.count
                    let contents = files[inode]!
                    return .success(FileStatus(kind: .regular, permissions: contents.mode, owner: user, links: links,
                                               size: contents.bytes.count, inode: inode))
                case .link(let target):
                    guard followingLinks else {
                        return .success(FileStatus(kind: .link, permissions: 0o777, owner: user))
                    }
                    current = target
                }
            }
            return .failure(Errno(ELOOP))
        }
    }

    public func read(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        guard case .success(let info) = status(path, followingLinks: true) else { return .failure(Errno(ENOENT)) }
        return guardLock.withLock { .success(Array(files[info.inode]!.bytes.prefix(limit + 1))) }
    }

    public func destination(ofLink path: String) -> String? {
        guardLock.withLock { if case .link(let target)? = nodes[path] { return target } else { return nil } }
    }

    public func names(inFolder path: String) -> [String]? {
        guardLock.withLock {
            guard nodes[path] == .folder else { return nil }
            let prefix = path == "/" ? "/" : path + "/"
            return nodes.keys.filter { $0.hasPrefix(prefix) && $0 != path && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }
        }
    }

    public func writeAccess(_ path: String) -> Int32 { 0 }

    /// Everything here belongs to this one user, who is not root.
    public let user: uid_t = 1000

    public func canonical(_ path: String) -> String? {
        guardLock.withLock {
            var current = path
            for _ in 0..<8 {
                switch nodes[current] {
                case nil: return nil
                case .link(let target): current = target
                default: return current
                }
            }
            return nil
        }
    }

    public var workingDirectory: String? { "/" }

    public func setMode(_ path: String, _ mode: mode_t) -> Int32 { guardLock.withLock { step("chmod \(path)") } }

    public func setOwner(_ path: String, owner: uid_t, group: gid_t) -> Int32 {
        guardLock.withLock { step("chown \(path)") }
    }

    /// The paths of a node and everything below it.
    private func tree(_ path: String) -> [String] {
        nodes.keys.filter { $0 == path || $0.hasPrefix(path + "/") }
    }

    /// Moves a node and everything below it.
    private func move(_ source: String, to target: String) {
        let moved = tree(source).map { ($0, nodes[$0]!) }
        for (path, _) in moved { nodes[path] = nil }
        for (path, node) in moved { nodes[target + path.dropFirst(source.count)] = node }
    }

    public func exchange(_ first: String, _ second: String) -> Int32 {
        guardLock.withLock {
            let failure = step("exchange \(first) \(second)")
            if failure != 0 { return failure }
            guard nodes[first] != nil, nodes[second] != nil else { return ENOENT }
            move(first, to: first + ".swap")
            move(second, to: first)
            move(first + ".swap", to: second)
            return 0
        }
    }

    public func renameNew(_ source: String, to target: String) -> Int32 {
        guardLock.withLock {
            let failure = step("rename-new \(source) \(target)")
            if failure != 0 { return failure }
            guard nodes[source] != nil else { return ENOENT }
            if nodes[target] != nil { return EEXIST }
            move(source, to: target)
            return 0
        }
    }

    public func carryOver(from source: String, into target: String, skipping: Set<String>) -> (path: String, code: Int32)? {
        guardLock.withLock {
            for path in tree(source).sorted() where path != source {
                let relative = String(path.dropFirst(source.count + 1))
                let parts = relative.split(separator: "/").map(String.init)
                if (1...parts.count).contains(where: { skipping.contains(parts.prefix($0).joined(separator: "/")) }) {
                    continue
                }
                if step("carry \(relative)") != 0 { return (relative, EIO) }
                nodes[PathName.join(target, relative)] = nodes[path]
            }
            return nil
        }
    }

    public func removeTree(_ path: String) -> Int32 {
        guardLock.withLock {
            let failure = step("remove-tree \(path)")
            if failure != 0 { return failure }
            for inner in tree(path) { nodes[inner] = nil }
            return 0
        }
    }

    public func makeFolder(_ path: String, mode: mode_t) -> Int32 {
        guardLock.withLock {
            let failure = step("mkdir \(path)")
            if failure != 0 { return failure }
            if nodes[path] != nil { return EEXIST }
            guard nodes[parent(path)] == .folder else { return ENOENT }
            nodes[path] = .folder
            return 0
        }
    }

    public func create(_ path: String, bytes: [UInt8], mode: mode_t, owner: (uid_t, gid_t)?, flush: Bool) -> CreateFailure? {
        guardLock.withLock {
            let failure = step("create \(path)")
            if failure != 0 { return CreateFailure(.write, failure) }
            if nodes[path] != nil { return CreateFailure(.open, EEXIST) }
            guard nodes[parent(path)] == .folder else { return CreateFailure(.open, ENOENT) }
            files[nextInode] = Contents(bytes: bytes, mode: mode)
            nodes[path] = .file(nextInode)
            nextInode += 1
            return nil
        }
    }

    public func rename(_ source: String, to target: String) -> Int32 {
        guardLock.withLock {
            let failure = step("rename \(source) \(target)")
            if failure != 0 { return failure }
            guard let node = nodes[source] else { return ENOENT }
            guard nodes[parent(target)] == .folder else { return ENOENT }
            if nodes[target] == .folder { return EISDIR }
            if node == .folder {
                move(source, to: target)
                return 0
            }
            nodes[target] = node
            nodes[source] = nil
            return 0
        }
    }

    public func link(_ source: String, to target: String) -> Int32 {
        guardLock.withLock {
            let failure = step("link \(source) \(target)")
            if failure != 0 { return failure }
            guard case .file? = nodes[source] else { return ENOENT }
            if nodes[target] != nil { return EEXIST }
            nodes[target] = nodes[source]
            return 0
        }
    }

    public func remove(_ path: String) -> Int32 {
        guardLock.withLock {
            let failure = step("unlink \(path)")
            if failure != 0 { return failure }
            guard let node = nodes[path] else { return ENOENT }
            if node == .folder { return EISDIR }
            nodes[path] = nil
            return 0
        }
    }

    public func removeFolder(_ path: String) -> Int32 {
        guardLock.withLock {
            let failure = step("rmdir \(path)")
            if failure != 0 { return failure }
            guard nodes[path] == .folder else { return ENOTDIR }
            if nodes.keys.contains(where: { $0.hasPrefix(path + "/") }) { return ENOTEMPTY }
            nodes[path] = nil
            return 0
        }
    }

    public func syncFileSystem(holding path: String) -> Int32 {
        guardLock.withLock { step("syncfs \(path)") }
    }

    public func syncFolder(_ path: String) {}
}
