public import Foundation
public import LabelModel

/// Where the renderer finds its fonts and the templates' assets (images).
public struct RendererConfiguration: Sendable {
    /// The folder with the shipped fonts (`fonts/`): the only fonts labeld renders with.
    public var fontsDirectory: String
    /// The templates folder; image elements are read relative to it.
    public var templatesDirectory: String
    /// How `fontsDirectory` was chosen (`LABELD_FONTS`, `LABELD_HOME`, the folders searched), for
    /// the message when the fonts are missing; nil when the caller named the folder.
    public var fontsOrigin: String?

    public init(fontsDirectory: String, templatesDirectory: String, fontsOrigin: String? = nil) {
        self.fontsDirectory = fontsDirectory
        self.templatesDirectory = templatesDirectory
        self.fontsOrigin = fontsOrigin
    }

    /// The project folder that holds `fonts/` and `templates/`: `$LABELD_HOME`, else the current
    /// folder or one above it, else a folder above the executable.
    public static func locateHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        search(environment: environment).home
    }

    /// The home folder and the folders looked at (empty when `LABELD_HOME` named it).
    static func search(environment: [String: String]) -> (home: String, searched: [String]) {
        if let home = environment["LABELD_HOME"], !home.isEmpty { return (home, []) }
        let fm = FileManager.default
        func hasFonts(_ dir: String) -> Bool { fm.fileExists(atPath: dir + "/fonts/NanumGothic.ttf") }
        var candidates: [String] = []
        var dir = fm.currentDirectoryPath
        for _ in 0..<4 { candidates.append(dir); dir = (dir as NSString).deletingLastPathComponent }
        var exe = (CommandLine.arguments.first.map { ($0 as NSString).resolvingSymlinksInPath } ?? "")
        // Up from the executable; a relative path ("./.build/debug/labeld") runs out of components
        // before six steps, and Foundation traps on removing one from an empty path.
        for _ in 0..<6 where !exe.isEmpty && exe != "/" && exe != "." {
            exe = (exe as NSString).deletingLastPathComponent
            candidates.append(exe)
        }
        var searched: [String] = []
        for c in candidates where !c.isEmpty && !searched.contains(c) { searched.append(c) }
        return (searched.first(where: hasFonts) ?? fm.currentDirectoryPath, searched)
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
        let (home, searched) = search(environment: environment)
        let origin: String
        if let fonts = environment["LABELD_FONTS"] {
            origin = "LABELD_FONTS is '\(fonts)'"
        } else if searched.isEmpty {
            origin = "LABELD_HOME is '\(home)'"
        } else {
            origin = "looked for fonts/ in \(searched.joined(separator: ", "))"
        }
        return RendererConfiguration(fontsDirectory: environment["LABELD_FONTS"] ?? home + "/fonts",
                                     templatesDirectory: environment["LABELD_TEMPLATES"] ?? home + "/templates",
                                     fontsOrigin: origin)
    }
}
