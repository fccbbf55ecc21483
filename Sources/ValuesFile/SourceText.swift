/// A file's bytes with a line table, to turn Yams marks into byte offsets.
struct SourceText {
    let bytes: [UInt8]
    /// Byte offset where each line starts (line 1 is index 0).
    let lineStarts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == Byte.newline { starts.append(index + 1) }
        lineStarts = starts
    }

    /// The byte offset of a 1-based line and a column counted in Unicode scalars.
    func offset(line: Int, column: Int) -> Int {
        guard line >= 1, line <= lineStarts.count else { return bytes.count }
        var offset = lineStarts[line - 1]
        var remaining = column - 1
        while remaining > 0 && offset < bytes.count {
            offset += 1
            while offset < bytes.count && bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }

    /// The 1-based line of a byte offset.
    func line(of offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low + 1
    }

    func lineStart(of offset: Int) -> Int { lineStarts[line(of: offset) - 1] }

    /// The 0-based column of an offset in its line.
    func column(of offset: Int) -> Int { offset - lineStart(of: offset) }

    /// The end of the line holding `offset`, before its line break (`\n` or `\r\n`).
    func lineEnd(of offset: Int) -> Int {
        var end = offset
        while end < bytes.count && bytes[end] != Byte.newline { end += 1 }
        if end > 0 && end <= bytes.count && end - 1 >= offset && bytes[end - 1] == Byte.carriageReturn { end -= 1 }
        return end
    }

    /// The offset just after the line break of the line holding `offset`.
    func nextLineStart(after offset: Int) -> Int {
        var end = offset
        while end < bytes.count && bytes[end] != Byte.newline { end += 1 }
        return min(end + 1, bytes.count)
    }

    /// Indentation (spaces) of the line holding `offset`.
    func indentation(ofLineAt offset: Int) -> Int {
        var index = lineStart(of: offset), count = 0
        while index < bytes.count && bytes[index] == Byte.space {
            index += 1
            count += 1
        }
        return count
    }

    /// The bytes without the key that starts at `line` and `column` and its value (the lines below it that are
    /// indented deeper, or list items at its own indentation); nil when no key starts there.
    func droppingKey(at line: Int, column: Int) -> [UInt8]? {
        guard line >= 1, line <= lineStarts.count else { return nil }
        let start = lineStarts[line - 1]
        guard indentation(ofLineAt: start) == column - 1 else { return nil }  // a key inside a flow mapping
        var end = nextLineStart(after: start)
        while end < bytes.count {
            let indent = indentation(ofLineAt: end)
            let first = end + indent < bytes.count ? bytes[end + indent] : 10
            let blank = first == Byte.newline || first == Byte.carriageReturn
            let listItem = indent == column - 1 && first == UInt8(ascii: "-")
            guard blank || indent > column - 1 || listItem else { break }
            end = nextLineStart(after: end)
        }
        return Array(bytes[..<start] + bytes[end...])
    }

    var usesCRLF: Bool {
        guard let firstBreak = bytes.firstIndex(of: 10) else { return false }
        return firstBreak > 0 && bytes[firstBreak - 1] == Byte.carriageReturn
    }
    var lineBreak: String { usesCRLF ? "\r\n" : "\n" }
    var endsWithNewline: Bool { bytes.last == Byte.newline }
}
