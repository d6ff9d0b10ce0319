import Foundation

/// Random identifiers in TikTok's formats. Every value comes from the system random generator.
enum Identifiers {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// `count` random letters and digits.
    static func token(_ count: Int) -> String {
        String((0..<count).map { _ in self.alphabet.randomElement()! })
    }

    /// A per-app user id (TikTok's look like `-000…` or hex; ours are opaque).
    static func openID() -> String { "sbx-" + self.token(28) }

    /// `act.` + 60 characters (reference §1.4 examples).
    static func accessToken() -> String { "act." + self.token(60) }

    /// `rft.` + 60 characters.
    static func refreshToken() -> String { "rft." + self.token(60) }

    /// An authorization code.
    static func authorizationCode() -> String { self.token(48) }

    /// 18 random digits, never starting with 0.
    static func digits() -> String { String(UInt64.random(in: 100_000_000_000_000_000...999_999_999_999_999_999)) }

    /// A `publish_id` in the reference's formats (`v_pub_file~v2-1.…`, `v_pub_url~v2.…`, `v_inbox_file~v2.…`,
    /// `v_inbox_url~v2.…`); at most 64 characters.
    static func publishID(mode: PostRecord.Mode, source: PostRecord.Source) -> String {
        switch (mode, source) {
        case (.direct, .fileUpload): "v_pub_file~v2-1." + self.digits()
        case (.direct, .pullFromURL): "v_pub_url~v2." + self.digits()
        case (.inbox, .fileUpload): "v_inbox_file~v2." + self.digits()
        case (.inbox, .pullFromURL): "v_inbox_url~v2." + self.digits()
        }
    }

    /// A 19-digit post id above 2^53, so a client decoding it as a double loses digits and a test notices.
    static func postID() -> Int64 { Int64.random(in: 7_000_000_000_000_000_000...Int64.max) }

    /// A `log_id` shaped like TikTok's: UTC timestamp plus 20 upper-case hex digits.
    static func logID(now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince1970)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        let stamp = [parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0]
            .enumerated().map { index, value in index == 0 ? String(format: "%04d", value) : String(format: "%02d", value) }.joined()
        let hex = (0..<20).map { _ in String(UInt8.random(in: 0...15), radix: 16, uppercase: true) }.joined()
        return stamp + hex
    }
}
