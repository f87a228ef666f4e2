import type { CallSpec, JsonSchema } from "./spec";

/** One chat message as OpenAI-compatible endpoints take it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Tokens one request (or, summed, one stub call) used, as the provider reported them. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * What a stub call asks of a model: one request per attempt (the first, then each repair).
 *
 * The prompt comes in two renderings because the template's `{{outputTypes}}` must appear
 * exactly when the model is NOT given `replySchema` through the provider (structured output,
 * tools): a model that sends the schema uses `messagesIfSchemaSent`, one that only prompts
 * (JSON mode, plain chat) uses `messages`. So the model never reads a type twice.
 */
export interface CompletionRequest {
  /** The stub being called (id, hash, schemas). For a generic stub: the call site's specialisation. */
  spec: CallSpec;
  /** The call's inputs as sent: `this` (the receiver's data fields) first, then arguments by name. */
  input: Record<string, unknown>;
  /** The conversation with the output types written into the prompt. */
  messages: ChatMessage[];
  /** The same conversation without the output types, for models that send `replySchema` themselves. */
  messagesIfSchemaSent: ChatMessage[];
  /**
   * JSON Schema of the reply (object root; `{ [spec.wrapper]: output }` when the stub has a
   * wrapper), with the spec's `definitions` at its root. The runtime validates against exactly this,
   * and refuses the keys `__proto__`, `constructor` and `prototype` where it does not declare them.
   */
  replySchema: JsonSchema;
  /** 1 for the first request of a stub call, 2 for the first repair, ... */
  attempt: number;
  /**
   * Set on a repair when the previous reply was asked with the schema sent (`Completion.schemaSent`)
   * and failed in a way an enforced schema rules out (not JSON, not an object, a missing wrapper or
   * required top-level key, a tool call never made): the endpoint accepted the schema and ignored it.
   * `reason` says what was wrong, `mode` is that reply's `Completion.mode`. `messagesIfSchemaSent`
   * then carries the output types too. A model that can ask without the schema (JSON mode, types in
   * the prompt) should, for this request and later ones to that endpoint, and report it in
   * `Completion.fallbacks`.
   */
  schemaIgnored?: { reason: string; mode?: string };
  /** Aborted when the caller cancels or the call's timeout runs out. */
  signal?: AbortSignal;
  /**
   * Set when the caller streams (`streamed()`, `withCallOptions({ onPartial })`): a model that
   * can stream calls it with each piece of the reply text as it arrives (for tool calls: of the
   * arguments), in order, then resolves with the whole `Completion` as usual. Optional for
   * custom models: one that never calls it still works, and the caller then gets the value as
   * one final partial (`CallInfo.fallbacks` says so). Wrappers pass it on to the model they wrap.
   */
  onText?: (delta: string) => void;
}

/** A model's reply to one `CompletionRequest`. */
export interface Completion {
  /** The raw reply text (for tool calls: the function arguments). */
  text: string;
  /**
   * Why the model stopped, as the provider says: `"stop"`, `"length"` (cut off by the token
   * limit: the runtime throws `LLMTruncatedError`), `"content_filter"` (`LLMRefusalError`), ...
   */
  finishReason?: string;
  /** The model's refusal message, when it refused (`LLMRefusalError`). */
  refusal?: string;
  usage?: Usage;
  /**
   * Set when the provider was given a strict schema in which optional properties had to be
   * required-and-nullable: a `null` in a property the user's type declares optional (and not
   * nullable) then means "absent", and the runtime removes it before validating.
   */
  nullMeansAbsent?: boolean;
  /** How the request was made, e.g. `"structured"`, `"tools"`, `"json"`; a name for people (call info, traces), never read by the runtime. */
  mode?: string;
  /**
   * True when the request gave the model `replySchema` through the provider (structured output,
   * a forced tool), so it was sent `messagesIfSchemaSent`; absent or false: it was sent `messages`
   * (the output types in the prompt). Chat chains and traces show the conversation this says was
   * sent, and a reply that breaks the schema this way counts as the endpoint not enforcing it.
   */
  schemaSent?: boolean;
  /**
   * Steps down made for this request: modes the endpoint rejected or whose schema it ignored
   * (first time only: the model remembers the endpoint), models of a `fallbackModels()` chain that
   * failed, or `stream` when it could not stream.
   */
  fallbacks?: ModeFallback[];
  /**
   * Where the reply came from: `"model"` (asked now; absent means the same), `"cache"` (a hit of
   * `cached()`, no request made, no tokens spent) or `"replay"` (read from a `recording()` file).
   * Copied into the call's `Attempt.source`.
   */
  source?: ReplySource;
  /**
   * Called by the runtime once it accepted this reply: parsed, validated, not cut off or refused
   * (never for a reply it rejected or sent back for repair). Wrappers such as `cached()` store a
   * reply only then, so an invalid reply is never stored.
   */
  onAccepted?: () => void;
  /** Set when the reply came from a provider's batch job (`batch()`): which job, and which round of the batch. */
  batch?: BatchOrigin;
}

/** Which batch job answered a request, and in which round (1: first requests, 2: their first repairs, ...). */
export interface BatchOrigin {
  /** The provider's batch id, e.g. `batch_abc123`. */
  id: string;
  round: number;
}

/** Where a reply came from; see `Completion.source`. */
export type ReplySource = "model" | "cache" | "replay";

/** One way of asking (a mode, a model of a fallback chain, streaming) did not work, so the next was used. */
export interface ModeFallback {
  from: string;
  to: string;
  /** Why: the provider's error message, or what the reply showed. */
  reason: string;
}

/**
 * Every model implements this; write your own to use another provider.
 *
 * `id` and `options` identify the model for caches and recordings: two models with the same
 * id and options must answer the same request the same way (as far as sampling allows).
 * Keep secrets (API keys) out of both.
 */
export interface LanguageModel {
  /** Stable identity, e.g. `openai:gpt-4o-mini@https://api.openai.com/v1`. */
  readonly id: string;
  /** Options that change replies (temperature, token limit, mode, ...), as plain JSON. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Answers one request. Reject with an `LLMStrategyError` subclass where one fits
   * (`LLMRequestError` with `status`/`retryable`); anything else is wrapped in `LLMRequestError`.
   * Honour `request.signal`.
   */
  complete(request: CompletionRequest): Promise<Completion>;
  /**
   * Offered by models that can answer through a provider's batch API (`openAI()` does); used by
   * `batch()`. Such a model's `complete` starts with `submitToBatch(this.batching, request) ?? ...`
   * (inside a batch, the request then waits for the batch's next round). A model without it (or
   * a wrapper whose `inner` has none) runs its calls in a batch scope directly, with a
   * concurrency limit.
   */
  readonly batching?: BatchEndpoint;
}

/** What a model offers `batch()`: how to write its requests as batch lines, and the provider's batch API. */
export interface BatchEndpoint {
  /** Requests with the same key may share one batch file (same endpoint, model and credentials). No secrets. */
  readonly key: string;
  /** The model whose requests these are (its `id` and `options` key the job file, as recordings do). */
  readonly model: LanguageModel;
  /** The provider's limits per input file. OpenAI's: 50,000 requests and 200 MB. */
  readonly limits: { requestsPerFile: number; bytesPerFile: number };
  /** The provider's Files and Batches API. */
  readonly api: BatchApi;
  /** One line of the input file: exactly the request `complete` would send, and how to read its reply. */
  line(request: CompletionRequest): BatchLine;
  /** Answers one request without a batch (when the endpoint turns out to have no batch API). */
  completeDirect(request: CompletionRequest): Promise<Completion>;
}

/** One request of a batch input file. */
export interface BatchLine {
  /** The endpoint path, e.g. `/v1/chat/completions`. */
  url: string;
  body: Record<string, unknown>;
  /** The completion from the line's response body (a status 200 reply). */
  read(body: unknown): Completion;
  /**
   * Called with a line's error reply: a fallback when the request should go again, asked
   * another way (the endpoint rejected how this line asked for JSON); then the next round holds
   * it, and its `CallInfo.fallbacks` shows the fallback. Default: the call fails with the error.
   */
  retry?(error: { status?: number; message: string; body?: unknown }): ModeFallback | undefined;
}

/** A provider batch's state, as `BatchApi` reports it. */
export interface BatchState {
  id: string;
  /** `validating`, `in_progress`, `finalizing`, `completed`, `failed`, `expired`, `cancelling`, `cancelled`. */
  status: string;
  outputFileId?: string;
  errorFileId?: string;
  counts?: { total: number; completed: number; failed: number };
  /** Why the provider failed the whole batch (`status: "failed"`). */
  errors?: string[];
  inputFileId?: string;
  /** The metadata the batch was created with. */
  metadata?: Record<string, string>;
  /** When the provider created the batch, in milliseconds since 1970. */
  createdAt?: number;
}

/**
 * A provider's Files and Batches endpoints (OpenAI's shape). Rejections carry the HTTP `status`
 * when there was one: 404 or 405 from `upload` or `create` means the endpoint has no batch API.
 */
export interface BatchApi {
  /** Uploads a JSONL input file; resolves with its file id. */
  upload(jsonl: string, signal: AbortSignal): Promise<string>;
  /**
   * Creates a batch, sending the request once (no retries of its own): `batch()` retries a
   * create that failed without a clear answer after `list` shows no batch with its metadata.
   */
  create(inputFileId: string, url: string, metadata: Record<string, string>, signal: AbortSignal): Promise<BatchState>;
  retrieve(id: string, signal: AbortSignal): Promise<BatchState>;
  cancel(id: string): Promise<BatchState>;
  /** A file's content as text (output and error files). */
  download(fileId: string, signal: AbortSignal): Promise<string>;
  /**
   * The account's batches, newest first (pages fetched as iterated), with their `metadata`,
   * `inputFileId` and `createdAt`. With a job file, a rerun looks here for a batch a process
   * that died may have created; without `list`, such requests are sent again.
   */
  list?(signal: AbortSignal): AsyncIterable<BatchState>;
  /** Deletes a file at the provider (`batch({ deleteFiles: true })`). */
  deleteFile?(fileId: string): Promise<void>;
}
