/**
 * What the models over Stainless-generated SDKs (`openai`, `@anthropic-ai/sdk`) share: their
 * errors have the same shape (`status`, `headers`, class names), so retrying, backing off and
 * recognising timeouts and aborts is written once here. No SDK is imported.
 */
import { linkedController } from "../abort";
import { ConcurrencyLimit } from "../concurrency";
import { ConfigurationError, LLMAbortError, LLMRequestError, LLMTimeoutError } from "../errors";
import type { CompletionRequest } from "../model";
import { errorMessage, statusOf } from "../util";

/** Calls `onIdle` when `start()` was not called again within `ms`; `stop()` ends it. */
export class IdleTimer {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  start(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onIdle();
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * The SDK's own timeout. Where the SDK cannot recognise its abort (its error classes and the
 * abort error from another realm, as under jest), a connection error at the deadline is one too.
 */
export function isTimeout(error: unknown, elapsedMs: number, timeoutMs: number): boolean {
  return isSdkError(error, "APIConnectionTimeoutError") || (isSdkError(error, "APIConnectionError") && elapsedMs >= timeoutMs - 1);
}

/** Worth another try: timeouts, connection failures, 408/409/429/5xx, or what `x-should-retry` says. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RequestTimedOut) return true;
  const status = statusOf(error);
  if (status === undefined) return isSdkError(error, "APIConnectionError");
  const should = headerOf(error, "x-should-retry");
  if (should === "true") return true;
  if (should === "false") return false;
  return isRetryableStatus(status);
}

/** 408, 409, 429 and 5xx: the server may answer another try. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * What a request's SDK error becomes: `RequestTimedOut` when it is the SDK's timeout (the
 * request began at `started`, `performance.now()`), unless the caller's `signal` aborted it.
 */
export function timedOut(error: unknown, signal: AbortSignal | undefined, started: number, timeoutMs: number): unknown {
  return !signal?.aborted && isTimeout(error, performance.now() - started, timeoutMs) ? new RequestTimedOut(timeoutMs, error) : error;
}

/**
 * Runs a streamed request (`read`) on a signal of its own, aborted by the caller's `signal` or
 * when `idle` was not started again within `timeoutMs`: the SDK's timeout ends with the
 * response's headers, so while the events come, `timeoutMs` is the longest silence between two
 * of them (`read` calls `idle.start()` at each). That silence throws `RequestTimedOut`.
 */
export async function withIdleTimeout<T>(timeoutMs: number, signal: AbortSignal | undefined, read: (signal: AbortSignal, idle: IdleTimer) => Promise<T>): Promise<T> {
  const linked = linkedController(signal ? [signal] : []);
  const idle = new IdleTimer(timeoutMs, () => linked.controller.abort());
  try {
    return await read(linked.controller.signal, idle);
  } catch (error) {
    if (idle.fired && !signal?.aborted) throw new RequestTimedOut(timeoutMs, error);
    throw error;
  } finally {
    idle.stop();
    linked.dispose();
  }
}

/**
 * A test of whether an endpoint refused a feature: an error with one of `statuses` whose message
 * or error body matches `names` (what the feature's request fields are called).
 */
export function refusalTest(statuses: readonly number[], names: RegExp): (error: unknown) => boolean {
  return (error) => {
    const status = statusOf(error);
    if (status === undefined || !statuses.includes(status)) return false;
    return names.test(`${(error as Error).message} ${JSON.stringify((error as { error?: unknown }).error ?? "")}`);
  };
}

/** The server's `retry-after-ms` or `retry-after` (seconds or a date), else exponential backoff with jitter. */
export function retryDelay(error: unknown, retry: number, baseMs: number): number {
  const afterMs = Number.parseFloat(headerOf(error, "retry-after-ms") ?? "");
  if (Number.isFinite(afterMs) && afterMs >= 0) return afterMs;
  const after = headerOf(error, "retry-after");
  if (after) {
    const seconds = Number.parseFloat(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return Math.min(baseMs * 2 ** retry, MAX_BACKOFF_MS) * (1 - Math.random() * 0.25);
}

export function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { headers?: { get?: (name: string) => string | null } }).headers;
  return typeof headers?.get === "function" ? (headers.get(name) ?? undefined) : undefined;
}

/** Waits `ms`, or rejects as soon as `signal` aborts (and then leaves no timer behind). */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function isSdkError(error: unknown, name: string): boolean {
  // By name as well as class: a user's `client` may come from another copy of the SDK.
  for (let proto = error && Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}

export function env(name: string): string | undefined {
  const value = process.env[name];
  return value ? value : undefined;
}

const MAX_BACKOFF_MS = 8_000;

const DEFAULT_TIMEOUT_MS = 600_000;

/** One HTTP request ran out of `timeoutMs`. */
export class RequestTimedOut extends Error {
  tries = 1;
  constructor(
    readonly timeoutMs: number,
    cause: unknown,
  ) {
    super(`Request timed out after ${timeoutMs} ms.`, { cause });
  }
}

/** How a model names itself and its settings in error messages. */
export interface EndpointDescription {
  /** The factory users call, e.g. `openAI`. */
  factory: string;
  /** The endpoint and model, as shown (credentials redacted). */
  where: string;
  /** Retries made before giving up. */
  retries: number;
  /** The environment variables of its key, model and endpoint. */
  env: { key: string; model: string; baseURL: string };
  /** Said after "the baseURL" when the model name or URL may be wrong (404). */
  baseURLHint: string;
  /** The mode the user set, when this error is the endpoint refusing it (so no fallback was tried). */
  refusedMode?: string | undefined;
}

/** Turns an SDK error into ours, with a message that says what was tried and what to do. */
export function toRequestError(error: unknown, request: CompletionRequest, endpoint: EndpointDescription): Error {
  const stub = request.spec.id;
  const { factory, where, retries } = endpoint;
  if (error instanceof LLMRequestError || error instanceof ConfigurationError || error instanceof LLMAbortError) return error;
  if (request.signal?.aborted || isSdkError(error, "APIUserAbortError")) {
    return new LLMAbortError(`${stub}: the request to ${where} was aborted.`, { cause: request.signal?.reason ?? error, stub });
  }
  if (error instanceof RequestTimedOut) {
    return new LLMTimeoutError(
      `${stub}: the request to ${where} timed out after ${error.timeoutMs} ms, ${error.tries} ${error.tries === 1 ? "time" : "times"}. ` +
        `Raise ${factory}({ timeoutMs }) or check the server.`,
      { timeoutMs: error.timeoutMs, cause: error.cause, stub },
    );
  }
  if (isSdkError(error, "APIConnectionError")) {
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}` : (error as Error).message;
    return new LLMRequestError(`${stub}: could not reach ${where}: ${detail}. Check baseURL / ${endpoint.env.baseURL} and that the server runs.`, {
      retryable: true,
      cause: error,
      stub,
    });
  }
  const status = statusOf(error);
  if (status !== undefined) {
    const message = (error as Error).message;
    const retryable = isRetryableStatus(status);
    let advice: string;
    if (status === 401) advice = `The API key was rejected: set ${endpoint.env.key} or pass ${factory}({ apiKey }) with a valid key for this endpoint.`;
    else if (status === 403) advice = `The API key may not use this model or endpoint.`;
    else if (status === 404) advice = `Check the model name (${factory}({ model }) / ${endpoint.env.model}) and the baseURL${endpoint.baseURLHint}.`;
    else if (status === 429) advice = `Rate limited, still after ${retries} retries with backoff. Lower maxConcurrency, raise maxRetries, or wait.`;
    else if (status >= 500) advice = `The server failed, still after ${retries} retries with backoff.`;
    else if (endpoint.refusedMode) advice = `The endpoint does not support mode "${endpoint.refusedMode}": leave mode unset to fall back automatically.`;
    else advice = `The endpoint rejected the request.`;
    return new LLMRequestError(`${stub}: ${where} answered ${message}. ${advice}`, { status, retryable, cause: error, stub });
  }
  return new LLMRequestError(`${stub}: the request to ${where} failed: ${errorMessage(error)}`, {
    retryable: false,
    cause: error,
    stub,
  });
}

/** The settings every provider model takes for its requests. */
export interface RequestSettings {
  maxConcurrency?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

/** The timeout of each request in whole milliseconds (all the SDKs take). */
export function requestTimeoutMs(settings: RequestSettings): number {
  return Math.ceil(settings.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/** Checks the request settings (a ConfigurationError naming `factory` for a bad one) and makes the model's concurrency limit. */
export function concurrencyLimitOf(factory: string, settings: RequestSettings): ConcurrencyLimit {
  const concurrency = settings.maxConcurrency ?? 16;
  if (!(concurrency >= 1)) throw new ConfigurationError(`${factory}: maxConcurrency must be at least 1, got ${concurrency}.`);
  if (settings.maxRetries !== undefined && !(Number.isInteger(settings.maxRetries) && settings.maxRetries >= 0)) {
    throw new ConfigurationError(`${factory}: maxRetries must be a whole number >= 0, got ${settings.maxRetries}.`);
  }
  if (settings.timeoutMs !== undefined && !(settings.timeoutMs > 0)) throw new ConfigurationError(`${factory}: timeoutMs must be a positive number of milliseconds, got ${settings.timeoutMs}.`);
  if (settings.retryDelayMs !== undefined && !(settings.retryDelayMs >= 0)) throw new ConfigurationError(`${factory}: retryDelayMs must be >= 0, got ${settings.retryDelayMs}.`);
  return new ConcurrencyLimit(concurrency);
}

/**
 * After a failed request: waits as the server says (or backs off) when another try may help,
 * else throws `error` (a timeout then says how many tries it took). Not after text went to the
 * caller (`streamed`): a retried stream would repeat its pieces.
 */
export async function backOffOrThrow(
  error: unknown,
  retry: number,
  maxRetries: number,
  retryDelayMs: number | undefined,
  signal: AbortSignal | undefined,
  streamed: boolean,
): Promise<void> {
  if (retry >= maxRetries || signal?.aborted || streamed || !isRetryable(error)) {
    if (error instanceof RequestTimedOut) error.tries = retry + 1;
    throw error;
  }
  await sleep(retryDelay(error, retry, retryDelayMs ?? 500), signal);
}
