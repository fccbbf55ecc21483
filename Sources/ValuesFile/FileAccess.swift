import Foundation
import RegistryModel

/// Reading and atomically replacing files; the only place (with the command layer) that touches the disk.
public enum FileAccess {
    /// The largest values (or PEM, or theme) file read: a values file is small.
    public static let maximumFileSize = 64 << 20

    /// Reads a whole regular file of at most `maximumFileSize` bytes, or one sentence saying why it cannot:
    /// folders, pipes, devices and sockets are named as such and never opened (a FIFO would wait forever,
    /// /dev/zero never ends).
    public static func readFile(_ path: String, limit: Int = maximumFileSize, what: String = "a values file") throws(ValuesFileError) -> [UInt8] {
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
        if Int(info.st_size) > limit { throw ValuesFileError(tooLarge(path, limit, what)) }
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
            if bytes.count > limit { throw ValuesFileError(tooLarge(path, limit, what)) }  // it grew while being read
        }
    }

    static func tooLarge(_ path: String, _ limit: Int, _ what: String) -> String {
        let size = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"
        return "\(Quote.path(path)): is larger than \(size); \(what) is small. Is this the right file?"
    }

    static func cannotRead(_ path: String, _ code: Int32) -> String {
        switch code {
        case ENOENT: return "\(path): no such file"
        case EACCES, EPERM: return "\(path): cannot be read: permission denied"
        case ENOTDIR: return "\(path): a part of the path is not a folder"
        case ELOOP: return "\(path): too many symbolic links"
        default: return "\(path): cannot be read: \(reason(code))"
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
    static func makeFolderRecording(_ path: String) throws(ValuesFileError) -> [String] {
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { return [] }
            throw ValuesFileError("\(Quote.path(path)): is a file, not a folder; choose another output folder")
        }
        let parent = PathName.folder(of: path)
        var made = parent != path ? try makeFolderRecording(parent) : []
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST { return made }
            throw ValuesFileError("\(Quote.path(path)): cannot create the folder: \(reason(errno))")
        }
        made.append(path)
        return made
    }

    /// Follows symbolic links to the file that is really edited.
    public static func resolvedTarget(_ path: String) throws(ValuesFileError) -> String {
        var current = path
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count >= 0 else { return current }
            let destination = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : PathName.join(PathName.folder(of: current), destination)
        }
        throw ValuesFileError("\(Quote.path(path)): too many symbolic links")
    }

    /// Makes a rename or removal in a folder durable.
    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
