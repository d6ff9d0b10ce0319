extension Duration {
    /// The duration in seconds, for rates and printed timings.
    var inSeconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}
