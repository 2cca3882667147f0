import Foundation

extension String {
    /// Without leading and trailing white space and newlines; the string itself, uncopied, when it
    /// has none (what a scanner sends), since Foundation's trimming costs as much as a query.
    public var trimmedOfWhitespace: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
