import Foundation

/// 도서산간: island and remote postal ranges, loaded from data (`island-postal-ranges.json`): the
/// shipped `ranges` plus the seller's own `extra` ones, with per-code exceptions (bridged islands)
/// from the settings.
public struct IslandRegions: Sendable, Hashable {
    public struct Range: Sendable, Hashable, Codable {
        public var from: String
        /// The last code of the range; a single code when left out.
        public var to: String
        public var region: String

        public init(from: String, to: String? = nil, region: String = "도서") {
            self.from = from; self.to = to ?? from; self.region = region
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let from = try c.decode(String.self, forKey: .from)
            self.init(from: from, to: try c.decodeIfPresent(String.self, forKey: .to), region: try c.decodeIfPresent(String.self, forKey: .region) ?? "도서")
        }

        var isValid: Bool {
            func code(_ s: String) -> Bool { s.utf8.count == 5 && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
            return code(from) && code(to) && from <= to
        }
    }

    /// The shipped ranges and the extra ones, in one list sorted by `from`.
    public var ranges: [Range]

    public init(ranges: [Range], extra: [Range] = []) { self.ranges = (ranges + extra).sorted { $0.from < $1.from } }

    public static let empty = IslandRegions(ranges: [])

    /// Reads the JSON file: `ranges` (shipped) and an optional `extra` (the seller's additions), each
    /// an array of `{from, to, region}` (`to` left out: one code).
    public static func load(path: String) throws -> IslandRegions {
        struct File: Decodable { var ranges: [Range]; var extra: [Range]? }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FulfillmentError(code: .notFound, message: "island postal ranges '\(path)' not found")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw FulfillmentError(code: .invalidInput, message: "island postal ranges '\(path)': expected {\"ranges\": [{\"from\", \"to\", \"region\"}], \"extra\": [{\"from\", \"to\", \"region\"}]}")
        }
        for (section, list) in [("ranges", file.ranges), ("extra", file.extra ?? [])] {
            if let (i, bad) = list.enumerated().first(where: { !$0.element.isValid }) {
                throw FulfillmentError(code: .invalidInput, message: "island postal ranges '\(path)': \(section)[\(i)] \(bad.from)–\(bad.to): expected 5-digit codes with from ≤ to")
            }
        }
        return IslandRegions(ranges: file.ranges, extra: file.extra ?? [])
    }

    /// The region of a 5-digit postal code, unless it is listed in `exceptions`.
    public func region(of postalCode: String, exceptions: [String] = []) -> String? {
        let code = postalCode.filter(\.isNumber)
        guard code.count == 5, !exceptions.contains(code) else { return nil }
        return ranges.first { $0.from <= code && code <= $0.to }?.region
    }
}
