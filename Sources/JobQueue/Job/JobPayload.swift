/// A typed job body. Its ``jobName`` is the stable wire name stored in Redis and matched by handlers; it is never
/// derived from the Swift type's name, so renaming a type does not orphan queued jobs.
public protocol JobPayload: Codable, Sendable {
    /// The stable wire name, for example `tiktok.publish_video`.
    static var jobName: String { get }
}
