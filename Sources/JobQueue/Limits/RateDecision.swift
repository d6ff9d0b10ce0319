public import Foundation

/// The answer of a rate or cap check: go ahead, or wait until a given time.
public enum RateDecision: Sendable, Hashable, Codable {
    /// A unit of budget was reserved.
    case granted
    /// No budget is left; some frees at `retryAt`.
    case denied(retryAt: Date)

    /// True for ``granted``.
    public var isGranted: Bool {
        if case .granted = self { return true }
        return false
    }

    /// The time budget frees, for ``denied(retryAt:)``; `nil` when granted.
    public var retryAt: Date? {
        if case .denied(let retryAt) = self { return retryAt }
        return nil
    }
}
