/**
 * `fromAISDK()`: a Vercel AI SDK language model as a LanguageModel. With the AI SDK's own
 * OpenAI-compatible provider against the local server (real HTTP, answers from what each request
 * carries), with the AI SDK's mock language model (`ai/test`), and with a model object written to
 * the v4 specification's published types (@ai-sdk/provider 4 needs Node 22, so no v4 provider
 * package runs here: only the shape is checked, against its types as published).
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, type LanguageModelV3, type LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { MockLanguageModelV3 } from "ai/test";
import { ConfigurationError, fromAISDK, LLMAbortError, LLMRefusalError, LLMTruncatedError, withCallOptions, type CallInfo } from "../../runtime";
import { compiledCustomerDatabase, customerFlow } from "../helpers/customer-flow";
import { useOpenAIServer } from "../helpers/use-openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(60_000);

const MockCustomerDatabase = compiledCustomerDatabase("providers-ai-sdk", 4);

const server = useOpenAIServer(customerModel);

describe("@ai-sdk/openai-compatible against the local server", () => {
  test("with structured outputs: the schema goes as response_format json_schema; usage and finish reasons come back", async () => {
    const provider = createOpenAICompatible({ name: "local", baseURL: server.baseURL, supportsStructuredOutputs: true, headers: { "x-provider": "p" } });
    const model = fromAISDK(provider.chatModel("local-structured"), { maxTokens: 300, headers: { "x-call": "c" } });
    expect(model.id).toBe("ai-sdk:local.chat:local-structured");
    const calls = await customerFlow(MockCustomerDatabase, model);
    expect(calls).toHaveLength(6);
    expect(calls.every((call) => call.mode === "structured" && call.attempts.length === 1 && call.fallbacks.length === 0)).toBe(true);
    const first = server.requests[0]!;
    expect(first.body.response_format?.type).toBe("json_schema");
    expect(first.body.response_format?.json_schema?.schema).toMatchObject({ required: ["value"] });
    expect(first.body.max_tokens).toBe(300);
    expect(first.headers["x-provider"]).toBe("p");
    expect(first.headers["x-call"]).toBe("c");
    expect(first.body.messages[0]!.content).not.toContain("interface Customer");
    expect(calls[0]!.usage.promptTokens).toBe(Math.ceil(first.raw.length / 4));
    expect(calls[0]!.attempts[0]!.finishReason).toBe("stop");
  });

  test("a provider that warns it cannot send the schema: JSON mode with the types in the prompt, remembered", async () => {
    // Without supportsStructuredOutputs the provider sends json_object and warns that the schema was not sent.
    const model = fromAISDK(createOpenAICompatible({ name: "plain", baseURL: server.baseURL }).chatModel("local-plain"));
    const calls = await customerFlow(MockCustomerDatabase, model);
    expect(calls[0]!.fallbacks).toEqual([{ from: "structured", to: "json", reason: expect.stringMatching(/did not send the schema/) }]);
    expect(calls.every((call) => call.mode === "json" && call.attempts.length === 1)).toBe(true);
    expect(calls.slice(1).every((call) => call.fallbacks.length === 0)).toBe(true);
    const asked = server.requests.filter((request) => request.body.messages[0]!.content.startsWith("Create mock customers"));
    expect(asked.at(-1)!.body.messages[0]!.content).toContain("interface Customer");
  });

  test("retries a 429 as retry-after-ms says, then succeeds", async () => {
    server.setHandler((request, index) => (index === 0 ? { status: 429, headers: { "retry-after-ms": "200" }, body: { error: { message: "slow down" } } } : customerModel(request)));
    const model = fromAISDK(createOpenAICompatible({ name: "retry", baseURL: server.baseURL, supportsStructuredOutputs: true }).chatModel("local-retry"), { retryDelayMs: 1 });
    const started = performance.now();
    await withCallOptions({ model }, () => new MockCustomerDatabase().load());
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(server.requests).toHaveLength(2);
  });

  test("streaming: text deltas arrive as partials", async () => {
    const model = fromAISDK(createOpenAICompatible({ name: "stream", baseURL: server.baseURL, supportsStructuredOutputs: true }).chatModel("local-stream"));
    const partials: unknown[] = [];
    await withCallOptions({ model, onPartial: (partial) => partials.push(structuredClone(partial)) }, () => new MockCustomerDatabase().load());
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(partials.length).toBeGreaterThan(3);
  });
});

/** A mock v3 model answering from the prompt it is given. */
function mockModel(reply: (prompt: string) => Partial<LanguageModelV3GenerateResult>): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: "mock",
    modelId: "mock-1",
    doGenerate: async (options) => {
      const first = options.prompt.find((message) => message.role === "user")!;
      const text = (first.content[0] as { text: string }).text;
      return {
        content: [],
        finishReason: { unified: "stop", raw: "stop" },
        usage: { inputTokens: { total: 11, noCache: 11, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } },
        warnings: [],
        ...reply(text),
      };
    },
  });
}

describe("the AI SDK's mock language model", () => {
  test("response format with the schema, usage, the call's signal", async () => {
    const mock = mockModel(() => ({ content: [{ type: "text", text: JSON.stringify({ value: [{ key: "k", firstName: "A", lastName: "B", birthdate: "1990-01-01", address: "x" }] }) }] }));
    const calls: CallInfo[] = [];
    const controller = new AbortController();
    await withCallOptions({ model: fromAISDK(mock), onCall: (info) => calls.push(info), signal: controller.signal }, () => new MockCustomerDatabase().load());
    const options = mock.doGenerateCalls[0]!;
    expect(options.responseFormat).toMatchObject({ type: "json", schema: { required: ["value"] } });
    expect(options.abortSignal).toBeInstanceOf(AbortSignal);
    expect(calls[0]!.usage).toEqual({ promptTokens: 11, completionTokens: 7, totalTokens: 18 });
  });

  test("finish reasons: length is a truncation, content-filter a refusal", async () => {
    const ask = (unified: "length" | "content-filter") =>
      withCallOptions({ model: fromAISDK(mockModel(() => ({ content: [{ type: "text", text: '{"value":[' }], finishReason: { unified, raw: unified } }))) }, () =>
        new MockCustomerDatabase().load(),
      );
    await expect(ask("length")).rejects.toThrow(LLMTruncatedError);
    await expect(ask("content-filter")).rejects.toThrow(LLMRefusalError);
  });

  test("abort: the provider's abort ends the call as an LLMAbortError", async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: (options) =>
        new Promise((_, reject) => options.abortSignal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true })),
    });
    const controller = new AbortController();
    const call = withCallOptions({ model: fromAISDK(mock), signal: controller.signal }, () => new MockCustomerDatabase().load());
    while (mock.doGenerateCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(call).rejects.toThrow(LLMAbortError);
  });

  test("a retryable APICallError is retried; a non-retryable one is reported with its status", async () => {
    let calls = 0;
    const flaky = new MockLanguageModelV3({
      doGenerate: async () => {
        if (++calls === 1) throw new APICallError({ message: "overloaded", url: "u", requestBodyValues: {}, statusCode: 503, isRetryable: true });
        if (calls === 2) throw new APICallError({ message: "bad request", url: "u", requestBodyValues: {}, statusCode: 400, isRetryable: false });
        throw new Error("not reached");
      },
    });
    const error = await withCallOptions({ model: fromAISDK(flaky, { retryDelayMs: 1 }) }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(calls).toBe(2);
    expect(error).toMatchObject({ name: "LLMRequestError", status: 400, retryable: false });
  });
});

describe("specification versions", () => {
  test("a v4 model (the shape of @ai-sdk/provider 4's published LanguageModelV4): structuredOutputText is the reply", async () => {
    const v4: Parameters<typeof fromAISDK>[0] = {
      specificationVersion: "v4",
      provider: "hand",
      modelId: "v4",
      doGenerate: async () => ({
        content: [{ type: "text", text: "draft" }, { type: "text", text: "final" }],
        structuredOutputText: JSON.stringify({ value: [] }),
        finishReason: { unified: "stop", raw: undefined },
        usage: { inputTokens: { total: 1 }, outputTokens: { total: 1 } },
        warnings: [],
      }),
      doStream: () => Promise.reject(new Error("not used")),
    };
    await expect(withCallOptions({ model: fromAISDK(v4) }, () => MockCustomerDatabase.createMockCustomers(0))).resolves.toEqual([]);
  });

  test("another specification version is a ConfigurationError that names the supported ones", () => {
    const v2 = { ...new MockLanguageModelV3(), specificationVersion: "v2" } as unknown as LanguageModelV3;
    expect(() => fromAISDK(v2)).toThrow(ConfigurationError);
    expect(() => fromAISDK(v2)).toThrow(/supported are v3 and v4/);
  });
});
