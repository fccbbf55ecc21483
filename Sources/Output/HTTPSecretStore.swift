import Foundation
import Manifests
import RegistryModel
import ValuesFile

/// The shared REGISTRY_HTTP_SECRET of several replicas: kept once made, so that exporting or writing again
/// gives the same files (a new value on every export would restart the pods and break uploads in flight).
public enum HTTPSecretStore {
    /// The value the output folder's Secret holds (one this program wrote), else a new random one.
    public static func value(
        in folder: String, fileSystem: any FileSystem
    ) throws(FileError) -> String {
        try existing(in: folder, fileSystem: fileSystem) ?? fresh()
    }

    /// The value of the folder's Secret; nil when there is none of ours. One that cannot be read is an error (a
    /// new value would silently restart the pods and break uploads in flight).
    static func existing(in folder: String, fileSystem: any FileSystem) throws(FileError) -> String? {
        let path = PathName.join(folder, OutputFile.httpSecret.name)
        // Only a regular file there can be ours; a link is never followed to someone else's file.
        guard let info = fileSystem.existing(path, followingLinks: false), info.kind != .link else { return nil }
        let bytes = try FileAccess.readFile(path, what: "a manifest", in: fileSystem)
        guard OutputLayout.isOurs(String(decoding: bytes, as: UTF8.self)) else { return nil }
        let document = try ValuesDocument(bytes: bytes, name: path)
        guard let encoded = document.topLevelString(["data", Renderer.httpSecretKey]),
              let decoded = Data(base64Encoded: encoded).map({ [UInt8]($0) }),
              let value = String(validating: decoded, as: UTF8.self), !value.isEmpty else {
            throw FileError(file: path, "holds no readable \(Renderer.httpSecretKey); remove it to make a new "
                + "one")
        }
        return value
    }

    /// 32 random bytes as hex.
    public static func fresh() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
