import { linkedController, raceAbort } from "./abort";
import { failedChecks, type CheckInfo } from "./checks";
import { addUsage, redactCallInfo, zeroUsage, type CallInfo } from "./call-info";
import { continueConversation, conversationSpec, currentConversation, recordExchange, type Conversation } from "./conversation";
import { currentScope, currentSettings, type CallScope } from "./config";
import { bindModel, boundModelOf } from "./decorator";
import {
  ConfigurationError,
  LLMAbortError,
  LLMOutputError,
  LLMRefusalError,
  LLMReplyTooLargeError,
  LLMRequestError,
  LLMStrategyError,
  LLMTimeoutError,
  LLMTruncatedError,
  type Attempt,
} from "./errors";
import type { Completion, CompletionRequest, LanguageModel } from "./model";
import { MAX_REPAIRS, scopedValue, specWithHyperparameters } from "./hyperparameters";
import { parseReply, type ParseResult } from "./parse";
import { redactText } from "./redact";
import { collectInput, renderPrompt, repairMessages, type RenderedPrompt } from "./prompt";
import { revive } from "./revive";
import { SPEC_VERSION, type CallSpec, type HelperSpecialisation, type InterfaceSpec } from "./spec";
import { schemaIgnoredReason } from "./ignored-schema";
import { dropNullsForAbsent } from "./strict-schema";
import { AttemptStream } from "./streaming";
import { startStubSpan, type StubSpan } from "./tracing/context";
import { errorMessage } from "./util";
import { judgeReply, replySchemaOf, replyValidator, type Validation } from "./validate";

/**
 * What a compiled stub body calls: `return __llmStrategy.invoke(spec, this, [a, b]);`.
 * Resolves the model, renders the prompt, asks the model, parses, validates, repairs
 * (at most `maxRepairs` times) and revives the typed value. Never returns an invalid value:
 * it rejects with an `LLMStrategyError` instead.
 * @param receiver `this` of the stub (the class for a static stub; `undefined` for functions).
 * @param args The stub's arguments, in parameter order.
 */
export function invoke<T = unknown>(spec: CallSpec, receiver: unknown, args: readonly unknown[]): Promise<T> {
  // Synchronously, before anything awaits: `callSpecialized` set the pending spec just now.
  const effective = takeSpecialisation(spec);
  // Tracing: a span around the call when a trace or OpenTelemetry records; otherwise nothing.
  const span = startStubSpan(effective);
  if (span) return span.run(() => callStub(effective, receiver, args, span)) as Promise<T>;
  return callStub(effective, receiver, args, undefined) as Promise<T>;
}

async function callStub(spec: CallSpec, receiver: unknown, args: readonly unknown[], span: StubSpan | undefined): Promise<unknown> {
  const started = performance.now();
  const scope = currentScope();
  const conversation = currentConversation();
  const info: CallInfo = {
    stub: spec.id,
    hash: spec.hash,
    model: "",
    input: {},
    messages: [],
    attempts: [],
    usage: zeroUsage(),
    durationMs: 0,
    fallbacks: [],
    parseRepaired: false,
    failedChecks: 0,
  };
  if (spec.typeArguments !== undefined) info.typeArguments = spec.typeArguments;
  // In a `batch()`, the batch waits for this call (its next round goes out once every live call waits for a reply).
  scope?.batch?.enter();
  try {
    checkVersion(spec);
    const model = resolveModel(spec, receiver, args, scope, conversation);
    info.model = model.id;
    info.input = collectInput(spec, receiver, args);
    // Hyperparameters may change the prompt (a tuned doc text, `{{hp:name}}` values): a variant with its own hash, same schemas.
    const promptSpec = specWithHyperparameters(spec);
    // In a chat chain, its conversation comes first (and is part of the request's hash).
    const prompt = continueConversation(conversation, renderPrompt(promptSpec, info.input));
    const requestSpec = conversationSpec(conversation, promptSpec);
    info.hash = requestSpec.hash;
    info.messages = prompt.messages;
    const call: StubCall = { spec, requestSpec, model, prompt, info, scope, span, receiver, args };
    info.value = await withCancellation(spec, scope, args, (signal) => completeValid(call, signal));
    recordExchange(conversation, prompt, info);
    return info.value;
  } catch (error) {
    throw (info.error = asStrategyError(error, spec));
  } finally {
    info.durationMs = performance.now() - started;
    redactCallInfo(info);
    span?.end(info);
    report(info, scope);
    scope?.batch?.leave();
  }
}

/** One stub call, as the repair loop works on it. */
interface StubCall {
  spec: CallSpec;
  /** What the requests carry as their spec: `spec`, or its variant for tuned prompts and chat turns (own hash). */
  requestSpec: CallSpec;
  model: LanguageModel;
  prompt: RenderedPrompt;
  /** Filled in as the call goes (attempts, usage, ...). */
  info: CallInfo;
  scope: CallScope | undefined;
  span: StubSpan | undefined;
  /** The stub's receiver and arguments, for its checks. */
  receiver: unknown;
  args: readonly unknown[];
}

/** The repair loop: ask, check, and on failure ask again with ONLY the latest reply and its errors. */
async function completeValid(call: StubCall, signal: AbortSignal | undefined): Promise<unknown> {
  const { spec, requestSpec, model, prompt, info, scope, span, receiver, args } = call;
  const maxRepairs = scope?.maxRepairs ?? tunedMaxRepairs(spec) ?? currentSettings().maxRepairs;
  const maxReplyBytes = scope?.maxReplyBytes ?? currentSettings().maxReplyBytes;
  const replySchema = replySchemaOf(spec);
  // Compiled before the first request: a schema that cannot compile must not cost a model call.
  replyValidator(spec);
  // Partial hooks in the scope (`streamed()`, `onPartial`): each attempt streams.
  const partialHooks = scope?.partialHooks.length ? scope.partialHooks : undefined;
  let messages = prompt.messages;
  let messagesIfSchemaSent = prompt.messagesIfSchemaSent;
  /** Why the last reply showed that the schema sent with it was not enforced; `typesInRepairs`: since then, every repair carries the output types. */
  let schemaIgnored: CompletionRequest["schemaIgnored"];
  let typesInRepairs = false;
  for (let attempt = 1; ; attempt++) {
    // The caller has already been answered with the abort; a model that ignored it gets no repair request.
    signal?.throwIfAborted();
    const request: CompletionRequest = { spec: requestSpec, input: info.input, messages, messagesIfSchemaSent, replySchema, attempt };
    if (signal) request.signal = signal;
    if (schemaIgnored !== undefined) request.schemaIgnored = schemaIgnored;
    const stream = partialHooks && new AttemptStream(spec, attempt, partialHooks, maxReplyBytes, signal);
    if (stream) {
      // The attempt's own signal: a reply streaming past maxReplyBytes closes its connection.
      request.signal = stream.signal;
      request.onText = stream.onText;
    }
    span?.asking(model, request);
    const completion = replyOf(model, request, stream ? await askStreaming(spec, model, request, stream, info, maxReplyBytes, scope) : await askModel(model, request, scope));
    span?.answered();
    const replyBytes = byteLengthOver(completion.text, maxReplyBytes);
    const record = recordAttempt(info, completion, replyBytes === undefined ? completion.text : excerptOfReply(completion.text));
    if (stream) noteStream(record, stream, completion, model, info);
    if (replyBytes !== undefined) throw replyTooLarge(spec, info, replyBytes, maxReplyBytes);
    stopUnlessUsable(spec, completion, info);

    const pending = checkReply(spec, completion, signal);
    const checked = pending instanceof Promise ? await pending : pending;
    record.parseRepairs = checked.parseRepairs;
    if (checked.parseRepairs.length) info.parseRepaired = true;
    stream?.finish(checked.ok, checked.ok ? checked.value : undefined);
    let failedReply: string;
    if (checked.ok) {
      const value = spec.wrapper ? (checked.value as Record<string, unknown>)[spec.wrapper] : checked.value;
      const checks = spec.checks?.length || scope?.checkHooks.length;
      // Sent back as the model wrote it should a check fail: revival and checks may change the value.
      const replyJson = checks ? JSON.stringify(checked.value) : "";
      // A large reply's synchronous steps (revival, then the trace's copy of the value when the
      // span ends) each get a turn of the event loop of their own, so timers run between them.
      if (isLarge(completion.text)) await nextTurn(signal);
      const revived = revive(spec, value);
      const failed = checks ? await failedChecks(spec, revived, receiver, scope?.checkHooks ?? [], { ...checkInfo(spec, info, args), attempt }) : [];
      if (failed.length === 0) {
        if (completion.onAccepted) notifyAccepted(completion.onAccepted, spec);
        if (isLarge(completion.text)) await nextTurn(signal);
        return revived;
      }
      record.errors = record.failedChecks = failed;
      info.failedChecks += failed.length;
      failedReply = replyJson;
      schemaIgnored = undefined;
    } else {
      record.errors = checked.errors;
      // A reply that parsed goes back re-serialised compactly: same content, fewer tokens than pretty-printed JSON.
      // (Not one nested too deep: JSON.stringify would recurse as deep.)
      failedReply = checked.parsed === undefined || checked.tooDeep ? completion.text : JSON.stringify(checked.parsed);
      // An endpoint that took the schema and ignored it never showed the model the output types: from now on the repairs carry them.
      const ignored = completion.schemaSent ? schemaIgnoredReason(replySchema, checked.parsed, checked.parsed !== undefined) : undefined;
      schemaIgnored =
        ignored === undefined
          ? undefined
          : { reason: `${model.id} was sent the reply schema, but ${ignored}: the endpoint did not enforce it.`, ...(completion.mode !== undefined ? { mode: completion.mode } : {}) };
      if (schemaIgnored !== undefined) typesInRepairs = true;
    }
    if (attempt > maxRepairs) throw outputError(spec, info, maxRepairs);
    messages = repairMessages(prompt.messages, failedReply, record.errors);
    messagesIfSchemaSent = typesInRepairs ? messages : repairMessages(prompt.messagesIfSchemaSent, failedReply, record.errors);
  }
}

/** What a check hook learns about the call (the attempt is added per reply). */
function checkInfo(spec: CallSpec, info: CallInfo, args: readonly unknown[]): Omit<CheckInfo, "attempt"> {
  return { stub: spec.id, ...(spec.typeArguments !== undefined ? { typeArguments: spec.typeArguments } : {}), input: info.input, args };
}

/** `llm-strategy.maxRepairs` where a `withHyperparameters` scope sets it (an optimizer tuning it). */
function tunedMaxRepairs(spec: CallSpec): number | undefined {
  const value = scopedValue(MAX_REPAIRS);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`${spec.id}: the hyperparameter llm-strategy.maxRepairs must be a whole number >= 0, got ${value}.`, { stub: spec.id });
  }
  return value;
}

type Checked =
  | { ok: true; value: unknown; parseRepairs: string[] }
  /** `parsed`: the reply's JSON when it parsed but did not validate; `tooDeep`: it nests too deep to walk recursively. */
  | { ok: false; errors: string[]; parseRepairs: string[]; parsed?: unknown; tooDeep?: boolean };

/**
 * Parse leniently, map strict-mode nulls back to absent, validate. A large reply is judged in
 * slices with the event loop running between them (then the result is a promise).
 */
function checkReply(spec: CallSpec, completion: Completion, signal: AbortSignal | undefined): Checked | Promise<Checked> {
  const parsed = parseReply(completion.text);
  if (!parsed.ok) return { ok: false, errors: [parsed.failure], parseRepairs: [] };
  // After parsing a large reply (one synchronous step), the event loop gets a turn first.
  return isLarge(completion.text) ? nextTurn(signal).then(() => judgeParsed(spec, completion, parsed, signal)) : judgeParsed(spec, completion, parsed, signal);
}

type Parsed = Extract<ParseResult, { ok: true }>;

function judgeParsed(spec: CallSpec, completion: Completion, parsed: Parsed, signal: AbortSignal | undefined): Checked | Promise<Checked> {
  // A reply without a single null has nothing to map (a string scan is cheaper than the walk).
  if (completion.nullMeansAbsent && completion.text.includes("null")) dropNullsForAbsent(parsed.value, replySchemaOf(spec));
  const validation = judgeReply(spec, parsed.value, signal, completion.text.length);
  return validation instanceof Promise ? validation.then((settled) => verdict(parsed, settled)) : verdict(parsed, validation);
}

function verdict(parsed: Parsed, validation: Validation): Checked {
  return validation.ok
    ? { ok: true, value: parsed.value, parseRepairs: parsed.repairs }
    : { ok: false, errors: validation.errors, parseRepairs: parsed.repairs, parsed: parsed.value, tooDeep: validation.tooDeep === true };
}

/** Replies longer than this (256 Ki characters) are judged and revived with turns of the event loop between the steps. */
const LARGE_REPLY_CHARS = 256 * 1024;

function isLarge(text: string): boolean {
  return text.length > LARGE_REPLY_CHARS;
}

/** Resolves after the event loop has run its timers and I/O once; rejects when the call was aborted meanwhile. */
async function nextTurn(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal?.throwIfAborted();
}

/**
 * One streamed request: settles as soon as the attempt's signal aborts (a model that ignores it
 * is not waited for). A reply that went over `maxReplyBytes` while streaming is recorded with
 * the start of its text and fails the call.
 */
async function askStreaming(
  spec: CallSpec,
  model: LanguageModel,
  request: CompletionRequest,
  stream: AttemptStream,
  info: CallInfo,
  maxReplyBytes: number,
  scope: CallScope | undefined,
): Promise<Completion> {
  try {
    return await raceAbort(askModel(model, request, scope), stream.signal);
  } catch (error) {
    stream.close();
    if (!stream.overLimit) throw error;
    const record = recordAttempt(info, { text: "" }, `${stream.head}… [cut: the stream was closed after ${stream.chars} characters]`);
    record.chunks = stream.chunks;
    if (stream.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = stream.timeToFirstTokenMs;
    throw replyTooLarge(spec, info, stream.bytes, maxReplyBytes);
  }
}

/**
 * Streaming facts of an attempt. A model that never called `onText` (it cannot stream) is a
 * fallback of the call; a cache hit is not (it has the whole reply at once by design).
 */
function noteStream(record: Attempt, stream: AttemptStream, completion: Completion, model: LanguageModel, info: CallInfo): void {
  stream.close();
  record.chunks = stream.chunks;
  if (stream.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = stream.timeToFirstTokenMs;
  if (stream.chunks === 0 && completion.source !== "cache" && !info.fallbacks.some((fallback) => fallback.from === "stream")) {
    info.fallbacks.push({ from: "stream", to: "whole reply", reason: `The model ${model.id} does not stream (it never called request.onText): one final partial.` });
  }
}

/** The model's promise itself (no async layer around it); `replyOf` checks what it settles with. */
function askModel(model: LanguageModel, request: CompletionRequest, scope: CallScope | undefined): Promise<Completion> {
  const batch = scope?.batch;
  // A model that offers batching (or wraps one) hands the request to the batch itself, below its wrappers (a cache hit is not sent).
  return batch && !offersBatching(model) ? batch.direct(model, request) : model.complete(request);
}

/** A model's answer, when it holds a reply text (a custom model may settle with anything). */
function replyOf(model: LanguageModel, request: CompletionRequest, completion: Completion): Completion {
  if (!completion || typeof completion.text !== "string") {
    throw new LLMRequestError(`The model ${model.id} returned no reply text for ${request.spec.id}.`, { retryable: false, stub: request.spec.id });
  }
  return completion;
}

/** Whether `model`, or a model it wraps (`cached()`, `recording()`: `inner`), answers through a provider's batch API. */
function offersBatching(model: LanguageModel): boolean {
  for (let current: LanguageModel | undefined = model; current; current = (current as { inner?: LanguageModel }).inner) {
    if (current.batching) return true;
  }
  return false;
}

function recordAttempt(info: CallInfo, completion: Completion, reply: string): Attempt {
  const attempt: Attempt = { reply, errors: [], parseRepairs: [] };
  if (completion.batch) attempt.batch = info.batch = completion.batch;
  if (completion.usage) attempt.usage = completion.usage;
  if (completion.finishReason !== undefined) attempt.finishReason = completion.finishReason;
  if (completion.mode !== undefined) attempt.mode = info.mode = completion.mode;
  if (completion.schemaSent) attempt.schemaSent = true;
  if (completion.fallbacks) info.fallbacks.push(...completion.fallbacks);
  if (completion.source !== undefined) attempt.source = completion.source;
  addUsage(info.usage, completion.usage);
  info.attempts.push(attempt);
  return attempt;
}

/**
 * Tells the model (e.g. `cached()`) that its reply was accepted. The reply is valid and the
 * caller gets it whatever happens here: a failing hook (a full disk) is a warning, not an error.
 */
function notifyAccepted(onAccepted: () => void, spec: CallSpec): void {
  try {
    onAccepted();
  } catch (error) {
    process.emitWarning(redactText(`${spec.id}: storing the accepted reply failed: ${errorMessage(error)}`), {
      code: "LLM_STRATEGY_ACCEPT_HOOK_FAILED",
    });
  }
}

/** A cut-off or refused reply is not repaired: asking again the same way would fail the same way. */
function stopUnlessUsable(spec: CallSpec, completion: Completion, info: CallInfo): void {
  if (completion.finishReason === "length") {
    throw new LLMTruncatedError(
      `${spec.id}: the model's reply was cut off by its token limit (finish_reason "length") after ` +
        `${completion.usage?.completionTokens ?? "?"} tokens. Raise the model's maxTokens, or ask for less (fewer items, shorter texts).`,
      stopDetails(spec, info),
    );
  }
  if (completion.refusal || completion.finishReason === "content_filter") {
    const reason = completion.refusal ? "refusal" : "content_filter";
    const details = stopDetails(spec, info);
    throw new LLMRefusalError(
      reason === "refusal"
        ? `${spec.id}: the model refused to answer: "${completion.refusal}".`
        : `${spec.id}: the provider's content filter stopped the reply (finish_reason "content_filter").`,
      completion.refusal ? { ...details, reason, refusal: completion.refusal } : { ...details, reason },
    );
  }
}

/** Made only when a call stops (not on every reply). */
function stopDetails(spec: CallSpec, info: CallInfo) {
  return { attempts: info.attempts, usage: info.usage, stub: spec.id };
}

/**
 * The reply's size in UTF-8 bytes when it is over `max`; undefined when it is not. Counting
 * bytes is skipped when the length alone decides (a character is 1 to 3 bytes per UTF-16 unit).
 */
function byteLengthOver(text: string, max: number): number | undefined {
  if (text.length * 3 <= max) return undefined;
  const bytes = Buffer.byteLength(text);
  return bytes > max ? bytes : undefined;
}

/** What an attempt keeps of a reply over the size limit: enough to see what it was. */
function excerptOfReply(text: string): string {
  return `${text.slice(0, 1000)}… [cut: ${text.length} characters in all]`;
}

function replyTooLarge(spec: CallSpec, info: CallInfo, replyBytes: number, maxReplyBytes: number): LLMReplyTooLargeError {
  return new LLMReplyTooLargeError(
    `${spec.id}: the model's reply is ${replyBytes} bytes, over the limit of ${maxReplyBytes} bytes (maxReplyBytes), so it was not parsed. ` +
      `Ask for less (fewer items, shorter texts), or raise the limit: withCallOptions({ maxReplyBytes }) or configure({ maxReplyBytes }).`,
    { attempts: info.attempts, usage: info.usage, stub: spec.id, replyBytes, maxReplyBytes },
  );
}

function outputError(spec: CallSpec, info: CallInfo, maxRepairs: number): LLMOutputError {
  const last = info.attempts[info.attempts.length - 1]!;
  const failedChecks = last.failedChecks ?? [];
  return new LLMOutputError(
    `${spec.id}: the model's reply was still invalid after ${info.attempts.length} attempts (maxRepairs ${maxRepairs}). ` +
      `Last errors:\n${last.errors.map((error) => `- ${error}`).join("\n")}\n` +
      `Every attempt's reply is in error.attempts. A stronger model, clearer JSDoc on the types, or a higher maxRepairs may help.`,
    { attempts: info.attempts, usage: info.usage, stub: spec.id, failedChecks },
  );
}

/**
 * Runs the call under its cancellation sources: the scope's signal, `AbortSignal` arguments
 * (parameters of role `signal`) and the timeout. Rejects as soon as one fires.
 */
function withCancellation<T>(
  spec: CallSpec,
  scope: CallScope | undefined,
  args: readonly unknown[],
  run: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  let sources: AbortSignal[] | undefined = scope?.signal ? [scope.signal] : undefined;
  const params = spec.params;
  for (let index = 0; index < params.length; index++) {
    const arg = args[index];
    if (params[index]!.role === "signal" && arg instanceof AbortSignal) (sources ??= []).push(arg);
  }
  const timeoutMs = scope?.timeoutMs ?? (scope?.batch ? undefined : currentSettings().timeoutMs);
  // Nothing can cancel the call: the run's own promise, without a layer of ours around it.
  if (!sources && timeoutMs === undefined) return run(undefined);
  return runCancellable(spec, sources ?? [], timeoutMs, run);
}

async function runCancellable<T>(spec: CallSpec, sources: AbortSignal[], timeoutMs: number | undefined, run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const timedOut = new AbortController();
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => timedOut.abort(), timeoutMs);
  const linked = linkedController(timeoutMs === undefined ? sources : [...sources, timedOut.signal]);
  try {
    return await raceAbort(run(linked.controller.signal), linked.controller.signal);
  } catch (error) {
    if (timedOut.signal.aborted) {
      throw new LLMTimeoutError(`${spec.id}: no valid reply within the call's timeout of ${timeoutMs} ms (timeoutMs).`, {
        timeoutMs: timeoutMs!,
        stub: spec.id,
        cause: error,
      });
    }
    if (linked.controller.signal.aborted) {
      throw new LLMAbortError(`${spec.id}: the call was aborted by its AbortSignal.`, { cause: linked.controller.signal.reason, stub: spec.id });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}

function asStrategyError(error: unknown, spec: CallSpec): LLMStrategyError {
  if (error instanceof LLMStrategyError) {
    error.stub ??= spec.id;
    return error;
  }
  const message = errorMessage(error);
  return new LLMRequestError(`${spec.id}: the model failed: ${message}`, { retryable: false, cause: error, stub: spec.id });
}

function report(info: CallInfo, scope: CallScope | undefined): void {
  const hooks = scope?.hooks;
  const global = currentSettings().onCall;
  if (!global && !hooks?.length) return;
  for (const hook of global ? [global, ...(hooks ?? [])] : hooks!) {
    try {
      hook(info);
    } catch (error) {
      process.emitWarning(redactText(`An llm-strategy onCall hook threw: ${errorMessage(error)}`), {
        code: "LLM_STRATEGY_HOOK_FAILED",
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Model resolution

/**
 * First match wins: an explicit `LanguageModel` argument; the model of the chat chain the call
 * continues; the scope's model (`withCallOptions({ model })`, for tests); the model bound by `@llmStrategy` to the receiver's class or the nearest decorated class up
 * its prototype chain (or to an `implement<I>()` object); the default from `configure({ model })`.
 */
function resolveModel(
  spec: CallSpec,
  receiver: unknown,
  args: readonly unknown[],
  scope: CallScope | undefined,
  conversation: Conversation | undefined,
): LanguageModel {
  const explicitIndex = spec.params.findIndex((param) => param.role === "model");
  if (explicitIndex >= 0) {
    const explicit = args[explicitIndex];
    if (isLanguageModel(explicit)) return explicit;
    if (explicit !== undefined && explicit !== null) {
      throw new ConfigurationError(
        `${spec.id}: its parameter "${spec.params[explicitIndex]!.name}" must be a LanguageModel (an object with id, options and complete()), got ${typeof explicit}.`,
        { stub: spec.id },
      );
    }
  }
  const model = conversation?.model ?? scope?.model ?? boundModelOf(receiver) ?? currentSettings().model;
  if (model) return model;
  throw new ConfigurationError(
    `No language model for ${spec.id}. Give it one in any of three ways: ` +
      `pass a model as an explicit first argument (declare the stub's first parameter as \`model: LanguageModel\`); ` +
      `decorate its class, or the subclass it is called on, with @llmStrategy(openAI({ ... })); ` +
      `or set a default for all stubs with configure({ model: openAI({ ... }) }).`,
    { stub: spec.id },
  );
}

function isLanguageModel(value: unknown): value is LanguageModel {
  return typeof value === "object" && value !== null && typeof (value as LanguageModel).complete === "function";
}

function checkVersion(spec: { id: string; version: number }): void {
  if (spec.version !== SPEC_VERSION) {
    throw new ConfigurationError(
      `${spec.id} was compiled for llm-strategy spec version ${spec.version}, but this runtime reads version ${SPEC_VERSION}. ` +
        `Rebuild the project with tspc from clean (delete the build output and any .tsbuildinfo), so the code is compiled by the transformer of the installed llm-strategy.`,
      { stub: spec.id },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Generic stubs: call-site specialisations

/** The specialisation set by `callSpecialized` for a declaration id, until its stub body (or helper entry) reads it. */
const pendingSpecialisations = new Map<string, CallSpec | HelperSpecialisation>();
const warnedFallbacks = new Set<string>();

/**
 * What a compiled call site of a generic stub or generic helper calls: makes the stub use
 * `spec` (the schemas of this call's type arguments), or the helper use `spec`'s table, for
 * exactly this call. The stub body's `invoke` and the helper's `helperTypes` run synchronously
 * inside `fn.apply`, so the pending spec cannot leak to another call. Without a spec (a helper
 * called with no table of its own) the call is made as written.
 * @param fn The callee as found on the receiver (so overrides and bound models still apply).
 */
export function callSpecialized<R>(
  spec: CallSpec | HelperSpecialisation | undefined,
  receiver: unknown,
  fn: (...args: never[]) => R,
  args: readonly unknown[],
): R {
  return withPending(spec, () => (fn as (...args: unknown[]) => R).apply(receiver, args as unknown[]));
}

/**
 * What a compiled `new Box<Card>(...)` calls when `Box`'s constructor is a generic helper (it
 * calls generic stubs with the class's type parameters): constructs with `spec`'s table pending
 * for exactly this construction, as `callSpecialized` does for a call. `new.target` is
 * `constructor`, as with `new`.
 */
export function constructSpecialized<T>(spec: HelperSpecialisation | undefined, constructor: new (...args: never[]) => T, args: readonly unknown[]): T {
  return withPending(spec, () => Reflect.construct(constructor, args as unknown[]) as T);
}

/** Runs `run` with `spec` pending for its id (none: as is); the id's earlier pending spec is restored after. */
function withPending<R>(spec: CallSpec | HelperSpecialisation | undefined, run: () => R): R {
  if (!spec) return run();
  const previous = pendingSpecialisations.get(spec.id);
  pendingSpecialisations.set(spec.id, spec);
  try {
    return run();
  } finally {
    if (previous) pendingSpecialisations.set(spec.id, previous);
    else pendingSpecialisations.delete(spec.id);
  }
}

/** The table of a helper called without type arguments of its own: every dependent call falls back to its stub's constraints. */
const UNRESOLVED: HelperSpecialisation = Object.freeze({ version: SPEC_VERSION, kind: "helper", id: "", typeArguments: "constraints", calls: Object.freeze({}) });

/**
 * What a compiled generic helper runs first: `const __llmStrategyTypes = __llmStrategy.helperTypes("src/x.ts:3 optimise");`.
 * Returns the table its caller passed through `callSpecialized`. A call that passed none (a
 * JavaScript caller, a call through a function value) gets an empty table, so the stubs it
 * calls use their type parameters' constraints, and a warning (once per helper).
 * @param id The helper's id, as in its tables.
 */
export function helperTypes(id: string): HelperSpecialisation {
  const pending = pendingSpecialisations.get(id);
  if (pending && "calls" in pending) {
    pendingSpecialisations.delete(id);
    checkVersion(pending);
    return pending;
  }
  if (!warnedFallbacks.has(id)) {
    warnedFallbacks.add(id);
    process.emitWarning(
      `${id} is a generic helper (it calls generic stubs with its own type parameters), but this call of it was not compiled ` +
        `by the llm-strategy transformer with known type arguments (a JavaScript caller, a call through a function value, or a subclass's super() call), ` +
        `so the stubs it calls use their type parameters' constraints. Call it directly from TypeScript built with the ` +
        `transformer. (Said once per helper.)`,
      { code: "LLM_STRATEGY_GENERIC_FALLBACK" },
    );
  }
  return UNRESOLVED;
}

function takeSpecialisation(declared: CallSpec): CallSpec {
  if (pendingSpecialisations.size) {
    const specialised = pendingSpecialisations.get(declared.id);
    if (specialised && !("calls" in specialised)) {
      pendingSpecialisations.delete(declared.id);
      return specialised;
    }
  }
  if (declared.typeArguments === "constraints" && !warnedFallbacks.has(declared.id)) {
    warnedFallbacks.add(declared.id);
    process.emitWarning(
      `${declared.id} is generic, but this call of it was not compiled by the llm-strategy transformer (a JavaScript caller, ` +
        `or a call shape it does not rewrite), so its schemas use the type parameters' constraints instead of the call's ` +
        `type arguments. Build the calling file with tspc to specialise the call. (Said once per stub.)`,
      { code: "LLM_STRATEGY_GENERIC_FALLBACK" },
    );
  }
  return declared;
}

// ---------------------------------------------------------------------------------------------
// Interfaces

/**
 * What `implement<I>(model?)` compiles to: an object whose every method of `I` is a stub.
 * Methods work detached (`const { find } = impl`), since they do not depend on `this`.
 * @param model The model for every method; default: resolution as for any stub (`configure`).
 */
export function implementInterface<I = Record<string, (...args: unknown[]) => Promise<unknown>>>(
  spec: InterfaceSpec,
  model?: LanguageModel,
): I {
  checkVersion(spec);
  const implementation: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(spec.methods)) {
    const methodSpec = spec.methods[name]!;
    implementation[name] = (...args: unknown[]) => invoke(methodSpec, implementation, args);
  }
  if (model) bindModel(implementation, model);
  return implementation as I;
}
