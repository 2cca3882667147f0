/// The keys each element type takes, with their kinds, units and choices: what the parser
/// accepts (it reads its key lists from here) and what the designer's inspector offers, so the
/// two stay in step.
public enum TemplateSchema {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// Plain text; `binding`: text with `{{…}}` bindings; `path`: a data path.
        case text, binding, path
        /// A length with a unit (mm, cm, in, pt, dots).
        case length
        case number, integer, boolean
        /// One of `choices`.
        case choice
        /// `{family, size, weight, style}`.
        case font
        /// A nested mapping or list, edited in the YAML.
        case mapping, list
    }

    public struct Key: Sendable, Codable, Hashable {
        public var key: String
        public var kind: Kind
        public var choices: [String]?
        public var unit: String?
        public var help: String
        init(_ key: String, _ kind: Kind, _ help: String, choices: [String]? = nil, unit: String? = nil) {
            self.key = key; self.kind = kind; self.help = help; self.choices = choices; self.unit = unit
        }
    }

    static let common: [Key] = [
        Key("type", .choice, "element type", choices: elementTypes),
        Key("name", .text, "a unique name (warnings and the designer refer to it)"),
        Key("when", .path, "drawn only when this field is present and not empty/false (not FIELD to negate)"),
        Key("continuation", .boolean, "drawn again on continuation labels (2/3 …)"),
    ]
    static let frame: [Key] = [
        Key("x", .length, "left edge", unit: "mm"), Key("y", .length, "top edge", unit: "mm"),
        Key("width", .length, "width", unit: "mm"), Key("height", .length, "height", unit: "mm"),
    ]
    static let alignments = HorizontalAlignment.allCases.map(\.rawValue)

    public static let elementTypes = ["text", "barcode", "box", "line", "image", "repeat"]

    /// Every key of each element type, common keys first.
    public static let types: [String: [Key]] = [
        "text": common + frame + [
            Key("text", .binding, "the text, with {{bindings}} and | filters"),
            Key("font", .font, "family (NanumGothic, NanumGothicCoding…), size in pt, weight bold"),
            Key("align", .choice, "horizontal alignment", choices: alignments),
            Key("valign", .choice, "vertical alignment", choices: VerticalAlignment.allCases.map(\.rawValue)),
            Key("line_spacing", .number, "line height as a multiple of the font's"),
            Key("wrap", .boolean, "wrap onto more lines (default true)"),
            Key("max_lines", .integer, "at most this many lines"),
            Key("ellipsis", .boolean, "cut with … when it does not fit (default true)"),
            Key("min_size", .number, "shrink down to this size (pt) before cutting", unit: "pt"),
            Key("inverted", .boolean, "white on black"),
            Key("padding", .length, "inner margin", unit: "mm"),
        ],
        "barcode": common + frame + [
            Key("symbology", .choice, "the symbology", choices: Symbology.allCases.map(\.rawValue)),
            Key("data", .binding, "what the symbol encodes, with {{bindings}}"),
            Key("xdim", .length, "module width (rounded to whole dots; 3dots keeps 3 at every dpi)", unit: "mm"),
            Key("align", .choice, "where the symbol sits in its width", choices: alignments),
            Key("human_readable", .boolean, "print the text under the bars"),
            Key("font", .font, "font of the human-readable text"),
            Key("quiet_zones", .boolean, "include the symbology's quiet zones (default true)"),
            Key("rotation", .choice, "turned clockwise", choices: Rotation.allCases.map { String($0.rawValue) }),
            Key("gs1", .boolean, "GS1 data ([01]… application identifiers)"),
            Key("error_correction", .text, "QR L/M/Q/H, Aztec percent, PDF417 0–8"),
            Key("size", .integer, "QR version, DataMatrix size, Aztec size, PDF417 columns"),
        ],
        "box": common + frame + [
            Key("thickness", .length, "line thickness", unit: "mm"),
            Key("radius", .length, "corner radius", unit: "mm"),
            Key("fill", .boolean, "filled black"),
        ],
        "line": common + [
            Key("x", .length, "start x", unit: "mm"), Key("y", .length, "start y", unit: "mm"),
            Key("x2", .length, "end x", unit: "mm"), Key("y2", .length, "end y", unit: "mm"),
            Key("thickness", .length, "line thickness", unit: "mm"),
        ],
        "image": common + frame + [
            Key("file", .text, "a PNG inside the templates folder"),
            Key("threshold", .integer, "grey level (0–255) below which a pixel prints"),
        ],
        "repeat": common + [
            Key("items", .path, "the list in the data (products)"),
            Key("as", .text, "name of each row's item (default item)"),
            Key("x", .length, "left edge", unit: "mm"), Key("y", .length, "top edge", unit: "mm"),
            Key("width", .length, "width", unit: "mm"),
            Key("row_height", .length, "height of a row", unit: "mm"),
            Key("max_rows", .integer, "rows on one label"),
            Key("overflow", .choice, "what happens to rows that do not fit", choices: ["summary", "continuation"]),
            Key("summary", .mapping, "the summary row's text and font"),
            Key("elements", .list, "the elements of one row"),
        ],
    ]

    /// The key names of `type` (common keys included): what the parser allows.
    public static func keyNames(_ type: String) -> [String] { types[type]?.map(\.key) ?? [] }

    /// The filters a binding may use.
    public static var filters: [String] { FilterCall.Name.allCases.map(\.rawValue) }
}
