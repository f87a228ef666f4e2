import { AsyncLocalStorage } from "node:async_hooks";
import type { CallInfo } from "../call-info";
import type { ChatMessage, CompletionRequest, LanguageModel } from "../model";
import { qualifiedNameOfSpecId, type CallSpec } from "../spec";
import { TRACE_FORMAT, TRACE_VERSION, type AttemptJson, type SpanJson, type TraceJson, type TraceValue } from "./format";
import { activeTracer, configureOpenTelemetry, otelCapturesContent, parentContext, SPAN_KIND, STATUS_ERROR, type OtelAttribute, type OtelSpan } from "./otel";
import { redactKnown, redactText } from "../redact";
import { snapshot } from "./snapshot";
import { errorMessage, isThenable } from "../util";

/**
 * Spans in a tree that follows async context (AsyncLocalStorage), so nesting holds across
 * `await`, `Promise.all` and timers. A span exists only while a `TraceRecorder` runs or an
 * OpenTelemetry provider is registered: otherwise every hook here returns at its first check.
 */

/** The async context's tracing state. */
interface TraceStore {
  /** The innermost open span. */
  node?: SpanNode;
  /** The innermost recorder; spans are recorded while there is one. */
  recorder?: TraceRecorder;
  /** The span that was open when `recorder` started: spans opened directly under it are the recorder's top-level spans. */
  recorderParent?: SpanNode;
  /** Content is kept only when every enclosing recorder allows it (privacy wins). */
  captureContent: boolean;
}

const storage = new AsyncLocalStorage<TraceStore>();
/** Until a recorder first runs, no async context can hold one: the hooks skip the context lookup. */
let recordersEverRan = false;
let nextSpanId = 1;
let defaultCaptureContent = true;

class SpanNode {
  otel: OtelSpan | undefined;
  constructor(
    /** `performance.now()` at the start (`json.startTime` is the same instant on the epoch clock). */
    readonly started: number,
    readonly json: SpanJson,
    readonly parent: SpanNode | undefined,
    /** A recorder was running when the span opened: its JSON is part of a trace. */
    readonly recording: boolean,
    readonly captureContent: boolean,
  ) {}

  get capturing(): boolean {
    return this.recording && this.captureContent;
  }
}

/** Epoch milliseconds (fractional), comparable across spans. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Opens a span under the current one, or returns undefined when nothing would record it.
 * @param name A function when the name costs something to make: called only for a span.
 */
function openSpan(kind: SpanJson["kind"], nameOf: string | (() => string), otelKind: number = SPAN_KIND.INTERNAL): SpanNode | undefined {
  const tracer = activeTracer();
  if (!recordersEverRan && !tracer) return undefined;
  const store = storage.getStore();
  if (!store?.recorder && !tracer) return undefined;
  const name = typeof nameOf === "string" ? nameOf : nameOf();
  const parent = store?.node;
  const started = performance.now();
  const json: SpanJson = { id: nextSpanId++, kind, name, startTime: performance.timeOrigin + started, status: "running", children: [] };
  const recording = store?.recorder !== undefined;
  const node = new SpanNode(started, json, parent, recording, store?.captureContent ?? false);
  if (recording) {
    if (parent?.recording) parent.json.children.push(json);
    if (parent === store!.recorderParent) store!.recorder!.roots.push(json);
  }
  if (tracer) {
    node.otel = tracer.startSpan(name, { kind: otelKind, startTime: json.startTime }, parentContext(parent?.otel));
  }
  return node;
}

function childStore(node: SpanNode): TraceStore {
  const store = storage.getStore();
  return store ? { ...store, node } : { node, captureContent: false };
}

function closeSpan(node: SpanNode, outcome: { output?: unknown; error?: unknown }): void {
  const json = node.json;
  json.durationMs = performance.now() - node.started;
  if ("error" in outcome) {
    json.status = "error";
    json.error = errorJson(outcome.error, node.capturing);
  } else {
    json.status = "ok";
    if (node.capturing && outcome.output !== undefined) {
      const output = snapshot(outcome.output);
      if (output !== undefined) json.output = output;
    }
  }
  const otel = node.otel;
  if (otel) {
    if (json.status === "error") {
      otel.setStatus({ code: STATUS_ERROR, ...(otelCapturesContent() && json.error?.message ? { message: json.error.message } : {}) });
      otel.setAttribute("error.type", errorName(outcome.error));
    }
    otel.end(json.startTime + json.durationMs);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function errorJson(error: unknown, capture: boolean): { name: string; message?: string } {
  const name = errorName(error);
  if (!capture) return { name };
  return { name, message: redactText(errorMessage(error)) };
}

/**
 * Runs `fn` as the span's body and closes the span when `fn` returns, throws, or its promise
 * settles. `outputOf` picks what of the result the span keeps as its output (default: all of it).
 */
function runSpan<R>(node: SpanNode, fn: () => R, outputOf: (value: unknown) => unknown = (value) => value): R {
  let result: R;
  try {
    result = storage.run(childStore(node), fn);
  } catch (error) {
    closeSpan(node, { error });
    throw error;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (value) => {
        closeSpan(node, { output: outputOf(value) });
        return value;
      },
      (error: unknown) => {
        closeSpan(node, { error });
        throw error;
      },
    ) as R;
  }
  closeSpan(node, { output: outputOf(result) });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Public: recorders and traced functions

/** Options of a trace. */
export interface TraceOptions {
  /** Shown by the viewer; kept in the JSON. */
  name?: string;
  /**
   * Keep inputs, outputs, prompts, replies, validation errors and error messages. Default: true
   * (or what `configureTracing({ captureContent })` set). When false, none of them enters the
   * trace; names, timings, tokens, counts, models and hyperparameter values still do. A trace
   * inside another keeps content only if both allow it.
   */
  captureContent?: boolean;
}

/**
 * Collects the spans of everything its `run` functions do, as a trace:
 * ```ts
 * const recorder = new TraceRecorder({ name: "essay" });
 * try { await recorder.run(() => writeEssay(topic)); }
 * finally { fs.writeFileSync("trace.json", JSON.stringify(recorder.toJSON())); }
 * ```
 * Recorders nest: spans of an inner recorder are also in the outer trace.
 */
export class TraceRecorder {
  /** @internal The top-level spans, live. */
  readonly roots: SpanJson[] = [];
  private startTime: number | undefined;
  private endTime: number | undefined;
  private running = 0;

  constructor(private readonly options: TraceOptions = {}) {}

  /** Runs `fn` recording spans; returns what it returns. Can be called several times. */
  run<R>(fn: () => R): R {
    recordersEverRan = true;
    const outer = storage.getStore();
    this.startTime ??= now();
    this.running++;
    const capture = this.options.captureContent ?? defaultCaptureContent;
    const store: TraceStore = {
      recorder: this,
      captureContent: (outer?.recorder ? outer.captureContent : true) && capture,
      ...(outer?.node ? { node: outer.node, recorderParent: outer.node } : {}),
    };
    const done = () => {
      this.running--;
      this.endTime = now();
    };
    let result: R;
    try {
      result = storage.run(store, fn);
    } catch (error) {
      done();
      throw error;
    }
    if (isThenable(result)) {
      (result as PromiseLike<unknown>).then(done, done);
      return result;
    }
    done();
    return result;
  }

  /** The trace so far, as plain JSON data (a copy: later spans do not change it). */
  toJSON(): TraceJson {
    const startTime = this.startTime ?? now();
    const end = this.running > 0 || this.endTime === undefined ? now() : this.endTime;
    const trace: TraceJson = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      ...(this.options.name !== undefined ? { name: this.options.name } : {}),
      startTime,
      durationMs: end - startTime,
      contentCaptured: this.options.captureContent ?? defaultCaptureContent,
      spans: this.roots.map(childrenLast),
    };
    return JSON.parse(JSON.stringify(trace)) as TraceJson;
  }
}

/** A span with its children written last, so the JSON reads top-down. */
function childrenLast(span: SpanJson): SpanJson {
  const { children, ...rest } = span;
  return { ...rest, children: children.map(childrenLast) };
}

/**
 * Runs `fn` and returns its result with the trace of everything it did. If `fn` throws, so does
 * this (use a `TraceRecorder` to keep the trace of a failed run).
 */
export async function withTrace<T>(fn: () => T | Promise<T>, options: TraceOptions = {}): Promise<{ result: T; trace: TraceJson }> {
  const recorder = new TraceRecorder(options);
  const result = await recorder.run(fn);
  return { result, trace: recorder.toJSON() };
}

/**
 * Wraps `fn` so each call is a span named `name` (arguments as its input, the resolved value as
 * its output), nested under the span it was called in. Without a trace or OpenTelemetry
 * provider, the wrapper only calls `fn`.
 * ```ts
 * const runTask = traced("runTask", async (params: TaskParams) => { ... });
 * ```
 */
export function traced<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  if (typeof name !== "string" || typeof fn !== "function") throw new TypeError("traced(name, fn): give a span name and the function to wrap.");
  const call = fn as unknown as (...args: unknown[]) => unknown;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const node = openSpan("function", name);
    if (!node) return call.apply(this, args);
    if (node.capturing) node.json.input = snapshot(args) ?? [];
    return runSpan(node, () => call.apply(this, args));
  };
  Object.defineProperty(wrapper, "name", { value: fn.name || name, configurable: true });
  return wrapper as unknown as F;
}

/** Settings of tracing for the whole process. */
export interface TracingSettings {
  /** Default of `TraceOptions.captureContent` for traces. Default true. */
  captureContent?: boolean;
  /** Emit OpenTelemetry spans when `@opentelemetry/api` is installed and a provider registered. Default true. */
  openTelemetry?: boolean;
  /**
   * Put prompts and replies on OpenTelemetry spans (`gen_ai.input.messages`, `gen_ai.output.messages`)
   * and error messages in span statuses. Default: env `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`, else false.
   */
  openTelemetryContent?: boolean;
}

/** Sets process-wide tracing settings; keys not given stay as they are. */
export function configureTracing(settings: TracingSettings): void {
  if (settings.captureContent !== undefined) defaultCaptureContent = settings.captureContent;
  configureOpenTelemetry({
    ...(settings.openTelemetry !== undefined ? { enabled: settings.openTelemetry } : {}),
    ...(settings.openTelemetryContent !== undefined ? { captureContent: settings.openTelemetryContent } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Hooks for the runtime: hyperparameter reads, chat chains, stub calls

/** Records a hyperparameter read on the open span and every span around it. */
export function noteHyperparameterRead(name: string, value: TraceValue): void {
  if (!recordersEverRan) return;
  const store = storage.getStore();
  if (!store?.recorder) return;
  for (let node = store.node; node; node = node.parent) {
    if (node.recording) (node.json.hyperparameters ??= {})[name] = value;
  }
}

/** A chat chain operation, as its span shows it. */
export interface ChainOperation {
  /** The span's name: `chain#3.query`. */
  name: string;
  chainId: number;
  /** What was asked, if anything. */
  input?: unknown;
  /**
   * Whether the operation resolves to `[value, nextChain]`: the span keeps `value` as the output
   * and the next chain's id as `chain.next` (not the chain itself: its messages are in the stub
   * spans already).
   */
  returnsChain: boolean;
}

/** Runs a chat chain operation as a span. */
export function chainSpan<R>(operation: ChainOperation, fn: () => Promise<R>): Promise<R> {
  const { name, chainId, input, returnsChain } = operation;
  const node = openSpan("chain", name);
  if (!node) return fn();
  node.json.chain = { id: chainId };
  if (node.capturing && input !== undefined) node.json.input = snapshot(input) ?? null;
  node.otel?.setAttribute("gen_ai.conversation.id", String(chainId));
  return runSpan(node, fn, (result) => {
    if (!returnsChain) return result;
    const [value, next] = result as [unknown, { id: number }];
    node.json.chain = { id: chainId, next: next.id };
    return value;
  });
}

/** The chain id of the nearest chain span around the current one. */
function enclosingChain(node: SpanNode | undefined): number | undefined {
  for (let current = node?.parent; current; current = current.parent) if (current.json.chain) return current.json.chain.id;
  return undefined;
}

/** One request of a stub call, as `StubSpan` sees it. */
interface Ask {
  model: LanguageModel;
  request: CompletionRequest;
  started: number;
  ended?: number;
}

/** What `invoke` reports to the span of one stub call. */
export interface StubSpan {
  /** Runs the call's body inside the span (nested spans, hyperparameter reads). */
  run<R>(fn: () => R): R;
  /** Before each request to the model. */
  asking(model: LanguageModel, request: CompletionRequest): void;
  /** When the model answered that request. */
  answered(): void;
  /** When the call finished (its `CallInfo` complete). */
  end(info: CallInfo): void;
}

/** A span for one stub call, or undefined (no work at all) when nothing records spans. */
export function startStubSpan(spec: CallSpec): StubSpan | undefined {
  const node = openSpan("stub", () => displayName(spec));
  if (!node) return undefined;
  const asks: Ask[] = [];
  return {
    run: (fn) => storage.run(childStore(node), fn),
    asking: (model, request) => void asks.push({ model, request, started: now() }),
    answered: () => {
      const last = asks[asks.length - 1];
      if (last) last.ended = now();
    },
    end: (info) => endStubSpan(node, asks, info),
  };
}

/** `Customer.age`, `reflect<EssayParams, Essay>`, `ChatChain.structuredQuery<Plan>`. */
function displayName(spec: CallSpec): string {
  const name = qualifiedNameOfSpecId(spec.id);
  return spec.typeArguments && spec.typeArguments !== "constraints" ? name + spec.typeArguments : name;
}

function endStubSpan(node: SpanNode, asks: Ask[], info: CallInfo): void {
  const json = node.json;
  json.stub = info.stub;
  json.hash = info.hash;
  if (info.typeArguments !== undefined) json.typeArguments = info.typeArguments;
  if (info.model) json.model = info.model;
  if (info.mode !== undefined) json.mode = info.mode;
  json.usage = { ...info.usage };
  // `info` was redacted just before (redactCallInfo); the requests in `asks` were not.
  if (info.fallbacks.length) json.fallbacks = info.fallbacks.map((fallback) => ({ ...fallback }));
  if (info.parseRepaired) json.parseRepaired = true;

  const sent = (index: number): ChatMessage[] => {
    const ask = asks[index]!;
    return info.attempts[index]?.schemaSent ? ask.request.messagesIfSchemaSent : ask.request.messages;
  };
  const first = asks.length ? sent(0) : info.messages;
  const capture = node.capturing;
  if (capture) {
    json.input = snapshot(info.input) ?? {};
    json.messages = first.map((message) => ({ role: message.role, content: redactKnown(message.content) }));
  }
  const succeeded = info.error === undefined;
  json.attempts = info.attempts.map((attempt, index): AttemptJson => {
    const ask = asks[index];
    const started = ask?.started ?? json.startTime;
    const record: AttemptJson = {
      startTime: started,
      durationMs: (ask?.ended ?? started) - started,
      accepted: succeeded && index === info.attempts.length - 1,
      errorCount: attempt.errors.length,
      parseRepairs: [...attempt.parseRepairs],
      source: attempt.source ?? "model",
    };
    if (capture) {
      if (index > 0 && ask) record.repair = sent(index).slice(first.length).map((message) => ({ role: message.role, content: redactKnown(message.content) }));
      record.reply = attempt.reply;
      if (attempt.errors.length) record.errors = [...attempt.errors];
      if (attempt.failedChecks?.length) record.failedChecks = [...attempt.failedChecks];
    }
    if (attempt.failedChecks?.length) record.failedCheckCount = attempt.failedChecks.length;
    if (attempt.usage) record.usage = { ...attempt.usage };
    if (attempt.finishReason !== undefined) record.finishReason = attempt.finishReason;
    if (attempt.mode !== undefined) record.mode = attempt.mode;
    if (attempt.chunks !== undefined) record.chunks = attempt.chunks;
    if (attempt.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = attempt.timeToFirstTokenMs;
    if (attempt.batch) record.batch = { ...attempt.batch };
    return record;
  });
  const streamedAttempts = info.attempts.filter((attempt) => attempt.chunks !== undefined);
  if (streamedAttempts.length) {
    json.chunks = streamedAttempts.reduce((sum, attempt) => sum + attempt.chunks!, 0);
    const first = info.attempts[0]?.timeToFirstTokenMs;
    if (first !== undefined) json.timeToFirstTokenMs = first;
  }
  if (node.otel) emitChatSpans(node, asks, info);
  closeSpan(node, info.error ? { error: info.error } : { output: info.value });
}

// ---------------------------------------------------------------------------------------------
// OpenTelemetry: one `chat` span per request, following the GenAI semantic conventions

function emitChatSpans(node: SpanNode, asks: Ask[], info: CallInfo): void {
  const stubSpan = node.otel!;
  stubSpan.setAttributes({ "llm_strategy.stub.id": info.stub, "llm_strategy.stub.hash": info.hash, "llm_strategy.attempts": info.attempts.length });
  if (!stubSpan.isRecording()) return;
  const tracer = activeTracer();
  if (!tracer) return;
  const content = otelCapturesContent();
  const conversation = enclosingChain(node);
  asks.forEach((ask, index) => {
    const attempt = info.attempts[index];
    const { provider, model } = describeModel(ask.model);
    const attributes: Record<string, OtelAttribute> = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": provider,
      "gen_ai.request.model": model,
      "gen_ai.output.type": "json",
      "llm_strategy.attempt": index + 1,
    };
    const options = ask.model.options;
    if (typeof options.temperature === "number") attributes["gen_ai.request.temperature"] = options.temperature;
    if (typeof options.maxTokens === "number") attributes["gen_ai.request.max_tokens"] = options.maxTokens;
    if (typeof options.topP === "number") attributes["gen_ai.request.top_p"] = options.topP;
    if (typeof options.seed === "number") attributes["gen_ai.request.seed"] = options.seed;
    if (conversation !== undefined) attributes["gen_ai.conversation.id"] = String(conversation);
    if (attempt) {
      if (attempt.usage) {
        attributes["gen_ai.usage.input_tokens"] = attempt.usage.promptTokens;
        attributes["gen_ai.usage.output_tokens"] = attempt.usage.completionTokens;
      }
      if (attempt.finishReason !== undefined) attributes["gen_ai.response.finish_reasons"] = [attempt.finishReason];
      if (attempt.mode !== undefined) attributes["llm_strategy.mode"] = attempt.mode;
      if (attempt.chunks !== undefined) attributes["llm_strategy.reply.chunks"] = attempt.chunks;
      if (attempt.timeToFirstTokenMs !== undefined) attributes["llm_strategy.reply.time_to_first_token_ms"] = attempt.timeToFirstTokenMs;
      attributes["llm_strategy.reply.source"] = attempt.source ?? "model";
      attributes["llm_strategy.reply.valid"] = attempt.errors.length === 0;
      if (attempt.errors.length) attributes["llm_strategy.reply.error_count"] = attempt.errors.length;
      if (attempt.failedChecks?.length) attributes["llm_strategy.reply.failed_checks"] = attempt.failedChecks.length;
    }
    if (content) {
      const messages = attempt?.schemaSent ? ask.request.messagesIfSchemaSent : ask.request.messages;
      attributes["gen_ai.input.messages"] = redactKnown(
        JSON.stringify(messages.map((message) => ({ role: message.role, parts: [{ type: "text", content: message.content }] }))),
      );
      if (attempt) {
        attributes["gen_ai.output.messages"] = redactKnown(
          JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: attempt.reply }], finish_reason: attempt.finishReason ?? "stop" }]),
        );
      }
    }
    const span = tracer.startSpan(`chat ${model}`, { kind: SPAN_KIND.CLIENT, startTime: ask.started, attributes }, parentContext(stubSpan));
    if (!attempt) {
      // The request itself failed (network, provider error, abort).
      span.setStatus({ code: STATUS_ERROR });
      span.setAttribute("error.type", info.error?.name ?? "Error");
    }
    span.end(ask.ended ?? now());
  });
}

/** `gen_ai.provider.name` and `gen_ai.request.model` from a model: `openai:gpt-4o-mini` -> openai, gpt-4o-mini. */
function describeModel(model: LanguageModel): { provider: string; model: string } {
  const colon = model.id.indexOf(":");
  const provider = colon > 0 ? model.id.slice(0, colon) : model.id;
  const own = (model as { model?: unknown }).model;
  return { provider: redactKnown(provider), model: redactKnown(typeof own === "string" ? own : colon > 0 ? model.id.slice(colon + 1) : model.id) };
}
