import { configure, scriptedModel, type CompletionRequest } from "../../runtime";
import { compile } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** The whole transformer (find, the real analyser, emit) compiling fixtures that then run against the runtime. */

let restore: ReturnType<typeof configure> | undefined;
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

const customerFiles = {
  "src/customer.ts": `import { stub } from "llm-strategy";
export class Customer {
  key = ""; firstName = ""; lastName = ""; birthdate = ""; address = "";
  /** Return the current age of the customer, from \`birthdate\` and the current year (2022). */
  get age(): Promise<number> { return stub(); }
}
`,
  "src/db.ts": `import { llmStrategy, stub, type LanguageModel } from "llm-strategy";
import type { Customer } from "./customer";
export class CustomerDatabase {
  constructor(public customers: Customer[] = []) {}
  /**
   * Find the keys of the customers that match a natural language query best
   * (sorted by closeness to the match). Semantic queries such as
   * "the customer that was born in 1990" are supported.
   * @param query Natural language query
   */
  findCustomerKey(query: string): Promise<string[]> { return stub(); }
}
export function withModel(model: LanguageModel) {
  @llmStrategy(model)
  class Decorated extends CustomerDatabase {}
  return Decorated;
}
export class MockCustomerDatabase extends CustomerDatabase {
  async load() { this.customers = await MockCustomerDatabase.createMockCustomers(3); }
  /** Create mock customers with believable data (our customers are world citizens). */
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> { return stub(); }
}
`,
};

/** Answers from what the request carries: it fails the test if the prompt lacks the doc text or the inputs. */
function customerModel() {
  return scriptedModel((request: CompletionRequest) => {
    const prompt = request.messages.map((message) => message.content).join("\n");
    const input = request.input as { numCustomers?: number; query?: string; this?: { birthdate?: string; customers?: { key: string; birthdate: string }[] } };
    if (prompt.includes("Create mock customers with believable data")) {
      expect(prompt).toContain("firstName: string;"); // the output type is described in JSON mode
      return {
        value: Array.from({ length: input.numCustomers! }, (_, i) => ({
          key: `k${i}`,
          firstName: `F${i}`,
          lastName: "L",
          birthdate: `${1989 + i}-01-01`,
          address: "A",
        })),
      };
    }
    if (prompt.includes("Return the current age of the customer")) return { value: 2022 - Number(input.this!.birthdate!.slice(0, 4)) };
    if (prompt.includes("Semantic queries such as")) {
      const year = /\d{4}/.exec(input.query!)![0];
      return { value: input.this!.customers!.filter((customer) => customer.birthdate.startsWith(year)).map((customer) => customer.key) };
    }
    throw new Error(`unexpected prompt:\n${prompt}`);
  });
}

test("the customer example: prompts from JSDoc, revival across files, stubs of revived instances", async () => {
  const result = compile({ files: customerFiles });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  const model = customerModel();
  restore = configure({ model });
  const { MockCustomerDatabase, withModel } = result.load<{
    MockCustomerDatabase: new () => { load(): Promise<void>; customers: { age: Promise<number> }[]; findCustomerKey(q: string): Promise<string[]> };
    withModel(model: unknown): new (customers: unknown[]) => { findCustomerKey(q: string): Promise<string[]> };
  }>("src/db.ts");
  const { Customer } = result.load<{ Customer: new () => unknown }>("src/customer.ts");
  const db = new MockCustomerDatabase();
  await db.load();
  expect(db.customers.every((customer) => customer instanceof Customer)).toBe(true);
  expect(await Promise.all(db.customers.map((customer) => customer.age))).toEqual([33, 32, 31]);
  expect(await db.findCustomerKey("the customer that was born in 1990")).toEqual(["k1"]);
  // A decorated subclass brings its own model for the stub declared on the base class.
  const own = customerModel();
  const Decorated = withModel(own);
  expect(await new Decorated(db.customers).findCustomerKey("born in 1991")).toEqual(["k2"]);
  expect(own.requests).toHaveLength(1);
  expect(model.requests).toHaveLength(5);
});

test("the seed's generic optimisation step is specialised at the call site", async () => {
  const result = compile({
    files: {
      "src/optimizer.ts": `import { stub, type LanguageModel } from "llm-strategy";
export interface TaskRun<P, R, H> {
  /** The task parameters. */
  taskParameters: P;
  /** The hyperparameters used for the task. We optimize these. */
  hyperparameters: H;
  /** The results of the task. */
  returnValue?: R;
}
export interface OptimizationInfo<P, R, H> {
  olderTaskSummary?: string;
  taskInfos: TaskRun<P, R, H>[];
}
export interface OptimizationStep<P, R, H> {
  /** The best hyperparameters we have found so far. */
  bestHyperparameters: H;
  suggestion: string;
  taskParameterSuggestions: P[];
}
/** Suggest the next optimization step. */
export function suggestNextOptimizationStep<P, R, H>(model: LanguageModel, info: OptimizationInfo<P, R, H>): Promise<OptimizationStep<P, R, H>> {
  return stub();
}
`,
      "src/essay.ts": `import type { LanguageModel } from "llm-strategy";
import { suggestNextOptimizationStep, type OptimizationInfo } from "./optimizer";
export interface EssayParams { topic: string; }
export interface Essay { text: string; }
export interface EssayHyper {
  /** Sampling temperature. */
  temperature: number;
  style: "plain" | "lyrical";
}
export function nextStep(model: LanguageModel, info: OptimizationInfo<EssayParams, Essay, EssayHyper>) {
  return suggestNextOptimizationStep<EssayParams, Essay, EssayHyper>(model, info);
}
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  expect(result.js("src/essay.ts")).toContain("__llmStrategy.callSpecialized(");

  const replies = [
    // Valid for the constraints (any JSON), invalid for EssayHyper: must be repaired.
    { bestHyperparameters: { temperature: "hot", style: "plain" }, suggestion: "s", taskParameterSuggestions: [{ topic: "t" }] },
    { bestHyperparameters: { temperature: 0.7, style: "lyrical" }, suggestion: "warmer", taskParameterSuggestions: [{ topic: "sea" }] },
  ];
  const model = scriptedModel(replies);
  const { nextStep } = result.load<{ nextStep(model: unknown, info: unknown): Promise<unknown> }>("src/essay.ts");
  const info = { taskInfos: [{ taskParameters: { topic: "sea" }, hyperparameters: { temperature: 0.2, style: "plain" }, returnValue: { text: "..." } }] };
  expect(await nextStep(model, info)).toEqual(replies[1]);
  expect(model.requests).toHaveLength(2);
  const spec = model.requests[0]!.spec;
  expect(spec.id).toBe("src/optimizer.ts:21 suggestNextOptimizationStep");
  expect(spec.typeArguments).toBe("<EssayParams, Essay, EssayHyper>");
  expect(model.requests[0]!.input).toEqual({ info }); // the explicit model is not an input
  expect(model.requests[0]!.messages[0]!.content).toContain("Sampling temperature");
});

test("a 200-deep chain of nested types emits 200 small definitions, well under 1 MB", () => {
  const levels = Array.from({ length: 200 }, (_, level) =>
    `/** Level ${level}. */\nexport interface Level${level} { label: string;${level < 199 ? ` next?: Level${level + 1};` : ""} }`,
  ).join("\n");
  const result = compile({
    files: { "src/deep.ts": `import { stub } from "llm-strategy";\n${levels}\n/** Explore. */\nexport function explore(start: string): Promise<Level0> { return stub(); }\n` },
  });
  expect(result.diagnostics).toEqual([]);
  const js = result.js("src/deep.ts");
  expect(js.match(/^const __llmStrategyDef_Level\d+ = /gm)).toHaveLength(200);
  expect(js.length).toBeLessThan(250_000);
});

test("types JSON cannot carry are reported at the stub with the path; warnings only when asked", () => {
  const files = {
    "src/bad.ts": `import { stub } from "llm-strategy";
export interface Order { item: string; callback: () => void; }
export class Shop {
  /** Takes orders. */
  take(orders: Order[]): Promise<number> { return stub(); }
  lookup(key: string): Promise<unknown> { return stub(); }
}
`,
  };
  const result = compile({ files });
  expect(result.diagnostics.map(({ code, category, line, text }) => ({ code, category, line, text }))).toEqual([
    { code: "LLM1002", category: "error", line: 5, text: expect.stringContaining("Order[]") },
  ]);
  expect(result.diagnostics[0]!.message).toMatch(/^LLM1002: Shop\.take: `[^`]*callback` has type/);
  expect(result.diagnostics[0]!.related.map((related) => related.line)).toContain(2);

  const warned = compile({ files, plugin: { warnings: true } });
  const warnings = warned.diagnostics.filter((diagnostic) => diagnostic.category === "warning");
  expect(warnings.map((warning) => warning.code).sort()).toEqual(["LLM1101", "LLM1102"]);
  expect(warnings.every((warning) => warning.line === 6)).toBe(true);
});

test("all problems of a declaration come together: find's and the analyser's", () => {
  const result = compile({
    files: {
      "src/both.ts": `import { stub } from "llm-strategy";
/** Sorts. */
export function sort({ items }: { items: string[] }, compare: (a: string, b: string) => number): Promise<string[]> { return stub(); }
`,
    },
  });
  expect(result.diagnostics.map(({ code, line, column, text }) => ({ code, line, column, text }))).toEqual([
    { code: "LLM1005", line: 3, column: 22, text: "{ items }: { items: string[] }" },
    { code: "LLM1002", line: 3, column: 63, text: "(a: string, b: string) => number" },
  ]);
  expect(result.diagnostics[1]!.message).toContain("`compare` has type `(a: string, b: string) => number`, which JSON cannot carry");
});

test("a faulted return type is reported once, parameter problems still with it", () => {
  const result = compile({
    files: {
      "src/returns.ts": `import { stub } from "llm-strategy";
export class Shop {
  /** No type. */
  async untyped(callback: () => void) { return stub(); }
  /** Not a promise. */
  sync(): number { return stub(); }
}
`,
    },
  });
  expect(result.diagnostics.map(({ code, line, text }) => ({ code, line, text }))).toEqual([
    { code: "LLM1009", line: 4, text: "untyped" },
    { code: "LLM1002", line: 4, text: "() => void" },
    { code: "LLM1001", line: 6, text: "number" },
  ]);
});
