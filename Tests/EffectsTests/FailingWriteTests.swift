import Foundation
import XCTest
import TestSupport
@testable import Effects
@testable import Manifests
@testable import Output
@testable import RegistryModel
@testable import ValuesFile
@testable import Wizard

/// The multi-file write stopped at every one of its steps, on a file system that fails there: what is left is the
/// old files, or the new ones, or an error that names every file it changed and could not put back. Never a mix
/// nobody is told about, never a secret or the person's values file half replaced.
final class FailingWriteTests: XCTestCase {
    let old: [String: String] = [
        "/fake/values.yaml": "cacheRegistry:\n  enabled: true\n",
        "/fake/out/pv.yaml": "# \(OutputLayout.marker)\nold pv\n",
        "/fake/out/stale.yaml": "# \(OutputLayout.marker)\nold stale\n",
    ]
    let new: [String: String] = [
        "/fake/values.yaml": "cacheRegistry:\n  enabled: false\n",
        "/fake/values-tls.yaml": "registryTls:\n  key: secret\n",
        "/fake/out/pv.yaml": "new pv\n",
        "/fake/out/service.yaml": "new service\n",
    ]

    let wait = LockWait(seconds: 1, announce: { _ in })

    func transaction(on fileSystem: MemoryFileSystem) -> FileTransaction {
        var transaction = FileTransaction(fileSystem: fileSystem)
        transaction.write(Array(new["/fake/values-tls.yaml"]!.utf8), to: "/fake/values-tls.yaml", kind: .secret)
        transaction.write(Array(new["/fake/values.yaml"]!.utf8), to: "/fake/values.yaml", kind: .personal,
                          readBefore: .some(Array(old["/fake/values.yaml"]!.utf8)))
        transaction.write(Array(new["/fake/out/pv.yaml"]!.utf8), to: "/fake/out/pv.yaml")
        transaction.write(Array(new["/fake/out/service.yaml"]!.utf8), to: "/fake/out/service.yaml")
        transaction.replaceWhole("/fake/out", dropping: ["stale.yaml"])
        return transaction
    }

    /// The visible files (a killed run's leftovers cleaned as the next run does first).
    func visible(_ fileSystem: MemoryFileSystem) -> [String: String] {
        fileSystem.failAt = nil
        try? FileTransaction.recover(in: "/fake", fileSystem: fileSystem)
        try? FileTransaction.recover(replacing: "/fake/out", fileSystem: fileSystem)
        return fileSystem.snapshot
    }

    func testATransactionFailingAtEachStepLeavesOldFilesNewFilesOrNamesWhatItChanged() throws {
        let counting = MemoryFileSystem(old)
        _ = try transaction(on: counting).commit()
        var expected = new
        XCTAssertEqual(visible(counting), expected, "without a failure every file is new and the stale one is gone")
        XCTAssertEqual(counting.mode("/fake/values-tls.yaml"), 0o600)
        let total = counting.steps
        XCTAssertGreaterThan(total, 10, "the write has its steps: \(counting.log)")
        XCTAssertTrue(counting.log.contains { $0.hasPrefix("exchange /fake/.out.stage-") }, "\(counting.log)")
        for failing in 0..<total {
            let fileSystem = MemoryFileSystem(old)
            fileSystem.failAt = failing
            let step = failing < counting.log.count ? counting.log[failing] : "?"
            defer {
                // Whatever failed, a reader of the output folder finds one whole commit, old or new.
                let folder = visible(fileSystem).filter { $0.key.hasPrefix("/fake/out/") }
                XCTAssertTrue([old, new].map { $0.filter { $0.key.hasPrefix("/fake/out/") } }.contains(folder),
                              "failing at \(step), the output folder is a mix: \(folder)")
            }
            do {
                let report = try transaction(on: fileSystem).commit()
                // Only what can fail without harm may: a stale file that stays, a leftover the next run removes.
                expected = new
                if report.notRemoved.contains(where: { $0.hasPrefix("/fake/out/stale.yaml") }) {
                    expected["/fake/out/stale.yaml"] = old["/fake/out/stale.yaml"]
                }
                XCTAssertEqual(visible(fileSystem), expected, "failing at \(step), the commit said it succeeded")
            } catch {
                let files = visible(fileSystem)
                if error.message.contains("the files were replaced") {
                    XCTAssertEqual(files, new, "failing at \(step): \(error)")
                    continue
                }
                for path in Set(old.keys).union(new.keys) {
                    let now = files[path]
                    if now == old[path] { continue }
                    XCTAssertEqual(now, new[path], "failing at \(step), \(path) is neither old nor new: \(error)")
                    XCTAssertTrue(error.message.contains(path), "failing at \(step), \(path) changed unannounced: \(error)")
                    XCTAssertFalse(path.hasSuffix("values.yaml") || path.hasSuffix("values-tls.yaml"),
                                   "failing at \(step), the person's file or a secret was not put back: \(error)")
                }
            }
        }
    }

    func testTheWizardsWriteFailingAtEachStepReportsItAndKeepsTheValuesFile() throws {
        let valuesText = "cacheRegistry:\n  enabled: true\n"
        let disk = MemoryFileSystem(["/fake/values.yaml": valuesText])
        let runner = EffectRunner(fileSystem: disk, lockWait: wait, helmOnPath: { nil }, clock: { Date() })
        let document = try ValuesDocument(bytes: Array(valuesText.utf8), name: "/fake/values.yaml")
        var state = WizardState(mode: .edit, valuesPath: "/fake/values.yaml", originalBytes: Array(valuesText.utf8),
                                config: try document.config(), outputDir: "/fake/out", document: document, now: Date())
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))
        _ = update(&state, .intent(.choose(index: StorageMode.wizardChoices.firstIndex(of: .dynamic)!)))
        guard case .diskInspected(let snapshot)? = runner.perform(.inspectDisk(outputDir: "/fake/out", valuesPath: "/fake/values.yaml"))
        else { return XCTFail("no snapshot") }
        XCTAssertNil(snapshot.failure)
        XCTAssertEqual(snapshot.valuesFileBytes, Array(valuesText.utf8))
        let plan = try WritePlanner.plan(state, disk: snapshot)
        let clean = MemoryFileSystem(["/fake/values.yaml": valuesText])
        guard case .writeFinished(.written(let paths))? = EffectRunner(fileSystem: clean, lockWait: wait, helmOnPath: { nil }, clock: { Date() }).perform(.write(plan)) else {
            return XCTFail("the write failed without a failure")
        }
        XCTAssertTrue(paths.contains("/fake/out/pvc.yaml"), "\(paths)")
        XCTAssertEqual(clean.snapshot["/fake/values.yaml"], String(decoding: plan.valuesBytes, as: UTF8.self))
        for failing in 0..<clean.steps {
            let fileSystem = MemoryFileSystem(["/fake/values.yaml": valuesText])
            fileSystem.failAt = failing
            let outcome = EffectRunner(fileSystem: fileSystem, lockWait: wait, helmOnPath: { nil }, clock: { Date() }).perform(.write(plan))
            let values = visible(fileSystem)["/fake/values.yaml"]
            switch outcome {
            case .writeFinished(.failed(let message))? where message.contains("the files were replaced"):
                XCTAssertEqual(values, String(decoding: plan.valuesBytes, as: UTF8.self), message)
            case .writeFinished(.failed(let message))?:
                XCTAssertEqual(values, valuesText, "failing at \(clean.log[failing]): \(message)")
                XCTAssertTrue(message.hasPrefix("/fake"), "the message names the file or folder: \(message)")
            case .writeFinished(.written)?:
                XCTAssertEqual(values, String(decoding: plan.valuesBytes, as: UTF8.self))
            default:
                XCTFail("failing at \(clean.log[failing]): \(String(describing: outcome))")
            }
        }
    }

    func testAFolderCheckAndAnUnreadableSecretAreReportedNotGuessed() {
        let fileSystem = MemoryFileSystem(["/fake/file": "x", "/fake/out/\(OutputFile.httpSecret.name)": "# \(OutputLayout.marker)\nkind: Secret\n"])
        XCTAssertEqual(FolderCheck.problem("/fake/file", in: fileSystem), "is a file, not a folder; choose another folder")
        XCTAssertEqual(FolderCheck.problem("/fake/file/out", in: fileSystem), "cannot be created: /fake/file is a file")
        XCTAssertNil(FolderCheck.problem("/fake/new/out", in: fileSystem))
        XCTAssertThrowsError(try HTTPSecretStore.value(in: "/fake/out", fileSystem: fileSystem)) { error in
            XCTAssertTrue("\(error)".contains("holds no readable"), "\(error)")
        }
    }
}
