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
        while suffix < a.count - prefix && suffix < b.count - prefix
            && a[a.count - 1 - suffix] == b[b.count - 1 - suffix]
        { suffix += 1 }
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
                while x < n && y < m && a[x] == b[y] {
                    x += 1
                    y += 1
                }
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
            while x > prevX && y > prevY {
                x -= 1
                y -= 1
            }
            if x == prevX {
                changes.append(.added(line: y, text: b[y - 1]))
            } else {
                changes.append(.removed(line: x, text: a[x - 1]))
            }
            x = prevX
            y = prevY
        }
        return changes.reversed()
    }

    /// One line of a hunk: unchanged context, or a change, with its line number (old for removed, new otherwise).
    public enum HunkLine: Equatable, Sendable {
        case context(line: Int, text: String)
        case removed(line: Int, text: String)
        case added(line: Int, text: String)
    }

    /// Changes grouped with `context` unchanged lines around them, as `diff -U3` groups them.
    public static func hunks(from old: String, to new: String, context: Int = 3) -> [[HunkLine]] {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let changes = changes(from: old, to: new)
        guard !changes.isEmpty else { return [] }
        var removed = Set<Int>(), added = Set<Int>()
        for change in changes {
            switch change {
            case .removed(let line, _): removed.insert(line)
            case .added(let line, _): added.insert(line)
            }
        }
        // Both texts side by side, then runs of changes with their context.
        var all: [HunkLine] = []
        var i = 1, j = 1
        while i <= a.count || j <= b.count {
            if i <= a.count && removed.contains(i) {
                all.append(.removed(line: i, text: a[i - 1]))
                i += 1
            }
            else if j <= b.count && added.contains(j) {
                all.append(.added(line: j, text: b[j - 1]))
                j += 1
            }
            else if i <= a.count && j <= b.count {
                all.append(.context(line: j, text: b[j - 1]))
                i += 1
                j += 1
            }
            else { break }
        }
        let changed = all.indices.filter { if case .context = all[$0] { return false } else { return true } }
        var hunks: [[HunkLine]] = []
        var start = max(0, changed[0] - context), end = min(all.count - 1, changed[0] + context)
        for index in changed.dropFirst() {
            if index - context <= end + 1 {
                end = min(all.count - 1, index + context)
                continue
            }
            hunks.append(Array(all[start...end]))
            start = max(0, index - context)
            end = min(all.count - 1, index + context)
        }
        hunks.append(Array(all[start...end]))
        return hunks
    }

    /// The YAML key path of a line, from the keys of the less indented lines above it (`toolManager.env.X`).
    public static func yamlKeyPath(_ lines: [String], line: Int) -> String {
        guard lines.indices.contains(line - 1) else { return "" }
        func indent(_ text: String) -> Int { text.prefix { $0 == " " || $0 == "-" }.count }
        func key(_ text: String) -> String? {
            let body = text.drop { $0 == " " || $0 == "-" }
            guard !body.hasPrefix("#"), let colon = body.firstIndex(of: ":") else { return nil }
            let name = body[..<colon].trimmingCharacters(in: "\"")
            return name.isEmpty || name.contains(" ") ? nil : name
        }
        var path: [String] = []
        var limit = Int.max
        for index in stride(from: line - 1, through: 0, by: -1) {
            let text = lines[index]
            guard !text.trimmingCharacters(in: " ").isEmpty, let name = key(text) else { continue }
            let depth = indent(text)
            if index == line - 1 || depth < limit {
                path.insert(name, at: 0)
                limit = depth
            }
            if depth == 0 { break }
        }
        return path.joined(separator: ".")
    }
}
