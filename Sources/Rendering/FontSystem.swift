internal import CCairoPango
import Foundation

/// An isolated fontconfig configuration that sees only the fonts in `fonts/`, and a Pango font map
/// built on it, so output never depends on the fonts a machine happens to have.
/// Not Sendable: one per renderer (per thread).
final class FontSystem {
    let fontMap: UnsafeMutablePointer<PangoFontMap>

    init(fontsDirectory: String) throws(RenderingError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: fontsDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RenderingError(code: .fonts, message: "fonts folder '\(fontsDirectory)' not found: labeld renders only with its own fonts (set LABELD_FONTS or run from the project folder)")
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
