import API
import Foundation
import TestSupport
import Testing

/// The ffprobe path, with a stand-in `ffprobe` script (the real one is optional): its values win over the sniffed
/// ones, a refusal rejects the upload, and a hung ffprobe is stopped and the sniffed values stand.
@Suite struct MediaProbeTests {
    let folder: String
    let video: String

    init() throws {
        self.folder = try MediaFixture.temporaryRoot()
        self.video = self.folder + "/v.mp4"
        _ = FileManager.default.createFile(atPath: self.video, contents: Data(MediaFixture.mp4(durationMs: 12_500, width: 1080, height: 1920)))
    }

    /// An executable `ffprobe` in the folder running `script` (sh).
    func fakeFFprobe(_ script: String) throws -> String {
        let path = self.folder + "/ffprobe"
        try Data("#!/bin/sh\n\(script)\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func ffprobeValuesWinAndTheArgumentsAreTheDocumentedOnes() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let json = #"{"streams":[{"codec_type":"audio","codec_name":"aac"},{"codec_type":"video","codec_name":"hevc","width":720,"height":1280}],"format":{"format_name":"mov,mp4","duration":"42.250000"}}"#
        let ffprobe = try self.fakeFFprobe("echo \"$@\" > '\(self.folder)/args'\ncat <<'JSON'\n\(json)\nJSON")
        let info = try await MediaProbe(ffprobe: .path(ffprobe)).probe(path: self.video)
        #expect(info == MediaInfo(container: .mp4, durationSeconds: 42.25, width: 720, height: 1280, videoCodec: "hevc", source: .ffprobe))
        let arguments = try String(contentsOfFile: self.folder + "/args", encoding: .utf8)
        #expect(arguments == "-v error -print_format json -show_format -show_streams file:\(self.video)\n")
    }

    @Test func ffprobeValuesAreCheckedAgainstTheLimits() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let ffprobe = try self.fakeFFprobe(#"echo '{"streams":[{"codec_type":"video","width":1080,"height":1920}],"format":{"duration":"900.5"}}'"#)
        await #expect(throws: MediaError(.invalidDuration, message: "duration 900.5 s is outside 3–600 s")) {
            try await MediaProbe(ffprobe: .path(ffprobe)).probe(path: self.video)
        }
    }

    @Test func aFileFFprobeRefusesIsUnsupported() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let failing = try self.fakeFFprobe("echo 'moov atom not found' >&2; exit 1")
        await #expect(throws: MediaError(.unsupportedFormat, message: "ffprobe cannot read the file")) {
            try await MediaProbe(ffprobe: .path(failing)).probe(path: self.video)
        }
        let audioOnly = try self.fakeFFprobe(#"echo '{"streams":[{"codec_type":"audio"}],"format":{"duration":"10"}}'"#)
        await #expect(throws: MediaError(.unsupportedFormat, message: "ffprobe cannot read the file")) {
            try await MediaProbe(ffprobe: .path(audioOnly)).probe(path: self.video)
        }
    }

    @Test func aHungFFprobeIsStoppedAndTheSniffedValuesStand() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        var probe = MediaProbe(ffprobe: .path(try self.fakeFFprobe("exec sleep 30")))
        probe.timeout = .milliseconds(300)
        let clock = ContinuousClock()
        let started = clock.now
        let info = try await probe.probe(path: self.video)
        #expect(started.duration(to: clock.now) < .seconds(25), "stopped long before its 30 s sleep ends")
        #expect(info == MediaInfo(container: .mp4, durationSeconds: 12.5, width: 1080, height: 1920, videoCodec: "h264", source: .sniffed))
    }

    @Test func ffprobeNeverOverridesTheContainerCheck() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let ffprobe = try self.fakeFFprobe(#"echo '{"streams":[{"codec_type":"video","width":1080,"height":1920}],"format":{"duration":"10"}}'"#)
        let matroska = self.folder + "/v.mkv"
        _ = FileManager.default.createFile(atPath: matroska, contents: Data(MediaFixture.webm(docType: "matroska")))
        await #expect(throws: MediaError(.unsupportedFormat, message: "not an MP4, MOV or WebM file")) {
            try await MediaProbe(ffprobe: .path(ffprobe)).probe(path: matroska)
        }
    }

    @Test func ffprobeIsLocatedInASearchPath() throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let ffprobe = try self.fakeFFprobe("exit 0")
        #expect(MediaProbe.FFprobe.locate(inSearchPath: "/nonexistent:\(self.folder)") == .path(ffprobe))
        #expect(MediaProbe.FFprobe.locate(inSearchPath: "/nonexistent") == .disabled)
    }
}
