import type { ConcurrencyLimit } from "../concurrency";
import { ConfigurationError, LLMAbortError, LLMRequestError } from "../errors";
import type { ChatMessage, Completion, CompletionRequest, LanguageModel, Usage } from "../model";
import { redactText, registerSecretsIn } from "../redact";
import { definedOf, errorMessage } from "../util";
import { ModeLadder } from "./mode-fallback";
import { concurrencyLimitOf, retryDelay, sleep } from "./sdk-http";

/**
 * The parts of a Vercel AI SDK language model (`@ai-sdk/provider`'s `LanguageModelV3`, and
 * `LanguageModelV4`, which is the same for these parts) that `fromAISDK` uses. Written out here
 * so the runtime needs no AI SDK package; any provider's model (`@ai-sdk/openai-compatible`,
 * `@ai-sdk/google`, `@ai-sdk/mistral`, `@ai-sdk/amazon-bedrock`, ...) fits.
 */
export interface AISDKLanguageModel {
  readonly specificationVersion: string;
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: AISDKCallOptions): PromiseLike<AISDKGenerateResult>;
  doStream(options: AISDKCallOptions): PromiseLike<{ stream: ReadableStream<AISDKStreamPart> }>;
}

/** The call options `fromAISDK` sends (a subset of the specification's). */
export interface AISDKCallOptions {
  prompt: (
    | { role: "system"; content: string }
    | { role: "user"; content: { type: "text"; text: string }[] }
    | { role: "assistant"; content: { type: "text"; text: string }[] }
  )[];
  responseFormat?: { type: "text" } | { type: "json"; schema?: Record<string, unknown>; name?: string; description?: string };
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stopSequences?: string[];
  abortSignal?: AbortSignal;
  headers?: Record<string, string | undefined>;
  providerOptions?: Record<string, { [key: string]: AISDKJson | undefined }>;
}

/** A JSON value as the specification types provider options. */
export type AISDKJson = null | string | number | boolean | AISDKJson[] | { [key: string]: AISDKJson | undefined };

interface AISDKUsage {
  inputTokens: { total: number | undefined };
  outputTokens: { total: number | undefined };
}

interface AISDKGenerateResult {
  content: ReadonlyArray<{ type: string; text?: string }>;
  /** V4: the text to parse as the JSON output when it differs from the text parts joined. */
  structuredOutputText?: string;
  finishReason: { unified: string; raw: string | undefined };
  usage: AISDKUsage;
  warnings: ReadonlyArray<{ type: string; feature?: string; setting?: string; details?: string; message?: string }>;
}

type AISDKStreamPart =
  | { type: "text-delta"; delta: string }
  | { type: "finish"; usage: AISDKUsage; finishReason: { unified: string; raw: string | undefined } }
  | { type: "error"; error: unknown }
  | { type: string };

/**
 * - `"structured"`: JSON response format with the reply schema (`responseFormat: { type: "json", schema }`);
 *   the provider passes it on as its API allows (structured output, a tool, a grammar, ...).
 * - `"json"`: JSON response format without a schema, the output types in the prompt.
 */
export type AISDKMode = "structured" | "json";

export interface AISDKOptions {
  /** Most tokens in a reply (`maxOutputTokens`). Default: the provider's. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /**
   * Default: `"structured"`, falling back to `"json"` when the provider warns that it cannot send
   * the schema, or when a reply shows it was ignored (remembered per provider and model, listed in
   * `CallInfo.fallbacks`). A mode set here is kept.
   */
  mode?: AISDKMode;
  /** Extra HTTP headers of each request (the provider adds its own). Secret-looking values are redacted. Default: none. */
  headers?: Record<string, string>;
  /** Provider-specific options, passed as the specification's `providerOptions`. Part of the model's `options`. Default: none. */
  providerOptions?: Record<string, { [key: string]: AISDKJson | undefined }>;
  /** Most requests in flight at once; more wait in a queue. Default 16. */
  maxConcurrency?: number;
  /** Retries of errors the provider marks retryable (`APICallError.isRetryable`: 408, 409, 429, 5xx), waiting as `retry-after-ms` / `retry-after` say, else with backoff. Default 2. */
  maxRetries?: number;
  /** First backoff delay without `retry-after`, in milliseconds; doubles per retry up to 8 s. Default 500. */
  retryDelayMs?: number;
}

const SPECIFICATIONS = new Set(["v3", "v4"]);
const modes = new ModeLadder<AISDKMode>(["structured", "json"], (mode) => mode === "structured", "json");

/** The provider answered, but said it did not send the schema (a warning): the request is made again in JSON mode. */
class SchemaNotSupported extends Error {}

/** A `LanguageModel` over a Vercel AI SDK language model (specification v3 or v4). */
export class AISDKModel implements LanguageModel {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  private readonly limit: ConcurrencyLimit;

  constructor(
    readonly model: AISDKLanguageModel,
    private readonly settings: AISDKOptions = {},
  ) {
    if (!model || typeof model.doGenerate !== "function") throw new ConfigurationError(`fromAISDK(model): model must be an AI SDK language model (with doGenerate), got ${typeof model}.`);
    if (!SPECIFICATIONS.has(model.specificationVersion)) {
      throw new ConfigurationError(
        `fromAISDK(model): ${model.provider}:${model.modelId} implements the AI SDK language model specification "${model.specificationVersion}"; ` +
          `supported are ${[...SPECIFICATIONS].join(" and ")} (@ai-sdk/provider 3 and 4, the providers of ai 6 and 7). Update the provider package.`,
      );
    }
    registerSecretsIn(settings.headers);
    this.id = `ai-sdk:${model.provider}:${model.modelId}`;
    this.options = Object.freeze(definedOf(settings, ["maxTokens", "temperature", "topP", "seed", "stop", "mode", "providerOptions"]));
    this.limit = concurrencyLimitOf("fromAISDK", settings);
  }

  complete(request: CompletionRequest): Promise<Completion> {
    return modes.run(
      request,
      `${this.model.provider}|${this.model.modelId}`,
      this.settings.mode,
      (mode) => this.limit.run(() => this.send(mode, request), request.signal),
      (error) => error instanceof SchemaNotSupported,
      (error) => this.requestError(error, request),
    );
  }

  private async send(mode: AISDKMode, request: CompletionRequest): Promise<Completion> {
    const options = this.callOptions(mode, request);
    const maxRetries = this.settings.maxRetries ?? 2;
    for (let retry = 0; ; retry++) {
      const sent = { any: false };
      try {
        return request.onText ? await this.stream(mode, options, request.onText, sent) : await this.generate(mode, options);
      } catch (error) {
        if (retry >= maxRetries || request.signal?.aborted || sent.any || (error as { isRetryable?: unknown }).isRetryable !== true) throw error;
        await sleep(retryDelay(withHeaders(error), retry, this.settings.retryDelayMs ?? 500), request.signal);
      }
    }
  }

  private async generate(mode: AISDKMode, options: AISDKCallOptions): Promise<Completion> {
    const result = await this.model.doGenerate(options);
    if (mode === "structured") checkSchemaSent(result.warnings);
    const text = result.structuredOutputText ?? result.content.filter((part) => part.type === "text").map((part) => part.text ?? "").join("");
    return finish({ text, mode, schemaSent: mode === "structured" }, result.finishReason, result.usage);
  }

  /** Streamed: each text delta goes to `onText` as it arrives. */
  private async stream(mode: AISDKMode, options: AISDKCallOptions, onText: (delta: string) => void, sent: { any: boolean }): Promise<Completion> {
    const { stream } = await this.model.doStream(options);
    let text = "";
    let finishReason: { unified: string; raw: string | undefined } | undefined;
    let usage: AISDKUsage | undefined;
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value: part } = await reader.read();
        if (done) break;
        if (part.type === "stream-start" && mode === "structured") checkSchemaSent((part as { warnings?: AISDKGenerateResult["warnings"] }).warnings ?? []);
        else if (part.type === "text-delta") {
          const delta = (part as { delta: string }).delta;
          text += delta;
          sent.any = true;
          onText(delta);
        } else if (part.type === "finish") ({ finishReason, usage } = part as { finishReason: typeof finishReason; usage: AISDKUsage });
        else if (part.type === "error") throw (part as { error: unknown }).error;
      }
    } finally {
      reader.releaseLock();
    }
    if (options.abortSignal?.aborted) throw new Error("The stream was aborted before it ended.", { cause: options.abortSignal.reason });
    return finish({ text, mode, schemaSent: mode === "structured" }, finishReason, usage);
  }

  private callOptions(mode: AISDKMode, request: CompletionRequest): AISDKCallOptions {
    const conversation = mode === "structured" ? request.messagesIfSchemaSent : request.messages;
    const options: AISDKCallOptions = {
      prompt: conversation.map(toPromptMessage),
      responseFormat: mode === "structured" ? { type: "json", schema: request.replySchema, name: "reply" } : { type: "json" },
    };
    const { maxTokens, temperature, topP, seed, stop, headers, providerOptions } = this.settings;
    if (maxTokens !== undefined) options.maxOutputTokens = maxTokens;
    if (temperature !== undefined) options.temperature = temperature;
    if (topP !== undefined) options.topP = topP;
    if (seed !== undefined) options.seed = seed;
    if (stop !== undefined) options.stopSequences = stop;
    if (headers !== undefined) options.headers = headers;
    if (providerOptions !== undefined) options.providerOptions = providerOptions;
    if (request.signal) options.abortSignal = request.signal;
    return options;
  }

  private requestError(error: unknown, request: CompletionRequest): Error {
    const stub = request.spec.id;
    const where = `the AI SDK model ${this.model.provider}:${this.model.modelId}`;
    if (error instanceof LLMRequestError || error instanceof ConfigurationError || error instanceof LLMAbortError) return error;
    if (request.signal?.aborted) return new LLMAbortError(`${stub}: the request to ${where} was aborted.`, { cause: request.signal.reason ?? error, stub });
    const message = redactText(errorMessage(error));
    const status = (error as { statusCode?: unknown }).statusCode;
    const retryable = (error as { isRetryable?: unknown }).isRetryable === true;
    const retries = retryable ? `, still after ${this.settings.maxRetries ?? 2} retries with backoff` : "";
    return new LLMRequestError(`${stub}: ${where} failed${retries}: ${message}`, {
      retryable,
      cause: error,
      stub,
      ...(typeof status === "number" ? { status } : {}),
    });
  }
}

/**
 * A `LanguageModel` over any Vercel AI SDK language model, e.g.
 * `fromAISDK(createOpenAICompatible({ name: "local", baseURL }).chatModel("llama3"))` or
 * `fromAISDK(google("gemini-2.5-flash"))`. Accepts the language model specifications v3
 * (`@ai-sdk/provider` 3, with `ai` 6) and v4 (`@ai-sdk/provider` 4, with `ai` 7). The provider
 * package owns keys, endpoints, headers, `fetch` and proxies: configure them where you create it.
 */
export function fromAISDK(model: AISDKLanguageModel, options: AISDKOptions = {}): AISDKModel {
  return new AISDKModel(model, options);
}

function toPromptMessage(message: ChatMessage): AISDKCallOptions["prompt"][number] {
  if (message.role === "system") return { role: "system", content: message.content };
  return { role: message.role, content: [{ type: "text", text: message.content }] };
}

/** A warning that the provider could not send the response format's schema (it then asked for JSON only, or text). */
function checkSchemaSent(warnings: AISDKGenerateResult["warnings"]): void {
  const dropped = warnings.find(
    (warning) => (warning.type === "unsupported" || warning.type === "unsupported-setting") && /responseFormat|response_format|schema/i.test(`${warning.feature ?? ""} ${warning.setting ?? ""}`),
  );
  if (dropped) {
    throw new SchemaNotSupported(`The provider did not send the schema: ${[dropped.feature ?? dropped.setting, dropped.details ?? dropped.message].filter(Boolean).join(": ")}`);
  }
}

/** Finish reasons in the runtime's terms: `"length"` (LLMTruncatedError), `"content_filter"` (LLMRefusalError), else the unified reason. */
function finish(completion: Completion, finishReason: { unified: string; raw: string | undefined } | undefined, usage: AISDKUsage | undefined): Completion {
  if (finishReason) completion.finishReason = finishReason.unified === "content-filter" ? "content_filter" : finishReason.unified;
  if (usage) completion.usage = usageOf(usage);
  return completion;
}

function usageOf(usage: AISDKUsage): Usage {
  const prompt = usage.inputTokens?.total ?? 0;
  const output = usage.outputTokens?.total ?? 0;
  return { promptTokens: prompt, completionTokens: output, totalTokens: prompt + output };
}

/** `APICallError.responseHeaders` (a plain record) as the `headers.get` that `retryDelay` reads. */
function withHeaders(error: unknown): unknown {
  const headers = (error as { responseHeaders?: Record<string, string> }).responseHeaders;
  if (!headers) return error;
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { headers: { get: (name: string) => lower[name.toLowerCase()] ?? null } };
}
