-- The W3C trace context (`traceparent`) of the API request that created a post, when tracing is on: the scheduler and
-- the API copy it into the post's publish job, so the worker's spans join the request's trace however late the post runs.
ALTER TABLE posts ADD COLUMN trace_parent text CHECK (trace_parent IS NULL OR length(trace_parent) <= 256);
