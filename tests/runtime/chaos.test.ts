/**
 * Thousands of stub calls against a server that answers at random: valid, invalid, fenced,
 * truncated, 429, 500, slow, hanging or dropped. Every call must end with a correct value or
 * a typed error; nothing invalid may escape; request size stays bounded. (Jest fails a test
 * on an unhandled rejection, and the test waits for stragglers before it ends.)
 */
import Ajv from "ajv";
import addFormats from "ajv-formats";
import {
  configure,
  invoke,
  LLMAbortError,
  LLMOutputError,
  LLMRequestError,
  LLMStrategyError,
  LLMTimeoutError,
  LLMTruncatedError,
  openAI,
  SPEC_VERSION,
  withCallOptions,
  type CallSpec,
} from "../../runtime";
import { startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "../helpers/openai-server";

const CALLS = 2000;
/**
 * On a loaded machine nearly every 100 ms request times out and is tried again: about 4000
 * requests and 50 s or more (54 s seen at load 13 on 2 cores), where an idle machine takes 6 s.
 */
const CHAOS_TIMEOUT_MS = 600_000;

class Sum {
  total = 0;
  parts: number[] = [];
  at?: Date;
}

const SumSchema = {
  type: "object",
  properties: {
    total: { type: "integer" },
    parts: { type: "array", items: { type: "integer" }, minItems: 2, maxItems: 2 },
    at: { type: "string", format: "date-time" },
  },
  required: ["total", "parts"],
  additionalProperties: false,
};

const addSpec: CallSpec = {
  version: SPEC_VERSION,
  id: "src/calc.ts:3 Calculator.add",
  kind: "method",
  template: "Add the two numbers; give the parts in order.\n\nadd(this: Calculator, a: number, b: number): Sum\n\nInput: {{input}}\n{{outputTypes}}\nAnswer with JSON Sum.",
  outputTypes: "interface Sum { total: number; parts: number[]; at?: string }",
  params: [
    { name: "a", role: "input" },
    { name: "b", role: "input" },
  ],
  thisFields: ["name"],
  input: { type: "object" },
  output: { $ref: "#/definitions/Sum" },
  definitions: { Sum: SumSchema },
  revive: { value: { kind: "class", class: () => Sum, props: { at: { kind: "date" } } } },
  hash: "chaos00000000001",
};

class Calculator {
  name = "calc";
  add(a: number, b: number): Promise<Sum> {
    return invoke(addSpec, this, [a, b]);
  }
}

/** A small seeded PRNG, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = Number(process.env.CHAOS_SEED ?? 20240611);
/**
 * A fixed slice of calls (`a % FIXED_EVERY` from 1 to 4) gets the same kind of reply every time,
 * from a model with a generous timeout, so a valid value, "still invalid after every repair",
 * "cut off by the token limit" and a provider error happen in every run, however load and
 * timing reorder the random rolls.
 */
const FIXED_EVERY = 97;
const chance = random(seed);

function chaoticModel(request: ReceivedRequest): Reply {
  const prompt = request.body.messages[0]!.content;
  const input = JSON.parse(/^Input: (.*)$/m.exec(prompt)![1]!) as { a: number; b: number };
  const strict = request.body.response_format?.json_schema?.strict === true;
  const correct = JSON.stringify({ total: input.a + input.b, parts: [input.a, input.b], ...(strict ? { at: null } : { at: "2024-01-01T00:00:00Z" }) });
  if (input.a % FIXED_EVERY === 1) return { content: JSON.stringify({ total: "wrong", parts: [] }) }; // always invalid
  if (input.a % FIXED_EVERY === 2) return { content: correct.slice(0, 15), finishReason: "length" }; // always cut off
  if (input.a % FIXED_EVERY === 3) return { status: 500, body: { error: { message: "always down" } } };
  if (input.a % FIXED_EVERY === 4) return { content: correct };
  const roll = chance();
  if (roll < 0.3) return { content: correct };
  if (roll < 0.4) return { content: JSON.stringify({ total: String(input.a + input.b), parts: [input.a] }) }; // invalid
  if (roll < 0.47) return { content: `Sure:\n\`\`\`json\n${correct.replace(/}$/, ",}")}\n\`\`\`` }; // fenced, trailing comma
  if (roll < 0.52) return { content: correct.slice(0, 15) }; // truncated, finish_reason stop
  if (roll < 0.55) return { content: correct.slice(0, 15), finishReason: "length" };
  if (roll < 0.63) return { status: 429, headers: { "retry-after-ms": "3" }, body: { error: { message: "Rate limit" } } };
  if (roll < 0.71) return { status: 500, body: { error: { message: "boom" } } };
  if (roll < 0.83) return { content: correct, delayMs: Math.floor(chance() * 60) }; // slow
  if (roll < 0.9) return { hang: true };
  if (roll < 0.93) return { destroy: true };
  return { content: correct, delayMs: 200 }; // slower than the per-request timeout
}

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer(chaoticModel);
});
afterAll(() => server.close());

test(`chaos: ${CALLS} calls, every one a correct value or a typed error (seed ${seed})`, async () => {
  const maxConcurrency = 32;
  // The fixed slice's model: same endpoint, no tight timeout; its few calls share the concurrency budget.
  // Under load one of its requests took over 10 s (the process serves thousands of timed-out
  // requests at once), and a call that was to fail as invalid or as a 500 timed out instead.
  const patient = openAI({ baseURL: server.baseURL, apiKey: "k", model: "chaos", timeoutMs: 120_000, maxRetries: 2, retryDelayMs: 2, maxConcurrency: 4 });
  const before = configure({
    model: openAI({ baseURL: server.baseURL, apiKey: "k", model: "chaos", timeoutMs: 100, maxRetries: 2, retryDelayMs: 2, maxConcurrency: maxConcurrency - 4 }),
    maxRepairs: 2,
  });
  const independent = new Ajv({ strict: false });
  addFormats(independent);
  const isValidSum = independent.compile(SumSchema);

  try {
    const calculator = new Calculator();
    const outcomes = await Promise.all(
      Array.from({ length: CALLS }, async (_, index) => {
        const a = index;
        const b = (index * 7) % 13;
        const plan = chance();
        const call = () => calculator.add(a, b);
        try {
          let value: Sum;
          if (a % FIXED_EVERY >= 1 && a % FIXED_EVERY <= 4) value = await withCallOptions({ model: patient }, call);
          else if (plan < 0.2) value = await withCallOptions({ timeoutMs: 150 }, call);
          else if (plan < 0.3) {
            const controller = new AbortController();
            setTimeout(() => controller.abort(), Math.floor(chance() * 100));
            value = await withCallOptions({ signal: controller.signal }, call);
          } else value = await call();
          return { ok: true as const, value, a, b };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );

    const counts: Record<string, number> = {};
    for (const outcome of outcomes) {
      if (outcome.ok) {
        const { value, a, b } = outcome;
        // Nothing invalid escapes: a typed, revived, correct value that the schema accepts.
        expect(value).toBeInstanceOf(Sum);
        expect(value.total).toBe(a + b);
        expect(value.parts).toEqual([a, b]);
        if (value.at !== undefined) expect(value.at).toBeInstanceOf(Date);
        expect(isValidSum({ ...value, ...(value.at ? { at: value.at.toISOString() } : {}) })).toBe(true);
        counts.ok = (counts.ok ?? 0) + 1;
      } else {
        const { error } = outcome;
        expect(error).toBeInstanceOf(LLMStrategyError);
        const kind = [LLMAbortError, LLMTimeoutError, LLMTruncatedError, LLMOutputError, LLMRequestError].find((type) => error instanceof type);
        expect(kind).toBeDefined();
        expect((error as LLMStrategyError).stub).toBe(addSpec.id);
        counts[kind!.name] = (counts[kind!.name] ?? 0) + 1;
      }
    }
    // The run really was chaotic: every kind of ending happened.
    expect(Object.keys(counts).sort()).toEqual(["LLMAbortError", "LLMOutputError", "LLMRequestError", "LLMTimeoutError", "LLMTruncatedError", "ok"]);

    // Request size stays bounded: a repair carries only the latest failed reply and a capped error list.
    const firstSizes = server.requests.filter((request) => request.body.messages.length === 1).map((request) => request.raw.length);
    const largest = Math.max(...server.requests.map((request) => request.raw.length));
    expect(largest).toBeLessThan(Math.max(...firstSizes) + 1500);
    expect(server.inFlight.max).toBeLessThanOrEqual(maxConcurrency);

    // Let abandoned requests finish or fail while the test still runs, so any late unhandled rejection fails it.
    const settled = Date.now();
    while (server.inFlight.now > 0 && Date.now() - settled < 30_000) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.inFlight.now).toBe(0);
    console.log(`chaos seed ${seed}: ${server.requests.length} requests; outcomes ${JSON.stringify(counts)}; largest request ${largest} B`);
  } finally {
    configure(before);
  }
}, CHAOS_TIMEOUT_MS);
