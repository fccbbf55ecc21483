import Foundation
import RegistryModel

/// Reading through a `FileSystem`: whole regular files within a size limit, whether a path exists, the files under
/// a folder, where links lead. Writing is `FileTransaction`'s.
public enum FileAccess {
    /// The largest values (or PEM, or theme) file read: a values file is small.
    public static let maximumFileSize = 64 << 20

    /// Reads a whole regular file of at most `maximumFileSize` bytes, or one sentence saying why it cannot:
    /// folders, pipes, devices and sockets are named as such and never opened (a FIFO would wait forever,
    /// /dev/zero never ends).
    public static func readFile(_ path: String, limit: Int = maximumFileSize, what: String = "a values file",
                                in fileSystem: any FileSystem) throws(FileError) -> [UInt8] {
        let info: FileStatus
        switch fileSystem.status(path, followingLinks: true) {
        case .success(let found): info = found
        case .failure(let error): throw cannotRead(path, error.code)
        }
        switch info.kind {
        case .regular: break
        case .folder: throw FileError(file: path, "is a folder, not \(what)")
        case .fifo: throw FileError(file: path, "is a pipe (FIFO), not \(what); save it to a file and give "
            + "that")
        case .device: throw FileError(file: path, "is a device, not \(what)")
        case .socket: throw FileError(file: path, "is a socket, not \(what)")
        case .link, .other: throw FileError(file: path, "is not a regular file")
        }
        if info.size > limit { throw tooLarge(path, limit, what) }
        switch fileSystem.read(path, limit: limit) {
        case .failure(let error): throw cannotRead(path, error.code)
        // it grew while being read
        case .success(let bytes) where bytes.count > limit: throw tooLarge(path, limit, what)
        case .success(let bytes): return bytes
        }
    }

    /// A whole file as UTF-8 text (a PEM file, a theme), or one sentence saying why it cannot be read.
    public static func readText(_ path: String, limit: Int = maximumFileSize, what: String = "a PEM file",
                                in fileSystem: any FileSystem) throws(FileError) -> String {
        let bytes = try readFile(path, limit: limit, what: what, in: fileSystem)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileError(file: path, "is not a text (PEM) file")
        }
        return text
    }

    /// Whether something (a file, a folder, a link) is at the path.
    public static func exists(_ path: String, in fileSystem: any FileSystem) -> Bool {
        fileSystem.existing(path, followingLinks: false) != nil
    }

    /// The paths under a folder that are not folders, relative to it, deepest last.
    public static func files(under folder: String, in fileSystem: any FileSystem) -> [String] {
        (fileSystem.names(inFolder: folder) ?? []).sorted().flatMap { name -> [String] in
            let path = PathName.join(folder, name)
            guard let info = fileSystem.existing(path, followingLinks: false) else { return [] }
            return info.kind == .folder ? files(under: path, in: fileSystem).map { name + "/" + $0 } : [name]
        }
    }

    /// The folders under a folder (links not followed), outermost first.
    public static func folders(under folder: String, in fileSystem: any FileSystem) -> [String] {
        (fileSystem.names(inFolder: folder) ?? []).sorted().flatMap { name -> [String] in
            let path = PathName.join(folder, name)
            guard fileSystem.existing(path, followingLinks: false)?.kind == .folder else { return [] }
            return [path] + folders(under: path, in: fileSystem)
        }
    }

    static func tooLarge(_ path: String, _ limit: Int, _ what: String) -> FileError {
        let size = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"
        return FileError(file: path, "is larger than \(size); \(what) is small. Is this the right file?")
    }

    static func cannotRead(_ path: String, _ code: Int32) -> FileError {
        switch code {
        case ENOENT: return FileError(file: path, "no such file")
        case EACCES, EPERM: return FileError(file: path, "cannot be read: permission denied")
        case ENOTDIR: return FileError(file: path, "a part of the path is not a folder")
        case ELOOP: return FileError(file: path, "too many symbolic links")
        default: return FileError(file: path, "cannot be read: \(reason(code))")
        }
    }

    /// The reason for an error number, in lower case, as messages show it.
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOSPC: return "no space left on the device"
        case EDQUOT: return "the disk quota is exceeded"
        case EACCES, EPERM: return "permission denied"
        case EROFS: return "the file system is read-only"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    /// Creates a folder and its parents (or says in one sentence why not); returns the folders made, outermost first.
    static func makeFolderRecording(_ path: String, in fileSystem: any FileSystem) throws(FileError) -> [String] {
        if case .success(let info) = fileSystem.status(path, followingLinks: true) {
            if info.kind == .folder { return [] }
            throw FileError(file: path, "is a file, not a folder; choose another output folder")
        }
        let parent = PathName.folder(of: path)
        var made = parent != path ? try makeFolderRecording(parent, in: fileSystem) : []
        let code = fileSystem.makeFolder(path, mode: 0o755)
        if code != 0 {
            if code == EEXIST { return made }
            throw FileError(file: path, "cannot create the folder: \(reason(code))")
        }
        made.append(path)
        return made
    }

    /// Follows symbolic links to the file that is really edited.
    public static func resolvedTarget(
        _ path: String, in fileSystem: any FileSystem
    ) throws(FileError) -> String {
        var current = path
        for _ in 0..<40 {
            guard let destination = fileSystem.destination(ofLink: current) else { return current }
            current =
                destination.hasPrefix("/") ? destination : PathName.join(PathName.folder(of: current), destination)
        }
        throw FileError(file: path, "too many symbolic links")
    }
}
