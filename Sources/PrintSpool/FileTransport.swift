import Foundation

/// Writes each job's document into a folder as `job-<id>.<ext>` — PNG one file per label,
/// `job-<id>-<n>.png` — through a temp file and a rename, so a file is there whole or not at all,
/// and sending the same job again replaces it, never doubles it. The default printer when no CUPS
/// server is reachable, so labeld works out of the box.
public struct FileTransport: PrintTransport {
    public let directory: String
    public let printer: String
    public let language: PrinterProfile.Language

    public init(directory: String, printer: String, language: PrinterProfile.Language) {
        self.directory = directory; self.printer = printer; self.language = language
    }

    public func status() -> PrinterStatus {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            return isDir.boolValue && FileManager.default.isWritableFile(atPath: directory)
                ? PrinterStatus(state: .idle)
                : PrinterStatus(state: .stopped, acceptingJobs: false, message: "'\(directory)' is not a writable folder")
        }
        return PrinterStatus(state: .idle, message: "'\(directory)' is made on the first job")
    }

    /// The file a job's document goes to.
    public func path(jobId: Int64) -> String { "\(directory)/job-\(jobId).\(language.fileExtension)" }

    public func deliver(_ delivery: Delivery, event: (DeliveryEvent) throws -> Void) throws -> DeliveryResult {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if language == .png {
                let ends = Array(delivery.labelOffsets.dropFirst()) + [delivery.document.count]
                for (i, start) in delivery.labelOffsets.enumerated() {
                    try publish(delivery.document[start..<ends[i]], to: "\(directory)/job-\(delivery.jobId)-\(i + 1).png")
                }
            } else {
                try publish(delivery.document[...], to: path(jobId: delivery.jobId))
            }
        } catch let error as PrintError {
            throw error
        } catch {
            throw PrintError(code: .unavailable, message: "printer '\(printer)': cannot write into '\(directory)'", detail: "\(error)")
        }
        try event(.labelsDelivered(delivery.labelOffsets.count))
        return .written
    }

    func publish(_ bytes: ArraySlice<UInt8>, to target: String) throws(PrintError) {
        let temp = target + ".\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PrintError(code: .unavailable, message: "printer '\(printer)': cannot write into '\(directory)'", detail: String(cString: strerror(errno)))
        }
        let failed: String? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return String(cString: strerror(errno)) }
                offset += n
            }
            return nil
        }
        close(fd)
        if let failed {
            unlink(temp)
            throw PrintError(code: .unavailable, message: "printer '\(printer)': cannot write '\(target)'", detail: failed)
        }
        if rename(temp, target) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw PrintError(code: .unavailable, message: "printer '\(printer)': cannot write '\(target)'", detail: reason)
        }
    }

    public func remoteJob(_ id: Int) throws(PrintError) -> RemoteJob? { nil }
    public func cancelRemote(_ id: Int) throws(PrintError) {}
}
