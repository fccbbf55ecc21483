/// A line diff (Myers' algorithm), reporting changed lines only.
public enum LineDiff {
    /// One changed line.
    public enum Change: Equatable, Sendable {
        case removed(line: Int, text: String)
        case added(line: Int, text: String)
    }

    /// Changed lines between two texts, in order; O((N+M)·D) for D changes.
    public static func changes(from old: String, to new: String) -> [Change] {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let x = Array(a[prefix..<(a.count - suffix)]), y = Array(b[prefix..<(b.count - suffix)])
        return myers(x, y).map { change in
            switch change {
            case .removed(let line, let text): return .removed(line: line + prefix, text: text)
            case .added(let line, let text): return .added(line: line + prefix, text: text)
            }
        }
    }

    static func myers(_ a: [String], _ b: [String]) -> [Change] {
        let n = a.count, m = b.count
        if n == 0 { return b.enumerated().map { .added(line: $0.offset + 1, text: $0.element) } }
        if m == 0 { return a.enumerated().map { .removed(line: $0.offset + 1, text: $0.element) } }
        let maxD = n + m, offset = n + m
        var v = [Int](repeating: 0, count: 2 * maxD + 2)
        var trace: [[Int]] = []
        func prevK(_ v: [Int], _ k: Int, _ d: Int) -> Int {
            (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? k + 1 : k - 1
        }
        search: for d in 0...maxD {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x = prevK(v, k, d) == k + 1 ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n && y < m && a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m { break search }
            }
        }
        var changes: [Change] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 1, by: -1) {
            let v = trace[d]
            let k = x - y
            let previous = prevK(v, k, d)
            let prevX = v[offset + previous], prevY = prevX - previous
            while x > prevX && y > prevY { x -= 1; y -= 1 }
            if x == prevX { changes.append(.added(line: y, text: b[y - 1])) } else { changes.append(.removed(line: x, text: a[x - 1])) }
            x = prevX; y = prevY
        }
        return changes.reversed()
    }
}
