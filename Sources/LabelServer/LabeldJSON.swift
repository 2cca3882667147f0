public import Hummingbird
import Foundation
import NIOCore

/// How the API reads and writes JSON, as the request context's `requestDecoder` and
/// `responseEncoder`: handlers call `request.decode(as:context:)` and return `ResponseEncodable`
/// answers. Bodies are read up to `limit` bytes (413 beyond); a body that is not what the route
/// takes is a 400 naming the field; answers have sorted keys, so the same answer is the same bytes.
public struct LabeldJSON: RequestDecoder, ResponseEncoder, Sendable {
    public var limit: Int

    public init(limit: Int) { self.limit = limit }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let data = try Self.encoder.encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let data = try await Self.body(request, limit: limit)
        guard !data.isEmpty else { throw Problem(.badRequest, code: "request.json", "this route takes a JSON body") }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let e as DecodingError {
            throw Problem(.badRequest, code: "request.json", "the body is not what this route takes: \(Problem.describe(e))")
        }
    }

    /// The body, at most `limit` bytes (413 beyond): JSON here, and the uploads (CSV, .xlsx).
    static func body(_ request: Request, limit: Int) async throws -> Data {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw Problem(.contentTooLarge, code: "request.too_large", "the body is larger than \(limit) bytes")
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, code: "request.too_large", "the body is larger than \(limit) bytes")
        }
    }
}

/// Sets each request's JSON limit from the configuration (`ServerConfiguration.maxJSONBytes`).
struct JSONLimitMiddleware: RouterMiddleware {
    let limit: Int
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        context.maxJSONBytes = limit
        return try await next(request, context)
    }
}
