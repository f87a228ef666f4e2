import type OpenAI from "openai";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";

import type { ConcurrencyLimit } from "../concurrency";
import { ConfigurationError, LLMRequestError } from "../errors";
import { submitToBatch } from "../batch/submit";
import type { BatchApi, BatchEndpoint, BatchLine, BatchState, ChatMessage, Completion, CompletionRequest, LanguageModel } from "../model";
import { redactText, redactUrl, redactValue, registerSecret, registerSecretsIn, secretsOfUrl } from "../redact";
import { sentSchemaOf } from "../strict-schema";
import { definedOf } from "../util";
import { ModeLadder } from "./mode-fallback";
import { backOffOrThrow, concurrencyLimitOf, env, type IdleTimer, refusalTest, requestTimeoutMs, timedOut, toRequestError, withIdleTimeout } from "./sdk-http";

/**
 * How the reply's JSON Schema reaches the model:
 * - `"structured"`: `response_format: { type: "json_schema" }`, strict when the schema allows it;
 * - `"tools"`: one function whose parameters are the schema, which the model is made to call;
 * - `"json"`: JSON mode (`response_format: { type: "json_object" }`), the output types in the prompt;
 * - `"prompt"`: no response_format at all, the output types in the prompt (any chat endpoint).
 */
export type OpenAIMode = "structured" | "tools" | "json" | "prompt";

/**
 * What `openAI()` uses of an existing `openai` client: any `new OpenAI({ ... })` fits. Spelt out
 * here rather than imported from the SDK, so that compiling a project that imports this package
 * does not load the SDK's type declarations (about 2 MB).
 */
export interface OpenAIClient {
  baseURL: string;
  apiKey?: string | null;
  /** The client's own retries and request timeout (ms): when they are 0 and ours, requests go without per-request options. */
  maxRetries?: number;
  timeout?: number;
  /** Every stub call's request; a streamed one reads the response's headers too. */
  chat: { completions: { create(body: never, options?: never): PromiseLike<unknown> & { withResponse(): PromiseLike<unknown> } } };
  /** Input and output files of `batch()`. */
  files: { create(body: never, options?: never): PromiseLike<unknown>; content(id: never, options?: never): PromiseLike<unknown>; delete(id: never, options?: never): PromiseLike<unknown> };
  /** The batches of `batch()`. */
  batches: {
    create(body: never, options?: never): PromiseLike<unknown>;
    retrieve(id: never, options?: never): PromiseLike<unknown>;
    cancel(id: never, options?: never): PromiseLike<unknown>;
    list(query?: never, options?: never): AsyncIterable<unknown>;
  };
}

export interface OpenAIOptions {
  /** Model name. Default: env `OPENAI_MODEL`, else `"gpt-4o-mini"`. */
  model?: string;
  /**
   * API key, sent as `Authorization: Bearer`. Default: env `OPENAI_API_KEY`; for an endpoint other
   * than api.openai.com, a placeholder (local servers need none). Never shown: errors, `CallInfo`,
   * traces, recordings and caches carry `[redacted]` wherever it would appear.
   */
  apiKey?: string;
  /**
   * Endpoint. Default: env `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. Ollama, vLLM,
   * llama.cpp, LM Studio work. Credentials in it are used and never shown: user info
   * (`https://user:pass@host/v1`) is sent as `Authorization: Basic` (replacing the bearer key), query
   * parameters (`?api-key=...`) are sent with every request; messages show the URL with
   * `[redacted]` for the user info and key-like query values.
   */
  baseURL?: string;
  /**
   * An existing client (`new OpenAI({ ... })` of the `openai` package); `apiKey`, `baseURL` then
   * come from it (its key is redacted like `apiKey`). It is used as it is, so `headers`, or
   * credentials or a query in a `baseURL`, cannot go with it (a ConfigurationError): give those
   * to the client (`defaultHeaders`, `defaultQuery`). Default: a client made at the first request.
   */
  client?: OpenAIClient;
  /**
   * The `fetch` the SDK calls: a proxy (undici's `ProxyAgent` through a wrapping fetch),
   * instrumentation, tests. Cannot go with `client` (give it to the client). Default: the global `fetch`.
   */
  fetch?: typeof fetch;
  /**
   * HTTP headers sent with every request (e.g. `{ "api-key": "..." }` for Azure), after the SDK's
   * own. Secret-looking ones (`authorization`, `api-key`, `x-api-key`, `...token`, ...) are
   * redacted wherever their values would appear. Default: none.
   */
  headers?: Record<string, string>;
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Most tokens in a reply (`max_completion_tokens` at api.openai.com, `max_tokens` elsewhere). Default: the provider's. */
  maxTokens?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /**
   * Default: the best the endpoint supports — `"structured"`, falling back to `"json"` then `"prompt"`
   * when the endpoint rejects one, and from `"structured"` to `"json"` when a reply shows the endpoint
   * accepted the schema but ignored it (not JSON, or missing the wrapper or a required top-level key);
   * remembered per endpoint and listed in `CallInfo.fallbacks`. A mode set here is kept: no fallback
   * (a repair after an ignored schema still carries the output types in the prompt).
   */
  mode?: OpenAIMode;
  /** Most requests of this model in flight at once; more wait in a queue. Default 16. */
  maxConcurrency?: number;
  /**
   * Retries of 408, 409, 429, 5xx, timeouts and connection errors, waiting as the server's
   * `retry-after-ms` / `retry-after` headers say, else with exponential backoff. Default 2.
   */
  maxRetries?: number;
  /** First backoff delay when the server gives no `retry-after`, in milliseconds; doubles per retry up to 8 s, with jitter. Default 500. */
  retryDelayMs?: number;
  /**
   * Timeout of each HTTP request, in milliseconds (retried as above); for a streamed reply, also
   * the longest silence between two of its events. Default 600000 (10 minutes, as the SDK's).
   */
  timeoutMs?: number;
  /**
   * Extra fields merged into every request body, for provider-specific parameters. Part of the
   * model's `options` (so of cache and recording keys), with values under secret-looking names
   * (`api_key`, `token`, `password`, ... at any depth) as `[redacted]`. Default: none.
   */
  extraBody?: Record<string, unknown>;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";
/** OpenAI's Batch API limits per input file: 50,000 requests, 200 MB. */
const OPENAI_BATCH_REQUESTS_PER_FILE = 50_000;
const OPENAI_BATCH_BYTES_PER_FILE = 200_000_000;
/** Refused modes fall back in this order (tools only when chosen); an ignored schema falls back to JSON mode. */
const modes = new ModeLadder<OpenAIMode>(["structured", "json", "prompt"], sendsSchema, "json");
/** Endpoints (`baseURL|model`) that rejected `stream: true`: streamed calls there ask for the whole reply. */
const nonStreamingEndpoints = new Set<string>();
/** Endpoints that stream but rejected `stream_options` (older servers): streamed there without usage. */
const noStreamOptionsEndpoints = new Set<string>();

/** How this model names itself and its environment variables in error messages. */
const NAMES = { factory: "openAI", env: { key: "OPENAI_API_KEY", model: "OPENAI_MODEL", baseURL: "OPENAI_BASE_URL" }, baseURLHint: " (it usually ends in /v1)" };

/** A `LanguageModel` over any OpenAI-compatible chat completions endpoint, through the official SDK. */
export class OpenAIModel implements LanguageModel {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The endpoint as shown in messages: user info and key-like query values as `[redacted]`. */
  readonly baseURL: string;
  readonly model: string;
  private readonly settings: OpenAIOptions;
  /** The endpoint requests go to: without user info and query (they go as headers and query parameters). */
  private readonly endpointURL: string;
  /** `endpointURL|model`: what the mode ladder and the streaming sets learn per endpoint. */
  private readonly endpointKey: string;
  private readonly defaultQuery: Record<string, string> | undefined;
  private readonly defaultHeaders: Record<string, string> | undefined;
  private readonly limit: ConcurrencyLimit;
  /** Timeout of each HTTP request, in whole milliseconds (the SDK takes no fractions). */
  private readonly timeoutMs: number;
  /** What requests through a given client carry without a signal: our timeout, no SDK retries (we retry). */
  private readonly givenClientOptions: { maxRetries: number; timeout: number };
  private client: OpenAI | undefined;

  constructor(options: OpenAIOptions = {}) {
    this.settings = options;
    this.model = options.model ?? env("OPENAI_MODEL") ?? "gpt-4o-mini";
    const rawURL = (options.client?.baseURL ?? options.baseURL ?? env("OPENAI_BASE_URL") ?? OPENAI_BASE_URL).replace(/\/+$/, "");
    // Registered before anything can fail, so no message ever shows them.
    registerSecret(options.client?.apiKey);
    registerSecret(options.apiKey ?? env("OPENAI_API_KEY"));
    for (const secret of secretsOfUrl(rawURL)) registerSecret(secret);
    registerSecretsIn(options.extraBody);
    registerSecretsIn(options.headers);
    this.baseURL = redactUrl(rawURL);
    const endpoint = splitCredentials(rawURL);
    this.endpointURL = endpoint.url;
    this.endpointKey = `${endpoint.url}|${this.model}`;
    this.defaultQuery = endpoint.query;
    this.defaultHeaders = endpoint.authorization || options.headers ? { ...options.headers, ...endpoint.authorization } : undefined;
    // A given client is used as it is: nothing can add headers or query parameters to its requests.
    if (options.client && (options.headers || options.fetch || this.defaultHeaders || this.defaultQuery || hasCredentialsOrQuery(options.baseURL))) {
      const what = options.headers ? "headers" : options.fetch ? "fetch" : "credentials or a query in baseURL";
      throw new ConfigurationError(
        `openAI: ${what} cannot be combined with client: the client's requests are sent as it was made, so they would be silently dropped. ` +
          `Give them to the client instead (new OpenAI({ baseURL, defaultHeaders, defaultQuery, fetch })), or pass baseURL / headers / fetch without client.`,
      );
    }
    this.id = `openai:${this.model}`;
    // What changes replies, for cache and recording keys; no secrets, no host (the same model may be served from several).
    const keyed: Record<string, unknown> = definedOf(options, ["temperature", "maxTokens", "topP", "seed", "stop", "mode"]);
    if (options.extraBody !== undefined) keyed.extraBody = redactValue(options.extraBody);
    this.options = Object.freeze(keyed);
    this.limit = concurrencyLimitOf("openAI", options);
    this.timeoutMs = requestTimeoutMs(options);
    this.givenClientOptions = { maxRetries: 0, timeout: this.timeoutMs };
  }

  /** Inside `batch()`, the request waits for the batch's next round instead of being sent now. */
  complete(request: CompletionRequest): Promise<Completion> {
    return submitToBatch(this.batching, request) ?? this.completeDirect(request);
  }

  private batchEndpoint: BatchEndpoint | undefined;

  /** The OpenAI Batch API of this endpoint (`/files`, `/batches`), for `batch()`. */
  get batching(): BatchEndpoint {
    return (this.batchEndpoint ??= {
      key: `${this.id}@${this.baseURL}`,
      model: this,
      limits: { requestsPerFile: OPENAI_BATCH_REQUESTS_PER_FILE, bytesPerFile: OPENAI_BATCH_BYTES_PER_FILE },
      api: this.batchApi(),
      line: (request) => this.batchLine(request),
      completeDirect: (request) => this.completeDirect(request),
    });
  }

  /** A batch line: the body `complete` would post, in the mode it would use now (no fallback inside a batch). */
  private batchLine(request: CompletionRequest): BatchLine {
    const endpoint = this.endpointKey;
    const { mode, fallback } = modes.afterIgnoredSchema(endpoint, request, modes.modeFor(endpoint, request.spec.hash, this.settings.mode), this.settings.mode);
    const { body, strict } = this.body(mode, request);
    return {
      url: "/v1/chat/completions",
      body: body as unknown as Record<string, unknown>,
      read: (reply) => {
        const completion = toCompletion(reply as ChatCompletion, mode, strict);
        if (fallback) completion.fallbacks = [fallback];
        return completion;
      },
      // As `completeDirect` falls back, learning per endpoint (or per schema) for the lines to come.
      retry: (error) => {
        if (this.settings.mode || !rejectsMode({ status: error.status, message: error.message, error: error.body })) return undefined;
        return modes.refused(endpoint, request.spec.hash, mode, error.message);
      },
    };
  }

  private batchApi(): BatchApi {
    // The SDK's own retries (429, 5xx, connection errors) for these few requests; a batch waits hours anyway.
    const options = (signal?: AbortSignal) => ({ maxRetries: this.settings.maxRetries ?? 2, ...(signal ? { signal } : {}) });
    return {
      upload: async (jsonl, signal) => {
        const { toFile } = require("openai") as typeof import("openai");
        const file = await toFile(Buffer.from(jsonl), "llm-strategy-batch.jsonl", { type: "application/jsonl" });
        return (await this.sdk().files.create({ file, purpose: "batch" }, options(signal))).id;
      },
      create: async (inputFileId, url, metadata, signal) =>
        batchState(
          await this.sdk().batches.create(
            { input_file_id: inputFileId, endpoint: url as "/v1/chat/completions", completion_window: "24h", metadata },
            // Sent once: batch() retries a create only after the list shows it made no batch.
            { ...options(signal), maxRetries: 0 },
          ),
        ),
      retrieve: async (id, signal) => batchState(await this.sdk().batches.retrieve(id, options(signal))),
      cancel: async (id) => batchState(await this.sdk().batches.cancel(id, options())),
      download: async (fileId, signal) => (await this.sdk().files.content(fileId, options(signal))).text(),
      list: (signal) => {
        const sdk = this.sdk();
        // The SDK's auto-pagination: the next page (`after` the last id) is fetched as the loop reaches it.
        return (async function* () {
          for await (const batch of sdk.batches.list({ limit: 100 }, options(signal))) yield batchState(batch);
        })();
      },
      deleteFile: async (fileId) => {
        await this.sdk().files.delete(fileId, options());
      },
    };
  }

  /** Sends the request now, falling back to the next mode when the endpoint rejects one (or ignored its schema). */
  completeDirect(request: CompletionRequest): Promise<Completion> {
    return modes.run(
      request,
      this.endpointKey,
      this.settings.mode,
      (mode) => this.limit.run(() => this.send(mode, request), request.signal),
      rejectsMode,
      (error, mode) => this.requestError(error, request, mode),
    );
  }

  /**
   * One request, retried here rather than by the SDK: the SDK sleeps between retries on a
   * timer no signal can cancel, which would delay aborts and keep the process alive.
   */
  private async send(mode: OpenAIMode, request: CompletionRequest): Promise<Completion> {
    const { body, strict } = this.body(mode, request);
    const maxRetries = this.settings.maxRetries ?? 2;
    const endpoint = this.endpointKey;
    let streams = request.onText !== undefined && !nonStreamingEndpoints.has(endpoint);
    /** Why this call asks for the whole reply: the endpoint's answer to `stream: true` in this call, if it gave one. */
    let streamRejected: string | undefined;
    /** Whether text already went to the caller: a stream broken after that is not retried (its pieces would repeat). */
    const sent = { any: false };
    for (let retry = 0; ; retry++) {
      const started = performance.now();
      try {
        if (streams) return await this.sendStreaming(mode, request, body, strict, sent);
        const completion = toCompletion(await this.sdk().chat.completions.create(body, this.requestOptions(request.signal)), mode, strict);
        if (request.onText) whole(request.onText, completion, mode, streamRejected ?? `${this.baseURL} rejected stream: true before`);
        return completion;
      } catch (caught) {
        const error = streams ? caught : timedOut(caught, request.signal, started, this.timeoutMs);
        if (streams && !sent.any && rejectsStreamOptions(error) && !noStreamOptionsEndpoints.has(endpoint)) {
          noStreamOptionsEndpoints.add(endpoint);
          retry--;
          continue;
        }
        // Asked again for the whole reply inside this loop, so that request gets the same retries.
        if (streams && !sent.any && rejectsStreaming(error)) {
          nonStreamingEndpoints.add(endpoint);
          streamRejected = redactText((error as Error).message);
          streams = false;
          retry--;
          continue;
        }
        await backOffOrThrow(error, retry, maxRetries, this.settings.retryDelayMs, request.signal, sent.any);
      }
    }
  }

  /**
   * One request with `stream: true`: each content delta (tools: each piece of the forced call's
   * arguments) goes to `request.onText` as it arrives; usage comes with the last event
   * (`stream_options.include_usage`). An endpoint that answers with one JSON body instead of
   * server-sent events gives the whole reply as one piece, noted as a fallback.
   */
  private async sendStreaming(
    mode: OpenAIMode,
    request: CompletionRequest,
    body: ChatCompletionCreateParamsNonStreaming,
    strict: boolean,
    sent: { any: boolean },
  ): Promise<Completion> {
    const onText = request.onText!;
    const timeoutMs = this.timeoutMs;
    const started = performance.now();
    return withIdleTimeout(timeoutMs, request.signal, (signal, idle) =>
      this.readStream(mode, request, body, strict, sent, onText, { signal, maxRetries: 0, timeout: timeoutMs }, started, idle),
    );
  }

  private async readStream(
    mode: OpenAIMode,
    request: CompletionRequest,
    body: ChatCompletionCreateParamsNonStreaming,
    strict: boolean,
    sent: { any: boolean },
    onText: (delta: string) => void,
    options: { signal: AbortSignal; maxRetries: number; timeout: number },
    started: number,
    idle: IdleTimer,
  ): Promise<Completion> {
    let stream: AsyncIterable<ChatCompletionChunk>;
    let response: Response;
    try {
      ({ data: stream, response } = await this.sdk()
        .chat.completions.create(
          noStreamOptionsEndpoints.has(this.endpointKey) ? { ...body, stream: true } : { ...body, stream: true, stream_options: { include_usage: true } },
          options,
        )
        .withResponse());
    } catch (error) {
      throw timedOut(error, request.signal, started, options.timeout);
    }
    idle.start();
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream")) {
      const completion = toCompletion((await response.json()) as ChatCompletion, mode, strict);
      sent.any = true;
      whole(onText, completion, mode, `${this.baseURL} answered stream: true with ${type || "no content-type"}, not server-sent events`);
      return completion;
    }
    let content = "";
    let toolArguments = "";
    let toolIndex: number | undefined;
    let refusal = "";
    let finishReason: string | undefined;
    let usage: ChatCompletion["usage"] | undefined;
    for await (const chunk of stream) {
      idle.start();
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta;
      if (delta?.content) {
        content += delta.content;
        if (mode !== "tools") {
          sent.any = true;
          onText(delta.content);
        }
      }
      if (mode === "tools" && delta?.tool_calls) {
        for (const call of delta.tool_calls) {
          // The forced call is the first; its later pieces name only its index.
          toolIndex ??= call.index ?? 0;
          const piece = call.function?.arguments;
          if ((call.index ?? 0) === toolIndex && piece) {
            toolArguments += piece;
            sent.any = true;
            onText(piece);
          }
        }
      }
      if (delta?.refusal) refusal += delta.refusal;
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    // The SDK ends a stream quietly when its signal aborts: a cut reply must not pass for a whole one.
    if (options.signal.aborted) throw new Error("The stream was aborted before it ended.", { cause: options.signal.reason });
    let text = content;
    if (mode === "tools") {
      if (toolIndex !== undefined) text = toolArguments;
      else if (content) onText(content);
    }
    return completionOf({ text, mode, strict, finishReason, refusal, usage });
  }

  /**
   * The SDK's options for one whole-reply request: the per-request timeout and the call's signal
   * (the SDK applies both), no SDK retries. A client made here already has the timeout and no
   * retries, so without a signal the request goes exactly as a plain SDK call (no options).
   */
  private requestOptions(signal: AbortSignal | undefined): { signal?: AbortSignal; maxRetries?: number; timeout?: number } | undefined {
    const given = this.settings.client;
    // A given client made with `maxRetries: 0` and the same timeout needs no more than ours does.
    if (given && (given.maxRetries !== 0 || given.timeout !== this.timeoutMs)) return signal ? { signal, maxRetries: 0, timeout: this.timeoutMs } : this.givenClientOptions;
    return signal ? { signal } : undefined;
  }

  /** The request body for `mode`; `strict` when a strict schema went with it. */
  private body(mode: OpenAIMode, request: CompletionRequest): { body: ChatCompletionCreateParamsNonStreaming; strict: boolean } {
    const schemaSent = sendsSchema(mode);
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: (schemaSent ? request.messagesIfSchemaSent : request.messages) as ChatMessage[],
    };
    const { temperature, maxTokens, topP, seed, stop } = this.settings;
    if (temperature !== undefined) body.temperature = temperature;
    if (maxTokens !== undefined) {
      if (this.endpointURL === OPENAI_BASE_URL) body.max_completion_tokens = maxTokens;
      else body.max_tokens = maxTokens;
    }
    if (topP !== undefined) body.top_p = topP;
    if (seed !== undefined) body.seed = seed;
    if (stop !== undefined) body.stop = stop;

    const sent = schemaSent ? sentSchemaOf(request.spec, request.replySchema) : undefined;
    if (mode === "structured") {
      body.response_format = { type: "json_schema", json_schema: { name: sent!.name, schema: sent!.schema, strict: sent!.strict } };
    } else if (mode === "tools") {
      body.tools = [{ type: "function", function: { name: sent!.name, parameters: sent!.schema, strict: sent!.strict } }];
      body.tool_choice = { type: "function", function: { name: sent!.name } };
    } else if (mode === "json") {
      body.response_format = { type: "json_object" };
    }
    if (this.settings.extraBody) Object.assign(body, this.settings.extraBody);
    return { body, strict: sent?.strict === true };
  }

  private sdk(): OpenAI {
    if (this.client) return this.client;
    // Any `new OpenAI()` is one: the option's type spells out only what this file calls.
    if (this.settings.client) return (this.client = this.settings.client as unknown as OpenAI);
    let apiKey = this.settings.apiKey ?? env("OPENAI_API_KEY");
    if (!apiKey) {
      if (this.endpointURL === OPENAI_BASE_URL) {
        throw new ConfigurationError(
          `openAI: no API key for ${OPENAI_BASE_URL}. Set the OPENAI_API_KEY environment variable or pass openAI({ apiKey }); ` +
            `for a local server set OPENAI_BASE_URL or openAI({ baseURL }).`,
        );
      }
      apiKey = "no-key"; // local servers ignore it; the SDK refuses to start without one
    }
    const { default: OpenAISDK } = require("openai") as typeof import("openai");
    return (this.client = new OpenAISDK({
      apiKey,
      baseURL: this.endpointURL,
      maxRetries: 0,
      timeout: this.timeoutMs,
      ...(this.defaultQuery ? { defaultQuery: this.defaultQuery } : {}),
      ...(this.defaultHeaders ? { defaultHeaders: this.defaultHeaders } : {}),
      ...(this.settings.fetch ? { fetch: this.settings.fetch } : {}),
    }));
  }

  /** Turns an SDK error into ours, with a message that says what to do. */
  private requestError(error: unknown, request: CompletionRequest, mode: OpenAIMode): Error {
    return toRequestError(error, request, {
      ...NAMES,
      where: `${this.baseURL} (model ${this.model})`,
      retries: this.settings.maxRetries ?? 2,
      refusedMode: this.settings.mode && rejectsMode(error) ? mode : undefined,
    });
  }
}

/**
 * A model over any OpenAI-compatible endpoint, through the official `openai` SDK.
 * Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL` and `OPENAI_MODEL` for what `options` leaves out.
 * Creating it does not connect; the client is made at the first request.
 */
export function openAI(options: OpenAIOptions = {}): OpenAIModel {
  return new OpenAIModel(options);
}

/** Whether `rawURL` carries user info or a query (which `splitCredentials` would turn into headers and query parameters). */
function hasCredentialsOrQuery(rawURL: string | undefined): boolean {
  if (rawURL === undefined) return false;
  try {
    const url = new URL(rawURL);
    return Boolean(url.username || url.password || url.search);
  } catch {
    return false;
  }
}

/**
 * `baseURL` as the SDK can use it: fetch refuses URLs with user info, and the SDK appends the
 * path after a query string. So user info becomes a Basic authorization header (as curl sends
 * it) and the query becomes query parameters of every request.
 */
function splitCredentials(rawURL: string): { url: string; query?: Record<string, string>; authorization?: { Authorization: string } } {
  let url: URL;
  try {
    url = new URL(rawURL);
  } catch {
    return { url: rawURL };
  }
  if (!url.username && !url.password && !url.search) return { url: rawURL };
  const result: { url: string; query?: Record<string, string>; authorization?: { Authorization: string } } = { url: rawURL };
  if (url.username || url.password) {
    const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64");
    registerSecret(basic);
    result.authorization = { Authorization: `Basic ${basic}` };
    url.username = "";
    url.password = "";
  }
  if (url.search) {
    result.query = Object.fromEntries(url.searchParams);
    url.search = "";
  }
  result.url = url.toString().replace(/\/+$/, "");
  return result;
}

function toCompletion(response: ChatCompletion, mode: OpenAIMode, strict: boolean): Completion {
  const choice = response.choices?.[0];
  if (!choice) throw new LLMRequestError(`The endpoint's reply held no choices.`, { retryable: false });
  const message = choice.message;
  let text = message.content ?? "";
  if (mode === "tools") {
    const call = message.tool_calls?.find((toolCall) => toolCall.type === "function");
    if (call && call.type === "function") text = call.function.arguments;
  }
  return completionOf({ text, mode, strict, finishReason: choice.finish_reason, refusal: message.refusal, usage: response.usage });
}

/** The completion of a whole or a streamed reply, from the parts both read. */
function completionOf(parts: { text: string; mode: OpenAIMode; strict: boolean; finishReason?: string | null | undefined; refusal?: string | null | undefined; usage?: ChatCompletion["usage"] }): Completion {
  const { text, mode, strict, finishReason, refusal, usage } = parts;
  const completion: Completion = { text, mode };
  if (sendsSchema(mode)) completion.schemaSent = true;
  if (finishReason) completion.finishReason = finishReason;
  if (refusal) completion.refusal = refusal;
  if (strict) completion.nullMeansAbsent = true;
  if (usage) completion.usage = usageOf(usage);
  return completion;
}

function batchState(batch: import("openai/resources/batches").Batch): BatchState {
  const state: BatchState = { id: batch.id, status: batch.status };
  if (batch.output_file_id) state.outputFileId = batch.output_file_id;
  if (batch.error_file_id) state.errorFileId = batch.error_file_id;
  if (batch.request_counts) state.counts = { ...batch.request_counts };
  const errors = batch.errors?.data?.map((error) => [error.code, error.message, error.line !== undefined && error.line !== null ? `(line ${error.line})` : ""].filter(Boolean).join(" "));
  if (errors?.length) state.errors = errors;
  if (batch.input_file_id) state.inputFileId = batch.input_file_id;
  if (batch.metadata) state.metadata = batch.metadata as Record<string, string>;
  if (typeof batch.created_at === "number") state.createdAt = batch.created_at * 1000;
  return state;
}

function usageOf(usage: NonNullable<ChatCompletion["usage"]>): Completion["usage"] {
  return { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0, totalTokens: usage.total_tokens ?? 0 };
}

/** A streamed call answered whole: the text as one piece, and the fallback noted (as each such call's). */
function whole(onText: (delta: string) => void, completion: Completion, mode: OpenAIMode, reason: string): void {
  (completion.fallbacks ??= []).push({ from: `${mode} stream`, to: mode, reason });
  if (completion.text) onText(completion.text);
}

/** A 400/422 that names `stream_options`: the endpoint streams, but without usage. */
const rejectsStreamOptions = refusalTest([400, 422], /stream_options/i);

/** A 400/422/501 that names `stream`: the endpoint cannot stream. */
const rejectsStreaming = refusalTest([400, 422, 501], /\bstream/i);

/** The modes that give the endpoint the reply schema (and so send the prompt without output types). */
function sendsSchema(mode: OpenAIMode): boolean {
  return mode === "structured" || mode === "tools";
}

/** A 400/422/501 that names the JSON feature: the endpoint does not support this mode. */
const rejectsMode = refusalTest([400, 422, 501], /response_format|json_schema|json_object|structured output|tool_choice|tools|functions? call/i);
