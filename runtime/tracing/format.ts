import type { BatchOrigin, ChatMessage, ModeFallback, ReplySource, Usage } from "../model";

/**
 * The JSON format of a trace, version 1. Written down for people in `FORMAT.md` next to this
 * file; the trace viewer (`viewer/trace-viewer.html`) and `llm-strategy trace` read it.
 * A trace is plain JSON: `JSON.parse(JSON.stringify(trace))` deep-equals `trace`.
 */

export const TRACE_FORMAT = "llm-strategy.trace";
export const TRACE_VERSION = 1;

/** A JSON value as traces hold them (inputs, outputs, hyperparameter values). */
export type TraceValue = null | boolean | number | string | TraceValue[] | { [key: string]: TraceValue };

export interface TraceJson {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  /** The name given to `withTrace` / `TraceRecorder`, if any. */
  name?: string;
  /** When the trace started, in milliseconds since the Unix epoch (fractional). */
  startTime: number;
  /** From `startTime` to the end of the last run, in milliseconds (while still running: to now). */
  durationMs: number;
  /**
   * Whether inputs, outputs, prompts, replies, validation errors and error messages were kept.
   * When false, none of them is in the trace: only names, timings, tokens, counts, models and
   * hyperparameter values.
   */
  contentCaptured: boolean;
  /** The top-level spans, in start order. */
  spans: SpanJson[];
}

/**
 * One span: a stub call (`"stub"`), a call of a function wrapped with `traced()`
 * (`"function"`), or an operation of a `ChatChain` (`"chain"`).
 */
export interface SpanJson {
  /** 1, 2, ... in start order, unique within the process run that made the trace. */
  id: number;
  kind: "stub" | "function" | "chain";
  /** `Customer.age`, `ChatChain.structuredQuery<Plan>`, the name given to `traced`, `chain#2.query`. */
  name: string;
  /** Milliseconds since the Unix epoch (fractional). */
  startTime: number;
  /** Absent while the span is still running. */
  durationMs?: number;
  status: "ok" | "error" | "running";
  /** Stub: the inputs sent (`this` first, then arguments by name). Function: its arguments, as an array. Chain: what was asked. */
  input?: TraceValue;
  /** The returned value as JSON (class instances as their fields, Dates as ISO strings). */
  output?: TraceValue;
  error?: { name: string; message?: string };
  /**
   * Hyperparameters read during the span (by it or by spans inside it), with the value in
   * force. A stub's doc text (`prompt:...`) appears only when a scope changed it.
   */
  hyperparameters?: { [name: string]: TraceValue };
  /** `ChatChain` ids: the chain the span continued and, when it made one, the chain it returned. */
  chain?: { id: number; next?: number };
  children: SpanJson[];

  // Stub spans only.
  /** The spec id, e.g. `src/customer.ts:12 Customer.age`. */
  stub?: string;
  /** The hash of the prompt and schemas actually used (differs from the build's when hyperparameters changed the prompt). */
  hash?: string;
  /** A generic stub's type arguments at the call site, or `"constraints"`. */
  typeArguments?: string;
  /** `LanguageModel.id` of the model asked. */
  model?: string;
  /** How the model was asked on the last attempt (`"structured"`, `"tools"`, `"json"`, ...). */
  mode?: string;
  /** The first request's messages as sent (in a chat chain, the conversation before the prompt too). */
  messages?: ChatMessage[];
  /** Every request/reply round, the accepted one last. */
  attempts?: AttemptJson[];
  /** Ways of asking the endpoint rejected before one worked. */
  fallbacks?: ModeFallback[];
  /** Tokens summed over the attempts. */
  usage?: Usage;
  /** Some reply needed lenient parsing (code fence, prose around the JSON, jsonrepair). */
  parseRepaired?: boolean;
  /** Streamed calls: milliseconds from the first request to its first piece of reply text. */
  timeToFirstTokenMs?: number;
  /** Streamed calls: pieces of reply text received, summed over the attempts. */
  chunks?: number;
}

/** One request/reply round of a stub call. */
export interface AttemptJson {
  /** Milliseconds since the Unix epoch. */
  startTime: number;
  durationMs: number;
  /** True for the reply that was accepted (the last one of a successful call). */
  accepted: boolean;
  /**
   * For a repair: the messages added after the first request (the failed reply and what was
   * wrong with it). The whole request is the span's `messages` followed by these.
   */
  repair?: ChatMessage[];
  /** The raw reply text. */
  reply?: string;
  /** Why the reply was rejected (the words sent back to the model). */
  errors?: string[];
  /** How many validation errors there were (also when their text is not captured). */
  errorCount: number;
  /** The checks the reply failed (`@check`s, `withCallOptions({ check })`), as in `errors`; absent when none failed. */
  failedChecks?: string[];
  /** How many checks it failed (also when their text is not captured); absent when none failed. */
  failedCheckCount?: number;
  /** Lenient-parsing repairs applied (`"code fence"`, `"jsonrepair"`, ...). */
  parseRepairs: string[];
  usage?: Usage;
  finishReason?: string;
  mode?: string;
  /** `"cache"` or `"replay"` when no request was made; `"model"` otherwise. */
  source: ReplySource;
  /** Streamed calls: pieces of reply text this attempt received (0: the reply came whole). */
  chunks?: number;
  /** Streamed calls: milliseconds from this request to its first piece of reply text. */
  timeToFirstTokenMs?: number;
  /** In a `batch()`: the provider's batch that answered this attempt, and the batch round. */
  batch?: BatchOrigin;
}

/**
 * Checks that `data` (parsed JSON, or its text) is a trace this runtime can read and returns it.
 * @throws TypeError naming what is wrong (another format, a newer version, no spans).
 */
export function readTrace(data: unknown): TraceJson {
  const value = typeof data === "string" ? (JSON.parse(data) as unknown) : data;
  if (typeof value !== "object" || value === null) throw new TypeError("Not a trace: expected a JSON object.");
  const trace = value as Partial<TraceJson>;
  if (trace.format !== TRACE_FORMAT) throw new TypeError(`Not a trace: "format" is ${JSON.stringify(trace.format)}, expected "${TRACE_FORMAT}".`);
  if (trace.version !== TRACE_VERSION) {
    throw new TypeError(`Trace version ${JSON.stringify(trace.version)} is not supported: this llm-strategy reads version ${TRACE_VERSION}.`);
  }
  if (!Array.isArray(trace.spans)) throw new TypeError('Not a trace: "spans" is missing.');
  return trace as TraceJson;
}

/** Every span of a trace, depth first in start order (parents before their children). */
export function traceSpans(trace: Pick<TraceJson, "spans">): SpanJson[] {
  const all: SpanJson[] = [];
  const visit = (span: SpanJson) => {
    all.push(span);
    span.children.forEach(visit);
  };
  trace.spans.forEach(visit);
  return all;
}
