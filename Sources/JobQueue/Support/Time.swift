public import Foundation

// The job queue's one time vocabulary: every time stored in Redis is whole milliseconds since 1970.

extension Date {
    /// Milliseconds since 1970, rounded down: how the job queue stores times in Redis.
    var epochMilliseconds: Int64 { Int64((self.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The date `milliseconds` after 1970.
    init(epochMilliseconds milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero.
    var wholeMilliseconds: Int64 {
        let components = self.components
        return components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds, for `Date` arithmetic.
    public var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}

/// Millisecond values as Redis returns them.
enum Milliseconds {
    /// Parses a decimal millisecond value (an integer, or a bulk/float text such as a zset score).
    static func parse(_ text: String?) -> Int64? {
        guard let text else { return nil }
        if let value = Int64(text) { return value }
        return Double(text).map { Int64($0.rounded(.down)) }
    }
}
