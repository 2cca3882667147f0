import Foundation
import Crypto
import _CryptoExtras

/// A password-protected workbook as Excel writes it (and 네이버 스마트스토어 hands out): an OLE
/// compound file holding `EncryptionInfo` and `EncryptedPackage`, encrypted with ECMA-376 Agile
/// Encryption ([MS-OFFCRYPTO] 2.3.4.10–2.3.4.15: AES in CBC mode, SHA-512 key derivation with a
/// spin count). `decrypt` returns the .xlsx ZIP container in memory; nothing is written to disk.
enum EncryptedWorkbook {
    /// The workbook inside `data` (an OLE compound file), decrypted with `password`.
    static func decrypt(_ data: Data, password: String?, source: String) throws(FulfillmentError) -> Data {
        let file = try CompoundFile(data, source: source)
        guard let info = file.stream("EncryptionInfo"), let package = file.stream("EncryptedPackage") else {
            throw FulfillmentError(code: .spreadsheet, message: "\(source) is an old Excel 97–2003 workbook (.xls), not an .xlsx: open it in Excel and save it as .xlsx")
        }
        guard let password else {
            throw FulfillmentError(code: .workbookPassword, message: "\(source) is a password-protected workbook: give its password "
                                   + "(labeld orders import --password P, or LABELD_XLSX_PASSWORD; over HTTP the X-Workbook-Password header)")
        }
        let agile = try AgileInfo(info, source: source)
        let key = try agile.secretKey(password: password, source: source)
        return try agile.decryptPackage(package, key: key, source: source)
    }
}

/// The ECMA-376 Agile `EncryptionInfo` (version 4.4): the data's and the password's parameters.
struct AgileInfo {
    struct Parameters {
        var salt: [UInt8] = []
        var blockSize = 16, keyBits = 256, hashSize = 64, spinCount = 100_000
        var cipher = "", chaining = "", hash = ""
        var encryptedVerifierHashInput: [UInt8] = [], encryptedVerifierHashValue: [UInt8] = [], encryptedKeyValue: [UInt8] = []
    }
    var keyData = Parameters()
    var password = Parameters()

    init(_ stream: [UInt8], source: String) throws(FulfillmentError) {
        guard stream.count > 8, stream[0] == 4, stream[1] == 0, stream[2] == 4, stream[3] == 0 else {
            let version = stream.count >= 4 ? "\(stream[0]).\(stream[2])" : "?"
            throw FulfillmentError(code: .spreadsheet, message: "\(source) is encrypted with an older scheme (EncryptionInfo version \(version)) than Agile Encryption (4.4), which labeld reads: "
                                   + "save it again from a current Excel, or without a password")
        }
        let delegate = AgileInfoParser()
        guard (try? XMLScanner.scan(Array(stream[8...]), into: delegate)) != nil, let keyData = delegate.keyData, let password = delegate.password else {
            throw FulfillmentError(code: .spreadsheet, message: "\(source): its encryption header is not Agile Encryption XML with a password key")
        }
        self.keyData = keyData
        self.password = password
        for p in [keyData, password] where p.cipher != "AES" || p.chaining != "ChainingModeCBC" || !["SHA512", "SHA256", "SHA1"].contains(p.hash)
            || ![128, 192, 256].contains(p.keyBits) || p.blockSize != 16 {
            throw FulfillmentError(code: .spreadsheet, message: "\(source) is encrypted with \(p.cipher) \(p.keyBits)-bit \(p.chaining) and \(p.hash): labeld reads AES-CBC with SHA-1/256/512")
        }
    }

    static func hash(_ name: String, _ parts: [UInt8]...) -> [UInt8] {
        let all = parts.flatMap { $0 }
        switch name {
        case "SHA1": return Array(Insecure.SHA1.hash(data: all))
        case "SHA256": return Array(SHA256.hash(data: all))
        default: return Array(SHA512.hash(data: all))
        }
    }

    static func le32(_ n: UInt32) -> [UInt8] { [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] }

    /// AES-CBC without padding: the spec pads every encrypted value to the block size itself.
    static func aes(_ data: [UInt8], key: [UInt8], iv: [UInt8]) throws(FulfillmentError) -> [UInt8] {
        do {
            return Array(try AES._CBC.decrypt(data, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
        } catch {
            throw FulfillmentError(code: .spreadsheet, message: "the workbook's encrypted data is damaged (\(error))")
        }
    }

    /// The data's secret key, from the password ([MS-OFFCRYPTO] 2.3.4.11 and 2.3.4.13); a wrong
    /// password is found by the verifier and said so.
    func secretKey(password text: String, source: String) throws(FulfillmentError) -> [UInt8] {
        let p = password
        var utf16: [UInt8] = []
        for unit in text.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        var h = Self.hash(p.hash, p.salt, utf16)
        for i in 0..<UInt32(p.spinCount) { h = Self.hash(p.hash, Self.le32(i), h) }
        func key(_ block: [UInt8]) -> [UInt8] {
            let derived = Self.hash(p.hash, h, block)
            let size = p.keyBits / 8
            return derived.count >= size ? Array(derived.prefix(size)) : derived + Array(repeating: 0x36, count: size - derived.count)
        }
        let input = try Self.aes(p.encryptedVerifierHashInput, key: key([0xFE, 0xA7, 0xD2, 0x76, 0x3B, 0x4B, 0x9E, 0x79]), iv: Array(p.salt.prefix(p.blockSize)))
        let expected = try Self.aes(p.encryptedVerifierHashValue, key: key([0xD7, 0xAA, 0x0F, 0x6D, 0x30, 0x61, 0x34, 0x4E]), iv: Array(p.salt.prefix(p.blockSize)))
        let verifier = Self.hash(p.hash, Array(input.prefix(p.salt.count)))
        guard Array(expected.prefix(verifier.count)) == verifier else {
            throw FulfillmentError(code: .workbookPassword, message: "\(source): the password does not open this workbook (the one the marketplace gave with the download)")
        }
        let secret = try Self.aes(p.encryptedKeyValue, key: key([0x14, 0x6E, 0x0B, 0xE7, 0xAB, 0xAC, 0xD0, 0xD6]), iv: Array(p.salt.prefix(p.blockSize)))
        return Array(secret.prefix(keyData.keyBits / 8))
    }

    /// `EncryptedPackage`: the plain size (8 bytes) then 4096-byte segments, each with the IV
    /// hash(keyData salt + segment index) ([MS-OFFCRYPTO] 2.3.4.15).
    func decryptPackage(_ package: [UInt8], key: [UInt8], source: String) throws(FulfillmentError) -> Data {
        guard package.count >= 8 else { throw FulfillmentError(code: .spreadsheet, message: "\(source): its encrypted package is empty") }
        var size = 0
        for i in (0..<8).reversed() { size = size << 8 | Int(package[i]) }
        let body = package[8...]
        guard size >= 0, size <= body.count, size <= Int(ArchiveData.partLimit) else {
            throw FulfillmentError(code: .spreadsheet, message: "\(source): its encrypted package says \(size) bytes but holds \(body.count)")
        }
        var out = Data()
        out.reserveCapacity(body.count)
        var segment: UInt32 = 0
        var at = body.startIndex
        while at < body.endIndex && out.count < size {
            let end = min(at + 4096, body.endIndex)
            var chunk = Array(body[at..<end])
            if chunk.count % 16 != 0 { chunk += Array(repeating: 0, count: 16 - chunk.count % 16) }
            let iv = Array(Self.hash(keyData.hash, keyData.salt, Self.le32(segment)).prefix(keyData.blockSize))
            out.append(contentsOf: try Self.aes(chunk, key: key, iv: iv))
            at = end
            segment += 1
        }
        return out.prefix(size)
    }
}

/// Reads `<keyData>` and the password `<p:encryptedKey>` of an Agile `EncryptionInfo`.
final class AgileInfoParser: XMLHandler {
    var keyData: AgileInfo.Parameters?
    var password: AgileInfo.Parameters?

    func start(_ element: String, _ a: XMLAttributes) {
        let name = element.split(separator: ":").last.map(String.init) ?? element
        guard name == "keyData" || name == "encryptedKey" else { return }
        var p = AgileInfo.Parameters()
        func bytes(_ key: String) -> [UInt8] { a[key].flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }
        p.salt = bytes("saltValue")
        p.blockSize = a["blockSize"].flatMap { Int($0) } ?? 16
        p.keyBits = a["keyBits"].flatMap { Int($0) } ?? 256
        p.hashSize = a["hashSize"].flatMap { Int($0) } ?? 64
        p.spinCount = min(a["spinCount"].flatMap { Int($0) } ?? 100_000, 10_000_000)
        p.cipher = a["cipherAlgorithm"] ?? ""
        p.chaining = a["cipherChaining"] ?? ""
        p.hash = a["hashAlgorithm"] ?? ""
        p.encryptedVerifierHashInput = bytes("encryptedVerifierHashInput")
        p.encryptedVerifierHashValue = bytes("encryptedVerifierHashValue")
        p.encryptedKeyValue = bytes("encryptedKeyValue")
        if name == "keyData" { keyData = p } else if password == nil { password = p }
    }
}

/// An OLE compound file ([MS-CFB]), read-only: its root storage's streams by name.
struct CompoundFile {
    private let bytes: [UInt8]
    private let sectorSize: Int
    private let miniSectorSize: Int
    private let miniCutoff: Int
    private var fat: [UInt32] = []
    private var miniFat: [UInt32] = []
    private var miniStream: [UInt8] = []
    private var entries: [(name: String, type: UInt8, start: UInt32, size: Int)] = []
    private let source: String

    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let freeSector: UInt32 = 0xFFFF_FFFF

    init(_ data: Data, source: String) throws(FulfillmentError) {
        self.source = source
        bytes = [UInt8](data)
        func damaged(_ what: String) -> FulfillmentError {
            FulfillmentError(code: .spreadsheet, message: "\(source) is a damaged OLE compound file (\(what))")
        }
        guard bytes.count >= 512 else { throw damaged("shorter than its header") }
        let shift = Int(Self.u16(bytes, 30)), miniShift = Int(Self.u16(bytes, 32))
        guard shift == 9 || shift == 12, miniShift == 6 else { throw damaged("sector sizes 2^\(shift) and 2^\(miniShift)") }
        sectorSize = 1 << shift
        miniSectorSize = 1 << miniShift
        miniCutoff = Int(Self.u32(bytes, 56))
        // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
        var fatSectors: [UInt32] = (0..<109).map { Self.u32(bytes, 76 + 4 * $0) }.filter { $0 < 0xFFFF_FFFA }
        var difat = Self.u32(bytes, 68), guardCount = 0
        while difat < 0xFFFF_FFFA, guardCount < 100_000 {
            let base = (Int(difat) + 1) * sectorSize
            guard base + sectorSize <= bytes.count else { throw damaged("a DIFAT sector past the end") }
            let perSector = sectorSize / 4 - 1
            fatSectors += (0..<perSector).map { Self.u32(bytes, base + 4 * $0) }.filter { $0 < 0xFFFF_FFFA }
            difat = Self.u32(bytes, base + 4 * perSector)
            guardCount += 1
        }
        for s in fatSectors {
            let base = (Int(s) + 1) * sectorSize
            guard base + sectorSize <= bytes.count else { throw damaged("a FAT sector past the end") }
            fat += (0..<(sectorSize / 4)).map { Self.u32(bytes, base + 4 * $0) }
        }
        // The directory: 128-byte entries.
        let directory = try chain(Self.u32(bytes, 48), size: nil)
        for at in stride(from: 0, to: directory.count - 127, by: 128) {
            let nameBytes = Int(Self.u16(directory, at + 64))
            let units = (0..<max(0, min(32, nameBytes / 2) - 1)).map { Self.u16(directory, at + 2 * $0) }
            let size = Int(Self.u32(directory, at + 120)) | (sectorSize == 4096 ? Int(Self.u32(directory, at + 124)) << 32 : 0)
            entries.append((String(decoding: units, as: UTF16.self), directory[at + 66], Self.u32(directory, at + 116), size))
        }
        guard let root = entries.first, root.type == 5 else { throw damaged("no root entry") }
        let miniFatBytes = try chain(Self.u32(bytes, 60), size: nil)
        miniFat = (0..<(miniFatBytes.count / 4)).map { Self.u32(miniFatBytes, 4 * $0) }
        miniStream = try chain(root.start, size: root.size)
    }

    /// A stream of the file by name (`EncryptionInfo`), nil when there is none.
    func stream(_ name: String) -> [UInt8]? {
        guard let e = entries.first(where: { $0.type == 2 && $0.name == name }) else { return nil }
        if e.size < miniCutoff {
            var out: [UInt8] = [], sector = e.start, steps = 0
            while sector < 0xFFFF_FFFA, out.count < e.size, steps < 1_000_000 {
                let at = Int(sector) * miniSectorSize
                guard at + miniSectorSize <= miniStream.count, Int(sector) < miniFat.count else { return nil }
                out += miniStream[at..<(at + miniSectorSize)]
                sector = miniFat[Int(sector)]
                steps += 1
            }
            return out.count >= e.size ? Array(out.prefix(e.size)) : nil
        }
        return try? chain(e.start, size: e.size)
    }

    /// The sectors of a FAT chain from `start`, joined (cut to `size` when given).
    private func chain(_ start: UInt32, size: Int?) throws(FulfillmentError) -> [UInt8] {
        var out: [UInt8] = [], sector = start, steps = 0
        if let size { out.reserveCapacity(size) }
        while sector < 0xFFFF_FFFA {
            let base = (Int(sector) + 1) * sectorSize
            guard base + sectorSize <= bytes.count, Int(sector) < fat.count, steps <= fat.count else {
                throw FulfillmentError(code: .spreadsheet, message: "\(source) is a damaged OLE compound file (a broken sector chain)")
            }
            out += bytes[base..<(base + sectorSize)]
            if let size, out.count >= size { break }
            sector = fat[Int(sector)]
            steps += 1
        }
        return size.map { Array(out.prefix($0)) } ?? out
    }

    static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
