import Foundation
import Manifests
import RegistryModel
import ValuesFile

/// The shared REGISTRY_HTTP_SECRET of several replicas: kept once made, so that exporting or writing again
/// gives the same files (a new value on every export would restart the pods and break uploads in flight).
enum HTTPSecretStore {
    /// The value the output folder's Secret holds (one this program wrote), else a new random one.
    static func value(in folder: String) -> String {
        existing(in: folder) ?? fresh()
    }

    static func existing(in folder: String) -> String? {
        let path = (folder as NSString).appendingPathComponent(Renderer.httpSecretFile)
        guard let bytes = try? FileAccess.readFile(path), OutputLayout.isOurs(String(decoding: bytes, as: UTF8.self)),
              let document = try? ValuesDocument(bytes: bytes, name: path),
              let encoded = document.topLevelString(["data", Renderer.httpSecretKey]),
              let data = Data(base64Encoded: encoded), let value = String(data: data, encoding: .utf8), !value.isEmpty else { return nil }
        return value
    }

    /// 32 random bytes as hex.
    static func fresh() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
