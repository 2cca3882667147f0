import Foundation

/// Workbooks made and read by the format's own tools — openpyxl, XlsxWriter, msoffcrypto-tool, in
/// the venv `make test` installs under .build/pyfixtures — never by labeld.
public enum Workbooks {
    public static let python = Project.root + "/.build/pyfixtures/bin/python"

    public struct ToolFailed: Error, CustomStringConvertible { public var description: String }

    /// A marketplace export made by Tests/tools/make_marketplace.py (`smartstore`, `smartstore-old`,
    /// `coupang-39`, `coupang-40`, `11st`, `esm`, `cafe24`), written into `directory`; with a
    /// `password`, encrypted by msoffcrypto-tool as 스마트스토어's downloads are.
    public static func marketplace(_ layout: String, in directory: String, mistake: Bool = false, password: String? = nil) throws -> String {
        let path = directory + "/\(layout)\(mistake ? "-mistake" : "").xlsx"
        let made = try runTool(python, [Project.root + "/Tests/tools/make_marketplace.py", layout, path] + (mistake ? ["--mistake"] : []))
        guard made.status == 0 else { throw ToolFailed(description: "make_marketplace.py \(layout): \(made.stderr)") }
        guard let password else { return path }
        let sealed = directory + "/\(layout)-locked.xlsx"
        let r = try runTool(Project.root + "/.build/pyfixtures/bin/msoffcrypto-tool", ["-e", "-p", password, path, sealed])
        guard r.status == 0 else { throw ToolFailed(description: "msoffcrypto-tool: \(r.stderr)") }
        return sealed
    }

    /// A workbook as openpyxl reads it: its sheet names and the first sheet's cells (nil: empty).
    public struct ReadBack: Decodable, Sendable {
        public var sheets: [String]
        public var rows: [[String?]]
        /// openpyxl's data type of each cell (`s` text, `n` number).
        public var types: [[String]]
        /// Whether each header cell is bold.
        public var bold: [Bool?]

        enum Keys: String, CodingKey { case sheets, rows, types, bold }
        struct Cell: Decodable {
            var text: String?
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if c.decodeNil() { text = nil } else if let s = try? c.decode(String.self) { text = s } else if let i = try? c.decode(Int.self) { text = String(i) } else {
                    text = String(try c.decode(Double.self))
                }
            }
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            sheets = try c.decode([String].self, forKey: .sheets)
            rows = try c.decode([[Cell]].self, forKey: .rows).map { $0.map(\.text) }
            types = try c.decode([[String]].self, forKey: .types)
            bold = try c.decode([Bool?].self, forKey: .bold)
        }
    }

    /// Reads `path` with openpyxl (Tests/tools/read_workbook.py); a workbook openpyxl cannot open throws.
    public static func read(_ path: String) throws -> ReadBack {
        let r = try runTool(python, [Project.root + "/Tests/tools/read_workbook.py", path])
        guard r.status == 0 else { throw ToolFailed(description: "openpyxl cannot read \(path): \(r.stderr)") }
        return try JSONDecoder().decode(ReadBack.self, from: Data(r.stdout.utf8))
    }

    /// The first sheet of `path` as LibreOffice Calc reads it (headless, converted to CSV; its own
    /// profile, so runs in parallel do not share one): the cells as text, rows as Calc has them.
    public static func libreOffice(_ path: String) throws -> [[String]] {
        let dir = temporaryDirectory("calc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTool("soffice", ["-env:UserInstallation=file://\(dir)/profile", "--headless", "--convert-to",
                                        "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, path])
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard r.status == 0, FileManager.default.fileExists(atPath: dir + "/\(base).csv") else {
            throw ToolFailed(description: "LibreOffice cannot read \(path): \(r.stdout)\(r.stderr)")
        }
        let rows = try runTool(python, ["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))))",
                                        dir + "/\(base).csv"])
        guard rows.status == 0 else { throw ToolFailed(description: rows.stderr) }
        return try JSONDecoder().decode([[String]].self, from: Data(rows.stdout.utf8))
    }
}
