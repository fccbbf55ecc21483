import Foundation

// Parsing, validation and the wizard recurse over YAML trees; a large stack keeps hostile nesting
// from overflowing the main thread's 8 MiB.
let finished = DispatchSemaphore(value: 0)
nonisolated(unsafe) var exitStatus: Int32 = 0
let runner = Thread {
    exitStatus = CommandLineEntry.run(Array(CommandLine.arguments.dropFirst()))
    finished.signal()
}
runner.stackSize = 1 << 29
runner.start()
finished.wait()
exit(exitStatus)
