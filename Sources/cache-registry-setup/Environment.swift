import Foundation
import Manifests
import RegistryModel
import ValuesFile

/// Where the program runs from: the disk and the clock, the inputs that make the post-renderer wrapper's paths
/// absolute, and how long a command waits for another one's lock.
enum Environment {
    /// The disk every command reads and writes (the libraries take a file system; this is the real one).
    static let disk: any FileSystem = RealFileSystem()

    /// The time now, for certificate dates and expiry checks (the libraries take it; this is the clock).
    static var now: Date { Date() }

    /// Seconds to wait for a lock another process holds: `CACHE_REGISTRY_SETUP_LOCK_WAIT`, else 15.
    static var lockSeconds: Double {
        ProcessInfo.processInfo.environment["CACHE_REGISTRY_SETUP_LOCK_WAIT"].flatMap(Double.init) ?? 15
    }

    /// The headless commands say at once that they wait, on standard error.
    static var lockWait: LockWait { LockWait(seconds: lockSeconds, announce: { Output.error("note: \($0)") }) }

    /// The major version of the `helm` on PATH (`helm version --short`), nil when there is none or it does not say
    /// within a few seconds.
    static var helmOnPath: NextSteps.HelmMajor? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        guard let helm = folders.map({ PathName.join($0, "helm") }).first(where: { access($0, X_OK) == 0 }) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: helm)
        process.arguments = ["version", "--short"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            return nil
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.hasPrefix("v3.") ? .three : text.hasPrefix("v4.") ? .four : nil
    }

    static var workingDirectory: String { FileManager.default.currentDirectoryPath }

    /// This executable's own path (`/proc/self/exe`), so the wrapper runs the same program.
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath("/proc/self/exe", &buffer) != nil else { return "cache-registry-setup" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
