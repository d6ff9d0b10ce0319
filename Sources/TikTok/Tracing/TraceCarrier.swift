
public import Tracing

/// Trace context as W3C header fields (`traceparent`, `tracestate`) in a plain dictionary: how a span's context is
/// written into a post row or a job, and read back on a worker. With no tracer installed (the default), injecting
/// writes nothing and extracting finds nothing, so the calls cost next to nothing.
public enum TraceCarrier {
    /// The `traceparent` of `context` (the current task's by default), or `nil` when tracing is off or nothing traces.
    public static func traceParent(of context: ServiceContext? = ServiceContext.current) -> String? {
        guard let context else { return nil }
        var fields: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &fields, using: FieldInjector())
        return fields["traceparent"]
    }

    /// A context whose parent span is the one `traceParent` names (a top-level context when `nil` or unreadable).
    public static func context(traceParent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceParent {
            InstrumentationSystem.instrument.extract(["traceparent": traceParent], into: &context, using: FieldExtractor())
        }
        return context
    }

    struct FieldInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    struct FieldExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }
}
