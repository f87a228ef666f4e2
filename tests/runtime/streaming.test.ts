/**
 * Streaming through the real `openai` SDK against the local server speaking server-sent events:
 * partial values in every mode, repairs, cancellation mid-stream (the server sees the
 * connection close), the size limit as text arrives, endpoints that cannot stream, replay,
 * cache, scripted pieces and the trace's streaming figures.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  cached,
  configure,
  LLMAbortError,
  LLMRefusalError,
  LLMReplyTooLargeError,
  LLMTimeoutError,
  LLMTruncatedError,
  openAI,
  recording,
  registerSecret,
  scriptedChunks,
  scriptedModel,
  streamed,
  withCallOptions,
  withTrace,
  type CallInfo,
  type Completion,
  type LanguageModel,
  type OpenAIMode,
  type PartialInfo,
} from "../../runtime";
import { replyJson, type ReceivedRequest, type Reply } from "../helpers/openai-server";
import { useOpenAIServer } from "../helpers/use-openai-server";
import { Customer, customerJson, customerModel, MockCustomerDatabase } from "./customer-specs";
import { isPrefix } from "../helpers/partial-prefix";

// Real HTTP streams with paced pieces: under heavy load they take far longer than jest's 5 s default.
jest.setTimeout(60_000);

const server = useOpenAIServer(customerModel);
let before: ReturnType<typeof configure>;
const calls: CallInfo[] = [];

beforeEach(() => {
  calls.length = 0;
  before = configure({ model: undefined, maxRepairs: 2, onCall: (info) => calls.push(info) });
});
afterEach(() => configure(before));

function model(mode: OpenAIMode, options: { timeoutMs?: number } = {}) {
  return openAI({ baseURL: server.baseURL, apiKey: "test-key", model: `test-${mode}`, mode, ...options });
}

/** The customer handler's reply, streamed in pieces of `chunkChars` characters. */
function inPieces(extra: Partial<Reply>) {
  return (request: ReceivedRequest): Reply => ({ ...customerModel(request), chunkChars: 7, ...extra });
}

/** Reads every partial, keeping a copy of each (the partial itself keeps growing). */
async function collect<T>(partials: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const partial of partials) seen.push(structuredClone(partial));
  return seen;
}

/** Resolves once `check` holds; polls the server's state (generous deadline, for a loaded machine). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(["structured", "json", "tools", "prompt"] as const)("%s mode", (mode) => {
  test("partials grow as the pieces arrive; the result is validated and revived", async () => {
    server.setHandler(inPieces({ chunkDelayMs: 1 }));
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(3), { model: model(mode) });
    const seen = await collect(partials);
    const customers = await result;

    expect(customers).toHaveLength(3);
    expect(customers[0]).toBeInstanceOf(Customer);
    const final = JSON.parse(JSON.stringify(customers)) as unknown[];
    // Many steps, each a prefix of the next and of the final value; partials are plain data.
    expect(seen.length).toBeGreaterThan(5);
    for (let index = 1; index < seen.length; index++) expect(isPrefix(stripNulls(seen[index - 1]), stripNulls(seen[index]))).toBe(true);
    for (const partial of seen) expect(isPrefix(stripNulls(partial), final)).toBe(true);
    expect(stripNulls(seen[seen.length - 1])).toEqual(final);
    expect(seen.some((partial) => Array.isArray(partial) && partial.length === 1)).toBe(true);

    const { body } = server.requests[0]!;
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    if (mode === "tools") expect(body.tools).toHaveLength(1);
    // Usage from the last event; the attempt knows how many pieces it came in.
    const info = calls[0]!;
    expect(info.usage.completionTokens).toBeGreaterThan(0);
    expect(info.usage.totalTokens).toBe(info.usage.promptTokens + info.usage.completionTokens);
    expect(info.attempts[0]!.chunks).toBe(server.requests[0]!.events - 3 /* role, finish, usage */);
    expect(info.attempts[0]!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(info.fallbacks).toEqual([]);
  });
});

/** Strict structured output sends `nickname: null` for the absent optional field; the final value drops it. */
function stripNulls(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (item === null ? undefined : item))) as unknown;
}

test("a streamed invalid reply is repaired, and the repair streams too with its attempt number", async () => {
  server.setHandler((request) => {
    const reply = customerModel(request);
    // The first reply misses a required field; the repair request answers right.
    if (server.requests.length === 1) return { ...replyJson(request, { value: [{ key: "c0", firstName: "Ada" }] }), chunkChars: 5 };
    return { ...reply, chunkChars: 9 };
  });
  const infos: PartialInfo[] = [];
  const iterated: unknown[] = [];
  const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(2), {
    model: model("json"),
    onPartial: (_partial, info) => infos.push({ ...info }),
  });
  for await (const partial of partials) iterated.push(structuredClone(partial));
  await expect(result).resolves.toHaveLength(2);

  expect(server.requests).toHaveLength(2);
  expect(server.requests.every((request) => request.body.stream === true)).toBe(true);
  const attempts = infos.map((info) => info.attempt);
  expect(attempts[0]).toBe(1);
  expect(attempts[attempts.length - 1]).toBe(2);
  expect([...attempts].sort()).toEqual(attempts);
  expect(infos.every((info) => info.stub === "src/customer.ts:30 MockCustomerDatabase.createMockCustomers")).toBe(true);
  // The repair starts over from an empty value: the iterator sees the value shrink once.
  const lengths = iterated.map((partial) => (partial as unknown[]).length);
  const drops = lengths.filter((length, index) => index > 0 && length < lengths[index - 1]!).length;
  expect(drops).toBeLessThanOrEqual(1);
  expect(calls[0]!.attempts.map((attempt) => attempt.chunks)).toEqual([
    server.requests[0]!.events - 3,
    server.requests[1]!.events - 3,
  ]);
});

test("finish reasons and refusals stop a streamed call as without streaming", async () => {
  server.setHandler((request) => ({ ...customerModel(request), finishReason: "length" }));
  await expect(streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: model("json") }).result).rejects.toBeInstanceOf(LLMTruncatedError);
  server.setHandler(() => ({ content: "", refusal: "I cannot help with that." }));
  const refused = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: model("structured") }).result;
  await expect(refused).rejects.toBeInstanceOf(LLMRefusalError);
  await expect(refused).rejects.toMatchObject({ refusal: "I cannot help with that." });
});

/** 200 customers (about 30 kB) in pieces of 100 characters, one a millisecond. */
function twoHundredCustomersPaced(request: ReceivedRequest): Reply {
  return { ...replyJson(request, { value: Array.from({ length: 200 }, (_, index) => customerJson(index)) }), chunkChars: 100, chunkDelayMs: 1 };
}

describe("cancellation", () => {
  test("an abort mid-stream closes the connection at once; result rejects, partials end", async () => {
    server.setHandler(inPieces({ hangAfterChunks: 4 }));
    const controller = new AbortController();
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(3), {
      model: model("structured"),
      signal: controller.signal,
      onPartial: () => controller.abort(),
    });
    const seen = await collect(partials);
    await expect(result).rejects.toBeInstanceOf(LLMAbortError);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    await eventually(() => server.requests[0]!.aborted, "the server to see the connection close");
  });

  test("a timeout mid-stream rejects with LLMTimeoutError and closes the connection", async () => {
    server.setHandler(inPieces({ hangAfterChunks: 2 }));
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(3), { model: model("json"), timeoutMs: 300 });
    await collect(partials);
    await expect(result).rejects.toBeInstanceOf(LLMTimeoutError);
    await eventually(() => server.requests[0]!.aborted, "the server to see the connection close");
  });

  test("the model's timeoutMs is the longest silence between events: a stalled stream times out and its connection closes", async () => {
    server.setHandler(inPieces({ hangAfterChunks: 2 }));
    const stalled = openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "stalling", mode: "json", timeoutMs: 300, maxRetries: 0 });
    const started = performance.now();
    const { result } = streamed(() => MockCustomerDatabase.createMockCustomers(3), { model: stalled });
    const error = (await result.catch((caught: unknown) => caught)) as LLMTimeoutError;
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect(error.message).toContain("timed out after 300 ms, 1 time");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await eventually(() => server.requests[0]!.aborted, "the server to see the connection close");
  });

  test("leaving the loop early does not abort: the call completes", async () => {
    server.setHandler(inPieces({ chunkDelayMs: 1 }));
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(3), { model: model("json") });
    for await (const partial of partials) {
      expect(partial).toBeDefined();
      break;
    }
    await expect(result).resolves.toHaveLength(3);
    expect(server.requests[0]!.aborted).toBe(false);
  });

  test("the size limit applies as the text arrives: over it, the connection closes", async () => {
    server.setHandler(twoHundredCustomersPaced);
    const { result } = streamed(() => MockCustomerDatabase.createMockCustomers(200), { model: model("json"), maxReplyBytes: 2_000 });
    const error = (await result.catch((caught: unknown) => caught)) as LLMReplyTooLargeError;
    expect(error).toBeInstanceOf(LLMReplyTooLargeError);
    expect(error.maxReplyBytes).toBe(2_000);
    expect(error.attempts[0]!.reply).toContain("[cut: the stream was closed after");
    await eventually(() => server.requests[0]!.aborted, "the server to see the connection close");
    // Far fewer than the reply's ~300 pieces were sent.
    expect(server.requests[0]!.events).toBeLessThan(100);
  });

  test("after the process stalls (as under load), the size limit still closes the connection early", async () => {
    server.setHandler(twoHundredCustomersPaced);
    let stalled = false;
    const { result } = streamed(() => MockCustomerDatabase.createMockCustomers(200), {
      model: model("json"),
      maxReplyBytes: 2_000,
      // The first partial blocks the process for 400 ms: the server's pieces fall 400 behind their schedule.
      onPartial: () => {
        if (stalled) return;
        stalled = true;
        const until = performance.now() + 400;
        while (performance.now() < until);
      },
    });
    await expect(result).rejects.toBeInstanceOf(LLMReplyTooLargeError);
    await eventually(() => server.requests[0]!.aborted, "the server to see the connection close");
    expect(stalled).toBe(true);
    expect(server.requests[0]!.events).toBeLessThan(100);
  });
});

describe("endpoints and models that cannot stream", () => {
  test("an endpoint answering one JSON body: one final partial, noted in fallbacks", async () => {
    server.setHandler((request) => ({ ...customerModel(request), noStream: true }));
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(2), { model: model("json") });
    const seen = await collect(partials);
    await expect(result).resolves.toHaveLength(2);
    expect(seen).toEqual([[customerJson(0), customerJson(1)]]);
    expect(calls[0]!.fallbacks).toEqual([expect.objectContaining({ from: "json stream", to: "json" })]);
  });

  test("an endpoint rejecting stream: true is asked again without it, and remembered", async () => {
    const rejecting = openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "no-stream-model", mode: "json" });
    server.setHandler((request) =>
      request.body.stream ? { status: 400, body: { error: { message: "stream is not supported by this model", type: "invalid_request_error" } } } : customerModel(request),
    );
    for (let round = 0; round < 2; round++) {
      const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: rejecting });
      expect(await collect(partials)).toHaveLength(1);
      await expect(result).resolves.toHaveLength(1);
    }
    expect(server.requests.map((request) => request.body.stream === true)).toEqual([true, false, false]);
    expect(calls.map((info) => info.fallbacks.length)).toEqual([1, 1]);
  });

  test("the whole-reply request after a rejected stream gets the same retries: a 503, then the reply", async () => {
    const rejecting = openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "no-stream-busy", mode: "json", maxRetries: 2, retryDelayMs: 1 });
    let whole = 0;
    server.setHandler((request) => {
      if (request.body.stream) return { status: 400, body: { error: { message: "stream is not supported by this model", type: "invalid_request_error" } } };
      return whole++ === 0 ? { status: 503, body: { error: { message: "overloaded" } } } : customerModel(request);
    });
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: rejecting });
    expect(await collect(partials)).toHaveLength(1);
    await expect(result).resolves.toHaveLength(1);
    expect(server.requests.map((request) => request.body.stream === true)).toEqual([true, false, false]);
    expect(calls[0]!.fallbacks).toEqual([expect.objectContaining({ from: "json stream", to: "json", reason: expect.stringContaining("stream is not supported") })]);
  });

  test("the whole-reply request after a rejected stream times out like any other: retried, tries counted", async () => {
    // 1 s, not less: the stream request's 400 must come back within it, which a stall of this
    // process (it serves the request too) of 150 ms prevented.
    const rejecting = openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "no-stream-hanging", mode: "json", timeoutMs: 1_000, maxRetries: 1, retryDelayMs: 1 });
    server.setHandler((request) =>
      request.body.stream ? { status: 400, body: { error: { message: "stream is not supported by this model", type: "invalid_request_error" } } } : { hang: true },
    );
    const error = await streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: rejecting }).result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect((error as Error).message).toContain("timed out after 1000 ms, 2 times");
    expect(server.requests.map((request) => request.body.stream === true)).toEqual([true, false, false]);
  });

  test("an endpoint rejecting stream_options streams without it (no usage), and is remembered", async () => {
    const older = openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "older-server", mode: "json" });
    server.setHandler((request) =>
      request.body.stream_options ? { status: 400, body: { error: { message: "Unrecognized request argument supplied: stream_options" } } } : { ...customerModel(request), chunkChars: 7 },
    );
    for (let round = 0; round < 2; round++) {
      const seen: unknown[] = [];
      await streamed(() => MockCustomerDatabase.createMockCustomers(2), { model: older, onPartial: (partial) => seen.push(partial) }).result;
      expect(seen.length).toBeGreaterThan(5);
    }
    expect(server.requests.map((request) => [request.body.stream, request.body.stream_options !== undefined])).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
    expect(calls.map((info) => [info.fallbacks.length, info.usage.totalTokens])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  test("a custom model without streaming still works: one final partial, a fallback", async () => {
    const plain: LanguageModel = {
      id: "custom",
      options: {},
      complete: async (): Promise<Completion> => ({ text: JSON.stringify({ value: [customerJson(0)] }), finishReason: "stop" }),
    };
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: plain });
    expect(await collect(partials)).toEqual([[customerJson(0)]]);
    await expect(result).resolves.toHaveLength(1);
    expect(calls[0]!.fallbacks).toEqual([expect.objectContaining({ from: "stream", to: "whole reply" })]);
  });
  test("the final partial is the checked reply (nulls for absent fields dropped), a copy the hooks may change", async () => {
    const strict: LanguageModel = {
      id: "custom-strict",
      options: {},
      complete: async (): Promise<Completion> => ({ text: JSON.stringify({ value: [{ ...customerJson(0), nickname: null }] }), finishReason: "stop", nullMeansAbsent: true }),
    };
    const seen: unknown[] = [];
    const { result } = streamed(() => MockCustomerDatabase.createMockCustomers(1), {
      model: strict,
      onPartial: (partial) => {
        seen.push(structuredClone(partial));
        (partial as { firstName: string }[])[0]!.firstName = "changed by a hook";
      },
    });
    const customers = await result;
    expect(seen).toEqual([[customerJson(0)]]);
    expect(customers[0]).toBeInstanceOf(Customer);
    expect(customers[0]!.firstName).toBe(customerJson(0).firstName);
    expect("nickname" in customers[0]!).toBe(false);
  });
});

describe("offline", () => {
  let folder: string;
  const savedEnv = process.env.LLM_STRATEGY_RECORDING;
  beforeAll(() => {
    delete process.env.LLM_STRATEGY_RECORDING;
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "llm-streaming-"));
  });
  afterAll(() => {
    if (savedEnv !== undefined) process.env.LLM_STRATEGY_RECORDING = savedEnv;
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test("recording() records the pieces of a streamed call and replays them as partials", async () => {
    const file = path.join(folder, "streamed.json");
    server.setHandler(inPieces({}));
    // Every partial, as the hook sees each (the iterator may skip steps a slow reader missed).
    const liveSeen: unknown[] = [];
    const live = streamed(() => MockCustomerDatabase.createMockCustomers(2), {
      model: recording(model("json"), { path: file, mode: "record" }),
      onPartial: (partial) => liveSeen.push(structuredClone(partial)),
    });
    const liveValue = await live.result;
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { reply: { chunks?: string } }[] };
    // Pieces of 7 characters, the last one shorter: written as runs.
    const pieces = server.requests[0]!.events - 3;
    expect(stored.entries[0]!.reply.chunks).toMatch(new RegExp(`^7x${pieces - 1},\\d$|^7x${pieces}$`));

    const requestsBefore = server.requests.length;
    const replaySeen: unknown[] = [];
    const replay = streamed(() => MockCustomerDatabase.createMockCustomers(2), {
      model: recording(model("json"), { path: file, mode: "replay" }),
      onPartial: (partial) => replaySeen.push(structuredClone(partial)),
    });
    const iterated = await collect(replay.partials);
    expect(await replay.result).toEqual(liveValue);
    expect(server.requests).toHaveLength(requestsBefore);
    // The same pieces, so the same partials as live; the iterator sees them too.
    expect(liveSeen.length).toBeGreaterThan(5);
    expect(replaySeen).toEqual(liveSeen);
    expect(iterated.length).toBeGreaterThan(5);
    expect(calls[1]!.attempts[0]).toMatchObject({ source: "replay", chunks: pieces });
  });

  test("a recorded piece list that does not parse makes the file an OfflineFileError, never overwritten", async () => {
    const file = path.join(folder, "broken-chunks.json");
    server.setHandler(inPieces({}));
    await streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: recording(model("json"), { path: file, mode: "record" }) }).result;
    const document = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { reply: { chunks?: unknown } }[] };
    document.entries[0]!.reply.chunks = [7, 7];
    const text = JSON.stringify(document, null, 2);
    fs.writeFileSync(file, text);
    const replay = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: recording(model("json"), { path: file, mode: "replay" }) });
    await expect(replay.result).rejects.toMatchObject({ name: "OfflineFileError", message: expect.stringContaining('"chunks" must be piece lengths such as "12x114,7"') });
    expect(fs.readFileSync(file, "utf8")).toBe(text);
  });

  test("a secret in a streamed reply is not recorded; the replay still streams the redacted reply", async () => {
    const secret = "sk-streamed-secret-0123456789";
    registerSecret(secret);
    const file = path.join(folder, "secret.json");
    server.setHandler((request) => ({ ...replyJson(request, { value: [{ ...customerJson(0), address: `key ${secret}` }] }), chunkChars: 7 }));
    await streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: recording(model("json"), { path: file, mode: "record" }) }).result;
    const recorded = fs.readFileSync(file, "utf8");
    expect(recorded).not.toContain(secret);
    expect(recorded).toContain("[redacted]");
    // The pieces' lengths no longer add up to the redacted text: none are kept, the replay is one piece.
    expect(recorded).not.toContain('"chunks"');
    const seen: unknown[] = [];
    const replayed = await streamed(() => MockCustomerDatabase.createMockCustomers(1), {
      model: recording(model("json"), { path: file, mode: "replay" }),
      onPartial: (partial) => seen.push(structuredClone(partial)),
    }).result;
    expect(replayed[0]!.address).toBe("key [redacted]");
    expect(seen).toEqual([[{ ...customerJson(0), address: "key [redacted]" }]]);
  });

  test("a cached() hit yields the whole value as one partial, without a fallback", async () => {
    server.setHandler(inPieces({ chunkDelayMs: 1 }));
    const cache = cached(model("json"));
    const first = streamed(() => MockCustomerDatabase.createMockCustomers(2), { model: cache });
    expect((await collect(first.partials)).length).toBeGreaterThan(1);
    await first.result;
    const hit = streamed(() => MockCustomerDatabase.createMockCustomers(2), { model: cache });
    expect(await collect(hit.partials)).toEqual([[customerJson(0), customerJson(1)]]);
    await expect(hit.result).resolves.toHaveLength(2);
    expect(server.requests).toHaveLength(1);
    expect(calls[1]!.attempts[0]).toMatchObject({ source: "cache", chunks: 0 });
    expect(calls[1]!.fallbacks).toEqual([]);
  });

  test("scriptedModel streams scripted pieces; other replies as one piece", async () => {
    const pieces = ['{"value":[{"key":"c0","firstName":"A', 'da","lastName":"Okafor","birthdate":"1980-01-15",', '"address":"1 Harbour Road, Lisbon"}]}'];
    const scripted = scriptedModel([scriptedChunks(pieces), { value: [customerJson(1)] }]);
    const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: scripted });
    const seen = await collect(partials);
    await result;
    expect(seen).toEqual([[{ key: "c0", firstName: "A" }], [{ key: "c0", firstName: "Ada", lastName: "Okafor", birthdate: "1980-01-15" }], [customerJson(0)]]);
    const whole = streamed(() => MockCustomerDatabase.createMockCustomers(1), { model: scripted });
    expect(await collect(whole.partials)).toEqual([[customerJson(1)]]);
    expect(calls[1]!.fallbacks).toEqual([]);
  });
});

test("onPartial in withCallOptions streams every stub call of the scope, each with its stub id", async () => {
  server.setHandler(inPieces({}));
  const seen: { stub: string; attempt: number }[] = [];
  await withCallOptions({ model: model("structured"), onPartial: (_partial, info) => seen.push({ stub: info.stub, attempt: info.attempt }) }, async () => {
    const customers = await MockCustomerDatabase.createMockCustomers(2);
    await customers[0]!.age;
  });
  const stubs = new Set(seen.map((entry) => entry.stub));
  expect(stubs).toEqual(new Set(["src/customer.ts:30 MockCustomerDatabase.createMockCustomers", "src/customer.ts:8 Customer.age"]));
});

test("the stub span records the time to first token and the number of pieces", async () => {
  server.setHandler(inPieces({ chunkDelayMs: 1 }));
  const { trace } = await withTrace(() => streamed(() => MockCustomerDatabase.createMockCustomers(2), { model: model("json") }).result);
  const span = trace.spans[0]!;
  expect(span.chunks).toBe(server.requests[0]!.events - 3);
  expect(span.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
  expect(span.timeToFirstTokenMs).toBeLessThanOrEqual(span.durationMs!);
  expect(span.attempts![0]).toMatchObject({ chunks: span.chunks });
});

test("without streaming, requests ask for the whole reply as before", async () => {
  await withCallOptions({ model: model("json") }, () => MockCustomerDatabase.createMockCustomers(1));
  expect(server.requests[0]!.body.stream).toBeUndefined();
  expect(calls[0]!.attempts[0]!.chunks).toBeUndefined();
});
