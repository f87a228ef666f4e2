import { howToCompile } from "./build-route";
import type { BatchOrigin, ReplySource, Usage } from "./model";
import { redactText, scrubError } from "./redact";

/**
 * Base class of every error the runtime throws, so
 * `catch (e) { if (e instanceof LLMStrategyError) ... }` catches them all.
 * `stub` names the stub call that failed (its spec id) when there was one.
 * Messages and causes never hold secrets: known secret values (API keys, URL credentials),
 * URL credentials and key-like query parameters are replaced by `[redacted]`.
 */
export class LLMStrategyError extends Error {
  override name = "LLMStrategyError";
  /** Spec id of the stub whose call failed, e.g. `src/customer.ts:12 Customer.age`. */
  stub?: string;
  constructor(message: string, options?: { cause?: unknown; stub?: string }) {
    super(redactText(message), options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.cause !== undefined) scrubError(options.cause);
    if (options?.stub !== undefined) this.stub = options.stub;
  }
}

/** The runtime is set up wrongly: no model for a stub, a spec from another version, bad options. */
export class ConfigurationError extends LLMStrategyError {
  override name = "ConfigurationError";
}

/**
 * The string each of the runtime's `stub` and `implement` passes to `StubNotCompiledError`, written
 * as a literal in that function's body: bundlers and minifiers keep string literals where they
 * are, so `llm-strategy check` recognises those two functions in a bundle by them.
 */
export const UNCOMPILED_MARKERS = { "llm-strategy:stub": "stub", "llm-strategy:implement": "implement" } as const;

/** A key of `UNCOMPILED_MARKERS`. */
export type UncompiledMarker = keyof typeof UNCOMPILED_MARKERS;

/** Which runtime function ran uncompiled: `stub` or `implement`. */
export type UncompiledCall = (typeof UNCOMPILED_MARKERS)[UncompiledMarker];

/** How messages name that function: `stub()` or `implement<I>()`. */
export function uncompiledCallName(called: UncompiledCall): string {
  return called === "stub" ? "stub()" : "implement<I>()";
}

/**
 * A `stub()` body ran: the file was compiled without the llm-strategy transformer, so the
 * stub was never rewritten into a model call. The message names the way to add the
 * transformer that fits the setup the error happened in (vitest, jest, TypeScript 7, tspc).
 */
export class StubNotCompiledError extends LLMStrategyError {
  override name = "StubNotCompiledError";
  /** Which runtime function ran: `stub()` or `implement<I>()`. */
  readonly called: UncompiledCall;
  constructor(
    /** The stub that ran, as far as the call stack tells (e.g. `Customer.age (src/customer.ts:12)`). */
    readonly where: string,
    /** Which runtime function threw, by its marker; default: `stub`'s. */
    marker: UncompiledMarker = "llm-strategy:stub",
  ) {
    const called = UNCOMPILED_MARKERS[marker];
    super(
      `${where} was not compiled by the llm-strategy transformer, so its \`${uncompiledCallName(called)}\` ran instead of calling a model. ` +
        `${howToCompile()} \`npx llm-strategy check <output folder>\` lists every stub a build left uncompiled.`,
      { stub: where },
    );
    this.called = called;
  }
}

/**
 * The request to the model failed: the provider answered with an error status, or the
 * network did. `retryable` says whether trying again later may help (429, 5xx, connection
 * errors); those were already retried with backoff before this error was thrown.
 */
export class LLMRequestError extends LLMStrategyError {
  override name = "LLMRequestError";
  /** HTTP status from the provider; absent for network errors. */
  readonly status?: number;
  readonly retryable: boolean;
  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown; stub?: string }) {
    super(message, options);
    if (options.status !== undefined) this.status = options.status;
    this.retryable = options.retryable;
  }
}

/** The stub call (or one request of it) took longer than its timeout. */
export class LLMTimeoutError extends LLMRequestError {
  override name = "LLMTimeoutError";
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs?: number;
  constructor(message: string, options: { timeoutMs?: number; cause?: unknown; stub?: string }) {
    super(message, { ...options, retryable: true });
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs;
  }
}

/**
 * A request of a `batch()` failed at the provider's batch API: the whole batch failed, expired
 * (`code: "batch_expired"`) or was cancelled, its line came back with an error, or the Files or
 * Batches endpoint answered with an error. `status` is the line's or endpoint's HTTP status.
 */
export class LLMBatchError extends LLMRequestError {
  override name = "LLMBatchError";
  /** The provider's batch id, when a batch was created. */
  readonly batchId?: string;
  /** The provider's error code, e.g. `batch_expired`, `batch_failed`, `batch_cancelled`, `rate_limit_exceeded`. */
  readonly code?: string;
  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown; stub?: string; batchId?: string; code?: string }) {
    super(message, options);
    if (options.batchId !== undefined) this.batchId = options.batchId;
    if (options.code !== undefined) this.code = options.code;
  }
}

/** The caller's `AbortSignal` cancelled the stub call. `cause` is the signal's reason. */
export class LLMAbortError extends LLMStrategyError {
  override name = "LLMAbortError";
}

/** One request/reply round of a stub call, as kept by `LLMOutputError` and `CallInfo`. */
export interface Attempt {
  /**
   * The reply exactly as the model sent it (for tool calls: the arguments text); only its first
   * 1,000 characters when it was over `maxReplyBytes` (`LLMReplyTooLargeError`).
   */
  reply: string;
  /** Why the reply was rejected, in the words sent back to the model; empty when it was accepted. */
  errors: string[];
  /** Lenient-parsing repairs applied before validation (e.g. `"code fence"`, `"jsonrepair"`). */
  parseRepairs: string[];
  /**
   * The reply passed the schema but not every check (`@check`s, `withCallOptions({ check })`):
   * what failed, as in `errors` (which then holds exactly these). Absent when no check failed.
   */
  failedChecks?: string[];
  usage?: Usage;
  /** Why the model stopped, as the provider said (`"stop"`, `"length"`, ...). */
  finishReason?: string;
  /** How the model was asked (provider-specific, e.g. `"structured"`), when the model says. */
  mode?: string;
  /** The request gave the model the reply schema through the provider (`Completion.schemaSent`), so it was sent the prompt without output types. */
  schemaSent?: boolean;
  /** `"cache"` or `"replay"` when no request was made for this reply (`Completion.source`); absent: the model answered. */
  source?: ReplySource;
  /** Streamed calls: how many pieces of text the reply came in (0 when the model could not stream). */
  chunks?: number;
  /** Streamed calls: milliseconds from the request to the reply's first piece of text. */
  timeToFirstTokenMs?: number;
  /** In a `batch()`: the provider's batch job that answered this attempt, and the batch round (1, then 2 for first repairs, ...). */
  batch?: BatchOrigin;
}

/**
 * The model's replies could not be used: still invalid after `maxRepairs` repairs (this
 * class), or cut off / refused (the subclasses). Carries every attempt's raw reply and errors.
 */
export class LLMOutputError extends LLMStrategyError {
  override name = "LLMOutputError";
  readonly attempts: Attempt[];
  /** Tokens used across all attempts. */
  readonly usage: Usage;
  /**
   * The checks the last reply failed (`@check`s and `withCallOptions({ check })`), in the words
   * sent to the model; empty when it failed the schema instead, or was cut off or refused.
   */
  readonly failedChecks: string[];
  constructor(message: string, options: { attempts: Attempt[]; usage: Usage; stub?: string; cause?: unknown; failedChecks?: string[] }) {
    super(message, options);
    this.attempts = options.attempts;
    this.usage = options.usage;
    this.failedChecks = options.failedChecks ?? [];
  }
}

/**
 * The reply was cut off by the token limit (`finish_reason: "length"`). Not repaired: the
 * same limit would cut the next reply too. Raise `maxTokens` or ask for less.
 */
export class LLMTruncatedError extends LLMOutputError {
  override name = "LLMTruncatedError";
}

/**
 * The reply was larger than `maxReplyBytes` (default 4 MiB), so it was neither parsed nor
 * repaired: a model that sends that much was asked for too much, or is looping. The attempt
 * keeps the reply's first 1,000 characters. Ask for less, or raise `maxReplyBytes`
 * (`configure` or `withCallOptions`).
 */
export class LLMReplyTooLargeError extends LLMOutputError {
  override name = "LLMReplyTooLargeError";
  /** Size of the reply received, in bytes (UTF-8). */
  readonly replyBytes: number;
  /** The limit it broke, in bytes. */
  readonly maxReplyBytes: number;
  constructor(message: string, options: { attempts: Attempt[]; usage: Usage; stub?: string; replyBytes: number; maxReplyBytes: number }) {
    super(message, options);
    this.replyBytes = options.replyBytes;
    this.maxReplyBytes = options.maxReplyBytes;
  }
}

/** The model refused to answer, or the provider's content filter stopped the reply. */
export class LLMRefusalError extends LLMOutputError {
  override name = "LLMRefusalError";
  /** `"refusal"` (the model said no; `refusal` holds its words) or `"content_filter"`. */
  readonly reason: "refusal" | "content_filter";
  readonly refusal?: string;
  constructor(
    message: string,
    options: { attempts: Attempt[]; usage: Usage; stub?: string; reason: "refusal" | "content_filter"; refusal?: string },
  ) {
    super(message, options);
    this.reason = options.reason;
    if (options.refusal !== undefined) this.refusal = options.refusal;
  }
}
