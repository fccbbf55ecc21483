import Foundation
import TestSupport
import XCTest
@testable import RegistryModel
@testable import ValuesFile

/// Golden edits, compared byte for byte.
final class EditorTests: XCTestCase {
    func edit(_ text: String, _ assignments: [String]) throws -> String {
        let document = try ValuesDocument(bytes: Array(text.utf8), name: "t.yaml")
        let edited = try ValuesEditor.apply(try assignments.map { try Assignment(parsing: $0) }, to: document)
        XCTAssertEqual(try edited.config().merged, try ValuesDocument(bytes: edited.bytes, name: "t.yaml").config().merged,
                       "the section re-parse reads the same as a full parse")
        return String(decoding: edited.bytes, as: UTF8.self)
    }

    func fixture(_ name: String) throws -> String { try Fixtures.text(name) }

    /// Lines that differ between two texts, as (old, new) pairs, assuming the same line count.
    func changedLines(_ a: String, _ b: String) -> [(String, String)] {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(x.count, y.count)
        return zip(x, y).filter { $0.0 != $0.1 }.map { (String($0.0), String($0.1)) }
    }

    func testChartFixtureChangesExactlyTwoLines() throws {
        let original = try fixture("chart-values.yaml")
        let edited = try edit(original, ["pv.size=50Gi", "service.port=8443"])
        let changes = changedLines(original, edited)
        XCTAssertEqual(changes.map(\.1), ["    size: \"50Gi\"", "    port: 8443"])
    }

    func testRealChartValuesChangeExactlyTwoLines() throws {
        if let reason = Fixtures.sharedMissingReason { throw XCTSkip(reason) }
        let original = try Fixtures.sharedText("kubiya-runner-values.yaml")
        let edited = try edit(original, ["pv.size=50Gi", "service.port=8443"])
        XCTAssertEqual(changedLines(original, edited).map(\.1), ["    size: \"50Gi\"", "    port: 8443"])
    }

    /// A list set whole (what Helm's `mirrors[1].ttl=72h` gives) is edited key by key inside the items the file has:
    /// flow items stay flow, block items stay block, comments stay.
    func testAListSetWholeEditsOnlyTheChangedKeysOfItsItems() throws {
        let original = """
        cacheRegistry:
          mirrors:
            # Docker Hub
            - {name: docker-io, upstream: https://registry-1.docker.io}
            - name: ghcr-io   # GitHub
              upstream: https://ghcr.io
              service: {type: NodePort, nodePort: 30502}

        """
        let document = try ValuesDocument(bytes: Array(original.utf8), name: "t.yaml")
        var items = try document.section().value(at: "mirrors")?.items ?? []
        items[0] = items[0].setting(.string("72h"), at: "ttl")
        items[1] = items[1].setting(.int(30503), at: "service.nodePort").removing("upstream")
            .setting(.string("fast"), at: "storage.storageClass")
        let edited = try ValuesEditor.apply([Assignment(path: "mirrors", value: .sequence(items))], to: document)
        let editedText = String(decoding: edited.bytes, as: UTF8.self)
        XCTAssertEqual(editedText, """
        cacheRegistry:
          mirrors:
            # Docker Hub
            - {name: docker-io, upstream: https://registry-1.docker.io, ttl: 72h}
            - name: ghcr-io   # GitHub
              service: {type: NodePort, nodePort: 30503}
              storage:
                storageClass: fast

        """)
        // Removing an item's first key (it stands on the `- ` line) replaces the list whole: the item stays an item.
        var renamed = items
        renamed[1] = renamed[1].removing("name").setting(.string("ghcr"), at: "id")
        let whole = try ValuesEditor.apply([Assignment(path: "mirrors", value: .sequence(renamed))], to: document)
        XCTAssertEqual(try whole.section().value(at: "mirrors")?.items, renamed)
        // A longer list: the new items follow the last one, their dashes where the file has its own.
        let grown = try ValuesEditor.apply([Assignment(path: "mirrors", value: .sequence(
            items + [["name": "quay-io", "service": ["type": "NodePort"]]]))], to: document)
        XCTAssertEqual(String(decoding: grown.bytes, as: UTF8.self), editedText.dropLast(1) + """

            - name: quay-io
              service:
                type: NodePort

        """)
        // A shorter one is replaced whole.
        let shrunk = try ValuesEditor.apply([Assignment(path: "mirrors", value: .sequence([items[0]]))], to: document)
        XCTAssertEqual(try shrunk.section().value(at: "mirrors")?.items, [items[0]])
    }

    func testSettingTheCurrentValueIsByteIdentical() throws {
        let original = try fixture("chart-values.yaml")
        XCTAssertEqual(try edit(original, ["pv.size=20Gi", "service.port=443", "deployment.image.tag=2"]), original)
        let example = try fixture("example-values.yaml")
        XCTAssertEqual(try edit(example, ["pv.size=50Gi", "service.targetPort=5000"]), example)
    }

    func testExampleFixtureKeepsWhitespaceLinesAndNoFinalNewline() throws {
        let original = try fixture("example-values.yaml")
        let edited = try edit(original, ["service.targetPort=6000", "pv.size=60Gi"])
        XCTAssertFalse(edited.hasSuffix("\n"))
        XCTAssertTrue(edited.hasSuffix("    targetPort: 6000 "), "the trailing space after the value is kept")
        XCTAssertEqual(changedLines(original, edited).map(\.1), ["    size: \"60Gi\"  # Adjust size based on your needs", "    targetPort: 6000 "])
    }

    func testNewStringsAreQuotedAsTheFileQuotesItsStrings() throws {
        let doubled = "cacheRegistry:\n  pvc:\n    size: \"20Gi\"\n  service:\n    name: \"cache-registry\"\n"
        XCTAssertEqual(try edit(doubled, ["pvc.storageClass=fast", "service.clusterIP=10.96.0.50"]),
                       doubled.replacingOccurrences(of: "  service:", with: "    storageClass: \"fast\"\n  service:")
                       + "    clusterIP: \"10.96.0.50\"\n")
        let single = "cacheRegistry:\n  pvc:\n    size: '20Gi'\n    storageClass:\n"
        XCTAssertEqual(try edit(single, ["pvc.storageClass=fast"]), "cacheRegistry:\n  pvc:\n    size: '20Gi'\n    storageClass: 'fast'\n")
        let plain = "cacheRegistry:\n  pvc:\n    size: 20Gi\n    accessMode: ReadWriteOnce\n    storageClass: \"slow\"\n"
        XCTAssertEqual(try edit(plain, ["pvc.storageClass=fast", "service.name=x"]),
                       plain.replacingOccurrences(of: "\"slow\"", with: "\"fast\"") + "  service:\n    name: x\n",
                       "a quoted value stays quoted; new strings follow the plain majority")
        XCTAssertEqual(try edit("cacheRegistry:\n  pvc:\n    size: 20Gi\n", ["pvc.storageClass=true"]),
                       "cacheRegistry:\n  pvc:\n    size: 20Gi\n    storageClass: \"true\"\n",
                       "a string that would read as a boolean is quoted whatever the habit")
    }

    func testFlowMappings() throws {
        XCTAssertEqual(try edit("cacheRegistry:\n  deployment:\n    image: {repository: registry, tag: \"2\"}  # pinned\n", ["deployment.image.tag=2.8"]),
                       "cacheRegistry:\n  deployment:\n    image: {repository: registry, tag: \"2.8\"}  # pinned\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  deployment:\n    image: {tag: \"2\"}\n", ["deployment.image.pullPolicy=Always"]),
                       "cacheRegistry:\n  deployment:\n    image: {tag: \"2\", pullPolicy: Always}\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  pvc: {size: 20Gi, storageClass: fast}\n", ["pvc.storageClass=null"]),
                       "cacheRegistry:\n  pvc: {size: 20Gi}\n")
    }

    func testNewKeysFollowTheFileIndentation() throws {
        XCTAssertEqual(try edit("cacheRegistry:\n    pv:\n        size: 20Gi\n", ["pvc.size=10Gi"]),
                       "cacheRegistry:\n    pv:\n        size: 20Gi\n    pvc:\n        size: 10Gi\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  deployment:\n    nodeSelector: {}\n", ["deployment.nodeSelector.kubernetes\\.io/hostname=node-a"]),
                       "cacheRegistry:\n  deployment:\n    nodeSelector:\n      kubernetes.io/hostname: node-a\n")
    }

    func testRemovingKeys() throws {
        XCTAssertEqual(try edit("cacheRegistry:\n  pvc:\n    size: 20Gi\n    storageClass: fast # x\n  pv:\n    size: 20Gi\n", ["pvc.storageClass=null"]),
                       "cacheRegistry:\n  pvc:\n    size: 20Gi\n  pv:\n    size: 20Gi\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  pvc:\n    storageClass: fast\n", ["pvc.storageClass=null"]), "cacheRegistry:\n  pvc: {}\n")
        // A chart default that would come back is nulled explicitly, as helm --set null does.
        XCTAssertEqual(try edit("cacheRegistry:\n  pv:\n    hostPath: /data\n", ["pv.hostPath=null"]), "cacheRegistry:\n  pv:\n    hostPath: null\n")
        // The chart's own values file means the same: its default is nulled in place, one line changed.
        let chart = try fixture("chart-values.yaml")
        let edited = try edit(chart, ["pv.hostPath=null"])
        XCTAssertEqual(changedLines(chart, edited).map(\.1), ["    hostPath: null"])
        XCTAssertEqual(try ValuesDocument(bytes: Array(edited.utf8), name: "c").config().view.storageMode, .dynamic)
    }

    func testCRLFAndMissingFinalNewline() throws {
        XCTAssertEqual(try edit("cacheRegistry:\r\n  pv:\r\n    size: 20Gi # c\r\n  pvc:\r\n    size: 20Gi", ["pv.size=30Gi", "pvc.storageClass=fast"]),
                       "cacheRegistry:\r\n  pv:\r\n    size: 30Gi # c\r\n  pvc:\r\n    size: 20Gi\r\n    storageClass: fast")
    }

    func testAliasesAreReplacedAndAnchorsKept() throws {
        XCTAssertEqual(try edit("names: &nm svc-a\ncacheRegistry:\n  service:\n    name: *nm\n", ["service.name=svc-b"]),
                       "names: &nm svc-a\ncacheRegistry:\n  service:\n    name: svc-b\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  pv:\n    size: &s 20Gi\n  pvc:\n    size: *s\n", ["pvc.size=10Gi"]),
                       "cacheRegistry:\n  pv:\n    size: &s 20Gi\n  pvc:\n    size: 10Gi\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  pv:\n    size: &s 20Gi\n", ["pv.size=30Gi"]), "cacheRegistry:\n  pv:\n    size: &s 30Gi\n")
    }

    func testFilesWithoutTheSection() throws {
        XCTAssertEqual(try edit("other: 1\n", ["service.port=8443"]), "other: 1\ncacheRegistry:\n  service:\n    port: 8443\n")
        XCTAssertEqual(try edit("other: 1", ["service.port=8443"]), "other: 1\ncacheRegistry:\n  service:\n    port: 8443")
        XCTAssertEqual(try edit("", ["service.port=8443"]), "cacheRegistry:\n  service:\n    port: 8443\n")
        XCTAssertEqual(try edit("# only a comment\n", ["enabled=false"]), "# only a comment\ncacheRegistry:\n  enabled: false\n")
    }

    func testValuesReadBackAsTheirType() throws {
        let text = try edit("cacheRegistry:\n  deployment:\n    image:\n      tag: latest\n    replicas: 1\n", ["deployment.image.tag=2.8", "deployment.replicas=3"])
        XCTAssertEqual(text, "cacheRegistry:\n  deployment:\n    image:\n      tag: \"2.8\"\n    replicas: 3\n")
        XCTAssertEqual(try edit("cacheRegistry:\n  deployment:\n    image:\n      tag: 'v1'\n", ["deployment.image.tag=yes"]),
                       "cacheRegistry:\n  deployment:\n    image:\n      tag: 'yes'\n")
    }

    func testMalformedYAMLNamesLineAndColumn() {
        XCTAssertThrowsError(try ValuesDocument(bytes: Array("cacheRegistry:\n  pv: [\n".utf8), name: "bad.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bad.yaml:3:1:"), "\(error)")
        }
        XCTAssertThrowsError(try ValuesDocument(bytes: Array("a: 1\na: 2\n".utf8), name: "dup.yaml")) { error in
            XCTAssertTrue("\(error)".contains("duplicate key \"a\""), "\(error)")
        }
        XCTAssertThrowsError(try ValuesDocument(bytes: [0x61, 0x3A, 0x20, 0xFF, 0x0A], name: "bin.yaml")) { error in
            XCTAssertTrue("\(error)".contains("not valid UTF-8"), "\(error)")
        }
        XCTAssertThrowsError(try ValuesDocument(bytes: Array("a:\n\tb: 1\n".utf8), name: "tab.yaml")) { error in
            XCTAssertTrue("\(error)".contains("tab"), "\(error)")
        }
    }

    func testLargeFilesComposedInHalvesReadLikeOneParse() throws {
        let filler = (0..<6000).map { "component\($0):\n  enabled: true\n  image: {repository: example/c\($0), tag: v\($0)}\n" }.joined()
        let text = filler + (try fixture("chart-values.yaml"))
        XCTAssertGreaterThan(text.utf8.count, ValuesDocument.parallelThreshold)
        let document = try ValuesDocument(bytes: Array(text.utf8), name: "big.yaml")
        XCTAssertNotNil(ValuesDocument.topLevelSplit(document.bytes, source: document.source))
        let config = try document.config()
        XCTAssertEqual(config.external.toolManagerRegistryAddress, "cache-registry-svc.kubiya")
        XCTAssertEqual(document.line(of: "service.port"), 18000 + 110)
        // An alias across the halves makes a half fail to parse; the single parse then reads it right.
        let aliased = "base: &b 7Gi\n" + filler + "cacheRegistry:\n  pv:\n    size: *b\n"
        let fallback = try ValuesDocument(bytes: Array(aliased.utf8), name: "a.yaml")
        XCTAssertEqual(try fallback.config().view.string("pv.size"), "7Gi")
        // A duplicate top-level key across the halves is still refused.
        XCTAssertThrowsError(try ValuesDocument(bytes: Array(("cacheRegistry: {}\n" + filler + "cacheRegistry: {}\n").utf8), name: "d.yaml"))
    }

    /// Random valid models survive write-then-read: applying random valid assignments to a file and reading it back
    /// gives the same configuration as applying them to the model.
    func testRandomValidModelsRoundTrip() throws {
        var generator = SeededGenerator(seed: 42)
        let choices: [(String, [String])] = [
            ("pv.size", ["20Gi", "50Gi", "1Ti", "100Gi"]), ("pvc.size", ["1Gi", "10Gi", "20Gi"]),
            ("service.port", ["443", "8443", "5443"]), ("service.targetPort", ["5000", "6000"]),
            ("deployment.image.tag", ["2", "2.8", "2.8.3", "yes", "1e3", "0x10"]), ("deployment.replicas", ["1", "0"]),
            ("deployment.image.pullPolicy", ["Always", "IfNotPresent", "Never"]), ("service.type", ["ClusterIP", "NodePort"]),
            ("deployment.name", ["cache-registry", "reg"]), ("pv.reclaimPolicy", ["Retain", "Delete"]),
            ("deployment.resources.limits.cpu", ["1", "2", "1500m"]), ("deployment.tlsSecretName", ["registry-tls-secret", "tls-x"]),
        ]
        let bases = [try fixture("chart-values.yaml"), try fixture("example-values.yaml"), "cacheRegistry:\n  enabled: true\n", ""]
        for round in 0..<60 {
            let base = bases[round % bases.count]
            let picks = (0..<3).map { _ in choices[Int(generator.next() % UInt64(choices.count))] }
            let assignments = try picks.map { try Assignment(parsing: "\($0.0)=\($0.1[Int(generator.next() % UInt64($0.1.count))])") }
            let document = try ValuesDocument(bytes: Array(base.utf8), name: "r.yaml")
            let expected = assignments.reduce(try document.config()) { $0.applying($1) }
            let written = try ValuesDocument(bytes: try ValuesEditor.apply(assignments, to: document).bytes, name: "r.yaml")
            XCTAssertEqual(try written.config().merged, expected.merged, "round \(round): \(assignments)")
        }
    }
}

