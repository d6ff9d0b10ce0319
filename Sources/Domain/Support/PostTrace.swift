/// The trace a post belongs to: the W3C `traceparent` of the API request creating posts in the current task (set by
/// the API around each request when tracing is on; `nil` otherwise). Every statement that inserts posts stores it in
/// `posts.trace_parent`, and the publish job built from the row carries it to the worker.
public enum PostTrace {
    /// The `traceparent` of the request the current task serves, if any.
    @TaskLocal public static var parent: String?
}
