import CTLSProbe
import Foundation
import X509

/// An HTTP answer: its status, headers (names lower-cased) and body.
public struct HTTPAnswer: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]

    /// Parses a raw HTTP/1.1 response (a chunked body is joined).
    init?(_ raw: [UInt8]) {
        guard
            let end = raw.indices.dropLast(3).first(where: {
                raw[$0] == 13 && raw[$0 + 1] == 10 && raw[$0 + 2] == 13 && raw[$0 + 3] == 10
            })
        else {
            return nil
        }
        let head = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = head.first?.split(separator: " ") ?? []
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Array(raw[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = HTTPAnswer.unchunked(body) }
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func unchunked(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = [], index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstIndex(of: 13), lineEnd + 1 < bytes.count else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            result += bytes[start..<min(bytes.count, start + size)]
            index = start + size + 2
        }
        return result
    }

    /// The registry's error code from a JSON error body (`UNSUPPORTED`, `MANIFEST_UNKNOWN`), when there is one.
    public var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]] else { return nil }
        return errors.first?["code"] as? String
    }
}

/// What one HTTPS exchange met: whether the chain was trusted, the server's certificate, the answer.
public struct ProbeExchange: Sendable {
    public let verified: Bool
    public let verifyError: String
    public let certificate: Certificate?
    public let answer: HTTPAnswer?
    /// Why no answer came (connect, handshake), nil when one did.
    public let failure: String?
}

/// HTTPS requests to a registry as a node makes them (OpenSSL, with the chain checked against a CA file).
public enum RegistryProbe {
    public static func exchange(
        host: String, port: Int, serverName: String, caFile: String?, method: String, path: String,
                                headers: [String: String] = [:], timeoutMilliseconds: Int = 5_000) -> ProbeExchange {
        let hostHeader = port == 443 ? serverName : "\(serverName):\(port)"
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: cache-registry-setup-doctor\r\n"
            + "Connection: close\r\nContent-Length: 0\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var result = crs_probe_result()
        let status = crs_probe(
            host, Int32(port), serverName, caFile, bytes, Int32(bytes.count), Int32(timeoutMilliseconds), &result)
        defer { crs_probe_free(&result) }
        let verifyError = withUnsafeBytes(of: result.verify_error) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        let stopped = withUnsafeBytes(of: result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var certificate: Certificate?
        var unreadable: String?
        if let pointer = result.peer_der {
            do {
                certificate = try Certificate(
                    derEncoded: Array(UnsafeBufferPointer(start: pointer, count: Int(result.peer_der_length))))
            }
            catch { unreadable = "the server's certificate cannot be read: \(error)" }
        }
        let answer =
            status == 0
            ? result.response.flatMap {
                HTTPAnswer(Array(UnsafeBufferPointer(start: $0, count: Int(result.response_length))))
            } : nil
        let failure = status == 0 ? (answer == nil ? "the answer is not HTTP" : nil) : stopped
        return ProbeExchange(
            verified: result.verified == 1, verifyError: verifyError, certificate: certificate, answer: answer,
                             failure: unreadable ?? failure)
    }
}
