import Foundation
import Wizard

/// Wraps a terminal and writes the text of every frame it draws to a file, so an end-to-end test can
/// compare what a terminal emulator shows with exactly what was drawn. The file holds one frame: a line
/// `frame N WIDTHxHEIGHT`, then the rows (trailing spaces removed); it is replaced atomically each time.
public final class FrameRecorder<Inner: TerminalBackend>: TerminalBackend {
    let inner: Inner
    let path: String
    private var count = 0

    public init(_ inner: Inner, path: String) {
        self.inner = inner
        self.path = path
    }

    public var size: (width: Int, height: Int) { inner.size }
    public var pendingSignal: Int32? { inner.pendingSignal }
    public func nextAction(timeout: Int) -> Action? { inner.nextAction(timeout: timeout) }
    public func end() { inner.end() }

    public func draw(_ canvas: Canvas) {
        inner.draw(canvas)
        count += 1
        let text = "frame \(count) \(canvas.width)x\(canvas.height)\n" + canvas.text + "\n"
        let temporary = path + ".tmp"
        if FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) { _ = rename(temporary, path) }
    }
}
