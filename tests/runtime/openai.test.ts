/**
 * The `openAI` model through the real `openai` SDK against a real local HTTP server that
 * answers from what each request carries (so a prompt missing the inputs fails the test).
 */
import {
  configure,
  LLMAbortError,
  LLMOutputError,
  LLMRefusalError,
  LLMRequestError,
  LLMTimeoutError,
  LLMTruncatedError,
  openAI,
  withCallOptions,
  type CallInfo,
  type OpenAIOptions,
} from "../../runtime";
import { lastUserText, startOpenAIServer } from "../helpers/openai-server";
import { useOpenAIServer } from "../helpers/use-openai-server";
import { Customer, CustomerDatabase, customerJson, customerModel, inputOf, MockCustomerDatabase } from "./customer-specs";

// Real HTTP through the SDK, in the process that also serves it: on a loaded machine a test can
// outlive jest's 5 s default.
jest.setTimeout(60_000);

const server = useOpenAIServer(customerModel);
let before: ReturnType<typeof configure>;
const calls: CallInfo[] = [];

beforeEach(() => {
  calls.length = 0;
  before = configure({ model: undefined, maxRepairs: 2, onCall: (info) => calls.push(info) });
});
afterEach(() => {
  configure(before);
});

function model(options: OpenAIOptions = {}) {
  return openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "test-model", ...options });
}

describe("modes", () => {
  test("structured: strict json_schema, optional properties nullable, null mapped back to absent", async () => {
    configure({ model: model({ mode: "structured", temperature: 0.2, maxTokens: 300 }) });
    const customers = await MockCustomerDatabase.createMockCustomers(2);
    expect(customers).toHaveLength(2);
    expect(customers[0]).toBeInstanceOf(Customer);
    expect("nickname" in customers[0]!).toBe(false);

    const { body } = server.requests[0]!;
    expect(body.temperature).toBe(0.2);
    expect(body.max_tokens).toBe(300);
    const format = body.response_format!;
    expect(format.type).toBe("json_schema");
    expect(format.json_schema!.name).toBe("createMockCustomers");
    expect(format.json_schema!.strict).toBe(true);
    type StrictObject = { type: string; required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    const schema = format.json_schema!.schema as { properties: { value: { type: string; items: StrictObject } }; $defs?: unknown };
    // Customer is used once, so it is written in place rather than as a $defs entry.
    expect(schema.$defs).toBeUndefined();
    const customer = schema.properties.value.items;
    expect(schema.properties.value.type).toBe("array");
    expect(customer.required).toEqual(["key", "firstName", "lastName", "birthdate", "address", "nickname"]);
    expect(customer.additionalProperties).toBe(false);
    expect(customer.properties.nickname).toEqual({ type: ["string", "null"] });
    // The schema travels in response_format, so the prompt leaves the output types out.
    expect(body.messages[0]!.content).not.toContain("interface Customer");
    expect(calls[0]).toMatchObject({ mode: "structured", fallbacks: [] });
  });

  test("tools: one forced function whose parameters are the reply schema", async () => {
    configure({ model: model({ mode: "tools" }) });
    const customer = Object.assign(new Customer(), customerJson(0, 1990));
    await expect(customer.age).resolves.toBe(32);
    const { body } = server.requests[0]!;
    expect(body.response_format).toBeUndefined();
    expect(body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "age",
          parameters: { type: "object", properties: { value: { type: "integer", minimum: 0 } }, required: ["value"], additionalProperties: false },
          strict: true,
        },
      },
    ]);
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "age" } });
    expect(calls[0]!.mode).toBe("tools");
  });

  test("json: JSON mode with the output types in the prompt", async () => {
    configure({ model: model({ mode: "json" }) });
    await MockCustomerDatabase.createMockCustomers(1);
    const { body } = server.requests[0]!;
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body.messages[0]!.content).toContain("interface Customer {");
  });

  test("prompt: no response_format at all, the output types in the prompt", async () => {
    configure({ model: model({ mode: "prompt" }) });
    await MockCustomerDatabase.createMockCustomers(1);
    const { body } = server.requests[0]!;
    expect(body.response_format).toBeUndefined();
    expect(body.tools).toBeUndefined();
    expect(body.messages[0]!.content).toContain("interface Customer {");
  });

  test("an endpoint rejecting json_schema: fall back to JSON mode once, remember it, record it", async () => {
    // Its own server: what an endpoint rejects is remembered per endpoint.
    const limited = await startOpenAIServer((request) =>
      // As llama.cpp-style servers answer an unsupported response_format.
      request.body.response_format?.type === "json_schema"
        ? { status: 400, body: { error: { message: "'response_format.type' must be 'json_object' or 'text'", type: "invalid_request_error" } } }
        : customerModel(request),
    );
    try {
      const limitedModel = () => openAI({ baseURL: limited.baseURL, apiKey: "k", model: "local" });
      configure({ model: limitedModel() });
      const customers = await MockCustomerDatabase.createMockCustomers(1);
      expect(customers[0]!.key).toBe("c0");
      expect(limited.requests.map((request) => request.body.response_format?.type)).toEqual(["json_schema", "json_object"]);
      expect(calls[0]!.mode).toBe("json");
      expect(calls[0]!.fallbacks).toEqual([{ from: "structured", to: "json", reason: expect.stringContaining("response_format") }]);
      // JSON mode carries the types in the prompt instead.
      expect(limited.requests[1]!.body.messages[0]!.content).toContain("interface Customer {");

      // Remembered for the endpoint: a second model on it asks in JSON mode straight away.
      configure({ model: limitedModel() });
      await Object.assign(new Customer(), customerJson(1)).age;
      expect(limited.requests.map((request) => request.body.response_format?.type)).toEqual(["json_schema", "json_object", "json_object"]);
      expect(calls[1]).toMatchObject({ mode: "json", fallbacks: [] });
    } finally {
      await limited.close();
    }
  });

  test("an explicit mode the endpoint rejects is an error that says how to fall back", async () => {
    server.setHandler(() => ({ status: 400, body: { error: { message: "tool_choice is not supported" } } }));
    configure({ model: model({ mode: "tools" }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect((error as Error).message).toContain('does not support mode "tools": leave mode unset');
    expect(server.requests).toHaveLength(1);
  });

  test("the default mode on a capable endpoint is structured", async () => {
    configure({ model: model() });
    await new CustomerDatabase([Object.assign(new Customer(), customerJson(0, 1990))]).findCustomerKey("born in 1990");
    expect(server.requests[0]!.body.response_format?.type).toBe("json_schema");
  });
});

describe("replies", () => {
  test("fenced JSON with prose is parsed, and the call info says it was repaired", async () => {
    server.setHandler((request) => ({ content: `Sure! Here it is:\n\`\`\`json\n${JSON.stringify({ value: 41 })}\n\`\`\`\nAnything else?` }));
    configure({ model: model({ mode: "json" }) });
    await expect(Object.assign(new Customer(), customerJson(0)).age).resolves.toBe(41);
    expect(calls[0]!.parseRepaired).toBe(true);
    expect(calls[0]!.attempts[0]!.parseRepairs).toEqual(["code fence"]);
    expect(server.requests).toHaveLength(1);
  });

  test("invalid then valid: the repair request holds the prompt, only the failed reply, and its errors", async () => {
    const bad = JSON.stringify({ value: [{ ...customerJson(0), address: undefined, age: 40 }] });
    server.setHandler((request, index) => (index === 0 ? { content: bad } : customerModel(request)));
    configure({ model: model({ mode: "json" }) });
    const customers = await MockCustomerDatabase.createMockCustomers(1);
    expect(customers[0]!.address).toBe("1 Harbour Road, Lisbon");

    const [first, repair] = server.requests;
    expect(repair!.body.messages).toHaveLength(3);
    expect(repair!.body.messages[0]).toEqual(first!.body.messages[0]);
    expect(repair!.body.messages[1]).toEqual({ role: "assistant", content: bad });
    expect(lastUserText(repair!)).toBe(
      'That reply is not valid:\n- value[0]: missing required property "address"\n' +
        '- value[0]: unexpected property "age" (allowed: key, firstName, lastName, birthdate, address, nickname)\n' +
        "Reply again with the corrected JSON only.",
    );
    // Size: the first request plus the failed reply and a few hundred bytes of errors, nothing more.
    expect(repair!.raw.length).toBeLessThan(first!.raw.length + bad.length + 400);
    expect(calls[0]!.attempts.map((attempt) => attempt.errors.length)).toEqual([2, 0]);
    expect(calls[0]!.usage.totalTokens).toBeGreaterThan(0);
  });

  test("a failed reply longer than half the prompt is not sent back: the errors alone keep the repair within 1.5x", async () => {
    const customers = [0, 1, 2, 3].map((index) => ({ ...customerJson(index), address: undefined }));
    const bad = JSON.stringify({ value: customers });
    server.setHandler((request, index) => (index === 0 ? { content: bad } : customerModel(request)));
    configure({ model: model({ mode: "json" }) });
    const created = await MockCustomerDatabase.createMockCustomers(4);
    expect(created.map((customer) => customer.address)).toHaveLength(4);

    const [first, repair] = server.requests;
    expect(bad.length).toBeGreaterThan(first!.body.messages[0]!.content.length / 2);
    expect(repair!.body.messages).toHaveLength(2);
    expect(repair!.body.messages[0]).toEqual(first!.body.messages[0]);
    expect(lastUserText(repair!)).toBe(
      `Your reply (${bad.length} characters, not repeated here) was not valid:\n` +
        '- value[0], value[1], value[2], value[3]: missing required property "address"\n' +
        "Reply again with the complete corrected JSON only.",
    );
    expect(repair!.raw.length).toBeLessThan(first!.raw.length * 1.5);
  });

  test("always invalid: LLMOutputError carries every attempt, usage summed; request size stays flat", async () => {
    let round = 0;
    server.setHandler(() => ({ content: JSON.stringify({ value: `not a number, round ${round++}` }) }));
    configure({ model: model({ mode: "json" }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMOutputError);
    const output = error as LLMOutputError;
    expect(output.attempts.map((attempt) => attempt.reply)).toEqual([0, 1, 2].map((n) => JSON.stringify({ value: `not a number, round ${n}` })));
    expect(output.attempts.every((attempt) => attempt.errors[0]!.startsWith("value: must be integer, got string"))).toBe(true);
    expect(output.usage.totalTokens).toBe(output.attempts.reduce((sum, attempt) => sum + attempt.usage!.totalTokens, 0));
    const sizes = server.requests.map((request) => request.raw.length);
    expect(sizes).toHaveLength(3);
    // Only the latest failed reply is carried: the third request is no bigger than the second (± digits).
    expect(Math.abs(sizes[2]! - sizes[1]!)).toBeLessThanOrEqual(2);
  });

  test("finish_reason length: LLMTruncatedError, not repaired", async () => {
    server.setHandler(() => ({ content: '{"value": [{"key": "c0", "firstN', finishReason: "length" }));
    configure({ model: model({ mode: "json", maxTokens: 10 }) });
    const error = await MockCustomerDatabase.createMockCustomers(5).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMTruncatedError);
    expect(error).toBeInstanceOf(LLMOutputError);
    expect((error as Error).message).toMatch(/cut off by its token limit .* Raise the model's maxTokens/);
    expect((error as LLMTruncatedError).attempts[0]!.reply).toBe('{"value": [{"key": "c0", "firstN');
    expect(server.requests).toHaveLength(1);
  });

  test("refusal: LLMRefusalError with the model's words", async () => {
    server.setHandler(() => ({ content: "", refusal: "I can't help with that." }));
    configure({ model: model({ mode: "structured" }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRefusalError);
    expect(error).toMatchObject({ reason: "refusal", refusal: "I can't help with that." });
    expect(server.requests).toHaveLength(1);
  });

  test("content filter: LLMRefusalError with reason content_filter", async () => {
    server.setHandler(() => ({ content: "", finishReason: "content_filter" }));
    configure({ model: model({ mode: "json" }) });
    await expect(Object.assign(new Customer(), customerJson(0)).age).rejects.toMatchObject({ name: "LLMRefusalError", reason: "content_filter" });
  });
});

describe("provider errors and retries", () => {
  test("429 with retry-after: waits as told, then succeeds", async () => {
    server.setHandler((request, index) =>
      index === 0 ? { status: 429, headers: { "retry-after": "1" }, body: { error: { message: "Rate limit reached", type: "requests" } } } : customerModel(request),
    );
    configure({ model: model({ mode: "json" }) });
    const started = Date.now();
    await expect(Object.assign(new Customer(), customerJson(0, 2000)).age).resolves.toBe(22);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test("500 then 200: retried with backoff", async () => {
    server.setHandler((request, index) => (index === 0 ? { status: 500, body: { error: { message: "upstream exploded" } } } : customerModel(request)));
    configure({ model: model({ mode: "json" }) });
    await expect(Object.assign(new Customer(), customerJson(0, 2000)).age).resolves.toBe(22);
    expect(server.requests).toHaveLength(2);
  });

  test("500 every time: LLMRequestError, retryable, after maxRetries", async () => {
    server.setHandler(() => ({ status: 503, headers: { "retry-after-ms": "5" }, body: { error: { message: "overloaded" } } }));
    configure({ model: model({ mode: "json", maxRetries: 3 }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect((error as Error).message).toContain("still after 3 retries");
    expect(server.requests).toHaveLength(4);
  });

  test("a given client: our retries and timeout apply, not the client's; one made with maxRetries 0 and our timeout is used as it is", async () => {
    const OpenAI = (await import("openai")).default;
    server.setHandler(() => ({ status: 503, headers: { "retry-after-ms": "1" }, body: { error: { message: "overloaded" } } }));
    for (const [client, sentTimeout] of [
      [new OpenAI({ baseURL: server.baseURL, apiKey: "k", maxRetries: 5, timeout: 100_000 }), "600"],
      [new OpenAI({ baseURL: server.baseURL, apiKey: "k", maxRetries: 0 }), undefined],
    ] as const) {
      server.requests.length = 0;
      configure({ model: openAI({ client, mode: "json", maxRetries: 1 }) });
      await expect(Object.assign(new Customer(), customerJson(0)).age).rejects.toBeInstanceOf(LLMRequestError);
      // One request and our one retry (the SDK's own retries would make more).
      expect(server.requests).toHaveLength(2);
      // The SDK names a per-request timeout in this header (in seconds): ours, 600000 ms by default, or none when the client's is the same.
      expect(server.requests.map((request) => request.headers["x-stainless-timeout"])).toEqual([sentTimeout, sentTimeout]);
    }
  });

  test("401: not retried, and the message says how to fix the key", async () => {
    server.setHandler(() => ({ status: 401, body: { error: { message: "Incorrect API key provided: test-key.", type: "invalid_request_error", code: "invalid_api_key" } } }));
    configure({ model: model({ mode: "json" }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect(error).toMatchObject({ status: 401, retryable: false, stub: "src/customer.ts:8 Customer.age" });
    expect((error as Error).message).toContain("Incorrect API key provided");
    expect((error as Error).message).toContain("set OPENAI_API_KEY or pass openAI({ apiKey })");
    expect((error as Error).cause).toBeDefined();
    expect(server.requests).toHaveLength(1);
  });

  test("unreachable endpoint: LLMRequestError naming the URL", async () => {
    const closed = await startOpenAIServer(() => ({}));
    await closed.close();
    configure({ model: openAI({ baseURL: closed.baseURL, apiKey: "k", maxRetries: 0 }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect((error as Error).message).toContain(`could not reach ${closed.baseURL}`);
  });
});

describe("configuration", () => {
  const envNames = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"] as const;
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = Object.fromEntries(envNames.map((name) => [name, process.env[name]]));
    for (const name of envNames) delete process.env[name];
  });
  afterEach(() => {
    for (const name of envNames) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test("reads OPENAI_BASE_URL, OPENAI_MODEL and OPENAI_API_KEY; identity and options carry no secrets", async () => {
    process.env.OPENAI_BASE_URL = server.baseURL;
    process.env.OPENAI_MODEL = "env-model";
    process.env.OPENAI_API_KEY = "env-key";
    const fromEnv = openAI({ temperature: 0, maxTokens: 50 });
    expect(fromEnv.id).toBe("openai:env-model");
    expect(fromEnv.options).toEqual({ temperature: 0, maxTokens: 50 });
    configure({ model: fromEnv });
    await Object.assign(new Customer(), customerJson(0)).age;
    expect(server.requests[0]!.body.model).toBe("env-model");
    expect(server.requests[0]!.headers.authorization).toBe("Bearer env-key");
  });

  test("api.openai.com without a key: a ConfigurationError before any request", async () => {
    const official = openAI();
    expect(official.id).toBe("openai:gpt-4o-mini");
    expect(official.baseURL).toBe("https://api.openai.com/v1");
    configure({ model: official });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "ConfigurationError" });
    expect((error as Error).message).toContain("Set the OPENAI_API_KEY environment variable or pass openAI({ apiKey })");
  });

  test("a local endpoint needs no key; an existing client can be passed in", async () => {
    configure({ model: openAI({ baseURL: server.baseURL, mode: "json" }) });
    await Object.assign(new Customer(), customerJson(0)).age;
    const OpenAI = (await import("openai")).default;
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "client-key" });
    const withClient = openAI({ client, model: "m2", mode: "json" });
    expect(withClient.baseURL).toBe(server.baseURL);
    configure({ model: withClient });
    await Object.assign(new Customer(), customerJson(0)).age;
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(["Bearer no-key", "Bearer client-key"]);
    expect(server.requests[1]!.body.model).toBe("m2");
  });

  test("headers, or credentials or a query in baseURL, with a client are refused: the client would drop them", async () => {
    const OpenAI = (await import("openai")).default;
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "client-key" });
    for (const options of [
      { client, headers: { "x-team": "search" } },
      { client, baseURL: server.baseURL.replace("http://", "http://user:s3cret-pw@") },
      { client, baseURL: `${server.baseURL}?api-version=2024-06-01` },
      { client: new OpenAI({ baseURL: `${server.baseURL}?api-version=2024-06-01`, apiKey: "client-key" }) },
    ]) {
      let error: unknown;
      try {
        openAI(options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ name: "ConfigurationError" });
      expect((error as Error).message).toContain("cannot be combined with client");
      expect((error as Error).message).toContain("defaultHeaders, defaultQuery");
      expect((error as Error).message).not.toContain("s3cret-pw");
    }
    expect(server.requests).toHaveLength(0);
  });

  test("bad options are refused when the model is made", () => {
    expect(() => openAI({ maxConcurrency: 0 })).toThrow("maxConcurrency must be at least 1, got 0");
    expect(() => openAI({ maxRetries: 1.5 })).toThrow("maxRetries must be a whole number >= 0, got 1.5");
    expect(() => openAI({ timeoutMs: -5 })).toThrow("timeoutMs must be a positive number of milliseconds, got -5");
  });

  test("maxTokens goes out as max_completion_tokens to api.openai.com and max_tokens elsewhere", async () => {
    configure({ model: model({ mode: "json", maxTokens: 12, extraBody: { top_k: 3 } }) });
    await Object.assign(new Customer(), customerJson(0)).age;
    expect(server.requests[0]!.body).toMatchObject({ max_tokens: 12, top_k: 3 });
    expect(server.requests[0]!.body.max_completion_tokens).toBeUndefined();

    // A client for api.openai.com whose (documented) fetch option reroutes to the local server.
    const OpenAI = (await import("openai")).default;
    const official = new OpenAI({
      apiKey: "k",
      fetch: (url, init) => fetch(String(url).replace("https://api.openai.com/v1", server.baseURL), init),
    });
    configure({ model: openAI({ client: official, mode: "json", maxTokens: 12 }) });
    await Object.assign(new Customer(), customerJson(0)).age;
    expect(server.requests[1]!.body.max_completion_tokens).toBe(12);
    expect(server.requests[1]!.body.max_tokens).toBeUndefined();
  });
});

describe("cancellation and load", () => {
  test("a slow reply: the call's timeout ends it promptly with LLMTimeoutError", async () => {
    server.setHandler((request) => ({ ...customerModel(request), delayMs: 50_000 }));
    configure({ model: model({ mode: "json" }) });
    const started = Date.now();
    // 3 s, not less: the request must reach the server before the call times out, and 150 ms did
    // not cover a cold start on a loaded machine (the call ended before anything was sent).
    const error = await withCallOptions({ timeoutMs: 3_000 }, () => Object.assign(new Customer(), customerJson(0)).age).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect((error as LLMTimeoutError).timeoutMs).toBe(3_000);
    // Far below the server's 50 s delay, with room for a loaded machine (the delay ends when the client goes).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(server.requests).toHaveLength(1);
    await waitFor(() => server.requests[0]!.aborted);
  });

  test("a hanging server: the per-request timeout, retried, then LLMTimeoutError", async () => {
    server.setHandler(() => ({ hang: true }));
    configure({ model: model({ mode: "json", timeoutMs: 100, maxRetries: 1, retryDelayMs: 10 }) });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect((error as Error).message).toContain("timed out after 100 ms, 2 times");
    expect(server.requests).toHaveLength(2);
  });

  test("abort mid-call: LLMAbortError at once, and the HTTP request is cancelled", async () => {
    server.setHandler(() => ({ hang: true }));
    configure({ model: model({ mode: "json" }) });
    const controller = new AbortController();
    const pending = withCallOptions({ signal: controller.signal }, () => Object.assign(new Customer(), customerJson(0)).age);
    await waitFor(() => server.requests.length === 1);
    controller.abort(new Error("user pressed stop"));
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMAbortError);
    expect((error as Error).cause).toEqual(new Error("user pressed stop"));
    await waitFor(() => server.requests[0]!.aborted);
  });

  test("abort during the SDK's retry backoff is immediate too", async () => {
    server.setHandler(() => ({ status: 429, headers: { "retry-after": "30" }, body: { error: { message: "slow down" } } }));
    configure({ model: model({ mode: "json" }) });
    const controller = new AbortController();
    const pending = withCallOptions({ signal: controller.signal }, () => Object.assign(new Customer(), customerJson(0)).age);
    await waitFor(() => server.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(LLMAbortError);
    // Not the 30 s the server asked to wait (with room for a loaded machine).
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("the concurrency limit queues calls instead of flooding the endpoint", async () => {
    server.setHandler((request) => ({ ...customerModel(request), delayMs: 20 }));
    configure({ model: model({ mode: "json", maxConcurrency: 3 }) });
    const customers = Array.from({ length: 30 }, (_, index) => Object.assign(new Customer(), customerJson(index, 1950 + index)));
    const ages = await Promise.all(customers.map((customer) => customer.age));
    expect(ages).toEqual(customers.map((_, index) => 72 - index));
    expect(server.requests).toHaveLength(30);
    expect(server.inFlight.max).toBe(3);
  });
});

describe("the seed's customer flow end to end", () => {
  test("create customers, their ages, natural-language search", async () => {
    configure({ model: model() });
    const database = new MockCustomerDatabase();
    await database.load();
    expect(database.customers.map((customer) => customer.key)).toEqual(["c0", "c1", "c2"]);
    const ages = await Promise.all(database.customers.map((customer) => customer.age));
    expect(ages).toEqual([42, 41, 40]);
    await expect(database.findCustomerKey("the customer that was born in 1981")).resolves.toEqual(["c1"]);
    // The search prompt carried the customers as `this`.
    const search = server.requests[server.requests.length - 1]!;
    expect(inputOf(search.body.messages[0]!.content)).toEqual({ this: { customers: database.customers.map((customer) => ({ ...customer })) }, query: "the customer that was born in 1981" });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
