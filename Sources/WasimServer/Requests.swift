// What a client sends to /v1/tag and /v1/explain: plain UTF-8 text, or JSON {"text": …, "id": …}.
// Every way a body can be wrong becomes a 400 with a message naming the place.
import Foundation
import Wasim

struct BadRequest: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum RequestText {
    /// The document to tag. JSON when the Content-Type says so, else the body is the text.
    static func document(from body: [UInt8], contentType: String?) throws -> Document {
        if let contentType, contentType.lowercased().contains("json") {
            return try json(body)
        }
        return try text(body, what: "body")
    }

    static func text(_ bytes: [UInt8], what: String, id: String? = nil) throws -> Document {
        do {
            return try bytes.withUnsafeBufferPointer { try DocumentDecoder.document(from: $0, id: id) }
        } catch let error as WasimError {
            // "empty file" is the batch's word; here it is a request.
            let message = error.description == "empty file" ? "empty text" : error.description
            throw BadRequest("\(what): \(message)")
        }
    }

    static func json(_ body: [UInt8]) throws -> Document {
        if let bad = firstInvalidUTF8(body) { throw BadRequest("body: invalid UTF-8 at byte \(bad)") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw BadRequest("body: invalid JSON (\(jsonErrorDetail(error)))")
        }
        guard let record = object as? [String: Any] else {
            throw BadRequest("body: expected a JSON object {\"text\": …, \"id\": …}")
        }
        guard let text = record["text"] as? String else {
            throw BadRequest("body: \"text\" must be a string")
        }
        var id: String?
        switch record["id"] {
        case nil, is NSNull: id = nil
        case let s as String: id = s
        // A numeric id comes back as a string, as with `wasim tag --jsonl-input`.
        case let n as NSNumber: id = n.stringValue
        default: throw BadRequest("body: \"id\" must be a string or a number")
        }
        return try self.text(Array(text.utf8), what: "text", id: id)
    }

    private static func jsonErrorDetail(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    /// The byte offset of the first byte that is not well-formed UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }
}
