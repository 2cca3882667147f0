import Foundation

/// 도서산간: island and remote postal ranges, loaded from data (`island-postal-ranges.json`), with
/// per-code exceptions (bridged islands) from the settings.
public struct IslandRegions: Sendable, Hashable {
    public struct Range: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        public var region: String
    }

    public var ranges: [Range]

    public init(ranges: [Range]) { self.ranges = ranges.sorted { $0.from < $1.from } }

    public static let empty = IslandRegions(ranges: [])

    /// Reads the JSON file with a `ranges` array of `{from, to, region}`.
    public static func load(path: String) throws -> IslandRegions {
        struct File: Decodable { var ranges: [Range] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FulfillmentError(code: .notFound, message: "island postal ranges '\(path)' not found")
        }
        do {
            return IslandRegions(ranges: try JSONDecoder().decode(File.self, from: data).ranges)
        } catch {
            throw FulfillmentError(code: .invalidInput, message: "island postal ranges '\(path)': expected {\"ranges\": [{\"from\", \"to\", \"region\"}]}")
        }
    }

    /// The region of a 5-digit postal code, unless it is listed in `exceptions`.
    public func region(of postalCode: String, exceptions: [String] = []) -> String? {
        let code = postalCode.filter(\.isNumber)
        guard code.count == 5, !exceptions.contains(code) else { return nil }
        return ranges.first { $0.from <= code && code <= $0.to }?.region
    }
}
