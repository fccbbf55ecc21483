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
    func text(_ name: String) -> String? { (try? FileAccess.readFile(path(name))).map { String(decoding: $0, as: UTF8.self) } }
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
        var transaction = FileTransaction()
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
        var transaction = FileTransaction()
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
        var transaction = FileTransaction()
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
        var transaction = FileTransaction()
        transaction.write(Array("edited".utf8), to: path("v.yaml"), kind: .personal, readBefore: .some(Array("as read".utf8)))
        try put("v.yaml", "changed by someone else")
        XCTAssertThrowsError(try transaction.commit()) { error in
            XCTAssertEqual((error as? ValuesFileError)?.changedOnDisk, path("v.yaml"))
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
        var transaction = FileTransaction()
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
        try put(FileTransaction.journalName,
                "# journal\nrename\t\(path(".a.yaml.tmp-Abc123"))\t\(path("a.yaml"))\nrename\t\(path(".b.yaml.tmp-Gone00"))\t\(path("b.yaml"))\n")
        FileTransaction.recover(in: folder)
        XCTAssertEqual(text("a.yaml"), "new a")
        XCTAssertEqual(text("b.yaml"), "new b")
        XCTAssertEqual(try entries(), ["a.yaml", "b.yaml"])
    }

    func testWritersOfAFolderWaitForEachOther() throws {
        let first = try FileLock(folderOf: [path("v.yaml")])
        let entered = DispatchSemaphore(value: 0)
        let order = OrderLog()
        let target = path("v.yaml")
        Thread {
            order.append("second waits")
            let second = try? FileLock(folderOf: [target])
            order.append("second holds")
            second?.release()
            entered.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.3)
        order.append("first releases")
        first.release()
        entered.wait()
        XCTAssertEqual(order.entries, ["second waits", "first releases", "second holds"])
        XCTAssertEqual(try entries(), [], "the lock file goes with the lock")
    }
}

/// A log appended to from two threads.
final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var entries: [String] = []
    func append(_ entry: String) { lock.withLock { entries.append(entry) } }
}
