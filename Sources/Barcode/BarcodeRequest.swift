public import LabelModel

/// What to encode and how.
public struct BarcodeRequest: Sendable, Hashable {
    public var symbology: Symbology
    public var data: String
    /// Bar height of linear symbols in modules (human-readable text excluded).
    public var barHeight: Double = 50
    public var humanReadable: Bool = true
    public var quietZones: Bool = true
    public var gs1: Bool = false
    public var errorCorrection: String?
    public var size: Int?

    public init(symbology: Symbology, data: String) {
        self.symbology = symbology
        self.data = data
    }
}
