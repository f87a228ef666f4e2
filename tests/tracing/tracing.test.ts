import {
  cached,
  hyperparameter,
  LLMOutputError,
  readTrace,
  TraceRecorder,
  traced,
  traceSpans,
  withCallOptions,
  withHyperparameters,
  withTrace,
  type CallInfo,
  type SpanJson,
  type TraceJson,
} from "../../runtime";
import { Customer, customerJson, MockCustomerDatabase } from "../runtime/customer-specs";
import { completionModel, delay, usage } from "./helpers";

const customer = (index = 0) => Object.assign(new Customer(), customerJson(index));
const byName = (trace: Pick<TraceJson, "spans">, name: string): SpanJson => {
  const found = traceSpans(trace).filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`${found.length} spans named ${name}: ${traceSpans(trace).map((span) => span.name).join(", ")}`);
  return found[0]!;
};
/** The tree as names, children in brackets, for comparing shapes. */
const shape = (spans: SpanJson[]): unknown[] => spans.map((span) => (span.children.length ? [span.name, shape(span.children)] : span.name));

describe("span tree", () => {
  test("nests across await, Promise.all, timers and callbacks", async () => {
    const model = completionModel(() => '{"value": 40}');
    const inTimer = traced("inTimer", () => customer(1).age);
    const left = traced("left", async () => {
      await delay(5);
      return customer(0).age;
    });
    const right = traced("right", () => new Promise<number>((resolve, reject) => setTimeout(() => inTimer().then(resolve, reject), 1)));
    const { result, trace } = await withTrace(() => withCallOptions({ model }, traced("root", () => Promise.all([left(), right()]))));

    expect(result).toEqual([40, 40]);
    expect(shape(trace.spans)).toEqual([["root", [["left", ["Customer.age"]], ["right", [["inTimer", ["Customer.age"]]]]]]]);
    const root = trace.spans[0]!;
    for (const span of traceSpans(trace)) {
      expect(span.status).toBe("ok");
      // Children start after and end before their parent.
      for (const child of span.children) {
        expect(child.startTime).toBeGreaterThanOrEqual(span.startTime);
        expect(child.startTime + child.durationMs!).toBeLessThanOrEqual(span.startTime + span.durationMs! + 0.001);
      }
    }
    expect(root.durationMs).toBeGreaterThanOrEqual(4);
    expect(trace.durationMs).toBeGreaterThanOrEqual(root.durationMs!);
    expect(new Set(traceSpans(trace).map((span) => span.id)).size).toBe(6);
  });

  test("a stub span holds the messages, each reply, repairs, parse repairs, tokens, mode fallbacks and latency", async () => {
    const model = completionModel(
      [
        { text: '{"value": [{"key": "k"}]}', usage: usage(100, 10), mode: "json", fallbacks: [{ from: "structured", to: "json", reason: "response_format is not supported" }] },
        { text: '```json\n{"value": [' + JSON.stringify(customerJson(0)) + "]}\n```", usage: usage(150, 40), mode: "json" },
      ],
      { id: "test:planner" },
    );
    const { result, trace } = await withTrace(() => withCallOptions({ model }, () => MockCustomerDatabase.createMockCustomers(1)), { name: "mock" });

    expect(result[0]).toBeInstanceOf(Customer);
    expect(trace.name).toBe("mock");
    const span = byName(trace, "MockCustomerDatabase.createMockCustomers");
    expect(span).toMatchObject({
      kind: "stub",
      stub: "src/customer.ts:30 MockCustomerDatabase.createMockCustomers",
      hash: "mock000000000001",
      model: "test:planner",
      mode: "json",
      status: "ok",
      input: { numCustomers: 1 },
      output: [customerJson(0)],
      usage: usage(250, 50),
      parseRepaired: true,
      fallbacks: [{ from: "structured", to: "json", reason: "response_format is not supported" }],
    });
    expect(span.messages).toEqual([{ role: "user", content: expect.stringContaining("Create mock customers with believable data") }]);
    expect(span.messages![0]!.content).toContain("interface Customer {");
    const [first, second] = span.attempts!;
    expect(first).toMatchObject({ accepted: false, reply: '{"value": [{"key": "k"}]}', errorCount: 4, usage: usage(100, 10), source: "model" });
    expect(first!.errors).toEqual(expect.arrayContaining([expect.stringContaining('missing required property "firstName"')]));
    expect(first!.repair).toBeUndefined();
    expect(second).toMatchObject({ accepted: true, errorCount: 0, parseRepairs: ["code fence"], usage: usage(150, 40) });
    // The repair request: the failed reply and what was wrong, after the first request.
    expect(second!.repair!.map((message) => message.role)).toEqual(["assistant", "user"]);
    expect(second!.repair![1]!.content).toContain('missing required property "firstName"');
    expect(second!.startTime).toBeGreaterThanOrEqual(first!.startTime + first!.durationMs);
    expect(span.durationMs).toBeGreaterThanOrEqual(first!.durationMs + second!.durationMs);
  });

  test("a custom model's fallback reason quoting credentials is redacted in the span and in CallInfo alike", async () => {
    const reason = "https://bot:pw-4711@proxy.example/v1?api_key=k-4711 answered 400 to Authorization: Bearer tok-4711-abcdefghijkl";
    const model = completionModel(() => ({ text: '{"value": 42}', mode: "json", fallbacks: [{ from: "structured", to: "json", reason }] }));
    const calls: CallInfo[] = [];
    const { trace } = await withTrace(() => withCallOptions({ model, onCall: (info) => calls.push(info) }, () => customer().age));
    const [spanReason] = byName(trace, "Customer.age").fallbacks!.map((fallback) => fallback.reason);
    expect(spanReason).toBe("https://[redacted]@proxy.example/v1?api_key=[redacted] answered 400 to Authorization: Bearer [redacted]");
    expect(calls[0]!.fallbacks[0]!.reason).toBe(spanReason);
  });

  test("cache hits are marked in the attempts", async () => {
    const model = cached(completionModel(() => ({ text: '{"value": 42}', usage: usage(10, 2) })));
    const { trace } = await withTrace(() => withCallOptions({ model }, async () => [await customer().age, await customer().age]));
    const sources = traceSpans(trace).map((span) => span.attempts![0]!.source);
    expect(sources).toEqual(["model", "cache"]);
  });

  test("a failed stub call is an error span with every attempt; a TraceRecorder keeps the trace of a failed run", async () => {
    const model = completionModel(() => '{"value": "old"}');
    const recorder = new TraceRecorder();
    const failing = traced("failing", () => customer().age);
    await expect(recorder.run(() => withCallOptions({ model, maxRepairs: 1 }, failing))).rejects.toThrow(LLMOutputError);
    const trace = recorder.toJSON();
    expect(shape(trace.spans)).toEqual([["failing", ["Customer.age"]]]);
    const [outer, stub] = traceSpans(trace);
    expect(outer!.error).toEqual({ name: "LLMOutputError", message: expect.stringContaining("still invalid after 2 attempts") });
    expect(stub!.status).toBe("error");
    expect(stub!.attempts!.map((attempt) => [attempt.accepted, attempt.errorCount])).toEqual([
      [false, 1],
      [false, 1],
    ]);
    expect(stub!.output).toBeUndefined();
  });

  test("inner traces are their own, and their spans are also in the outer trace", async () => {
    const model = completionModel(() => '{"value": 3}');
    let inner: TraceJson | undefined;
    const { trace: outer } = await withTrace(() =>
      withCallOptions({ model }, traced("outer", async () => {
        await customer().age;
        inner = (await withTrace(traced("inner", () => customer().age))).trace;
      })),
    );
    expect(shape(outer.spans)).toEqual([["outer", ["Customer.age", ["inner", ["Customer.age"]]]]]);
    expect(shape(inner!.spans)).toEqual([["inner", ["Customer.age"]]]);
  });

  test("without a trace, traced() only calls the function: the very same promise comes back", async () => {
    const promise = Promise.resolve(1);
    const wrapped = traced("plain", () => promise);
    expect(wrapped()).toBe(promise);
    // Inside a trace, the call is a span (and the promise a new one that ends it).
    const { trace } = await withTrace(() => {
      expect(wrapped()).not.toBe(promise);
    });
    expect(shape(trace.spans)).toEqual(["plain"]);
  });

  test("traced functions keep this, arguments, sync results and thrown errors", async () => {
    class Counter {
      count = 1;
      add = traced("add", function (this: Counter, by: number) {
        return (this.count += by);
      });
    }
    const boom = traced("boom", (): never => {
      throw new RangeError("no");
    });
    const counter = new Counter();
    const { trace } = await withTrace(() => {
      expect(counter.add(2)).toBe(3);
      expect(() => boom()).toThrow(RangeError);
    });
    expect(traceSpans(trace).map((span) => [span.name, span.input, span.output ?? span.error])).toEqual([
      ["add", [2], 3],
      ["boom", [], { name: "RangeError", message: "no" }],
    ]);
  });
});

describe("hyperparameters in traces", () => {
  const temperature = hyperparameter("trace-test.temperature", 0.5, { description: "How adventurous the answer is" });
  const depth = hyperparameter("trace-test.depth", 2);

  test("two concurrent branches with different hyperparameters each see only their own, under the right parent", async () => {
    const model = completionModel(() => '{"value": 30}');
    const branch = (name: string) =>
      traced(name, async () => {
        await delay(name === "a" ? 10 : 1);
        const seen = temperature.value;
        await customer().age;
        await delay(2);
        return seen;
      });
    const { result, trace } = await withTrace(() =>
      withCallOptions({ model }, traced("root", () =>
        Promise.all([
          withHyperparameters({ "trace-test.temperature": 0.1 }, branch("a")),
          withHyperparameters({ "trace-test.temperature": 0.9, "trace-test.depth": 5 }, async () => {
            const value = await branch("b")();
            return [value, depth.value];
          }),
        ]),
      )),
    );
    expect(result).toEqual([0.1, [0.9, 5]]);
    expect(shape(trace.spans)).toEqual([["root", [["a", ["Customer.age"]], ["b", ["Customer.age"]]]]]);
    expect(byName(trace, "a").hyperparameters).toEqual({ "trace-test.temperature": 0.1 });
    expect(byName(trace, "b").hyperparameters).toEqual({ "trace-test.temperature": 0.9 });
    // The root saw every read below it, and depth read outside both branches' spans.
    expect(byName(trace, "root").hyperparameters).toEqual({ "trace-test.temperature": expect.any(Number), "trace-test.depth": 5 });
    // The stub spans read no hyperparameter of their own: the values were read by the functions around them.
    expect(traceSpans(trace).filter((span) => span.kind === "stub").map((span) => span.hyperparameters)).toEqual([undefined, undefined]);
  });
});

describe("JSON", () => {
  test("round trip: the JSON text parses back to an equal trace, which readTrace accepts", async () => {
    const model = completionModel(() => ({ text: '{"value": [' + JSON.stringify({ ...customerJson(2), nickname: "Chi" }) + "]}", usage: usage(5, 5) }));
    const load = traced("load", async (db: MockCustomerDatabase) => {
      await db.load();
      return db;
    });
    const { trace } = await withTrace(() => withCallOptions({ model }, () => load(new MockCustomerDatabase())));
    const text = JSON.stringify(trace);
    const parsed = JSON.parse(text) as unknown;
    expect(parsed).toEqual(trace);
    expect(readTrace(text)).toEqual(trace);
    // Revived class instances and the database went in as their fields.
    expect(byName(trace, "load").output).toEqual({ customers: [{ ...customerJson(2), nickname: "Chi" }] });
  });

  test("readTrace names what is wrong with other JSON", () => {
    expect(() => readTrace({ format: "other", version: 1, spans: [] })).toThrow(/"format" is "other"/);
    expect(() => readTrace({ format: "llm-strategy.trace", version: 2, spans: [] })).toThrow(/version 2 is not supported/);
    expect(() => readTrace("[1]")).toThrow(/"format"/);
  });

  test("values that JSON cannot hold are written so the trace stays JSON", async () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const odd = traced("odd", (..._args: unknown[]) => new Map([["when", new Date(0)]]));
    const { trace } = await withTrace(() => odd(cyclic, 10n, Number.NaN, () => 1, new Set([1]), undefined, Symbol("s")));
    const span = trace.spans[0]!;
    expect(span.input).toEqual([{ name: "loop", self: "[Circular]" }, "10", "NaN", "[Function anonymous]", [1], null, null]);
    expect(span.output).toEqual({ when: "1970-01-01T00:00:00.000Z" });
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });
});

describe("privacy", () => {
  test("with content capture off, no input, prompt, reply, validation error or error message enters the trace", async () => {
    const secret = "SECRET-7f3a";
    const person = Object.assign(new Customer(), { ...customerJson(0), address: `${secret} street` });
    const replies = [`{"value": "${secret}-reply"}`, `{"value": 41}`, `{"value": "${secret}-again"}`, `{"value": "${secret}-last"}`];
    const model = completionModel(replies.map((text) => ({ text, usage: usage(7, 3) })));
    const step = traced("step", async (who: Customer, note: string) => `${note}:${await who.age}`);
    const recorder = new TraceRecorder({ captureContent: false });
    await recorder.run(() => withCallOptions({ model, maxRepairs: 1 }, async () => {
      await step(person, secret);
      await expect(step(person, secret)).rejects.toThrow(LLMOutputError);
    }));
    const trace = recorder.toJSON();
    const text = JSON.stringify(trace);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("Harbour");
    expect(text).not.toContain("Return the current age");
    expect(trace.contentCaptured).toBe(false);
    // What remains: the shape, names, timings, tokens, counts, models, error types.
    expect(shape(trace.spans)).toEqual([["step", ["Customer.age"]], ["step", ["Customer.age"]]]);
    const stubs = traceSpans(trace).filter((span) => span.kind === "stub");
    expect(stubs[0]).toMatchObject({ model: "test:model-a", usage: usage(14, 6), status: "ok" });
    expect(stubs[0]!.attempts!.map((attempt) => attempt.errorCount)).toEqual([1, 0]);
    expect(stubs[1]!.error).toEqual({ name: "LLMOutputError" });
    for (const span of traceSpans(trace)) {
      expect(span.input).toBeUndefined();
      expect(span.output).toBeUndefined();
      expect(span.messages).toBeUndefined();
      for (const attempt of span.attempts ?? []) {
        expect(attempt.reply).toBeUndefined();
        expect(attempt.errors).toBeUndefined();
        expect(attempt.repair).toBeUndefined();
      }
    }
  });

  test("an inner trace capturing content inside one that does not captures none", async () => {
    const model = completionModel(() => '{"value": 12}');
    let inner: TraceJson | undefined;
    await withTrace(
      () => withCallOptions({ model }, async () => {
        inner = (await withTrace(() => customer().age, { captureContent: true })).trace;
      }),
      { captureContent: false },
    );
    expect(inner!.spans[0]!.messages).toBeUndefined();
    expect(JSON.stringify(inner)).not.toContain("Ada");
  });
});
