public import Foundation
public import LabelModel

/// Where the renderer finds its fonts and the templates' assets (images).
public struct RendererConfiguration: Sendable {
    /// The folder with the shipped fonts (`fonts/`): the only fonts labeld renders with.
    public var fontsDirectory: String
    /// The templates folder; image elements are read relative to it.
    public var templatesDirectory: String

    public init(fontsDirectory: String, templatesDirectory: String) {
        self.fontsDirectory = fontsDirectory
        self.templatesDirectory = templatesDirectory
    }

    /// The project folder that holds `fonts/` and `templates/`: `$LABELD_HOME`, else the current
    /// folder or one above it, else a folder above the executable.
    public static func locateHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["LABELD_HOME"], !home.isEmpty { return home }
        let fm = FileManager.default
        func hasFonts(_ dir: String) -> Bool { fm.fileExists(atPath: dir + "/fonts/NanumGothic.ttf") }
        var candidates: [String] = []
        var dir = fm.currentDirectoryPath
        for _ in 0..<4 { candidates.append(dir); dir = (dir as NSString).deletingLastPathComponent }
        var exe = (CommandLine.arguments.first.map { ($0 as NSString).resolvingSymlinksInPath } ?? "")
        for _ in 0..<6 { exe = (exe as NSString).deletingLastPathComponent; candidates.append(exe) }
        return candidates.first(where: hasFonts) ?? fm.currentDirectoryPath
    }

    /// The carrier profiles in `templates/carriers.yaml` (empty when the file is absent).
    public func carrierProfiles() throws(LabelModelError) -> [String: CarrierProfile] {
        let path = templatesDirectory + "/carriers.yaml"
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        return try CarrierProfile.load(path: path)
    }

    /// `fonts/` and `templates/` under ``locateHome(environment:)``; `LABELD_FONTS` and
    /// `LABELD_TEMPLATES` override each.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> RendererConfiguration {
        let home = locateHome(environment: environment)
        return RendererConfiguration(fontsDirectory: environment["LABELD_FONTS"] ?? home + "/fonts",
                                     templatesDirectory: environment["LABELD_TEMPLATES"] ?? home + "/templates")
    }
}
