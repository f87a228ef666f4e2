import type Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages/messages";

import type { ConcurrencyLimit } from "../concurrency";
import { ConfigurationError } from "../errors";
import type { ChatMessage, Completion, CompletionRequest, LanguageModel, Usage } from "../model";
import { redactUrl, registerSecret, registerSecretsIn, secretsOfUrl } from "../redact";
import { schemaName } from "../strict-schema";
import { definedOf } from "../util";
import { ModeLadder } from "./mode-fallback";
import { backOffOrThrow, concurrencyLimitOf, env, refusalTest, requestTimeoutMs, timedOut, toRequestError, withIdleTimeout } from "./sdk-http";

/**
 * How the reply's JSON Schema reaches Claude:
 * - `"tools"`: one tool whose `input_schema` is the schema, forced with `tool_choice` (every
 *   Claude model; the API does not promise the input follows the schema, the runtime validates);
 * - `"structured"`: the native structured output, `output_config: { format: { type: "json_schema" } }`
 *   (models that offer it; constrained decoding);
 * - `"prompt"`: no schema sent, the output types in the prompt.
 */
export type AnthropicMode = "tools" | "structured" | "prompt";

/** What `anthropic()` uses of an existing `@anthropic-ai/sdk` client (any 1.x `Anthropic` instance fits). */
export interface AnthropicClient {
  baseURL: string;
  apiKey?: string | null;
  messages: { create(body: never, options?: never): PromiseLike<unknown> };
}

export interface AnthropicOptions {
  /** Model name. Default: env `ANTHROPIC_MODEL`, else `"claude-sonnet-4-5"`. */
  model?: string;
  /** API key, sent as the SDK sends it (1.x: `Authorization: Bearer`). Default: env `ANTHROPIC_API_KEY` (required by api.anthropic.com). Never shown: `[redacted]` wherever it would appear. */
  apiKey?: string;
  /** Endpoint, without `/v1`. Default: env `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`. */
  baseURL?: string;
  /**
   * An existing `@anthropic-ai/sdk` client (`new Anthropic({ ... })`), used as it is: its key,
   * endpoint, headers, fetch and proxy settings apply; `apiKey`, `baseURL`, `headers` and `fetch`
   * cannot go with it (a ConfigurationError).
   */
  client?: AnthropicClient;
  /** HTTP headers sent with every request (e.g. `anthropic-beta`), after the SDK's own. Secret-looking ones are redacted. Default: none. */
  headers?: Record<string, string>;
  /** The `fetch` the SDK calls (a proxy agent, instrumentation, tests). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** A system prompt sent before the conversation's own system messages. Default: none. */
  system?: string;
  /** Most tokens in a reply (`max_tokens`, which the Messages API requires). Default 4096. */
  maxTokens?: number;
  /** Stop sequences. */
  stop?: string[];
  /**
   * Default: `"tools"`, falling back to `"prompt"` when the endpoint refuses tools, or when a reply
   * shows the tool was not used as the schema says (remembered per endpoint, in `CallInfo.fallbacks`).
   * A mode set here is kept (no fallback); `"structured"` is only used when set, on models that offer it.
   */
  mode?: AnthropicMode;
  /** Most requests of this model in flight at once; more wait in a queue. Default 16. */
  maxConcurrency?: number;
  /** Retries of 408, 409, 429, 5xx (529 overloaded included), timeouts and connection errors, waiting as `retry-after-ms` / `retry-after` say, else with exponential backoff. Default 2. */
  maxRetries?: number;
  /** First backoff delay when the server gives no `retry-after`, in milliseconds; doubles per retry up to 8 s, with jitter. Default 500. */
  retryDelayMs?: number;
  /** Timeout of each HTTP request, in milliseconds; for a streamed reply, the longest silence between two events. Default 600000. */
  timeoutMs?: number;
}

const ANTHROPIC_BASE_URL = "https://api.anthropic.com";
const DEFAULT_MAX_TOKENS = 4096;

/** A refused tool steps down to the prompt, and so does an ignored one; `"structured"` is used only when chosen. */
const modes = new ModeLadder<AnthropicMode>(["tools", "prompt"], (mode) => mode !== "prompt", "prompt");

/** How this model names itself and its environment variables in error messages. */
const NAMES = { factory: "anthropic", env: { key: "ANTHROPIC_API_KEY", model: "ANTHROPIC_MODEL", baseURL: "ANTHROPIC_BASE_URL" }, baseURLHint: " (without /v1)" };

/** A `LanguageModel` over Anthropic's Messages API, through the official `@anthropic-ai/sdk` (an optional peer dependency, loaded at the first request). */
export class AnthropicModel implements LanguageModel {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The endpoint as shown in messages: user info and key-like query values as `[redacted]`. */
  readonly baseURL: string;
  readonly model: string;
  private readonly settings: AnthropicOptions;
  /** The endpoint requests go to (never shown: it may carry credentials). */
  private readonly endpointURL: string;
  /** `endpointURL|model`: what the mode ladder learns per endpoint. */
  private readonly endpointKey: string;
  private readonly limit: ConcurrencyLimit;
  private client: Anthropic | undefined;

  constructor(options: AnthropicOptions = {}) {
    this.settings = options;
    this.model = options.model ?? env("ANTHROPIC_MODEL") ?? "claude-sonnet-4-5";
    this.endpointURL = (options.client?.baseURL ?? options.baseURL ?? env("ANTHROPIC_BASE_URL") ?? ANTHROPIC_BASE_URL).replace(/\/+$/, "");
    this.endpointKey = `${this.endpointURL}|${this.model}`;
    // Registered before anything can fail, so no message ever shows them.
    registerSecret(options.client?.apiKey ?? undefined);
    registerSecret(options.apiKey ?? env("ANTHROPIC_API_KEY"));
    for (const secret of secretsOfUrl(this.endpointURL)) registerSecret(secret);
    registerSecretsIn(options.headers);
    if (options.client && (options.apiKey || options.baseURL || options.headers || options.fetch)) {
      throw new ConfigurationError(
        `anthropic: apiKey, baseURL, headers and fetch cannot be combined with client: the client's requests are sent as it was made. ` +
          `Give them to the client (new Anthropic({ apiKey, baseURL, defaultHeaders, fetch })), or leave client out.`,
      );
    }
    this.baseURL = redactUrl(this.endpointURL);
    this.id = `anthropic:${this.model}`;
    this.options = Object.freeze(definedOf(options, ["system", "maxTokens", "stop", "mode"]));
    if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens >= 1)) {
      throw new ConfigurationError(`anthropic: maxTokens must be a whole number >= 1, got ${options.maxTokens}.`);
    }
    this.limit = concurrencyLimitOf("anthropic", options);
  }

  complete(request: CompletionRequest): Promise<Completion> {
    return modes.run(
      request,
      this.endpointKey,
      this.settings.mode,
      (mode) => this.limit.run(() => this.send(mode, request), request.signal),
      (error) => refusesMode(error),
      (error, mode) =>
        toRequestError(error, request, {
          ...NAMES,
          where: `${this.baseURL} (model ${this.model})`,
          retries: this.settings.maxRetries ?? 2,
          refusedMode: this.settings.mode && refusesMode(error) ? mode : undefined,
        }),
    );
  }

  /** One request with retries (here, not the SDK's: its sleep between retries cannot be aborted). */
  private async send(mode: AnthropicMode, request: CompletionRequest): Promise<Completion> {
    const body = this.body(mode, request);
    const maxRetries = this.settings.maxRetries ?? 2;
    const sent = { any: false };
    for (let retry = 0; ; retry++) {
      try {
        if (request.onText) return await this.stream(mode, body, request, sent);
        const timeoutMs = requestTimeoutMs(this.settings);
        const started = performance.now();
        try {
          const message = await this.sdk().messages.create(body, { maxRetries: 0, timeout: timeoutMs, ...(request.signal ? { signal: request.signal } : {}) });
          return toCompletion(message, mode, body);
        } catch (error) {
          throw timedOut(error, request.signal, started, timeoutMs);
        }
      } catch (error) {
        await backOffOrThrow(error, retry, maxRetries, this.settings.retryDelayMs, request.signal, sent.any);
      }
    }
  }

  /** A streamed request: text deltas (tools: the tool input's JSON pieces) go to `onText` as they arrive. */
  private async stream(mode: AnthropicMode, body: MessageCreateParamsNonStreaming, request: CompletionRequest, sent: { any: boolean }): Promise<Completion> {
    const onText = request.onText!;
    const timeoutMs = requestTimeoutMs(this.settings);
    const started = performance.now();
    return withIdleTimeout(timeoutMs, request.signal, async (signal, idle) => {
      let events: AsyncIterable<RawMessageStreamEvent>;
      try {
        events = await this.sdk().messages.create({ ...body, stream: true }, { signal, maxRetries: 0, timeout: timeoutMs });
      } catch (error) {
        throw timedOut(error, request.signal, started, timeoutMs);
      }
      idle.start();
      const reply = new ReplyParts(mode, body);
      let usage: Usage | undefined;
      let stopReason: string | null = null;
      for await (const event of events) {
        idle.start();
        if (event.type === "message_start") usage = usageOf(event.message.usage);
        else if (event.type === "content_block_start") reply.start(event.index, event.content_block);
        else if (event.type === "content_block_delta") {
          const piece = reply.add(event.index, event.delta);
          if (piece) {
            sent.any = true;
            onText(piece);
          }
        } else if (event.type === "message_delta") {
          stopReason = event.delta.stop_reason;
          if (usage) usage = { ...usage, completionTokens: event.usage.output_tokens, totalTokens: usage.promptTokens + event.usage.output_tokens };
        }
      }
      if (signal.aborted) throw new Error("The stream was aborted before it ended.", { cause: signal.reason });
      const text = reply.text();
      // A forced tool that was never used: its text goes to the caller whole (the runtime then repairs).
      if (!sent.any && text) onText(text);
      return finish({ text, mode, schemaSent: mode !== "prompt" }, stopReason, usage);
    });
  }

  private body(mode: AnthropicMode, request: CompletionRequest): MessageCreateParamsNonStreaming {
    const conversation = mode === "prompt" ? request.messages : request.messagesIfSchemaSent;
    const system = [this.settings.system, ...conversation.filter((message) => message.role === "system").map((message) => message.content)].filter(Boolean).join("\n\n");
    const body: MessageCreateParamsNonStreaming = {
      model: this.model,
      max_tokens: this.settings.maxTokens ?? DEFAULT_MAX_TOKENS,
      messages: conversation.filter((message): message is ChatMessage & { role: "user" | "assistant" } => message.role !== "system"),
    };
    if (system) body.system = system;
    // The SDK's Messages parameters (1.x) have no sampling settings (temperature, top_p): none are sent.
    if (this.settings.stop !== undefined) body.stop_sequences = this.settings.stop;
    if (mode === "tools") {
      const name = schemaName(request.spec.id);
      body.tools = [{ name, description: `Give the reply of ${request.spec.id}.`, input_schema: request.replySchema as { type: "object" } }];
      body.tool_choice = { type: "tool", name, disable_parallel_tool_use: true };
    } else if (mode === "structured") {
      body.output_config = { format: { type: "json_schema", schema: request.replySchema } };
    }
    return body;
  }

  private sdk(): Anthropic {
    if (this.client) return this.client;
    if (this.settings.client) return (this.client = this.settings.client as unknown as Anthropic);
    const apiKey = this.settings.apiKey ?? env("ANTHROPIC_API_KEY");
    if (!apiKey && this.endpointURL === ANTHROPIC_BASE_URL) {
      throw new ConfigurationError(`anthropic: no API key for ${ANTHROPIC_BASE_URL}. Set the ANTHROPIC_API_KEY environment variable or pass anthropic({ apiKey }).`);
    }
    let module: typeof import("@anthropic-ai/sdk");
    try {
      module = require("@anthropic-ai/sdk") as typeof import("@anthropic-ai/sdk");
    } catch (error) {
      throw new ConfigurationError(`anthropic() needs the package @anthropic-ai/sdk (an optional peer dependency): npm install @anthropic-ai/sdk`, { cause: error });
    }
    return (this.client = new module.default({
      apiKey: apiKey ?? "no-key", // local servers ignore it; the SDK refuses to start without one
      baseURL: this.endpointURL,
      maxRetries: 0,
      ...(this.settings.headers ? { defaultHeaders: this.settings.headers } : {}),
      ...(this.settings.fetch ? { fetch: this.settings.fetch } : {}),
    }));
  }
}

/**
 * A model over Anthropic's Messages API, through the official `@anthropic-ai/sdk` (install it:
 * it is an optional peer dependency, loaded only when this model makes its first request).
 * Reads `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` and `ANTHROPIC_MODEL` for what `options` leaves out.
 */
export function anthropic(options: AnthropicOptions = {}): AnthropicModel {
  return new AnthropicModel(options);
}

/** The reply's text as it comes in content blocks: text blocks, or the forced tool's input. */
class ReplyParts {
  private readonly texts = new Map<number, string>();
  private readonly toolInputs = new Map<number, string>();
  private readonly toolName: string | undefined;

  constructor(
    private readonly mode: AnthropicMode,
    body: MessageCreateParamsNonStreaming,
  ) {
    this.toolName = mode === "tools" ? (body.tool_choice as { name: string }).name : undefined;
  }

  start(index: number, block: { type: string; name?: string; text?: string }): void {
    if (block.type === "text") this.texts.set(index, block.text ?? "");
    else if (block.type === "tool_use" && block.name === this.toolName) this.toolInputs.set(index, "");
  }

  /** Adds a delta; returns the piece the caller sees (tools mode: only the tool input's). */
  add(index: number, delta: { type: string; text?: string; partial_json?: string }): string | undefined {
    if (delta.type === "text_delta" && this.texts.has(index)) {
      this.texts.set(index, this.texts.get(index)! + delta.text);
      return this.mode === "tools" ? undefined : delta.text;
    }
    if (delta.type === "input_json_delta" && this.toolInputs.has(index)) {
      this.toolInputs.set(index, this.toolInputs.get(index)! + delta.partial_json);
      return delta.partial_json;
    }
    return undefined;
  }

  text(): string {
    if (this.toolInputs.size) return [...this.toolInputs.values()][0]!;
    return [...this.texts.values()].join("");
  }
}

function toCompletion(message: Message, mode: AnthropicMode, body: MessageCreateParamsNonStreaming): Completion {
  const toolName = mode === "tools" ? (body.tool_choice as { name: string }).name : undefined;
  const tool = message.content.find((block) => block.type === "tool_use" && block.name === toolName);
  const text =
    tool && tool.type === "tool_use"
      ? JSON.stringify(tool.input)
      : message.content
          .filter((block) => block.type === "text")
          .map((block) => (block as { text: string }).text)
          .join("");
  return finish({ text, mode, schemaSent: mode !== "prompt" }, message.stop_reason, usageOf(message.usage));
}

/** Stop reasons in the runtime's terms: a cut-off reply is `"length"` (LLMTruncatedError), a refusal sets `refusal` (LLMRefusalError). */
function finish(completion: Completion, stopReason: string | null, usage: Usage | undefined): Completion {
  if (stopReason === "max_tokens" || stopReason === "model_context_window_exceeded") completion.finishReason = "length";
  else if (stopReason) completion.finishReason = stopReason;
  if (stopReason === "refusal") completion.refusal = completion.text || `stop_reason "refusal"`;
  if (usage) completion.usage = usage;
  return completion;
}

function usageOf(usage: Message["usage"] | undefined): Usage | undefined {
  if (!usage) return undefined;
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  const completion = usage.output_tokens ?? 0;
  return { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
}

/** A 400/422 that names the feature of a mode: native structured output, or tools. */
const refusesMode = refusalTest([400, 422], /output_config|output_format|structured output|json_schema|tool_choice|\btools?\b/i);
