import type OpenAI from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { raceAbort } from "../abort";
import { ConcurrencyLimit } from "../concurrency";
import { ConfigurationError, LLMAbortError, LLMRequestError, LLMTimeoutError } from "../errors";
import type { ChatMessage, Completion, CompletionRequest, LanguageModel, ModeFallback } from "../model";
import { toStrictSchema } from "../strict-schema";

/**
 * How the reply's JSON Schema reaches the model:
 * - `"structured"`: `response_format: { type: "json_schema" }`, strict when the schema allows it;
 * - `"tools"`: one function whose parameters are the schema, which the model is made to call;
 * - `"json"`: JSON mode (`response_format: { type: "json_object" }`), the output types in the prompt;
 * - `"prompt"`: no response_format at all, the output types in the prompt (any chat endpoint).
 */
export type OpenAIMode = "structured" | "tools" | "json" | "prompt";

export interface OpenAIOptions {
  /** Model name. Default: env `OPENAI_MODEL`, else `"gpt-4o-mini"`. */
  model?: string;
  /** API key. Default: env `OPENAI_API_KEY`; for an endpoint other than api.openai.com, a placeholder (local servers need none). */
  apiKey?: string;
  /** Endpoint. Default: env `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. Ollama, vLLM, llama.cpp, LM Studio work. */
  baseURL?: string;
  /** An existing client; `apiKey`, `baseURL` then come from it. */
  client?: OpenAI;
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Most tokens in a reply (`max_completion_tokens` at api.openai.com, `max_tokens` elsewhere). Default: the provider's. */
  maxTokens?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** Default: the best the endpoint supports — `"structured"`, falling back to `"json"` then `"prompt"` when the endpoint rejects one (remembered per endpoint). */
  mode?: OpenAIMode;
  /** Most requests of this model in flight at once; more wait in a queue. Default 16. */
  maxConcurrency?: number;
  /** Retries of 429, 5xx, timeouts and connection errors, with backoff honouring `retry-after` (by the openai SDK). Default 2. */
  maxRetries?: number;
  /** Timeout of each HTTP request, in milliseconds (retried as above). Default: the SDK's, 10 minutes. */
  timeoutMs?: number;
  /** Extra fields merged into every request body, for provider-specific parameters. */
  extraBody?: Record<string, unknown>;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";
const FALLBACK_ORDER: OpenAIMode[] = ["structured", "json", "prompt"];

/** Modes learnt per endpoint (`baseURL|model`), shared by all models on it. */
const endpointModes = new Map<string, OpenAIMode>();
/** Modes learnt per schema, when an endpoint rejected one schema rather than the mode. */
const schemaModes = new Map<string, OpenAIMode>();

/** A `LanguageModel` over any OpenAI-compatible chat completions endpoint, through the official SDK. */
export class OpenAIModel implements LanguageModel {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly baseURL: string;
  readonly model: string;
  private readonly settings: OpenAIOptions;
  private readonly limit: ConcurrencyLimit;
  private client: OpenAI | undefined;

  constructor(options: OpenAIOptions = {}) {
    this.settings = options;
    this.model = options.model ?? env("OPENAI_MODEL") ?? "gpt-4o-mini";
    this.baseURL = (options.client?.baseURL ?? options.baseURL ?? env("OPENAI_BASE_URL") ?? OPENAI_BASE_URL).replace(/\/+$/, "");
    this.id = `openai:${this.model}`;
    // What changes replies, for cache and recording keys; no secrets, no host (the same model may be served from several).
    const keyed: Record<string, unknown> = {};
    for (const key of ["temperature", "maxTokens", "topP", "seed", "stop", "mode", "extraBody"] as const) {
      if (options[key] !== undefined) keyed[key] = options[key];
    }
    this.options = Object.freeze(keyed);
    const concurrency = options.maxConcurrency ?? 16;
    if (!(concurrency >= 1)) throw new ConfigurationError(`openAI: maxConcurrency must be at least 1, got ${concurrency}.`);
    this.limit = new ConcurrencyLimit(concurrency);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const endpoint = `${this.baseURL}|${this.model}`;
    const schemaKey = `${endpoint}|${request.spec.hash}`;
    let mode = this.settings.mode ?? schemaModes.get(schemaKey) ?? endpointModes.get(endpoint) ?? "structured";
    const fallbacks: ModeFallback[] = [];
    for (;;) {
      try {
        const completion = await this.limit.run(() => this.send(mode, request), request.signal);
        if (fallbacks.length) completion.fallbacks = fallbacks;
        return completion;
      } catch (error) {
        const next = FALLBACK_ORDER[FALLBACK_ORDER.indexOf(mode) + 1];
        if (this.settings.mode || !next || !rejectsMode(error)) throw this.requestError(error, request, mode);
        const reason = (error as Error).message;
        fallbacks.push({ from: mode, to: next, reason });
        // A rejected schema says nothing about the endpoint's other schemas.
        if (/invalid schema/i.test(reason)) schemaModes.set(schemaKey, next);
        else endpointModes.set(endpoint, next);
        mode = next;
      }
    }
  }

  private async send(mode: OpenAIMode, request: CompletionRequest): Promise<Completion> {
    const sendsSchema = mode === "structured" || mode === "tools";
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: (sendsSchema ? request.messagesIfSchemaSent : request.messages) as ChatMessage[],
    };
    const { temperature, maxTokens, topP, seed, stop } = this.settings;
    if (temperature !== undefined) body.temperature = temperature;
    if (maxTokens !== undefined) {
      if (this.baseURL === OPENAI_BASE_URL) body.max_completion_tokens = maxTokens;
      else body.max_tokens = maxTokens;
    }
    if (topP !== undefined) body.top_p = topP;
    if (seed !== undefined) body.seed = seed;
    if (stop !== undefined) body.stop = stop;

    const provider = sendsSchema ? toStrictSchema(request.replySchema) : undefined;
    const name = schemaName(request.spec.id);
    if (mode === "structured") {
      body.response_format = { type: "json_schema", json_schema: { name, schema: provider!.schema, strict: provider!.strict } };
    } else if (mode === "tools") {
      body.tools = [{ type: "function", function: { name, parameters: provider!.schema, strict: provider!.strict } }];
      body.tool_choice = { type: "function", function: { name } };
    } else if (mode === "json") {
      body.response_format = { type: "json_object" };
    }
    if (this.settings.extraBody) Object.assign(body, this.settings.extraBody);

    const requestOptions: { signal?: AbortSignal; timeout?: number; maxRetries?: number } = {};
    if (request.signal) requestOptions.signal = request.signal;
    if (this.settings.timeoutMs !== undefined) requestOptions.timeout = this.settings.timeoutMs;
    if (this.settings.maxRetries !== undefined) requestOptions.maxRetries = this.settings.maxRetries;
    // The SDK sleeps between retries without watching the signal: race it, so an abort is immediate.
    const response = await raceAbort(this.sdk().chat.completions.create(body, requestOptions), request.signal);
    return toCompletion(response, mode, provider?.strict === true);
  }

  private sdk(): OpenAI {
    if (this.client) return this.client;
    if (this.settings.client) return (this.client = this.settings.client);
    let apiKey = this.settings.apiKey ?? env("OPENAI_API_KEY");
    if (!apiKey) {
      if (this.baseURL === OPENAI_BASE_URL) {
        throw new ConfigurationError(
          `openAI: no API key for ${OPENAI_BASE_URL}. Set the OPENAI_API_KEY environment variable or pass openAI({ apiKey }); ` +
            `for a local server set OPENAI_BASE_URL or openAI({ baseURL }).`,
        );
      }
      apiKey = "no-key"; // local servers ignore it; the SDK refuses to start without one
    }
    const { default: OpenAIClient } = require("openai") as typeof import("openai");
    const options: ConstructorParameters<typeof OpenAIClient>[0] = { apiKey, baseURL: this.baseURL, maxRetries: this.settings.maxRetries ?? 2 };
    if (this.settings.timeoutMs !== undefined) options.timeout = this.settings.timeoutMs;
    return (this.client = new OpenAIClient(options));
  }

  /** Turns an SDK error into ours, with a message that says what to do. */
  private requestError(error: unknown, request: CompletionRequest, mode: OpenAIMode): Error {
    const stub = request.spec.id;
    const where = `${this.baseURL} (model ${this.model})`;
    const retries = this.settings.maxRetries ?? 2;
    if (error instanceof LLMRequestError || error instanceof ConfigurationError || error instanceof LLMAbortError) return error;
    if (request.signal?.aborted || isSdkError(error, "APIUserAbortError")) {
      return new LLMAbortError(`${stub}: the request to ${where} was aborted.`, { cause: request.signal?.reason ?? error, stub });
    }
    if (isSdkError(error, "APIConnectionTimeoutError")) {
      const timeoutMs = this.settings.timeoutMs ?? this.client?.timeout;
      return new LLMTimeoutError(
        `${stub}: the request to ${where} timed out after ${timeoutMs ?? "?"} ms, ${retries + 1} times. Raise openAI({ timeoutMs }) or check the server.`,
        timeoutMs === undefined ? { cause: error, stub } : { timeoutMs, cause: error, stub },
      );
    }
    if (isSdkError(error, "APIConnectionError")) {
      const cause = (error as Error).cause;
      const detail = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}` : (error as Error).message;
      return new LLMRequestError(`${stub}: could not reach ${where}: ${detail}. Check baseURL / OPENAI_BASE_URL and that the server runs.`, {
        retryable: true,
        cause: error,
        stub,
      });
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number") {
      const message = (error as Error).message;
      const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
      let advice: string;
      if (status === 401) advice = `The API key was rejected: set OPENAI_API_KEY or pass openAI({ apiKey }) with a valid key for this endpoint.`;
      else if (status === 403) advice = `The API key may not use this model or endpoint.`;
      else if (status === 404) advice = `Check the model name (openAI({ model }) / OPENAI_MODEL) and the baseURL (it usually ends in /v1).`;
      else if (status === 429) advice = `Rate limited, still after ${retries} retries with backoff. Lower maxConcurrency, raise maxRetries, or wait.`;
      else if (status >= 500) advice = `The server failed, still after ${retries} retries with backoff.`;
      else if (this.settings.mode && rejectsMode(error)) advice = `The endpoint does not support mode "${mode}": leave mode unset to fall back automatically.`;
      else advice = `The endpoint rejected the request.`;
      return new LLMRequestError(`${stub}: ${where} answered ${message}. ${advice}`, { status, retryable, cause: error, stub });
    }
    return new LLMRequestError(`${stub}: the request to ${where} failed: ${error instanceof Error ? error.message : String(error)}`, {
      retryable: false,
      cause: error,
      stub,
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

function toCompletion(response: ChatCompletion, mode: OpenAIMode, strict: boolean): Completion {
  const choice = response.choices?.[0];
  if (!choice) throw new LLMRequestError(`The endpoint's reply held no choices.`, { retryable: false });
  const message = choice.message;
  let text = message.content ?? "";
  if (mode === "tools") {
    const call = message.tool_calls?.find((toolCall) => toolCall.type === "function");
    if (call && call.type === "function") text = call.function.arguments;
  }
  const completion: Completion = { text, mode };
  if (choice.finish_reason) completion.finishReason = choice.finish_reason;
  if (message.refusal) completion.refusal = message.refusal;
  if (strict) completion.nullMeansAbsent = true;
  if (response.usage) {
    completion.usage = {
      promptTokens: response.usage.prompt_tokens ?? 0,
      completionTokens: response.usage.completion_tokens ?? 0,
      totalTokens: response.usage.total_tokens ?? 0,
    };
  }
  return completion;
}

/** A 400/422 that names the JSON feature: the endpoint does not support this mode. */
function rejectsMode(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  if (status !== 400 && status !== 422 && status !== 501) return false;
  const text = `${(error as Error).message} ${JSON.stringify((error as { error?: unknown }).error ?? "")}`;
  return /response_format|json_schema|json_object|structured output|tool_choice|tools|functions? call/i.test(text);
}

function isSdkError(error: unknown, name: string): boolean {
  // By name as well as class: a user's `client` may come from another copy of the SDK.
  for (let proto = error && Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}

/** `src/customer.ts:12 Customer.age` -> `Customer_age` (OpenAI names: `^[a-zA-Z0-9_-]{1,64}$`). */
function schemaName(specId: string): string {
  const qualified = specId.slice(specId.lastIndexOf(" ") + 1);
  return qualified.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 64) || "reply";
}

function env(name: string): string | undefined {
  const value = process.env[name];
  return value ? value : undefined;
}
