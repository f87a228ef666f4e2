// Public surface of tracing (re-exported by the package's entry point). Format: FORMAT.md.
export { withTrace, TraceRecorder, traced, configureTracing } from "./context";
export type { TraceOptions, TracingSettings } from "./context";
export { readTrace, traceSpans, TRACE_FORMAT, TRACE_VERSION } from "./format";
export type { TraceJson, SpanJson, AttemptJson, TraceValue } from "./format";
