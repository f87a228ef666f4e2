import {
  cached,
  ChatChain,
  chatChain,
  configure,
  openAI,
  scriptedModel,
  traceSpans,
  withTrace,
  type ChatMessage,
  type CompletionRequest,
  type LanguageModel,
} from "../../runtime";
import { compile } from "../helpers/compile";
import { lastUserText, replyJson, startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { Customer, customerJson } from "../runtime/customer-specs";

// The compiled test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** A scripted model replying `{ value: "<n>: <last user text>" }`, so each reply names what it answered. */
function echoModel(): ReturnType<typeof scriptedModel> {
  let count = 0;
  return scriptedModel((request: CompletionRequest) => {
    const users = request.messages.filter((message) => message.role === "user");
    const last = users[users.length - 1]!.content.split("\n\n")[0];
    return { value: `${++count}: ${last}` };
  });
}

const roles = (messages: readonly ChatMessage[]) => messages.map((message) => `${message.role}: ${message.content.split("\n\n")[0]}`);

describe("immutability", () => {
  test("query returns the reply and a new chain; the chain it was asked on stays as it was", async () => {
    const model = echoModel();
    const start = chatChain(model, { system: "Be brief." });
    const [first, afterFirst] = await start.query("Lisbon or Porto?");
    const [second, afterSecond] = await afterFirst.query("Why?");

    expect(first).toBe("1: Lisbon or Porto?");
    expect(second).toBe("2: Why?");
    expect(roles(start.messages)).toEqual(["system: Be brief."]);
    expect(roles(afterFirst.messages)).toEqual(["system: Be brief.", "user: Lisbon or Porto?", "assistant: 1: Lisbon or Porto?"]);
    expect(roles(afterSecond.messages)).toEqual([...roles(afterFirst.messages), "user: Why?", "assistant: 2: Why?"]);
    expect(afterSecond.response).toBe("2: Why?");
    expect(new Set([start.id, afterFirst.id, afterSecond.id]).size).toBe(3);

    // What the model was sent: the history, then the question with the answer's shape (one user message).
    expect(model.requests[1]!.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(model.requests[1]!.messages[3]!.content).toBe("Why?\n\nReply with JSON of type { value: string }");

    // The messages cannot be changed in place.
    expect(() => (start.messages as ChatMessage[]).push({ role: "user", content: "x" })).toThrow(TypeError);
    expect(() => ((afterFirst.messages[1] as { content: string }).content = "changed")).toThrow(TypeError);
    expect(roles(afterFirst.messages)[1]).toBe("user: Lisbon or Porto?");
  });

  test("asking the same chain twice gives two independent continuations", async () => {
    const model = echoModel();
    const chain = chatChain(model);
    const [[, a], [, b]] = await Promise.all([chain.query("A?"), chain.query("B?")]);
    expect(roles(a.messages)).toEqual(["user: A?", expect.stringMatching(/^assistant: \d: A\?$/)]);
    expect(roles(b.messages)).toEqual(["user: B?", expect.stringMatching(/^assistant: \d: B\?$/)]);
    expect(chain.messages).toEqual([]);
  });

  test("branch shares the history; what one branch says the other never sees", async () => {
    const model = echoModel();
    const [, shared] = await chatChain(model).query("Topic: tides.");
    const left = shared.branch();
    const right = shared.branch();
    expect(left.messages).toEqual(shared.messages);
    expect(left.id).not.toBe(right.id);

    const [, leftNext] = await left.query("Left question?");
    const [, rightNext] = await right.query("Right question?");
    const leftRequest = model.requests[1]!;
    const rightRequest = model.requests[2]!;
    expect(roles(leftRequest.messages)).toEqual(["user: Topic: tides.", "assistant: 1: Topic: tides.", "user: Left question?"]);
    expect(roles(rightRequest.messages)).toEqual(["user: Topic: tides.", "assistant: 1: Topic: tides.", "user: Right question?"]);
    expect(JSON.stringify(rightNext.messages)).not.toContain("Left question");
    expect(JSON.stringify(leftNext.messages)).not.toContain("Right question");
    expect(shared.messages).toHaveLength(2);
  });

  test("a cache never answers one conversation with another's reply", async () => {
    let count = 0;
    const model = cached(scriptedModel(() => ({ value: `reply ${++count}` })));
    const [pirate] = await chatChain(model, { system: "You are a pirate." }).query("Greet me.");
    const [butler] = await chatChain(model, { system: "You are a butler." }).query("Greet me.");
    const [again] = await chatChain(model, { system: "You are a pirate." }).query("Greet me.");
    expect([pirate, butler, again]).toEqual(["reply 1", "reply 2", "reply 1"]);
  });

  test("append and a bad question", async () => {
    const chain = chatChain(echoModel()).append({ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" });
    expect(chain.response).toBe("Hello");
    expect(() => chain.query("  ")).toThrow(/question must be a non-empty string/);
    expect(() => chain.append({ role: "robot", content: "x" } as unknown as ChatMessage)).toThrow(/role/);
  });
});

describe("stub calls inside a chain", () => {
  test("continue its conversation, see each other in order, and the chain's model answers them", async () => {
    const fallback = scriptedModel([{ value: 1 }]);
    const before = configure({ model: fallback });
    try {
      const model = scriptedModel((request) => ({ value: request.messages.length }));
      const chain = chatChain(model, { system: "You know everyone's age." });
      const customer = Object.assign(new Customer(), customerJson(0));
      const [ages, next] = await chain.continueWith(async () => [await customer.age, await customer.age]);

      // The first call saw the system message and its prompt; the second also the first exchange.
      expect(ages).toEqual([2, 4]);
      expect(fallback.requests).toHaveLength(0);
      expect(model.requests[0]!.messages.map((message) => message.role)).toEqual(["system", "user"]);
      expect(model.requests[1]!.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
      expect(model.requests[1]!.messages[2]!.content).toBe('{"value":2}');
      expect(next.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user", "assistant"]);
      expect(next.messages[1]!.content).toMatch(/^Return the current age of the customer/);
      expect(chain.messages).toHaveLength(1);

      // Outside the chain, the same stub is a fresh conversation again.
      await customer.age;
      expect(fallback.requests[0]!.messages.map((message) => message.role)).toEqual(["user"]);
    } finally {
      configure(before);
    }
  });

  test("a chain with nothing asked in it comes back as itself", async () => {
    const chain = chatChain(echoModel());
    const [value, next] = await chain.continueWith(() => 7);
    expect(value).toBe(7);
    expect(next).toBe(chain);
  });
});

describe("structured queries", () => {
  let server: OpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer(() => ({ status: 500 }));
  });
  afterAll(() => server.close());

  const files = {
    "src/plan.ts": `import { chatChain, type LanguageModel } from "llm-strategy";

/** A trip plan. */
export interface Plan {
  /** The city. */
  city: string;
  /**
   * How long, in days.
   * @minimum 1
   */
  days: number;
  /** What to do each day. */
  steps: string[];
}

export async function plan(model: LanguageModel) {
  const chain = chatChain(model, { system: "You plan trips." });
  const [, next] = await chain.query("Lisbon or Porto?");
  return next.structuredQuery<Plan>("Plan my days there.");
}

export async function count(model: LanguageModel) {
  const chain = chatChain(model);
  const [answer, next] = await chain.continueWith(() => chain.structuredQuery<number>("How many days?"));
  return { answer, next };
}
`,
  };

  test("compiled by the transformer at the call site and answered by the local server through the openai SDK, with a repair", async () => {
    const result = compile({ files });
    expect(result.compilerErrors).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    const js = result.js("src/plan.ts");
    // The call site became a specialised call of the runtime's own method, with Plan's schema at hand.
    expect(js).toMatch(/__llmStrategy\.callSpecialized\(__llmStrategySpec_\w*ChatChain_structuredQuery\w*, _a, _a\.structuredQuery, \["Plan my days there\."\]\)/);
    expect(js).toContain('typeArguments: "<Plan>"');
    expect(js).toContain('id: "llm-strategy ChatChain.structuredQuery"');

    let planRequests = 0;
    server.setHandler((request) => {
      if (lastUserText(request).startsWith("Lisbon or Porto?")) return replyJson(request, { value: "Lisbon." });
      planRequests++;
      // First a plan breaking @minimum 1, then a valid one once told what was wrong.
      return replyJson(request, planRequests === 1 ? { city: "Lisbon", days: 0, steps: [] } : { city: "Lisbon", days: 2, steps: ["Alfama", "Belém"] });
    });
    server.requests.length = 0;
    const model = openAI({ baseURL: server.baseURL, apiKey: "test", model: "planner", maxRetries: 0 });
    const main = result.load<{ plan(model: LanguageModel): Promise<unknown> }>("src/plan.ts");
    const { result: plan, trace } = await withTrace(() => main.plan(model));

    expect(plan).toEqual({ city: "Lisbon", days: 2, steps: ["Alfama", "Belém"] });
    const [, first, repair] = server.requests.map((request) => request.body);
    // Structured output carried Plan's schema (strict), built at compile time.
    expect(first!.response_format?.json_schema?.schema).toMatchObject({
      type: "object",
      properties: { city: { type: "string" }, days: { type: "number" }, steps: { type: "array" } },
      required: ["city", "days", "steps"],
    });
    // The conversation came first, then the query's prompt.
    expect(first!.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(first!.messages[1]!.content).toBe("Lisbon or Porto?");
    expect(first!.messages[2]!.content).toBe("Lisbon.");
    expect(first!.messages[3]!.content).toContain('Input: {"question":"Plan my days there."}');
    expect(repair!.messages.slice(0, 4)).toEqual(first!.messages);
    expect(lastUserText(server.requests[2]!)).toMatch(/days: must be >= 1/);

    // The trace shows the chain operations and the specialised stub call inside the second.
    const spans = traceSpans(trace);
    expect(spans.filter((span) => span.kind === "chain").map((span) => span.name)).toEqual([expect.stringMatching(/^chain#\d+\.query$/), expect.stringMatching(/^chain#\d+\.structuredQuery$/)]);
    const query = spans.find((span) => span.name === "ChatChain.structuredQuery<Plan>")!;
    expect(query.kind).toBe("stub");
    expect(query.attempts!.map((attempt) => attempt.accepted)).toEqual([false, true]);
    expect(query.attempts![0]!.errors).toEqual([expect.stringMatching(/days: must be >= 1/)]);
    const chainSpans = spans.filter((span) => span.kind === "chain");
    expect(chainSpans[0]!.chain!.next).toBe(chainSpans[1]!.chain!.id);
  });

  test("inside continueWith of a chain, a structured query adds its exchange to the returned chain", async () => {
    const result = compile({ files });
    const main = result.load<{ count(model: LanguageModel): Promise<{ answer: number; next: ChatChain }> }>("src/plan.ts");
    const model = scriptedModel([{ value: 3 }]);
    const { answer, next: counted } = await main.count(model);
    expect(answer).toBe(3);
    expect(counted.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(counted.messages[0]!.content).toContain('Input: {"question":"How many days?"}');
    expect(counted.messages[1]!.content).toBe('{"value":3}');
    // The number's schema came from the call site (a wrapper, since a number is not an object).
    expect(model.requests[0]!.replySchema).toEqual({ type: "object", properties: { value: { type: "number" } }, required: ["value"], additionalProperties: false });

    const chain = chatChain(scriptedModel([{ value: "x" }]));
    const [value, next] = await chain.continueWith(() => chain.query("Hello?"));
    expect(value[0]).toBe("x");
    expect(roles(next.messages)).toEqual(["user: Hello?", "assistant: x"]);
  });

  test("a call the transformer did not compile accepts any JSON and warns once", async () => {
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const chain = new ChatChain(scriptedModel([{ value: { anything: [1, 2] } }, { value: "text" }]));
      expect(await chain.structuredQuery<unknown>("What?")).toEqual({ anything: [1, 2] });
      expect(await chain.structuredQuery<unknown>("And?")).toBe("text");
      const warnings = emitWarning.mock.calls.filter(([message]) => String(message).includes("ChatChain.structuredQuery is generic"));
      expect(warnings).toHaveLength(1);
    } finally {
      emitWarning.mockRestore();
    }
  });
});
