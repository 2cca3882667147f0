internal import CCairoPango
import Foundation

/// An isolated fontconfig configuration that sees only the fonts in `fonts/`, and a Pango font map
/// built on it, so output never depends on the fonts a machine happens to have.
/// Not Sendable: one per renderer (per thread).
final class FontSystem {
    let fontMap: UnsafeMutablePointer<PangoFontMap>

    /// The font files every template may name (NanumGothic and NanumGothicCoding, regular and bold).
    static let required = ["NanumGothic.ttf", "NanumGothicBold.ttf", "NanumGothicCoding.ttf", "NanumGothicCodingBold.ttf"]

    /// `origin` says how the folder was chosen (``RendererConfiguration/fontsOrigin``).
    init(fontsDirectory: String, origin: String? = nil) throws(RenderingError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let missing = Self.required.filter { !fm.fileExists(atPath: fontsDirectory + "/" + $0) }
        if !fm.fileExists(atPath: fontsDirectory, isDirectory: &isDirectory) || !isDirectory.boolValue || !missing.isEmpty {
            let problem = isDirectory.boolValue ? "has no \(missing.joined(separator: ", "))" : "not found"
            throw RenderingError(code: .fonts, message: "fonts folder '\(fontsDirectory)' \(problem)\(origin.map { " (\($0))" } ?? ""): labeld renders only with its own fonts; set LABELD_HOME to the labeld folder that holds fonts/ and templates/, or LABELD_FONTS to the fonts folder")
        }
        guard let config = FcConfigCreate() else { throw RenderingError(code: .fonts, message: "fontconfig: cannot create a configuration") }
        defer { FcConfigDestroy(config) }
        let cacheDir = NSTemporaryDirectory() + "labeld-fontconfig-\(getuid())"
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig><cachedir>\(cacheDir)</cachedir></fontconfig>"
        _ = FcConfigParseAndLoadFromMemory(config, xml, 1)
        guard FcConfigAppFontAddDir(config, fontsDirectory) != 0 else {
            throw RenderingError(code: .fonts, message: "fontconfig cannot read fonts from '\(fontsDirectory)'")
        }
        guard let map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT) else {
            throw RenderingError(code: .fonts, message: "pango: cannot create a font map")
        }
        pango_fc_font_map_set_config(OpaquePointer(map), config)
        fontMap = map
    }

    deinit { g_object_unref(fontMap) }
}
