import RegistryModel
import ValuesFile

/// Whether a manifests folder can be written, in one sentence when it cannot.
public enum FolderCheck {
    public static func problem(_ path: String, in fileSystem: any FileSystem) -> String? {
        if let info = fileSystem.existing(path, followingLinks: true) {
            if info.kind != .folder { return "is a file, not a folder; choose another folder" }
            return fileSystem.writeAccess(path) == 0 ? nil : "cannot be written here (permission denied); choose "
                + "another folder"
        }
        // It will be created: the nearest existing folder above it must be writable.
        var parent = PathName.folder(of: path)
        var found = fileSystem.existing(parent, followingLinks: true)
        while found == nil && parent != "." && parent != "/" {
            parent = PathName.folder(of: parent)
            found = fileSystem.existing(parent, followingLinks: true)
        }
        if let found, found.kind != .folder { return "cannot be created: \(parent) is a file" }
        return fileSystem.writeAccess(parent) == 0 ? nil : "cannot be created: \(parent) cannot be written (permission "
            + "denied)"
    }
}
