import { AsyncLocalStorage } from "node:async_hooks";
import { linkedController } from "./abort";
import type { BatchRun } from "./batch/run";
import type { CallHook } from "./call-info";
import type { CheckHook } from "./checks";
import { ConfigurationError } from "./errors";
import type { LanguageModel } from "./model";
import type { PartialHook } from "./streaming";
import { isThenable } from "./util";

/** Process-wide settings, set with `configure`. */
export interface RuntimeSettings {
  /** The model for stubs that get none from an explicit argument or `@llmStrategy(model)`. Default: none. */
  model?: LanguageModel;
  /** How many times an invalid reply is sent back to the model with its errors. Default 2 (3 attempts in all). */
  maxRepairs: number;
  /** Deadline for each stub call (all its requests and repairs), in milliseconds. Default: none. */
  timeoutMs?: number;
  /**
   * Largest reply accepted, in bytes (UTF-8), checked before the reply is parsed; a larger one
   * fails the call with `LLMReplyTooLargeError` (not repaired). Default `DEFAULT_MAX_REPLY_BYTES`, 4 MiB.
   */
  maxReplyBytes: number;
  /** Called with the `CallInfo` of every finished stub call. */
  onCall?: CallHook;
}

/** The default of `maxReplyBytes`: 4 MiB (4,194,304 bytes), far above any structured reply a model writes in one go. */
export const DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024;

const DEFAULT_SETTINGS: RuntimeSettings = { maxRepairs: 2, maxReplyBytes: DEFAULT_MAX_REPLY_BYTES };
let settings: RuntimeSettings = { ...DEFAULT_SETTINGS };

/**
 * Sets process-wide defaults; keys you pass replace the current value (pass `model: undefined`
 * to clear one). Returns the settings in force before, so a test can restore them:
 * `const before = configure({ model }); ... configure(before);`
 */
export function configure(options: Partial<RuntimeSettings>): RuntimeSettings {
  if (options.maxRepairs !== undefined) checkMaxRepairs(options.maxRepairs, "configure");
  if (options.timeoutMs !== undefined) checkTimeout(options.timeoutMs, "configure");
  if (options.maxReplyBytes !== undefined) checkMaxReplyBytes(options.maxReplyBytes, "configure");
  const before = settings;
  settings = { ...settings, ...options };
  if (settings.maxRepairs === undefined) settings.maxRepairs = DEFAULT_SETTINGS.maxRepairs;
  if (settings.maxReplyBytes === undefined) settings.maxReplyBytes = DEFAULT_SETTINGS.maxReplyBytes;
  return before;
}

/** The settings `configure` set. */
export function currentSettings(): Readonly<RuntimeSettings> {
  return settings;
}

/** Options for the stub calls made inside one `withCallOptions` scope. */
export interface CallOptions {
  /** Cancels every stub call in the scope (`LLMAbortError`). Combined with enclosing scopes' signals. */
  signal?: AbortSignal;
  /** Deadline for each stub call in the scope, in milliseconds (`LLMTimeoutError`). Overrides `configure`. */
  timeoutMs?: number;
  /** Overrides `configure({ maxRepairs })` in the scope. */
  maxRepairs?: number;
  /** Largest reply accepted, in bytes (`LLMReplyTooLargeError` beyond). Overrides `configure({ maxReplyBytes })`, default 4 MiB. */
  maxReplyBytes?: number;
  /**
   * The model for every stub call in the scope, instead of the one from `@llmStrategy(model)`
   * or `configure` (an explicit `LanguageModel` argument still wins). Meant for tests:
   * `withCallOptions({ model: scriptedModel([...]) }, () => customer.age)`.
   */
  model?: LanguageModel;
  /** Called with the `CallInfo` of each stub call finished in the scope (after `configure`'s hook). */
  onCall?: CallHook;
  /**
   * Streams every stub call in the scope: called with each call's value so far, plain data
   * growing as the reply arrives, and which stub and attempt it belongs to (see `PartialHook`;
   * `streamed()` is the same for one call, as an async iterable). Default: none (no streaming).
   */
  onPartial?: PartialHook;
  /**
   * A check in code for every stub call in the scope, run after the stub's own `@check`s on each
   * reply that passed the schema (revived, as the stub returns it): returns what is wrong (an
   * empty array when nothing is), which goes back to the model like a failed `@check`. Scopes'
   * hooks add up. Default: none.
   */
  check?: CheckHook;
}

/** The merged options of all enclosing scopes. */
export interface CallScope {
  /** Aborts when the signal of this scope or of any enclosing scope does. */
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRepairs?: number;
  maxReplyBytes?: number;
  model?: LanguageModel;
  hooks: CallHook[];
  /** Partial hooks of this scope and the enclosing ones; empty: the calls do not stream. */
  partialHooks: PartialHook[];
  /** The `batch()` collecting the calls of this scope, if any. */
  batch?: BatchRun;
  /** Check hooks of this scope and the enclosing ones, outermost first. */
  checkHooks: CheckHook[];
}

const scopes = new AsyncLocalStorage<CallScope>();

/**
 * Runs `fn` with options for every stub call it makes, including calls made later by the
 * promises it starts (the scope follows async context). Stub signatures stay unchanged:
 *
 * ```ts
 * const age = await withCallOptions({ signal: controller.signal, timeoutMs: 5_000 }, () => customer.age);
 * ```
 * Scopes nest: inner values win, signals and hooks add up. When `fn` returns a promise, the
 * `signal` reaches the calls started until that promise settles.
 */
export function withCallOptions<T>(options: CallOptions, fn: () => T): T {
  return withScope(options, undefined, fn);
}

/** `withCallOptions`, and every stub call in `fn` collected by `batch` (what `batch()` runs). */
export function withBatchScope<T>(options: CallOptions, batch: BatchRun, fn: () => T): T {
  return withScope(options, batch, fn);
}

function withScope<T>(options: CallOptions, batch: BatchRun | undefined, fn: () => T): T {
  if (options.maxRepairs !== undefined) checkMaxRepairs(options.maxRepairs, "withCallOptions");
  if (options.timeoutMs !== undefined) checkTimeout(options.timeoutMs, "withCallOptions");
  if (options.maxReplyBytes !== undefined) checkMaxReplyBytes(options.maxReplyBytes, "withCallOptions");
  const outer = scopes.getStore();
  const linked = options.signal ? linkedController(outer?.signal ? [outer.signal, options.signal] : [options.signal]) : undefined;
  const scope: CallScope = {
    // A batch's calls wait for its job (hours): per-call deadlines from outside do not reach them; batch({ timeoutMs }) is theirs.
    timeoutMs: options.timeoutMs ?? (batch ? undefined : outer?.timeoutMs),
    maxRepairs: options.maxRepairs ?? outer?.maxRepairs,
    maxReplyBytes: options.maxReplyBytes ?? outer?.maxReplyBytes,
    model: options.model ?? outer?.model,
    hooks: options.onCall ? [...(outer?.hooks ?? []), options.onCall] : (outer?.hooks ?? []),
    partialHooks: options.onPartial ? [...(outer?.partialHooks ?? []), options.onPartial] : (outer?.partialHooks ?? []),
    checkHooks: options.check ? [...(outer?.checkHooks ?? []), options.check] : (outer?.checkHooks ?? []),
  };
  const signal = linked?.controller.signal ?? outer?.signal;
  if (signal) scope.signal = signal;
  const collecting = batch ?? outer?.batch;
  if (collecting) scope.batch = collecting;
  const result = scopes.run(scope, fn);
  // One listener per scope on the caller's signal (not one per call), removed when the scope's work settles.
  if (linked && isThenable(result)) result.then(linked.dispose, linked.dispose);
  return result;
}

/** The scope of the current async context, if any. */
export function currentScope(): CallScope | undefined {
  return scopes.getStore();
}

function checkMaxRepairs(value: number, where: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`${where}: maxRepairs must be a whole number >= 0, got ${value}.`);
  }
}

function checkTimeout(value: number, where: string): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigurationError(`${where}: timeoutMs must be a positive number of milliseconds, got ${value}.`);
  }
}

function checkMaxReplyBytes(value: number, where: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${where}: maxReplyBytes must be a whole number of bytes >= 1, got ${value}.`);
  }
}
