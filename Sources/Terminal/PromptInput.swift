import CursesShim
import Foundation

/// Standard input line by line for the line-prompt wizard, which a signal (Ctrl-C, a closed terminal, SIGTERM) can
/// interrupt: the signal is noted, the read ends, and the wizard says what happened instead of vanishing.
public final class PromptInput {
    private var buffer: [UInt8] = []
    private var ended = false

    /// Takes over the stopping signals (they are noted, not fatal) for the life of the process.
    public init() { crs_install_signal_handlers() }

    /// The signal that stopped the session, if one came.
    public var interruption: Int32? {
        let signal = crs_pending_signal()
        return signal == 0 ? nil : signal
    }

    /// The next line without its line break (`\n` or `\r\n`); nil at the end of input or once a signal came.
    public func readLine() -> String? {
        while true {
            if interruption != nil { return nil }
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if ended {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = [] }
                return String(decoding: buffer, as: UTF8.self)
            }
            // A short wait, so that a signal taken by another thread is seen within a fifth of a second.
            var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 200) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(0, &chunk, chunk.count)
            if count > 0 {
                buffer += chunk[..<count]
            } else if count == 0 || errno != EINTR && errno != EAGAIN {
                ended = true
            }
        }
    }

    /// A signal's name as people know it (SIGINT), or its number.
    public static func name(of signal: Int32) -> String {
        [SIGINT: "SIGINT (Ctrl-C)", SIGHUP: "SIGHUP (the terminal closed)", SIGTERM: "SIGTERM", SIGQUIT: "SIGQUIT"][
            signal] ?? "signal \(signal)"
    }
}
