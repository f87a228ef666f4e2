/**
 * `anthropic()` through the real `@anthropic-ai/sdk` against a local server speaking the Messages
 * API over real HTTP, answering from what each request carries: the customer flow in each mode,
 * an endpoint that ignores the forced tool, stop reasons, retries honouring retry-after, timeouts
 * (of a request, and of a stream that stalls), abort, the concurrency limit, streaming, the client
 * options (headers, fetch, a client instance, environment variables) and what is never shown.
 */
import Anthropic from "@anthropic-ai/sdk";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import {
  anthropic,
  ConfigurationError,
  LLMAbortError,
  LLMRefusalError,
  LLMRequestError,
  LLMTimeoutError,
  LLMTruncatedError,
  withCallOptions,
  type AnthropicOptions,
} from "../../runtime";
import { startMessagesServer, type MessagesReply, type MessagesRequest, type MessagesServer } from "../helpers/anthropic-server";
import { REPO_ROOT } from "../helpers/compile";
import { compiledCustomerDatabase, customerFlow } from "../helpers/customer-flow";
import { customerTask } from "../helpers/endpoint-imitations";

jest.setTimeout(60_000);

/** Claude as the server imitates it: the forced tool's input follows its schema; native structured output follows its schema. */
function claude(request: MessagesRequest): MessagesReply {
  const { body } = request;
  const tool = body.tool_choice?.type === "tool" ? body.tools?.find((candidate) => candidate.name === body.tool_choice!.name) : undefined;
  const schema = tool?.input_schema ?? body.output_config?.format?.schema;
  const value = customerTask(body.messages, schema);
  return tool ? { toolInput: JSON.stringify(value) } : { text: JSON.stringify(value) };
}

const MockCustomerDatabase = compiledCustomerDatabase("providers-anthropic", 4);

let server: MessagesServer;
beforeAll(async () => {
  server = await startMessagesServer(claude);
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.setHandler(claude);
});

/** The key a request carried (SDK 1.x sends it as a bearer token; older ones as x-api-key). */
function keyOf(request: MessagesRequest): string | undefined {
  return (request.headers["x-api-key"] as string | undefined) ?? request.headers.authorization?.replace(/^Bearer /, "");
}

let modelCount = 0;
/** A model on the local server; each gets its own model name, so what one learns about the endpoint does not carry over. */
function model(options: AnthropicOptions = {}) {
  return anthropic({ baseURL: server.baseURL, apiKey: "sk-ant-test-key", model: `claude-test-${++modelCount}`, retryDelayMs: 1, ...options });
}

const flow = (options: AnthropicOptions = {}) => customerFlow(MockCustomerDatabase, model(options));

describe("the customer flow", () => {
  test("default: a forced tool carries the schema; max_tokens, system prompt, key and usage", async () => {
    const calls = await flow({ system: "You are a careful assistant." });
    expect(calls).toHaveLength(6);
    expect(calls.every((call) => call.mode === "tools" && call.attempts.length === 1 && call.fallbacks.length === 0)).toBe(true);
    const first = server.requests[0]!;
    expect(first.body.max_tokens).toBe(4096);
    expect(first.body.system).toBe("You are a careful assistant.");
    expect(keyOf(first)).toBe("sk-ant-test-key");
    expect(first.body.tool_choice).toEqual({ type: "tool", name: "createMockCustomers", disable_parallel_tool_use: true });
    expect(first.body.tools![0]!.input_schema).toMatchObject({ type: "object", required: ["value"] });
    // The schema went with the tool, so the prompt leaves the output types out.
    expect(first.body.messages[0]!.content).not.toContain("interface Customer");
    expect(calls[0]!.usage.promptTokens).toBe(Math.ceil(first.raw.length / 4));
    expect(calls[0]!.usage.completionTokens).toBeGreaterThan(0);
    expect(calls[0]!.model).toMatch(/^anthropic:claude-test-\d+$/);
  });

  test("structured: the native JSON-schema output carries the schema", async () => {
    const calls = await flow({ mode: "structured", maxTokens: 1000 });
    expect(calls.every((call) => call.mode === "structured" && call.attempts.length === 1)).toBe(true);
    expect(server.requests[0]!.body.output_config?.format).toMatchObject({ type: "json_schema", schema: { required: ["value"] } });
    expect(server.requests[0]!.body.tools).toBeUndefined();
    expect(server.requests[0]!.body.max_tokens).toBe(1000);
  });

  test("prompt: no schema sent, the output types in the prompt", async () => {
    const calls = await flow({ mode: "prompt" });
    expect(calls.every((call) => call.mode === "prompt" && call.attempts.length === 1)).toBe(true);
    expect(server.requests[0]!.body.messages[0]!.content).toContain("interface Customer");
    expect(server.requests[0]!.body.tools).toBeUndefined();
  });

  test("an endpoint that ignores the forced tool: the repair carries the types, and the endpoint falls back to the prompt", async () => {
    // The tool is never called: the model answers in text, from what the prompt says.
    server.setHandler((request) => ({ text: JSON.stringify(customerTask(request.body.messages, undefined)) }));
    const calls = await flow();
    expect(calls[0]!.attempts.map((attempt) => attempt.mode)).toEqual(["tools", "prompt"]);
    expect(calls[0]!.fallbacks).toEqual([{ from: "tools", to: "prompt", reason: expect.stringMatching(/not the JSON object the schema asks for/) }]);
    expect(server.requests[1]!.body.messages[0]!.content).toContain("interface Customer");
    expect(calls.slice(1).every((call) => call.mode === "prompt" && call.attempts.length === 1)).toBe(true);
  });

  test("an endpoint that refuses tools (400 naming them): falls back to the prompt at once", async () => {
    server.setHandler((request) =>
      request.body.tools ? { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "tools: not supported by this model" } } } : claude(request),
    );
    const calls = await flow();
    expect(calls[0]!.fallbacks).toEqual([{ from: "tools", to: "prompt", reason: expect.stringContaining("tools: not supported") }]);
    expect(calls.every((call) => call.mode === "prompt")).toBe(true);
  });
});

describe("stop reasons", () => {
  test("max_tokens is a truncated reply, refusal a refusal", async () => {
    const ask = () => withCallOptions({ model: model() }, () => new MockCustomerDatabase().load());
    server.setHandler(() => ({ toolInput: '{"value":[]}', stopReason: "max_tokens" }));
    await expect(ask()).rejects.toThrow(LLMTruncatedError);
    server.setHandler(() => ({ text: "I can't help with that.", stopReason: "refusal" }));
    const refusal = await ask().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LLMRefusalError);
    expect((refusal as LLMRefusalError).refusal).toBe("I can't help with that.");
  });
});

describe("requests", () => {
  test("retries 529 and 429, waiting as retry-after-ms / retry-after say", async () => {
    server.setHandler((request, index) =>
      index === 0
        ? { status: 529, headers: { "retry-after-ms": "300" }, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }
        : index === 1
          ? { status: 429, headers: { "retry-after": "0" }, body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } } }
          : claude(request),
    );
    const started = performance.now();
    await withCallOptions({ model: model() }, () => new MockCustomerDatabase().load());
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.requests).toHaveLength(3);
  });

  test("gives up after maxRetries with a retryable LLMRequestError that says so", async () => {
    server.setHandler(() => ({ status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }));
    const error = await withCallOptions({ model: model({ maxRetries: 1 }) }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect((error as LLMRequestError).status).toBe(529);
    expect((error as LLMRequestError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/still after 1 retries/);
    expect(server.requests).toHaveLength(2);
  });

  test("timeoutMs: a request left unanswered times out, each try, then fails with LLMTimeoutError", async () => {
    server.setHandler(() => ({ hang: true }));
    const error = await withCallOptions({ model: model({ timeoutMs: 200, maxRetries: 1 }) }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect((error as Error).message).toMatch(/timed out after 200 ms, 2 times\. Raise anthropic\(\{ timeoutMs \}\)/);
    expect(server.requests).toHaveLength(2);
  });

  test("streamed: timeoutMs is the longest silence between events; a stalled stream times out and its connection closes", async () => {
    server.setHandler((request) => ({ ...claude(request), hangAfterEvents: 3 }));
    const partials: unknown[] = [];
    const started = performance.now();
    // 2 s, not less: the events must reach the client before the timer first runs out, which a
    // stall of the process (this one serves them too) as short as 300 ms prevented under load.
    const call = withCallOptions({ model: model({ timeoutMs: 2_000, maxRetries: 0 }), onPartial: (partial) => partials.push(partial) }, () =>
      MockCustomerDatabase.createMockCustomers(3),
    );
    const error = await call.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect((error as Error).message).toContain("timed out after 2000 ms, 1 time");
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_990);
    // The events before the silence arrived (message_start, content_block_start, a first piece of the tool input).
    expect(partials.length).toBeGreaterThan(0);
    while (!server.requests[0]!.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
  });

  test("abort: the caller's signal ends the request on the wire", async () => {
    server.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const call = withCallOptions({ model: model(), signal: controller.signal }, () => new MockCustomerDatabase().load());
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(call).rejects.toThrow(LLMAbortError);
    while (!server.requests[0]!.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.requests[0]!.aborted).toBe(true);
  });

  test("the concurrency limit holds requests in a queue", async () => {
    server.setHandler((request) => ({ ...claude(request), delayMs: 30 }));
    await withCallOptions({ model: model({ maxConcurrency: 2 }) }, async () => {
      const database = new MockCustomerDatabase();
      await database.load();
      await Promise.all([...database.customers, ...database.customers].map((customer) => customer.age));
    });
    expect(server.requests).toHaveLength(9);
    expect(server.inFlight.max).toBe(2);
  });

  test("streaming: the tool input's pieces arrive as partials", async () => {
    const partials: unknown[] = [];
    const customers = await withCallOptions({ model: model(), onPartial: (partial) => partials.push(structuredClone(partial)) }, () =>
      MockCustomerDatabase.createMockCustomers(3),
    );
    expect(customers).toHaveLength(3);
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(partials.length).toBeGreaterThan(3);
    expect(partials[partials.length - 1]).toEqual(customers.map((customer) => ({ ...(customer as object) })));
  });
});

describe("options", () => {
  test("headers go with every request; a custom fetch is used", async () => {
    const seen: string[] = [];
    const fetching: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    await withCallOptions({ model: model({ headers: { "anthropic-beta": "test-beta", "x-trace": "t1" }, fetch: fetching }) }, () => new MockCustomerDatabase().load());
    expect(server.requests[0]!.headers["anthropic-beta"]).toBe("test-beta");
    expect(server.requests[0]!.headers["x-trace"]).toBe("t1");
    expect(seen).toEqual([`${server.baseURL}/v1/messages`]);
  });

  test("an existing client is used as it is; with apiKey/headers it is a ConfigurationError", async () => {
    const client = new Anthropic({ apiKey: "sk-ant-client-key", baseURL: server.baseURL, defaultHeaders: { "x-from": "client" } });
    await withCallOptions({ model: anthropic({ client, model: "claude-client" }) }, () => new MockCustomerDatabase().load());
    expect(keyOf(server.requests[0]!)).toBe("sk-ant-client-key");
    expect(server.requests[0]!.headers["x-from"]).toBe("client");
    expect(() => anthropic({ client, apiKey: "other" })).toThrow(ConfigurationError);
  });

  test("ANTHROPIC_BASE_URL, ANTHROPIC_MODEL and ANTHROPIC_API_KEY fill what the options leave out", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { ANTHROPIC_BASE_URL: server.baseURL, ANTHROPIC_MODEL: "claude-from-env", ANTHROPIC_API_KEY: "sk-ant-env-key" });
      const fromEnv = anthropic();
      expect(fromEnv.id).toBe("anthropic:claude-from-env");
      await withCallOptions({ model: fromEnv }, () => new MockCustomerDatabase().load());
      expect(server.requests[0]!.body.model).toBe("claude-from-env");
      expect(keyOf(server.requests[0]!)).toBe("sk-ant-env-key");
    } finally {
      process.env = saved;
    }
  });

  test("the key is never shown: a 401 that echoes it says [redacted]; id and options hold no key", async () => {
    server.setHandler((request) => ({ status: 401, body: { type: "error", error: { type: "authentication_error", message: `invalid x-api-key ${keyOf(request)}` } } }));
    const keyed = model({ apiKey: "sk-ant-secret-0123456789" });
    const error = await withCallOptions({ model: keyed }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "LLMRequestError", status: 401 });
    expect((error as Error).message).toContain("invalid x-api-key [redacted]");
    expect((error as Error).message).toMatch(/set ANTHROPIC_API_KEY or pass anthropic\(\{ apiKey \}\)/);
    expect(JSON.stringify([keyed.id, keyed.options])).not.toContain("sk-ant-secret");
  });

  test("credentials in baseURL are never shown: a reply that echoes the password says [redacted]", async () => {
    const password = "sk-ant-url-password-0123";
    server.setHandler(() => ({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: `wrong password ${password} for bob` } } }));
    const withCredentials = new URL(server.baseURL);
    withCredentials.username = "bob";
    withCredentials.password = password;
    // fetch refuses URLs with credentials: this one takes them off, as an authenticating proxy's fetch would.
    const fetching: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      url.username = url.password = "";
      return fetch(url, init);
    };
    const keyed = anthropic({ baseURL: withCredentials.toString(), model: "claude-credentials", fetch: fetching, maxRetries: 0 });
    const error = await withCallOptions({ model: keyed }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "LLMRequestError", status: 400 });
    expect((error as Error).message).toContain("wrong password [redacted] for bob");
    expect(keyed.baseURL).toBe(`http://[redacted]@${withCredentials.host}`);
  });

  test("without a key for api.anthropic.com: a ConfigurationError that says what to set", async () => {
    const saved = { ...process.env };
    try {
      delete process.env.ANTHROPIC_API_KEY;
      delete process.env.ANTHROPIC_BASE_URL;
      await expect(withCallOptions({ model: anthropic() }, () => new MockCustomerDatabase().load())).rejects.toThrow(/ANTHROPIC_API_KEY/);
    } finally {
      process.env = saved;
    }
  });
});

test("the runtime loads without @anthropic-ai/sdk: the SDK is required only at anthropic()'s first request", () => {
  const script = `const runtime = require(${JSON.stringify(path.join(REPO_ROOT, "dist", "runtime"))}); runtime.anthropic({ apiKey: "k" });
console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes("@anthropic-ai"))));`;
  expect(JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }))).toEqual([]);
});
