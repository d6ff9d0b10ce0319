import Foundation

/// One ffprobe run (`-v error -print_format json -show_format -show_streams file:<path>`) with a deadline. Its
/// output goes to a temporary file (no pipe to fill up), read back up to 4 MiB. No shell is involved.
struct FFprobeRun {
    /// What ffprobe said.
    enum Outcome {
        /// ffprobe read the file.
        case report(FFprobeReport)
        /// ffprobe ran and refused the file (non-zero exit, or no video stream).
        case unreadable
        /// ffprobe could not start, timed out or wrote nothing usable: fall back to sniffing.
        case unavailable
    }

    let executable: String
    let timeout: Duration

    func run(path: String) async -> Outcome {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-ffprobe-\(UUID().uuidString).json").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
            return .unavailable
        }
        defer {
            try? output.close()
            try? FileManager.default.removeItem(atPath: outputPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.executable)
        process.arguments = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "file:" + path]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return .unavailable }
        guard await Self.waitForExit(process, timeout: self.timeout) else { return .unavailable }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else { return .unreadable }
        guard let reader = FileHandle(forReadingAtPath: outputPath) else { return .unavailable }
        defer { try? reader.close() }
        guard let data = try? reader.read(upToCount: 4 << 20), !data.isEmpty else { return .unavailable }
        guard let report = FFprobeReport(json: data) else { return .unavailable }
        return report.hasVideo ? .report(report) : .unreadable
    }

    /// Waits for the process to end; past the deadline (or on cancellation) stops it and returns false.
    private static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning {
            if clock.now >= deadline || Task.isCancelled {
                process.terminate()
                let grace = clock.now.advanced(by: .seconds(2))
                while process.isRunning, clock.now < grace { try? await Task.sleep(for: .milliseconds(10)) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                return false
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        return true
    }
}

/// The part of ffprobe's JSON Reelay reads.
struct FFprobeReport {
    var durationSeconds: Double?
    var width: Int?
    var height: Int?
    var videoCodec: String?
    var hasVideo: Bool

    private struct Output: Decodable {
        struct Stream: Decodable {
            var codec_type: String?
            var codec_name: String?
            var width: Int?
            var height: Int?
            var duration: String?
            var disposition: [String: Int]?
        }
        struct Format: Decodable { var duration: String? }
        var streams: [Stream]?
        var format: Format?
    }

    init?(json: Data) {
        guard let output = try? JSONDecoder().decode(Output.self, from: json) else { return nil }
        // Cover art is a video stream too (`attached_pic`): the real video is the first other one.
        let video = output.streams?.first { $0.codec_type == "video" && $0.disposition?["attached_pic"] != 1 }
        self.hasVideo = video != nil
        self.width = video?.width.flatMap { $0 > 0 ? $0 : nil }
        self.height = video?.height.flatMap { $0 > 0 ? $0 : nil }
        self.videoCodec = video?.codec_name
        let duration = output.format?.duration.flatMap(Double.init) ?? video?.duration.flatMap(Double.init)
        self.durationSeconds = duration.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
    }
}
