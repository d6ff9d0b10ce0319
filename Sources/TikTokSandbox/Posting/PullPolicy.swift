import Foundation

/// Whether a PULL_FROM_URL address counts as owned (reference §2.6): `https`, a domain rather than an IP address,
/// no credentials, and under one of the verified URL prefixes. `allowInsecurePull` also admits `http` and IP
/// hosts, for loopback tests.
struct PullPolicy {
    let configuration: SandboxConfiguration

    func isVerified(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host,
            components.user == nil, components.password == nil, components.fragment == nil
        else { return false }
        let insecure = self.configuration.allowInsecurePull
        guard scheme == "https" || (insecure && scheme == "http") else { return false }
        guard insecure || !Self.isIPAddress(host) else { return false }
        // A path that climbs out of its prefix is not under it.
        guard !components.path.split(separator: "/").contains("..") else { return false }
        return self.configuration.verifiedURLPrefixes.contains { !$0.isEmpty && url.hasPrefix($0) }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || (host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }
}

/// Recognises a video container from the first bytes: ISO BMFF (MP4, MOV) has `ftyp` at offset 4; Matroska/WebM
/// starts with the EBML magic `1A 45 DF A3`. Codecs, frame rate, resolution and duration cannot be known from bytes
/// without a demuxer, so the sandbox checks only this.
enum MediaSniffer {
    /// How many leading bytes the check needs.
    static let headLength = 12

    static func isVideo(_ head: Data) -> Bool {
        let bytes = [UInt8](head.prefix(Self.headLength))
        if bytes.count >= 8, bytes[4...7].elementsEqual(Array("ftyp".utf8)) { return true }
        return bytes.count >= 4 && bytes[0...3].elementsEqual([0x1A, 0x45, 0xDF, 0xA3])
    }
}
