import Foundation
import Manifests
import Output
import RegistryModel
import RegistryTLS
import ValuesFile
import Wizard

/// Executes the wizard's effects: the only place its I/O happens, on the file system it is given (the disk, or a
/// test's fake that fails at any step).
public struct EffectRunner: Sendable {
    public let fileSystem: any FileSystem
    /// How long a write waits for another process that holds a folder's lock.
    public let lockWait: LockWait
    /// Which Helm is on PATH (it runs `helm version`; tests give their own answer).
    public let helmOnPath: @Sendable () -> NextSteps.HelmMajor?
    /// The time a generated certificate starts from.
    public let clock: @Sendable () -> Date

    public init(fileSystem: any FileSystem, lockWait: LockWait,
                helmOnPath: @escaping @Sendable () -> NextSteps.HelmMajor?, clock: @escaping @Sendable () -> Date) {
        self.fileSystem = fileSystem
        self.lockWait = lockWait
        self.helmOnPath = helmOnPath
        self.clock = clock
    }

    /// Runs one effect and returns the action that reports its result (nil for `exit`).
    public func perform(_ effect: Effect) -> Action? {
        switch effect {
        case .loadTLSFiles(let certificate, let key): return .tlsFilesLoaded(loadTLSFiles(certificate, key))
        case .generateTLS(let spec): return generate(spec)
        case .inspectDisk(let outputDir, let valuesPath, let route):
            var snapshot = inspectDisk(outputDir, valuesPath)
            if route == .helmPostRender { snapshot.helm = helmOnPath() }
            return .diskInspected(snapshot)
        case .checkFolder(let path):
            return .folderChecked(path: path, problem: FolderCheck.problem(path, in: fileSystem))
        case .write(let plan): return .writeFinished(write(plan))
        case .reload(let path):
            do { return .reloaded(.success(try FileAccess.readFile(path, in: fileSystem))) } catch {
                return .reloaded(.failure(error))
            }
        case .exit: return nil
        }
    }

    func loadTLSFiles(_ certificate: String, _ key: String) -> TLSImportResult {
        let certificateText: String
        do { certificateText = try FileAccess.readText(certificate, in: fileSystem) } catch {
            return .failed(input: .certificate, message: error.description)
        }
        guard !key.isEmpty else {
            return .loaded(
                .imported(certificatePEM: certificateText, keyPEM: nil, certificateFile: certificate, keyFile: key))
        }
        do {
            let keyText = try FileAccess.readText(key, in: fileSystem)
            return .loaded(
                .imported(certificatePEM: certificateText, keyPEM: keyText, certificateFile: certificate, keyFile: key))
        } catch {
            return .failed(input: .key, message: error.description)
        }
    }

    func generate(_ spec: GenerationSpec) -> Action {
        do {
            let generated = try TLSGenerator.generate(names: spec.names, addresses: spec.addresses, days: spec.days,
                                                      algorithm: spec.rsa ? .rsa2048 : .ecdsaP256, now: clock())
            return .tlsGenerated(GeneratedTLSMaterial(spec: spec, pair: generated))
        } catch {
            return .tlsGenerationFailed("cannot generate the certificate: \(error)")
        }
    }

    /// What is on disk where the wizard will write.
    func inspectDisk(_ outputDir: String, _ valuesPath: String) -> DiskSnapshot {
        func failed(_ error: FileError, valuesFileExists: Bool = false) -> DiskSnapshot {
            DiskSnapshot(
                outputDir: outputDir, manifests: [:], valuesFileExists: valuesFileExists, failure: error.description)
        }
        // A commit a killed run left half done is completed first, so what is shown is what is there; under the
        // folder's lock, so a commit running now in another process is not taken for a killed one.
        if FileAccess.exists(outputDir, in: fileSystem) {
            do {
                let lock = try FileLock(folderOf: [], replacing: [outputDir], wait: lockWait, fileSystem: fileSystem)
                defer { lock.release() }
                try FileTransaction.recover(replacing: outputDir, fileSystem: fileSystem)
            } catch { return failed(error) }
        }
        var manifests: [String: String] = [:]
        for name in OutputLayout.allFileNames {
            let path = PathName.join(outputDir, name)
            guard FileAccess.exists(path, in: fileSystem) else { continue }
            do {
                manifests[name] = String(decoding: try FileAccess.readFile(path, in: fileSystem), as: UTF8.self)
            } catch {
                return failed(error)
            }
        }
        let info = fileSystem.existing(valuesPath, followingLinks: true)
        var valuesBytes: [UInt8]?
        if info != nil {
            do { valuesBytes = try FileAccess.readFile(valuesPath, in: fileSystem) } catch {
                return failed(error, valuesFileExists: true)
            }
        }
        let httpSecret: String
        do { httpSecret = try HTTPSecretStore.value(in: outputDir, fileSystem: fileSystem) } catch {
            return failed(error, valuesFileExists: info != nil)
        }
        return DiskSnapshot(
            outputDir: outputDir, manifests: manifests, valuesFileExists: info != nil, httpSecret: httpSecret,
                            valuesFileMode: info.map { UInt16($0.permissions & 0o777) }, valuesFileBytes: valuesBytes)
    }

    /// Every file of a plan in one transaction: all written, or none.
    func write(_ plan: WritePlan) -> WriteOutcome {
        do {
            var transaction = FileTransaction(fileSystem: fileSystem)
            if let tlsValues = plan.tlsValues {
                // It holds a private key: always a new 0600 file, whatever was at its path.
                transaction.write(tlsValues.bytes, to: tlsValues.path, kind: .secret)
            }
            transaction.write(
                plan.valuesBytes, to: plan.valuesPath, kind: .personal, mode: plan.restrictValuesMode ? 0o600 : nil,
                              readBefore: .some(plan.valuesReadBefore))
            _ = try ManifestWriter.commit(plan.files, in: plan.outputDir, alongside: transaction, replacingOutput: true,
                                          wait: lockWait)
            let manifests = plan.files.map(\.name).filter { !$0.hasPrefix(TrustFiles.folder + "/") }
                .map { PathName.join(plan.outputDir, $0) }
            let trust =
                plan.files.count > manifests.count ? [PathName.join(plan.outputDir, TrustFiles.folder) + "/"] : []
            return .written([plan.valuesPath] + (plan.tlsValues.map { [$0.path] } ?? []) + manifests + trust)
        } catch {
            if let path = error.changedOnDisk { return .changedOnDisk(path) }
            return .failed(error.description)
        }
    }
}
