import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cached, configure, LLMOutputError, openAI, withCallOptions, withTrace, type CallInfo, type CallSpec } from "../../runtime";
import { compile, type CompileResult } from "../helpers/compile";
import { startOpenAIServer, type OpenAIServer, type ReceivedRequest } from "../helpers/openai-server";

/**
 * `@check`: compiled by the real transformer through the real compiler, run against the local
 * OpenAI-compatible server through the real SDK. The server answers from what each request
 * carries (the prompt, and in a repair request the errors sent back).
 */

// Each test builds a Program with the runtime's types (and checks a second one): seconds on a loaded machine.
jest.setTimeout(120_000);

let server: OpenAIServer;
let restore: ReturnType<typeof configure> | undefined;
beforeAll(async () => {
  server = await startOpenAIServer(() => ({ status: 500, body: { error: { message: "no handler" } } }));
});
afterAll(() => server.close());
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

function useServer(): void {
  restore = configure({ model: openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "test-model", mode: "json", maxRetries: 0 }) });
}

/** The text of a request's last user message (the prompt, or in a repair the errors). */
function lastUser(request: ReceivedRequest): string {
  return [...request.body.messages].reverse().find((message) => message.role === "user")!.content;
}

const customerSource = `import { stub } from "llm-strategy";
export class Customer {
  key = "";
  birthdate = "";
  /**
   * Create mock customers with believable data.
   * @check value.length === numCustomers -- exactly as many customers as asked for
   * @check value.every((c: Customer) => c.birthdate < "2008-01-01") -- every customer is an adult
   */
  static createMockCustomers(numCustomers: number): Promise<Customer[]> { return stub(); }

  /**
   * The customer's age in 2022.
   * @check value === 2022 - Number(this.birthdate.slice(0, 4))
   */
  get age(): Promise<number> { return stub(); }
}

/**
 * A short summary of the text.
 * @check value.length < text.length -- shorter than the text
 */
export function summarize(text: string): Promise<string> { return stub(); }

/**
 * Words of the text.
 * @check value.includes(value.find((word) => word.length > 0)!.trim()) -- some word
 */
export const words = (text: string): Promise<string[]> => stub();
`;

let customers: CompileResult;
beforeAll(() => {
  customers = compile({ files: { "src/customer.ts": customerSource } });
});

type CustomerModule = {
  Customer: { createMockCustomers(n: number): Promise<{ key: string; birthdate: string; age: Promise<number> }[]> } & (new () => { key: string; birthdate: string; age: Promise<number> });
  summarize(text: string): Promise<string>;
  words(text: string): Promise<string[]>;
};

describe("build", () => {
  test("checks compile without diagnostics and are emitted beside the spec, in the prompt, as functions of value, the parameters and this", () => {
    expect(customers.compilerErrors).toEqual([]);
    expect(customers.diagnostics).toEqual([]);
    const js = customers.js("src/customer.ts");
    expect(js).toContain("test: function (value, numCustomers) { return (value.length === numCustomers); }");
    // The type annotation inside the check is stripped from the JavaScript, kept in the text.
    expect(js).toContain('test: function (value, numCustomers) { return (value.every((c) => c.birthdate < "2008-01-01")); }');
    expect(js).toContain('expression: "value.every((c: Customer) => c.birthdate < \\"2008-01-01\\")"');
    expect(js).toContain("test: function (value) { return (value === 2022 - Number(this.birthdate.slice(0, 4))); }");
    expect(js).toContain("The returned value (\\`value\\` below) must pass these checks:\n- \\`value.length === numCustomers\\`: exactly as many customers as asked for");
  });

  test("a changed check (or message) changes the hash; no check leaves it as before", () => {
    const hashOf = (source: string): string => {
      const result = compile({ files: { "src/f.ts": source } });
      expect(result.diagnostics).toEqual([]);
      return /hash: "([0-9a-f]+)"/.exec(result.js("src/f.ts"))![1]!;
    };
    const stubWith = (tags: string) => `import { stub } from "llm-strategy";\n/**\n * Names.${tags}\n */\nexport function names(count: number): Promise<string[]> { return stub(); }\n`;
    const none = hashOf(stubWith(""));
    const one = hashOf(stubWith("\n * @check value.length === count"));
    const other = hashOf(stubWith("\n * @check value.length <= count"));
    const messaged = hashOf(stubWith("\n * @check value.length === count -- as many as asked for"));
    expect(new Set([none, one, other, messaged]).size).toBe(4);
    expect(hashOf(stubWith(""))).toBe(none);
  });

  test("each problem is a diagnostic at the line of its @check", () => {
    const result = compile({
      files: {
        "src/helpers.ts": `export const MAX = 3;\nexport type Kind = "a" | "b";\n`,
        "src/bad.ts": `import { stub, type LanguageModel } from "llm-strategy";
import { MAX, type Kind } from "./helpers";
const LIMIT = 10;
export class Account {
  owner = "";
  private pin = "";
  /**
   * Names.
   * @check value.length === (count
   * @check valu.length > 0
   * @check value.length
   * @check value.length < LIMIT
   * @check value.length < MAX -- an import
   * @check value.every((name) => name !== ("a" satisfies Kind)) -- a type-only import is fine
   * @check this.pin !== ""
   * @check this.owner !== ""
   */
  names(count: number): Promise<string[]> { return stub(); }
  /**
   * Static.
   * @check this.name !== ""
   */
  static make(model: LanguageModel, count: number): Promise<string> { return stub(); }
}
export function outer(limit: number) {
  return class Local {
    /**
     * Local.
     * @check value < limit
     */
    static count(): Promise<number> { return stub(); }
  };
}
/**
 * With a model.
 * @check value !== model.id
 */
export function withModel(model: LanguageModel, text: string): Promise<string> { return stub(); }
`,
      },
    });
    expect(result.compilerErrors).toEqual([]);
    const found = result.diagnostics.map((d) => [d.code, d.line, d.message.replace(/^LLM\d+: /, "").slice(0, 240)]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["LLM1013", 9, expect.stringContaining("Account.names: `@check value.length === (count` is not one TypeScript expression (')' expected.)")],
        ["LLM1014", 10, expect.stringContaining("`@check valu.length > 0` does not type-check: Cannot find name 'valu'.")],
        ["LLM1015", 11, expect.stringContaining("`@check value.length` has type `number`, not boolean")],
        ["LLM1016", 12, expect.stringContaining("`@check value.length < LIMIT` uses `LIMIT`, which a check cannot see at run time (declared at module scope")],
        ["LLM1016", 13, expect.stringContaining("uses `MAX`, which a check cannot see at run time (an import")],
        ["LLM1016", 15, expect.stringContaining('uses `this.pin`, which a check cannot see at run time (not a data field sent')],
        ["LLM1016", 21, expect.stringContaining("Account.make: `@check this.name !== \"\"` uses `this.name`, which a check cannot see at run time (a static stub or a function sends no `this`")],
        ["LLM1016", 29, expect.stringContaining("uses `limit`, which a check cannot see at run time (a local of an enclosing function")],
        ["LLM1016", 36, expect.stringContaining("uses `model`, which a check cannot see at run time (a parameter not sent")],
      ]),
    );
    // Line 14 (a type-only import inside a type) and line 16 (a sent field) are fine.
    expect(found.filter(([, line]) => line === 14 || line === 16)).toEqual([]);
    expect(found).toHaveLength(9);
  });

  test("a stub parameter named value is reported (the check's value hides it)", () => {
    const result = compile({
      files: {
        "src/v.ts": `import { stub } from "llm-strategy";\n/**\n * Double.\n * @check value > 0\n */\nexport function double(value: number): Promise<number> { return stub(); }\n`,
      },
    });
    expect(result.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ["LLM1016", 4, expect.stringContaining("uses `value`, which a check cannot see at run time (the stub has a parameter named `value`")],
    ]);
  });

  test("the project's noUnused* settings do not apply inside a check (an unread callback parameter is fine)", () => {
    const result = compile({
      files: { "src/u.ts": `import { stub } from "llm-strategy";\n/**\n * Words.\n * @check value.every((word, index) => word.length > 0)\n */\nexport function words(_text: string): Promise<string[]> { return stub(); }\n` },
      compilerOptions: { noUnusedLocals: true, noUnusedParameters: true },
    });
    expect(result.compilerErrors).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    expect(result.js("src/u.ts")).toContain("test: function (value, _text) { return (value.every((word, index) => word.length > 0)); }");
  });

  test("checks in the manifest and in `llm-strategy prompts`", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-checks-"));
    try {
      const manifestPath = path.join(dir, "llm-prompts.json");
      const result = compile({ files: { "src/customer.ts": customerSource }, plugin: { manifest: manifestPath } });
      expect(result.diagnostics).toEqual([]);
      const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { stubs: { id: string; checks?: unknown; template: string }[] };
      const create = manifest.stubs.find((stub) => stub.id.endsWith("Customer.createMockCustomers"))!;
      expect(create.checks).toEqual([
        { expression: "value.length === numCustomers", message: "exactly as many customers as asked for" },
        { expression: 'value.every((c: Customer) => c.birthdate < "2008-01-01")', message: "every customer is an adult" },
      ]);
      expect(create.template).toContain("- `value.length === numCustomers`: exactly as many customers as asked for");
      expect(manifest.stubs.find((stub) => stub.id.endsWith("Customer.age"))!.checks).toEqual([{ expression: "value === 2022 - Number(this.birthdate.slice(0, 4))" }]);

      const { main } = require("../../cli/main") as typeof import("../../cli/main");
      const out: string[] = [];
      const code = await main(["prompts", manifestPath, "--stub", "createMockCustomers"], { stdout: (text) => out.push(text), stderr: (text) => out.push(text), cwd: dir });
      expect(code).toBe(0);
      const text = out.join("");
      expect(text).toContain("checks       value.length === numCustomers  -- exactly as many customers as asked for");
      expect(text).toContain("| - `value.length === numCustomers`: exactly as many customers as asked for");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("run time, through the local server", () => {
  test("a check failing first passes after the repair, whose request carries the check's message; the prompt states the rules", async () => {
    useServer();
    server.setHandler((request) => {
      const count = (JSON.parse(/Input: (.*)/.exec(request.body.messages[0]!.content)![1]!) as { numCustomers: number }).numCustomers;
      const repairing = request.body.messages.length > 1;
      const made = Array.from({ length: repairing ? count : count + 1 }, (_, i) => ({ key: `k${i}`, birthdate: `199${i}-01-01` }));
      return { content: JSON.stringify({ value: made }) };
    });
    const before = server.requests.length;
    const calls: CallInfo[] = [];
    const { Customer } = customers.load<CustomerModule>("src/customer.ts");
    const made = await withCallOptions({ onCall: (info) => calls.push(info) }, () => Customer.createMockCustomers(2));
    expect(made.map((c) => c.key)).toEqual(["k0", "k1"]);
    expect(made[0]).toBeInstanceOf(Customer);
    const requests = server.requests.slice(before);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.body.messages[0]!.content).toContain("- `value.every((c: Customer) => c.birthdate < \"2008-01-01\")`: every customer is an adult");
    expect(lastUser(requests[1]!)).toContain("exactly as many customers as asked for (check `value.length === numCustomers`) failed");
    expect(lastUser(requests[1]!)).not.toContain("every customer is an adult");
    expect(calls[0]!.failedChecks).toBe(1);
    expect(calls[0]!.attempts.map((attempt) => attempt.failedChecks)).toEqual([["exactly as many customers as asked for (check `value.length === numCustomers`) failed"], undefined]);
  });

  test("several checks fail at once; still failing, LLMOutputError lists them; traces count them", async () => {
    useServer();
    server.setHandler(() => ({ content: JSON.stringify({ value: [{ key: "k", birthdate: "2015-05-05" }] }) }));
    let caught: unknown;
    const { trace } = await withTrace(async () => {
      try {
        await withCallOptions({ maxRepairs: 1 }, () => customers.load<CustomerModule>("src/customer.ts").Customer.createMockCustomers(3));
      } catch (error) {
        caught = error;
      }
    });
    expect(caught).toBeInstanceOf(LLMOutputError);
    const error = caught as LLMOutputError;
    expect(error.failedChecks).toEqual([
      "exactly as many customers as asked for (check `value.length === numCustomers`) failed",
      'every customer is an adult (check `value.every((c: Customer) => c.birthdate < "2008-01-01")`) failed',
    ]);
    expect(error.message).toContain("- every customer is an adult (check");
    expect(error.attempts).toHaveLength(2);
    const span = findStubSpan(trace);
    expect(span.attempts.map((attempt: { failedCheckCount?: number; errorCount: number }) => [attempt.failedCheckCount, attempt.errorCount])).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(span.attempts[0].failedChecks).toEqual(error.failedChecks);
  });

  test("a getter's check reads this's fields; a throwing check is a failed check with the exception's message, not a crash", async () => {
    useServer();
    const { Customer, words } = customers.load<CustomerModule>("src/customer.ts");
    const customer = Object.assign(new Customer(), { key: "k", birthdate: "1990-04-01" });
    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? 32 : 40 }) }));
    const before = server.requests.length;
    expect(await customer.age).toBe(32);
    expect(lastUser(server.requests[before + 1]!)).toContain("check `value === 2022 - Number(this.birthdate.slice(0, 4))` failed");

    // `value.find(...)` finds nothing in an empty array, so `.trim()` throws.
    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? ["tide"] : [] }) }));
    const at = server.requests.length;
    expect(await words("the tide")).toEqual(["tide"]);
    expect(lastUser(server.requests[at + 1]!)).toMatch(/some word \(check `.*`\) threw TypeError: Cannot read properties of undefined \(reading 'trim'\)/);
  });

  test("checks of functions and arrows read the parameters by name", async () => {
    useServer();
    const { summarize } = customers.load<CustomerModule>("src/customer.ts");
    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? "short" : "a much longer summary than the text" }) }));
    const at = server.requests.length;
    expect(await summarize("a text of some length")).toBe("short");
    expect(lastUser(server.requests[at + 1]!)).toContain("shorter than the text (check `value.length < text.length`) failed");
  });

  test("cached() stores the reply that passed its checks, not the one that failed them", async () => {
    const model = cached(openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "test-model", mode: "json", maxRetries: 0 }));
    restore = configure({ model });
    const { summarize } = customers.load<CustomerModule>("src/customer.ts");
    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? "tide" : "a summary longer than the text" }) }));
    const calls: CallInfo[] = [];
    const at = server.requests.length;
    await withCallOptions({ onCall: (info) => calls.push(info) }, async () => {
      expect(await summarize("the tide came in")).toBe("tide");
      expect(await summarize("the tide came in")).toBe("tide");
    });
    // The second call asks the model again for the first reply (the failed one was not kept); its repair is a cache hit.
    expect(server.requests.length - at).toBe(3);
    expect(calls.map((info) => info.attempts.map((attempt) => attempt.source ?? "model"))).toEqual([
      ["model", "model"],
      ["model", "cache"],
    ]);
  });

  test("implement<I>() methods and a generic stub's specialisations carry their interface's or declaration's checks", async () => {
    const result = compile({
      files: {
        "src/search.ts": `/** Searches. */
export interface Search {
  /**
   * Keys of the best matches, at most limit of them.
   * @check value.length <= limit -- no more than limit keys
   */
  find(query: string, limit: number): Promise<string[]>;
}
`,
        "src/generic.ts": `import { stub } from "llm-strategy";
/**
 * Some items like the example.
 * @check value.length > 0 -- at least one
 */
export function like<T>(example: T): Promise<T[]> { return stub(); }
`,
        "src/main.ts": `import { implement } from "llm-strategy";
import type { Search } from "./search";
import { like } from "./generic";
export const search = implement<Search>();
export const numbers = () => like<number>(1);
`,
      },
    });
    expect(result.compilerErrors).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    useServer();
    const main = result.load<{ search: { find(query: string, limit: number): Promise<string[]> }; numbers(): Promise<number[]> }>("src/main.ts");
    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? ["a"] : ["a", "b", "c"] }) }));
    let at = server.requests.length;
    expect(await main.search.find("x", 1)).toEqual(["a"]);
    expect(lastUser(server.requests[at + 1]!)).toContain("no more than limit keys (check `value.length <= limit`) failed");

    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? [7] : [] }) }));
    at = server.requests.length;
    expect(await main.numbers()).toEqual([7]);
    expect(server.requests[at]!.body.messages[0]!.content).toContain("- `value.length > 0`: at least one");
    expect(lastUser(server.requests[at + 1]!)).toContain("at least one (check `value.length > 0`) failed");
  });

  test("withCallOptions({ check }) runs after the stub's checks, async, and goes the same way; scopes add up", async () => {
    useServer();
    const { summarize } = customers.load<CustomerModule>("src/customer.ts");
    server.setHandler((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? "Calm." : "calm" }) }));
    const seen: unknown[] = [];
    const at = server.requests.length;
    const calls: CallInfo[] = [];
    const value = await withCallOptions({ check: (v) => (seen.push(["outer", v]), []) }, () =>
      withCallOptions(
        {
          onCall: (info) => calls.push(info),
          check: async (v, info) => {
            seen.push(["inner", v, info.stub, info.attempt, info.args]);
            return /^[A-Z].*\.$/.test(String(v)) ? [] : ["a summary is a sentence: a capital letter first, a full stop last"];
          },
        },
        () => summarize("the sea is calm today"),
      ),
    );
    expect(value).toBe("Calm.");
    expect(seen).toEqual([
      ["outer", "calm"],
      ["inner", "calm", expect.stringMatching(/src\/customer\.ts:\d+ summarize$/), 1, ["the sea is calm today"]],
      ["outer", "Calm."],
      ["inner", "Calm.", expect.stringMatching(/summarize$/), 2, ["the sea is calm today"]],
    ]);
    expect(lastUser(server.requests[at + 1]!)).toContain("- a summary is a sentence: a capital letter first, a full stop last");
    expect(calls[0]!.failedChecks).toBe(1);

    // A hook that throws is a failed check too.
    server.setHandler(() => ({ content: JSON.stringify({ value: "Calm." }) }));
    await expect(
      withCallOptions({ maxRepairs: 0, check: () => { throw new Error("the dictionary is offline"); } }, () => summarize("the sea is calm today")),
    ).rejects.toMatchObject({ failedChecks: ["a check hook (withCallOptions({ check })) threw Error: the dictionary is offline"] });
  });
});

/** The first stub span of a trace, wherever it nests. */
function findStubSpan(trace: { spans: unknown[] }): { attempts: { failedCheckCount?: number; errorCount: number; failedChecks?: string[] }[] } {
  type Span = { stub?: string; children: Span[] };
  const walk = (spans: Span[]): Span | undefined => {
    for (const span of spans) {
      const found = span.stub ? span : walk(span.children);
      if (found) return found;
    }
    return undefined;
  };
  return walk(trace.spans as Span[]) as never;
}

// The contract's type: a spec with checks is a CallSpec as the runtime reads it.
const _typed: Pick<CallSpec, "checks"> = { checks: [{ expression: "value > 0", test: (value) => (value as number) > 0 }] };
void _typed;
