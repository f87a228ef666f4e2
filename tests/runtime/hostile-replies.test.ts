/**
 * Replies a careful production user should not fear: huge wrong arrays, 10 MB keys, replies
 * over the size limit, 100,000-deep nesting, keys that would swap prototypes, and one
 * AbortSignal shared by many calls. Through the real `openai` SDK against the local server, or
 * `scriptedModel`. Timings here are generous behaviour checks; the figures are in
 * `bench/judging.ts`.
 */
import { getEventListeners } from "node:events";
import {
  configure,
  DEFAULT_MAX_REPLY_BYTES,
  invoke,
  ConfigurationError,
  LLMAbortError,
  LLMOutputError,
  LLMReplyTooLargeError,
  LLMTimeoutError,
  openAI,
  scriptedModel,
  SPEC_VERSION,
  withCallOptions,
  withTrace,
  TraceRecorder,
  type CallInfo,
  type CallSpec,
  type JsonSchema,
  type RevivalPlan,
} from "../../runtime";
import { lastUserText, startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";

// Replies of 4-10 MB go through the real SDK and server: a second on a quiet machine, several
// under load, where jest's default 5 s cut one off and its call spilled into the next test.
jest.setTimeout(60_000);

class Address {
  street = "";
  city = "";
  label(): string {
    return `${this.street}, ${this.city}`;
  }
}

const AddressSchema: JsonSchema = {
  type: "object",
  properties: { street: { type: "string" }, city: { type: "string" } },
  required: ["street", "city"],
  additionalProperties: false,
};
const TreeSchema: JsonSchema = {
  type: "object",
  properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/definitions/Tree" } } },
  required: ["label", "children"],
  additionalProperties: false,
};

function spec(id: string, output: JsonSchema, extra: Partial<CallSpec> = {}): CallSpec {
  return {
    version: SPEC_VERSION,
    id: `src/hostile.ts:1 ${id}`,
    kind: "function",
    template: `Answer ${id}.\nInput: {{input}}\nReply with JSON of type { value: ... }`,
    outputTypes: "",
    params: [{ name: "topic", role: "input" }],
    input: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] },
    output,
    wrapper: "value",
    definitions: {},
    hash: `hostile-${id}`,
    ...extra,
  };
}

const wordsSpec = spec("words", { type: "array", items: { type: "string" } });
const addressSpec = spec("address", { $ref: "#/definitions/Address" }, {
  definitions: { Address: AddressSchema },
  revive: { value: { kind: "class", class: () => Address } } as RevivalPlan,
});
const addressBookSpec = spec("addressBook", { type: "object", additionalProperties: { $ref: "#/definitions/Address" } }, {
  definitions: { Address: AddressSchema },
  revive: { value: { kind: "record", values: { kind: "class", class: () => Address } } } as RevivalPlan,
});
const treeSpec = spec("tree", { $ref: "#/definitions/Tree" }, { definitions: { Tree: TreeSchema } });
const signalSpec = spec("signalled", { type: "string" }, {
  params: [{ name: "topic", role: "input" }, { name: "signal", role: "signal" }],
});

const wrongArray = (items: number) => `{"value":[${"1,".repeat(items - 1)}1]}`;
const home = { street: "1 Harbour Road", city: "Lisbon" };

let server: OpenAIServer;
let before: ReturnType<typeof configure>;
const calls: CallInfo[] = [];

beforeAll(async () => {
  server = await startOpenAIServer(() => ({ status: 500 }));
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  calls.length = 0;
  before = configure({ model: undefined, maxRepairs: 2, onCall: (info) => calls.push(info) });
});
afterEach(() => {
  configure(before);
});

function model() {
  return openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "test-model", mode: "json" });
}

/** The largest gap between ticks of a 10 ms interval while `work` runs: how long the event loop was blocked. */
async function worstPause<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; worstMs: number; elapsedMs: number }> {
  let last = performance.now();
  let worstMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worstMs = Math.max(worstMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  const [result] = await Promise.allSettled([work()]);
  const elapsedMs = performance.now() - started;
  clearInterval(ticker);
  worstMs = Math.max(worstMs, performance.now() - last);
  return { result: result!, worstMs, elapsedMs };
}

describe("work bounded by the reply's size", () => {
  test("a 200k-item wrong array is judged in bounded lines, without blocking the event loop, and repaired", async () => {
    server.setHandler((_request, index) => (index === 0 ? { content: wrongArray(200_000) } : { content: JSON.stringify({ value: ["tide"] }) }));
    configure({ model: model() });
    const { result, worstMs } = await worstPause(() => withCallOptions({ timeoutMs: 20_000 }, () => invoke(wordsSpec, undefined, ["sea"])));
    expect(result).toEqual({ status: "fulfilled", value: ["tide"] });

    const errors = calls[0]!.attempts[0]!.errors;
    expect(errors).toEqual([
      "value[0], value[1], value[2], value[3], value[4] and 995 more: must be string, got number 1",
      "(199000 more values from value[1000] on are invalid too, not described one by one)",
    ]);
    expect(lastUserText(server.requests[1]!)).toContain("value[0], value[1], value[2], value[3], value[4] and 995 more: must be string, got number 1");
    // Generous: before the fix this case blocked the event loop for minutes.
    expect(worstMs).toBeLessThan(2_000);
  });

  test("timeoutMs fires on time while 1M-item wrong replies are being judged", async () => {
    const model = scriptedModel(() => wrongArray(1_000_000));
    const { result, elapsedMs } = await worstPause(() =>
      withCallOptions({ model, timeoutMs: 500, maxRepairs: 1_000 }, () => invoke(wordsSpec, undefined, ["sea"])),
    );
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(LLMTimeoutError);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  test("an abort fires on time while a 1M-item wrong reply is being judged", async () => {
    const controller = new AbortController();
    const model = scriptedModel(() => {
      // Aborted while the runtime judges this reply.
      setTimeout(() => controller.abort(new Error("user left")), 50);
      return wrongArray(1_000_000);
    });
    const { result, elapsedMs } = await worstPause(() =>
      withCallOptions({ model, signal: controller.signal, maxRepairs: 1_000 }, () => invoke(wordsSpec, undefined, ["sea"])),
    );
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(LLMAbortError);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  test("many distinct errors: ten lines, then counts; every line short", async () => {
    const model = scriptedModel([JSON.stringify({ value: Array.from({ length: 50_000 }, (_, index) => index) })]);
    const error = await withCallOptions({ model, maxRepairs: 0 }, () => invoke(wordsSpec, undefined, ["sea"])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMOutputError);
    const errors = (error as LLMOutputError).attempts[0]!.errors;
    expect(errors.slice(0, 2)).toEqual(["value[0]: must be string, got number 0", "value[1]: must be string, got number 1"]);
    expect(errors).toHaveLength(12);
    expect(errors[10]).toBe("(990 more errors of the same kind)");
    expect(errors[11]).toBe("(49000 more values from value[1000] on are invalid too, not described one by one)");
  });
});

describe("bounded repair requests", () => {
  const key = "k".repeat(10 * 1024 * 1024);

  test("a 10 MB unexpected key is quoted as a short excerpt; the repair request stays flat", async () => {
    const bad = `{"value":{"street":"1 Harbour Road","city":"Lisbon","${key}":1}}`;
    server.setHandler((_request, index) => (index === 0 ? { content: bad } : { content: JSON.stringify({ value: home }) }));
    configure({ model: model() });
    const address = await withCallOptions({ maxReplyBytes: 32 * 1024 * 1024 }, () => invoke(addressSpec, undefined, ["home"]));
    expect(address).toBeInstanceOf(Address);

    const [first, repair] = server.requests;
    expect(lastUserText(repair!)).toBe(
      `Your reply (${bad.length} characters, not repeated here) was not valid:\n` +
        `- value: unexpected property "${"k".repeat(40)}…" (10485760 characters) (allowed: street, city)\n` +
        "Reply again with the complete corrected JSON only.",
    );
    expect(repair!.raw.length).toBeLessThan(first!.raw.length + 1_000);
  });

  test("a 10 MB record key in a path is cut the same way", async () => {
    const bad = `{"value":{"home":${JSON.stringify(home)},"${key}":{"street":5,"city":"Porto"}}}`;
    server.setHandler((_request, index) => (index === 0 ? { content: bad } : { content: JSON.stringify({ value: { home } }) }));
    configure({ model: model() });
    const book = (await withCallOptions({ maxReplyBytes: 32 * 1024 * 1024 }, () => invoke(addressBookSpec, undefined, ["friends"]))) as Record<string, Address>;
    expect(book.home).toBeInstanceOf(Address);

    const [first, repair] = server.requests;
    expect(lastUserText(repair!)).toContain(`- value["${"k".repeat(40)}…" (10485760 characters)].street: must be string, got number 5`);
    expect(repair!.raw.length).toBeLessThan(first!.raw.length + 1_000);
  });

  test("long string values are previewed in 60 characters", async () => {
    const model = scriptedModel([{ value: { street: "s".repeat(1_000_000), city: 7 } }, { value: home }]);
    await withCallOptions({ model }, () => invoke(addressSpec, undefined, ["home"]));
    expect(model.requests[1]!.messages.at(-1)!.content).toContain("- value.city: must be string, got number 7\n");
    expect(model.requests[1]!.messages.at(-1)!.content.length).toBeLessThan(400);
  });
});

describe("reply size limit", () => {
  test("a near-JSON reply over 1 Mi characters goes back to the model rather than through jsonrepair", async () => {
    const words = Array.from({ length: 200_000 }, () => '"tide"').join(",");
    const model = scriptedModel([`{"value":[${words},]}`, `{"value":["tide",]}`]);
    await expect(withCallOptions({ model }, () => invoke(wordsSpec, undefined, ["sea"]))).resolves.toEqual(["tide"]);
    expect(calls[0]!.attempts[0]!.errors).toEqual([expect.stringMatching(/^The reply is not valid JSON \(.*\)\. Send one JSON object only\.$/)]);
    expect(calls[0]!.attempts[1]!.parseRepairs).toEqual(["jsonrepair"]);
  });

  test("a reply over the default 4 MiB fails before parsing with LLMReplyTooLargeError, not repaired", async () => {
    expect(DEFAULT_MAX_REPLY_BYTES).toBe(4 * 1024 * 1024);
    const huge = JSON.stringify({ value: ["w".repeat(5 * 1024 * 1024)] });
    server.setHandler(() => ({ content: huge }));
    configure({ model: model() });
    const recorder = new TraceRecorder();
    const error = await recorder.run(() => invoke(wordsSpec, undefined, ["sea"])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMReplyTooLargeError);
    expect(error).toBeInstanceOf(LLMOutputError);
    // The trace keeps the excerpt too.
    const traced = JSON.stringify(recorder.toJSON());
    expect(traced).toContain(`[cut: ${huge.length} characters in all]`);
    expect(traced.length).toBeLessThan(20_000);
    const tooLarge = error as LLMReplyTooLargeError;
    expect(tooLarge.replyBytes).toBe(huge.length);
    expect(tooLarge.maxReplyBytes).toBe(4_194_304);
    expect(tooLarge.message).toContain(`the model's reply is ${huge.length} bytes, over the limit of 4194304 bytes (maxReplyBytes)`);
    expect(server.requests).toHaveLength(1);
    // The attempt keeps an excerpt, not 5 MB (traces and CallInfo show it).
    expect(tooLarge.attempts[0]!.reply.length).toBeLessThan(1_100);
    expect(tooLarge.attempts[0]!.reply).toContain(`[cut: ${huge.length} characters in all]`);
  });

  test("maxReplyBytes counts UTF-8 bytes and can be changed per scope or process-wide", async () => {
    const reply = JSON.stringify({ value: ["é".repeat(1_500)] }); // 3,000+ bytes, 1,500+ characters
    const small = scriptedModel([reply]);
    const error = await withCallOptions({ model: small, maxReplyBytes: 2_000 }, () => invoke(wordsSpec, undefined, ["sea"])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMReplyTooLargeError);
    expect((error as LLMReplyTooLargeError).replyBytes).toBe(Buffer.byteLength(reply));

    configure({ maxReplyBytes: 4_000 });
    await expect(withCallOptions({ model: scriptedModel([reply]) }, () => invoke(wordsSpec, undefined, ["sea"]))).resolves.toEqual(["é".repeat(1_500)]);
    expect(() => configure({ maxReplyBytes: 0 })).toThrow(ConfigurationError);
    expect(() => withCallOptions({ maxReplyBytes: 1.5 }, () => 1)).toThrow(/maxReplyBytes must be a whole number of bytes/);
  });
});

describe("deep nesting", () => {
  const deep = (levels: number, inner: string) => "[".repeat(levels) + inner + "]".repeat(levels);

  test("100k-deep arrays where a string is expected: a validation failure, repaired (and traced) like any other", async () => {
    server.setHandler((_request, index) => (index === 0 ? { content: `{"value":${deep(100_000, "null")}}` } : { content: '{"value":"flat"}' }));
    configure({ model: model() });
    const { result, trace } = await withTrace(() => invoke(spec("word", { type: "string" }), undefined, ["sea"]));
    expect(result).toBe("flat");
    const errors = calls[0]!.attempts[0]!.errors;
    expect(errors[0]).toMatch(/^value\[0\]\[0\]\[0\]\[0\]\[0\]…\(246 more\)…\[0\]\[0\]\[0\]\[0\]: nested more than 256 levels deep/);
    expect(errors[1]).toBe("value: must be string, got array [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...");
    expect(JSON.stringify(trace)).toContain("nested more than 256 levels deep");
  });

  test("a recursive type nested 100k deep (strict structured output, nulls mapped) is refused by depth, then repaired", async () => {
    const nested = `{"value":${'{"label":"x","children":['.repeat(100_000)}null${"]}".repeat(100_000)}}`;
    server.setHandler((_request, index) => (index === 0 ? { content: nested } : { content: '{"value":{"label":"root","children":[]}}' }));
    configure({ model: openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "test-model", mode: "structured" }) });
    await expect(invoke(treeSpec, undefined, ["sea"])).resolves.toEqual({ label: "root", children: [] });
    expect(calls[0]!.attempts[0]!.errors).toEqual([expect.stringMatching(/^value\.children\[0\]\.children\[0\]\.children…\(.*: nested more than 256 levels deep/)]);
  });
});

describe("reserved keys", () => {
  test.each(["__proto__", "constructor", "prototype"])("a record key %s is refused and repaired; nothing can swap a prototype", async (reserved) => {
    const bad = `{"value":{"home":${JSON.stringify(home)},"${reserved}":{"street":"x","city":"y"}}}`;
    const model = scriptedModel([bad, { value: { home } }]);
    const book = (await withCallOptions({ model }, () => invoke(addressBookSpec, undefined, ["friends"]))) as Record<string, Address>;
    expect(Object.keys(book)).toEqual(["home"]);
    expect(Object.getOwnPropertyNames(book)).toEqual(["home"]);
    expect(Object.getPrototypeOf(Object.assign({}, book))).toBe(Object.prototype);
    expect(book.home!.label()).toBe("1 Harbour Road, Lisbon");
    expect(model.requests[1]!.messages.at(-1)!.content).toContain(
      `- value: the key "${reserved}" is not allowed: it is reserved in JavaScript (it would change the object's prototype or constructor); use another key`,
    );
  });

  test("a reply that keeps sending __proto__ fails with the error, never returns it", async () => {
    const bad = `{"value":{"__proto__":${JSON.stringify(home)}}}`;
    const error = await withCallOptions({ model: scriptedModel([bad, bad, bad]) }, () => invoke(addressBookSpec, undefined, ["friends"])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMOutputError);
  });
});

describe("signals", () => {
  test("one AbortSignal shared by 80 calls (40 as an argument, 40 through withCallOptions): one listener, none left after, no leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      const model = scriptedModel(async (request) => {
        if (++started === 80) release();
        await gate;
        const topic = String(request.input.topic);
        return { value: request.spec === signalSpec ? topic : [topic] };
      });
      const asArgument = Array.from({ length: 40 }, (_, index) => withCallOptions({ model }, () => invoke(signalSpec, undefined, [`a${index}`, controller.signal])));
      const asScope = Array.from({ length: 40 }, (_, index) => withCallOptions({ model, signal: controller.signal }, () => invoke(wordsSpec, undefined, [`s${index}`])));
      await gate;
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
      await Promise.all([...asArgument, ...asScope]);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);

      // Aborting reaches every waiting call through the one listener.
      const waiting = scriptedModel(() => new Promise(() => {}));
      const pending = Array.from({ length: 40 }, (_, index) =>
        withCallOptions({ model: waiting }, () => invoke(signalSpec, undefined, [`w${index}`, controller.signal])).catch((caught: unknown) => caught),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
      controller.abort();
      const outcomes = await Promise.all(pending);
      expect(outcomes.every((outcome) => outcome instanceof LLMAbortError)).toBe(true);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("large replies are checked piece by piece, with the verdict ajv gives the whole", () => {
  const Pet: JsonSchema = { type: "object", properties: { kind: { const: "pet" }, name: { type: "string" } }, required: ["kind", "name"], additionalProperties: false };
  const pets = (count: number) => Array.from({ length: count }, (_, index) => ({ kind: "pet", name: `p${index}` }));
  const strings = (count: number) => Array.from({ length: count }, (_, index) => `s${index}`);
  const record = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, `v${index}`]));
  const cases: [string, JsonSchema, unknown, string[] | "ok"][] = [
    ["5,000 valid objects", { type: "array", items: { $ref: "#/definitions/Pet" } }, pets(5_000), "ok"],
    ["a valid 5,000-key record", { type: "object", additionalProperties: { type: "string" } }, record(5_000), "ok"],
    ["a valid heavy nullable array", { anyOf: [{ type: "array", items: { $ref: "#/definitions/Pet" } }, { type: "null" }] }, pets(3_000), "ok"],
    ["one wrong object among 5,000", { type: "array", items: { $ref: "#/definitions/Pet" } }, [...pets(4_000), { kind: "pet" }, ...pets(999)], ['value[4000]: missing required property "name"']],
    ["too many items", { type: "array", items: { type: "string" }, maxItems: 10 }, strings(5_000), ["value: must NOT have more than 10 items, got array [\"s0\",\"s1\",\"s2\",\"s3\",\"s4\",\"s5\",\"s6\",\"s7\",\"s8\",\"s9\",\"s10\",..."]],
    ["a tuple's rest items", { type: "array", items: [{ type: "number" }], additionalItems: { type: "string" } }, [1, ...strings(3_000), 7], ["value[3001]: must be string, got number 7"]],
    ["a heavy nullable array with one wrong item", { anyOf: [{ type: "array", items: { $ref: "#/definitions/Pet" } }, { type: "null" }] }, [...pets(3_000), { kind: "cat", name: "Tom" }],
      [`value: must match one of: array | null; got array [{"kind":"pet","name":"p0"},{"kind":"pet","name":"p1"},{"...`, 'value[3000].kind: must be "pet", got string "cat"']],
    ["a reserved key at the end of a large record", { type: "object", additionalProperties: { type: "string" } }, { ...record(5_000), prototype: "x" },
      ['value: the key "prototype" is not allowed: it is reserved in JavaScript (it would change the object\'s prototype or constructor); use another key']],
    ["an unexpected key beside a large array", { type: "object", properties: { list: { type: "array", items: { type: "string" } } }, required: ["list"], additionalProperties: false },
      { list: strings(5_000), extra: 1 }, ['value: unexpected property "extra" (allowed: list)']],
  ];

  test.each(cases)("%s", async (_name, output, value, expected) => {
    const callSpec = spec(`large${_name.length}`, output, { definitions: { Pet } });
    const model = scriptedModel([{ value }]);
    const outcome = await withCallOptions({ model, maxRepairs: 0 }, () => invoke(callSpec, undefined, ["sea"])).then(
      () => "ok" as const,
      (error: unknown) => (error as LLMOutputError).attempts[0]!.errors,
    );
    expect(outcome).toEqual(expected);
  });
});
