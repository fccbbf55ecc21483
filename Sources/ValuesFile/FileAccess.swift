import Foundation

/// Reading and atomically replacing files; the only place (with the command layer) that touches the disk.
public enum FileAccess {
    /// The largest values (or PEM, or theme) file read: a values file is small.
    public static let maximumFileSize = 64 << 20

    /// Reads a whole regular file of at most `maximumFileSize` bytes, or one sentence saying why it cannot:
    /// folders, pipes, devices and sockets are named as such and never opened (a FIFO would wait forever,
    /// /dev/zero never ends).
    public static func readFile(_ path: String) throws(ValuesFileError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ValuesFileError(cannotRead(path, errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ValuesFileError("\(path): is a folder, not a values file")
        case S_IFIFO: throw ValuesFileError("\(path): is a pipe (FIFO), not a file; save the values to a file and give that")
        case S_IFCHR, S_IFBLK: throw ValuesFileError("\(path): is a device, not a values file")
        case S_IFSOCK: throw ValuesFileError("\(path): is a socket, not a values file")
        default: throw ValuesFileError("\(path): is not a regular file")
        }
        if Int(info.st_size) > maximumFileSize { throw ValuesFileError(tooLarge(path)) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ValuesFileError(cannotRead(path, errno)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ValuesFileError(cannotRead(path, errno))
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > maximumFileSize { throw ValuesFileError(tooLarge(path)) }  // it grew while being read
        }
    }

    static func tooLarge(_ path: String) -> String {
        "\(path): is larger than \(maximumFileSize >> 20) MiB; a values file is small. Is this the right file?"
    }

    static func cannotRead(_ path: String, _ code: Int32) -> String {
        switch code {
        case ENOENT: return "\(path): no such file"
        case EACCES, EPERM: return "\(path): cannot be read: permission denied"
        case ENOTDIR: return "\(path): a part of the path is not a folder"
        case ELOOP: return "\(path): too many symbolic links"
        default: return "\(path): cannot be read: \(String(cString: strerror(code)).lowercased())"
        }
    }

    /// Creates a folder and its parents, or one sentence saying why it cannot.
    public static func makeFolder(_ path: String) throws(ValuesFileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw ValuesFileError("\(path): is a file, not a folder; choose another output folder")
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeFolder(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw ValuesFileError("\(path): cannot create the folder: \(String(cString: strerror(errno)))")
        }
    }

    /// Follows symbolic links to the file that is really edited.
    public static func resolvedTarget(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            current = destination.hasPrefix("/") ? destination : (current as NSString).deletingLastPathComponent.appendingPathComponentOrSelf(destination)
        }
        return current
    }

    /// Replaces a file atomically: a temporary file in the same folder, fsync, rename. Keeps the old file's
    /// mode (or uses `newFileMode`), edits a symlink's target and keeps the link. On failure nothing changes.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, newFileMode: mode_t = 0o644) throws(ValuesFileError) {
        let target = resolvedTarget(path)
        let folder = (target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValuesFileError("\(path): cannot write: the folder \(folder) does not exist")
        }
        var mode = newFileMode
        var info = stat()
        if stat(target, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { throw ValuesFileError("\(path): is a folder, not a file") }
            mode = info.st_mode & 0o7777
        }
        let base = (target as NSString).lastPathComponent
        var template = Array("\(folder)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ValuesFileError("\(path): cannot write in \(folder): \(String(cString: strerror(errno))); the file was not changed") }
        let temporary = String(cString: template)
        func fail(_ what: String) -> ValuesFileError {
            let reason = String(cString: strerror(errno))
            close(fd); unlink(temporary)
            return ValuesFileError("\(path): cannot \(what): \(reason); the file was not changed")
        }
        if fchmod(fd, mode) != 0 { throw fail("set the mode") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 { if errno == EINTR { continue }; throw fail("write") }
            written += result
        }
        if fsync(fd) != 0 { throw fail("flush to disk") }
        if close(fd) != 0 { unlink(temporary); throw ValuesFileError("\(path): cannot write: \(String(cString: strerror(errno))); the file was not changed") }
        if rename(temporary, target) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ValuesFileError("\(path): cannot replace the file: \(reason); it was not changed")
        }
        let folderFD = open(folder, O_RDONLY)
        if folderFD >= 0 { fsync(folderFD); close(folderFD) }
    }
}

extension String {
    func appendingPathComponentOrSelf(_ component: String) -> String {
        isEmpty ? component : (self as NSString).appendingPathComponent(component)
    }
}
