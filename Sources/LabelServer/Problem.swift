public import Hummingbird
import Foundation
public import HTTPTypes
import LabeldSupport

/// An RFC 9457 `application/problem+json` answer: a stable `code`, the same message the CLI prints.
public struct Problem: HTTPResponseError, Encodable, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var title: String { status.reasonPhrase }
    /// For template errors: where (file, line, column).
    public var line: Int?
    public var column: Int?
    /// For a designer edit the parser refused: the element and the key the edit set.
    public var element: String?
    public var key: String?

    public init(_ status: HTTPResponse.Status, code: String, _ detail: String, line: Int? = nil, column: Int? = nil) {
        self.status = status; self.code = code; self.detail = detail; self.line = line; self.column = column
    }

    enum CodingKeys: String, CodingKey { case type, title, status, code, detail, line, column, element, key }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("https://labeld.local/problems/\(code)", forKey: .type)
        try c.encode(title, forKey: .title)
        try c.encode(Int(status.code), forKey: .status)
        try c.encode(code, forKey: .code)
        try c.encode(detail, forKey: .detail)
        try c.encodeIfPresent(line, forKey: .line)
        try c.encodeIfPresent(column, forKey: .column)
        try c.encodeIfPresent(element, forKey: .element)
        try c.encodeIfPresent(key, forKey: .key)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? e.encode(self)) ?? Data(#"{"code":"internal"}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="labeld""# }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let unauthorized = Problem(.unauthorized, code: "auth.missing", "send 'Authorization: Bearer TOKEN' (labeld tokens create)")
    static let badToken = Problem(.unauthorized, code: "auth.invalid", "the bearer token is not known or was revoked")
    static func forbidden(_ what: String) -> Problem { Problem(.forbidden, code: "auth.forbidden", what) }

    /// Maps any error a handler throws to a problem: module errors with their codes, decoding errors
    /// as 400/422, everything else 500 with a message (never a stack).
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let p as Problem: return p
        case let e as any LabeldError:
            let status: HTTPResponse.Status = switch e.failure {
            case .invalid: .unprocessableContent
            case .notFound: .notFound
            case .conflict: .conflict
            case .forbidden: .forbidden
            case .unavailable: .serviceUnavailable
            case .internal: .internalServerError
            }
            return Problem(status, code: e.codeText, e.description, line: e.line, column: e.column)
        case let e as DecodingError:
            return Problem(.badRequest, code: "request.json", "the body is not what this route takes: \(describe(e))")
        case let e as HTTPError:
            return Problem(e.status, code: "http.\(e.status.code)", e.body ?? e.status.reasonPhrase)
        default:
            return Problem(.internalServerError, code: "internal", "\(error)")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String { c.isEmpty ? "body" : c.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined() }
        switch e {
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])) is missing"
        case .typeMismatch(let t, let c): return "\(path(c.codingPath)) must be \(t)"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)) must be \(t), not null"
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
