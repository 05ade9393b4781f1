// A minimal HTTP/1.1 client over a loopback socket: it sends exactly the bytes a test asks for
// (invalid UTF-8, chunked bodies, a lying Content-Length), which a real client would not.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: String
}

enum HTTP {
    /// A socket connected to 127.0.0.1:port, with a 30 s receive timeout; the caller closes it.
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .ECONNREFUSED)
        }
        return fd
    }

    static func request(port: Int, _ method: String, _ path: String, body: [UInt8] = [],
                        headers: [String: String] = [:], chunked: Bool = false) throws -> HTTPReply {
        let fd = try connect(port: port)
        defer { close(fd) }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        var payload: [UInt8]
        if chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            payload = Array(head.utf8)
            for piece in stride(from: 0, to: body.count, by: 1000) {
                let chunk = body[piece..<min(piece + 1000, body.count)]
                payload += Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8)
            }
            payload += Array("0\r\n\r\n".utf8)
        } else {
            if headers["Content-Length"] == nil && (method == "POST" || !body.isEmpty) { head += "Content-Length: \(body.count)\r\n" }
            head += "\r\n"
            payload = Array(head.utf8) + body
        }
        // The server may answer (413) and close before reading everything: a failed send is
        // no failure of the test, the reply is what counts.
        var sent = 0
        while sent < payload.count {
            let n = payload[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return try parse(receiveAll(fd))
    }

    /// Everything the peer sends until it closes the connection.
    static func receiveAll(_ fd: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return received
    }

    static func parse(_ bytes: [UInt8]) throws -> HTTPReply {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw POSIXError(.EBADMSG) }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" {
            var out = "", rest = Substring(body)
            while let end = rest.range(of: "\r\n"), let size = Int(rest[..<end.lowerBound], radix: 16), size > 0 {
                let start = rest.utf8.index(end.upperBound, offsetBy: 0)
                let stop = rest.utf8.index(start, offsetBy: size)
                out += String(rest[start..<stop])
                rest = rest[stop...].dropFirst(2)
            }
            body = out
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }
}
