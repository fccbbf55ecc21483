import Foundation
import XCTest
@testable import RegistryModel
@testable import ValuesFile

/// Several files replaced as one commit: all or nothing, secrets made anew, killed commits completed.
final class FileTransactionTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "transaction-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func path(_ name: String) -> String { PathName.join(folder, name) }
    func text(_ name: String) -> String? { (try? FileAccess.readFile(path(name), in: RealFileSystem())).map { String(decoding: $0, as: UTF8.self) } }
    func put(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path(name))) }
    func mode(_ name: String) -> mode_t {
        var info = stat()
        return lstat(path(name), &info) == 0 ? info.st_mode & 0o7777 : 0
    }
    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder).sorted() }

    func testPathNamesOfAnyShape() {
        let cases: [(String, String, String)] = [("a", ".", "a"), ("./a", ".", "a"), ("a/", ".", "a"), ("/a", "/", "a"), ("../a", "..", "a"),
                                                 ("x/y/z.yaml", "x/y", "z.yaml"), ("/", "/", "/"), ("a b/ü", "a b", "ü"), ("x//y", "x", "y")]
        for (path, folderName, last) in cases {
            XCTAssertEqual(PathName.folder(of: path), folderName, path)
            XCTAssertEqual(PathName.lastComponent(path), last, path)
        }
        XCTAssertEqual(PathName.join("x/", "y"), "x/y")
        XCTAssertEqual(PathName.join("", "y"), "y")
    }

    func testAllFilesOrNone() throws {
        try put("a.yaml", "old a")
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("new a".utf8), to: path("a.yaml"))
        transaction.write(Array("new b".utf8), to: path("sub/b.yaml"))
        transaction.write(Array("key".utf8), to: path("secret.yaml"), kind: .secret)
        let report = try transaction.commit()
        XCTAssertEqual(text("a.yaml"), "new a")
        XCTAssertEqual(text("sub/b.yaml"), "new b")
        XCTAssertEqual(mode("secret.yaml"), 0o600)
        XCTAssertEqual(report.mode(of: path("secret.yaml")), 0o600, "the printed mode is the mode on disk")
        XCTAssertEqual(try entries(), ["a.yaml", "secret.yaml", "sub"], "no temporaries, journal or backups are left")
    }

    func testAFailedStageChangesNothingAndRemovesTheFoldersItMade() throws {
        try put("a.yaml", "old a")
        try put("c.yaml", "old c")
        chmod(path("c.yaml"), 0o444)
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("new a".utf8), to: path("a.yaml"))
        transaction.write(Array("new b".utf8), to: path("made/b.yaml"))
        transaction.write(Array("new c".utf8), to: path("c.yaml"))
        XCTAssertThrowsError(try transaction.commit()) { error in
            XCTAssertTrue("\(error)".contains("c.yaml: is read-only (mode 444)"), "\(error)")
            XCTAssertTrue("\(error)".contains("nothing was changed"), "\(error)")
        }
        XCTAssertEqual(text("a.yaml"), "old a")
        XCTAssertEqual(try entries(), ["a.yaml", "c.yaml"])
    }

    func testASecretIsNeverWrittenThroughALinkOrIntoAnOldMode() throws {
        try put("stolen", "")
        symlink("stolen", path("secret.yaml"))
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("key".utf8), to: path("secret.yaml"), kind: .secret)
        XCTAssertThrowsError(try transaction.commit()) { error in
            XCTAssertTrue("\(error)".contains("secret.yaml: is a symbolic link"), "\(error)")
        }
        XCTAssertEqual(text("stolen"), "")
        unlink(path("secret.yaml"))
        try put("secret.yaml", "old")
        chmod(path("secret.yaml"), 0o666)
        _ = try transaction.commit()
        XCTAssertEqual(mode("secret.yaml"), 0o600)
        XCTAssertEqual(text("secret.yaml"), "key")
    }

    func testAFileChangedSinceItWasReadIsNotReplaced() throws {
        try put("v.yaml", "as read")
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("edited".utf8), to: path("v.yaml"), kind: .personal, readBefore: .some(Array("as read".utf8)))
        try put("v.yaml", "changed by someone else")
        XCTAssertThrowsError(try transaction.commit()) { error in
            XCTAssertEqual((error as? FileError)?.changedOnDisk, path("v.yaml"))
        }
        XCTAssertEqual(text("v.yaml"), "changed by someone else")
        unlink(path("v.yaml"))
        XCTAssertThrowsError(try transaction.commit(), "a file deleted since it was read is not made again")
        XCTAssertNil(text("v.yaml"))
    }

    func testAValuesFileLinkIsKeptAndItsTargetEdited() throws {
        try put("target.yaml", "old")
        chmod(path("target.yaml"), 0o640)
        symlink("target.yaml", path("link.yaml"))
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("new".utf8), to: path("link.yaml"), kind: .personal)
        _ = try transaction.commit()
        XCTAssertEqual(text("target.yaml"), "new")
        XCTAssertEqual(mode("target.yaml"), 0o640)
        var info = stat()
        XCTAssertEqual(lstat(path("link.yaml"), &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK)
    }

    func testTheNextRunCompletesAKilledCommit() throws {
        try put("a.yaml", "old a")
        try put("b.yaml", "new b")  // renamed before the kill
        try put(".a.yaml.tmp-Abc123", "new a")
        try put(".b.yaml.old-Xyz789", "old b")
        try put(".stray.yaml.tmp-Qwe456", "from another killed run")
        try put(FileTransaction.journalName, "# journal\nrename\t.a.yaml.tmp-Abc123\ta.yaml\nrename\t.b.yaml.tmp-Gone00\tb.yaml\n")
        chmod(path(FileTransaction.journalName), 0o600)
        try FileTransaction.recover(in: folder, fileSystem: RealFileSystem())
        XCTAssertEqual(text("a.yaml"), "new a")
        XCTAssertEqual(text("b.yaml"), "new b")
        XCTAssertEqual(try entries(), ["a.yaml", "b.yaml"])
    }

    /// A journal someone else could have written is never acted on: it is named, and nothing is touched.
    func testAJournalThatIsNotThisUsersOwnIsRefusedAndNothingIsTouched() throws {
        try put("victim", "precious")
        try put(".a.yaml.tmp-Abc123", "planted")
        let journals: [(String, mode_t, String)] = [
            ("rename\t.a.yaml.tmp-Abc123\t../victim\n", 0o600, "line 1 is not a rename"),
            ("rename\t\(path(".a.yaml.tmp-Abc123"))\t\(path("victim"))\n", 0o600, "line 1 is not a rename"),
            ("remove\t\(path("victim"))\n", 0o600, "line 1 is not a rename"),
            ("rename\tvictim\ta.yaml\n", 0o600, "line 1 is not a rename"),
            ("rename\t.a.yaml.tmp-Abc123\ta.yaml\n", 0o666, "can be written by others (mode 666)"),
        ]
        for (text, mode, reason) in journals {
            try put(FileTransaction.journalName, text)
            chmod(path(FileTransaction.journalName), mode)
            XCTAssertThrowsError(try FileTransaction.recover(in: folder, fileSystem: RealFileSystem())) { error in
                XCTAssertTrue("\(error)".contains(FileTransaction.journalName + ": " + reason), "\(error)")
                XCTAssertTrue("\(error)".contains("nothing was changed"), "\(error)")
            }
            XCTAssertEqual(self.text("victim"), "precious")
            XCTAssertEqual(self.text(".a.yaml.tmp-Abc123"), "planted")
            XCTAssertNil(self.text("a.yaml"))
        }
        unlink(path(FileTransaction.journalName))
        symlink("victim", path(FileTransaction.journalName))
        XCTAssertThrowsError(try FileTransaction.recover(in: folder, fileSystem: RealFileSystem())) { error in
            XCTAssertTrue("\(error)".contains("is not a regular file"), "\(error)")
        }
        XCTAssertEqual(text("victim"), "precious")
    }

    func testAnotherUsersJournalAndTemporariesAreLeftAlone() throws {
        guard geteuid() == 0 else { throw XCTSkip("giving a file to another user needs root") }
        try put(".a.yaml.tmp-Abc123", "theirs")
        try put(".b.yaml.old-Xyz789", "theirs too")
        chown(path(".a.yaml.tmp-Abc123"), 65534, 65534)
        chown(path(".b.yaml.old-Xyz789"), 65534, 65534)
        try FileTransaction.recover(in: folder, fileSystem: RealFileSystem())
        XCTAssertEqual(try entries(), [".a.yaml.tmp-Abc123", ".b.yaml.old-Xyz789"], "another user's files stay")
        try put(FileTransaction.journalName, "rename\t.a.yaml.tmp-Abc123\ta.yaml\n")
        chmod(path(FileTransaction.journalName), 0o600)
        chown(path(FileTransaction.journalName), 65534, 65534)
        XCTAssertThrowsError(try FileTransaction.recover(in: folder, fileSystem: RealFileSystem())) { error in
            XCTAssertTrue("\(error)".contains("belongs to another user (uid 65534)"), "\(error)")
        }
        XCTAssertNil(text("a.yaml"))
    }

    /// A folder written whole: the new files, what else it held, less what is dropped; nothing beside it after.
    func testAFolderWrittenWholeKeepsOtherFilesAndDropsStaleOnes() throws {
        let out = path("out")
        try FileManager.default.createDirectory(atPath: out + "/keep", withIntermediateDirectories: true)
        try put("out/mine.txt", "a person's file")
        try put("out/keep/inner.txt", "kept too")
        try put("out/stale.yaml", "old")
        try put("out/a.yaml", "old a")
        symlink("mine.txt", out + "/link")
        chmod(out, 0o750)
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("new a".utf8), to: out + "/a.yaml")
        transaction.write(Array("new b".utf8), to: out + "/trust/b.crt")
        transaction.write(Array("key".utf8), to: out + "/secret.yaml", kind: .secret)
        transaction.replaceWhole(out, dropping: ["stale.yaml"])
        let report = try transaction.commit()
        XCTAssertEqual(text("out/a.yaml"), "new a")
        XCTAssertEqual(text("out/trust/b.crt"), "new b")
        XCTAssertEqual(text("out/mine.txt"), "a person's file")
        XCTAssertEqual(text("out/keep/inner.txt"), "kept too")
        XCTAssertEqual(FileManager.default.destinationOfSymbolicLinkSafely(out + "/link"), "mine.txt")
        XCTAssertNil(text("out/stale.yaml"))
        XCTAssertEqual(report.removed, [out + "/stale.yaml"])
        XCTAssertEqual(mode("out/secret.yaml"), 0o600)
        XCTAssertEqual(mode("out"), 0o750, "the folder keeps its mode")
        XCTAssertEqual(try entries(), ["out"], "nothing is left beside the folder")
    }

    func testALinkBelowAFolderWrittenWholeIsRefused() throws {
        try FileManager.default.createDirectory(atPath: path("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("outside"), withIntermediateDirectories: true)
        try put("outside/precious.conf", "precious")
        symlink("../outside", path("out/trust"))
        var transaction = FileTransaction(fileSystem: RealFileSystem())
        transaction.write(Array("ca".utf8), to: path("out/trust/ca.crt"))
        transaction.replaceWhole(path("out"), dropping: ["trust"])
        XCTAssertThrowsError(try transaction.commit()) { error in
            XCTAssertTrue("\(error)".contains("out/trust: is a symbolic link"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("outside")), ["precious.conf"])
        XCTAssertEqual(try entries(), ["out", "outside"])
    }

    func testWritersOfAFolderWaitForEachOther() throws {
        let wait = LockWait(seconds: 10, announce: { _ in })
        let first = try FileLock(folderOf: [path("v.yaml")], wait: wait, fileSystem: RealFileSystem())
        let entered = DispatchSemaphore(value: 0)
        let order = OrderLog()
        let target = path("v.yaml")
        Thread {
            order.append("second waits")
            let announced = OrderLog()
            let second = try? FileLock(folderOf: [target], wait: LockWait(seconds: 10, announce: { announced.append($0) }),
                                       fileSystem: RealFileSystem())
            order.append("second holds after \(announced.entries.count) announcement")
            second?.release()
            entered.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.3)
        order.append("first releases")
        first.release()
        entered.wait()
        XCTAssertEqual(order.entries, ["second waits", "first releases", "second holds after 1 announcement"])
        XCTAssertEqual(try entries(), [], "the lock file goes with the lock")
    }

    func testALockHeldTooLongIsGivenUpWithASentence() throws {
        let first = try FileLock(folderOf: [path("v.yaml")], wait: LockWait(seconds: 1, announce: { _ in }),
                                 fileSystem: RealFileSystem())
        defer { first.release() }
        let said = OrderLog()
        let done = DispatchSemaphore(value: 0)
        let target = path("v.yaml")
        let failure = OrderLog()
        Thread {
            do {
                _ = try FileLock(folderOf: [target], wait: LockWait(seconds: 0.3, announce: { said.append($0) }),
                                 fileSystem: RealFileSystem())
            } catch { failure.append("\(error)") }
            done.signal()
        }.start()
        done.wait()
        XCTAssertEqual(said.entries.count, 1)
        XCTAssertTrue(said.entries.first?.hasPrefix("waiting for ") == true, "\(said.entries)")
        XCTAssertTrue(failure.entries.first?.contains("is still held by another process after 0.3 s; nothing was changed")
                      == true, "\(failure.entries)")
    }
}

extension FileManager {
    func destinationOfSymbolicLinkSafely(_ path: String) -> String? { try? destinationOfSymbolicLink(atPath: path) }
}

/// A log appended to from two threads.
final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var entries: [String] = []
    func append(_ entry: String) { lock.withLock { entries.append(entry) } }
}
