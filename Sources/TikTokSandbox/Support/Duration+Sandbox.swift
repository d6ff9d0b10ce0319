import Foundation

extension Duration {
    /// The duration in seconds as a `TimeInterval`, for date arithmetic.
    var timeInterval: TimeInterval { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }

    /// Whole seconds, rounded up (what `expires_in` reports; a 300 ms test lifetime reads as 1).
    var wholeSecondsRoundedUp: Int64 {
        let components = self.components
        return components.seconds + (components.attoseconds > 0 ? 1 : 0)
    }
}
