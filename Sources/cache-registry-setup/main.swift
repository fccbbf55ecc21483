import Foundation
import RegistryModel

// Parsing, validation and the wizard recurse over YAML trees; a large stack keeps hostile nesting
// from overflowing the main thread's 8 MiB.
let finished = DispatchSemaphore(value: 0)
nonisolated(unsafe) var exitStatus: Int32 = 0
let runner = Thread {
    // Arguments as bytes: a file name that is not UTF-8 keeps its bytes (PathName.decoding).
    let arguments = (1..<Int(CommandLine.argc)).map { index in
        CommandLine.unsafeArgv[index].map { PathName.decoding(UnsafeRawBufferPointer(start: $0, count: strlen($0))) }
            ?? ""
    }
    exitStatus = CommandLineEntry.run(arguments)
    finished.signal()
}
runner.stackSize = 1 << 29
runner.start()
finished.wait()
exit(exitStatus)
