/// The ranges ``TemplateParser`` accepts, so that no template value can make rendering trap or
/// allocate without bound. Every number must be finite (`nan`, `inf` are refused).
///
/// Other ranges are checked where the key is read: font size above 0 and at most
/// ``maximumFontSize``, `min_size` above 0 and at most the font size, `line_spacing` 0.5 to 4,
/// `max_lines` 1 to 200, `max_rows` 1 to 500, `xdim` 1 to 40 dots or above 0 and at most 5 mm,
/// `threshold` 0 to 255, `dpi` 72 to 1200, sheet `columns` 1 to 50 and `rows` 1 to 100.
public enum TemplateLimits {
    /// Page and sheet width and height: more than 0 and at most this many millimetres.
    public static let maximumPageSide = 2000.0
    /// Every other length: positions and offsets from −2000 mm to 2000 mm; sizes (width, height,
    /// thickness, radius, padding, row_height, pitch) from 0 to 2000 mm.
    public static let maximumLength = 2000.0
    /// Font sizes in points.
    public static let maximumFontSize = 400.0
}
