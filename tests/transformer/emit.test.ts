import * as ts from "typescript";
import { configure, scriptedModel, type CompletionRequest } from "../../runtime";
import type { CreateAnalyser } from "../../transformer/analyse/types";
import { compile } from "../helpers/compile";
import { createFakeAnalyser } from "../helpers/fake-analyser";
import { originalPositionOf } from "../helpers/source-map";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** Emit, checked by running the output against the real runtime; the fake analyser keeps schemas simple. */
const build = (files: Record<string, string>, extra: Partial<Parameters<typeof compile>[0]> = {}) => {
  const result = compile({ files, createAnalyser: createFakeAnalyser, ...extra });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  return result;
};

const customerFiles = {
  "src/customer.ts": `import { stub } from "llm-strategy";
export class Customer {
  firstName = "";
  birthYear = 0;
  /** Age in 2022. */
  get age(): Promise<number> { return stub(); }
}
`,
  "src/db.ts": `import { stub } from "llm-strategy";
import type { Customer } from "./customer";
export class Db {
  /** Mock customers. */
  static createMockCustomers(count = 2): Promise<Customer[]> { return stub(); }
}
`,
};

let restore: ReturnType<typeof configure> | undefined;
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

test("classes imported only as types are revived through an added import, and their own stubs run", async () => {
  const result = build(customerFiles);
  const db = result.js("src/db.ts");
  // TypeScript elides `import type`; the transformer adds its own namespace import for the thunk.
  expect(db).toContain('const __llmStrategy = __importStar(require("llm-strategy"));');
  expect(db).toContain('const __llmStrategy_customer = __importStar(require("./customer"));');
  expect(db).toContain("class: () => __llmStrategy_customer.Customer");

  const model = scriptedModel((request: CompletionRequest) => {
    const input = request.input as { count?: number; this?: { birthYear: number } };
    if (request.spec.id === "src/db.ts:5 Db.createMockCustomers") {
      return { value: Array.from({ length: input.count! }, (_, i) => ({ firstName: `N${i}`, birthYear: 1990 + i })) };
    }
    if (request.spec.id === "src/customer.ts:6 Customer.age") return { value: 2022 - input.this!.birthYear };
    throw new Error(`unexpected ${request.spec.id}`);
  });
  restore = configure({ model });
  const { Db } = result.load<{ Db: { createMockCustomers(count?: number): Promise<{ firstName: string; age: Promise<number> }[]> } }>("src/db.ts");
  const { Customer } = result.load<{ Customer: new () => unknown }>("src/customer.ts");
  const customers = await Db.createMockCustomers();
  expect(customers).toHaveLength(2); // the default parameter reached the model
  expect(customers[1]).toBeInstanceOf(Customer);
  expect(customers[1]!.firstName).toBe("N1");
  expect(await customers[1]!.age).toBe(31);
  expect(model.requests.map((request) => [request.spec.id, request.input])).toEqual([
    ["src/db.ts:5 Db.createMockCustomers", { count: 2 }],
    ["src/customer.ts:6 Customer.age", { this: { firstName: "N1", birthYear: 1991 } }],
  ]);
});

test("implement<I>() becomes an object whose methods call the model", async () => {
  const result = build({
    "src/search.ts": `import { implement } from "llm-strategy";
export interface Search {
  /** Finds keys. */
  find(query: string, limit: number): Promise<string[]>;
  count(): Promise<number>;
}
export const search = implement<Search>();
`,
  });
  expect(result.js("src/search.ts")).toContain("exports.search = __llmStrategy.implementInterface(__llmStrategyInterface_Search);");
  const model = scriptedModel((request: CompletionRequest) =>
    request.spec.id === "src/search.ts:4 Search.find" ? { value: [String(request.input["query"]), String(request.input["limit"])] } : { value: 7 },
  );
  restore = configure({ model });
  const { search } = result.load<{ search: { find(q: string, n: number): Promise<string[]>; count(): Promise<number> } }>("src/search.ts");
  expect(await search.find("born 1990", 3)).toEqual(["born 1990", "3"]);
  expect(await search.count()).toBe(7);
});

test("prompt templates are readable multi-line literals and arrive byte for byte", async () => {
  const tricky = "Line one with `backticks`, ${notAPlaceholder} and a \\ backslash.\r\nLine two: émigré \u2028 done.\n{{input}}\n{{outputTypes}}";
  const trickyAnalyser: CreateAnalyser = (options) => {
    const inner = createFakeAnalyser(options);
    return {
      definitions: inner.definitions,
      analyseCall: inner.analyseCall,
      analyseInstantiated: inner.analyseInstantiated,
      analyseDeclaration(site) {
        const result = inner.analyseDeclaration(site);
        return result.ok ? { ...result, value: { ...result.value, template: tricky, outputTypes: "type X = `a`;\nline2" } } : result;
      },
    };
  };
  const result = build(
    { "src/f.ts": `import { stub } from "llm-strategy";\nexport function f(a: number): Promise<number> { return stub(); }\n` },
    { createAnalyser: trickyAnalyser },
  );
  const js = result.js("src/f.ts");
  expect(js).toContain("template: `Line one with \\`backticks\\`, \\${notAPlaceholder} and a \\\\ backslash.\\r\nLine two: émigré");
  expect(js).toContain("outputTypes: `type X = \\`a\\`;\nline2`");
  const model = scriptedModel([{ value: 1 }]);
  restore = configure({ model });
  await result.load<{ f(a: number): Promise<number> }>("src/f.ts").f(1);
  expect(model.requests[0]!.spec.template).toBe(tricky);
  expect(model.requests[0]!.spec.outputTypes).toBe("type X = `a`;\nline2");
});

test("source maps still point at the original lines and .d.ts output is unchanged", () => {
  const files = {
    "src/mapped.ts": `import { stub } from "llm-strategy";
export function before(): number {
  return 1;
}
/** Doc. */
export class Mapped {
  /** Stub. */
  lookup(q: string): Promise<string> {
    return stub();
  }
}
export function after(): number {
  return 2;
}
`,
  };
  const withPlugin = build(files);
  const without = build(files, { plugin: false });
  expect(withPlugin.outputs.get("src/mapped.d.ts")).toBe(without.outputs.get("src/mapped.d.ts"));
  const js = withPlugin.js("src/mapped.ts");
  const map = JSON.parse(withPlugin.outputs.get("src/mapped.js.map")!) as { mappings: string; sources: string[] };
  expect(map.sources).toEqual(["mapped.ts"]);
  expect(originalPositionOf(js, map, "function before()")).toEqual({ line: 1, column: 0 });
  expect(originalPositionOf(js, map, "return 1;")).toEqual({ line: 2, column: 2 });
  expect(originalPositionOf(js, map, "__llmStrategy.invoke(")).toEqual({ line: 8, column: 11 });
  expect(originalPositionOf(js, map, "function after()")).toEqual({ line: 11, column: 0 });
  expect(originalPositionOf(js, map, "return 2;")).toEqual({ line: 12, column: 2 });
});

test("ESM output imports the runtime and class modules; node16/nodenext ESM gets .js extensions", () => {
  const es2022 = build(customerFiles, { compilerOptions: { module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler } });
  const bundlerJs = es2022.js("src/db.ts");
  expect(bundlerJs).toContain('import * as __llmStrategy from "llm-strategy";');
  expect(bundlerJs).toContain('import * as __llmStrategy_customer from "./customer";');

  const nodeNext = build(
    {
      "package.json": `{ "type": "module" }`,
      "src/customer.ts": customerFiles["src/customer.ts"],
      "src/db.ts": customerFiles["src/db.ts"].replace('"./customer"', '"./customer.js"'),
      "src/cjs.cts": `import { stub } from "llm-strategy";\nimport type { Customer } from "./customer.js";\nexport function one(): Promise<Customer> { return stub(); }\n`,
    },
    { compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext } },
  );
  const nodeJs = nodeNext.js("src/db.ts");
  expect(nodeJs).toContain('import * as __llmStrategy from "llm-strategy";');
  expect(nodeJs).toContain('import * as __llmStrategy_customer from "./customer.js";');
  // A CommonJS file of the same project requires the class module.
  expect(nodeNext.js("src/cjs.cts")).toContain('const __llmStrategy_customer = __importStar(require("./customer.js"));');
});

test("a class the output needs but that the compiled code cannot reach is an error", () => {
  const result = compile({
    createAnalyser: createFakeAnalyser,
    files: {
      "src/local.ts": `import { stub } from "llm-strategy";
export function makeFactory() {
  class Local { name = ""; }
  return { /** Makes one. */ make(): Promise<Local> { return stub(); } };
}
`,
    },
  });
  expect(result.diagnostics.map(({ code, line, column, text, message, related }) => ({ code, line, column, text, message, related }))).toEqual([
    {
      code: "LLM1006",
      line: 4,
      column: 38,
      text: "Promise<Local>",
      message:
        "LLM1006: make returns instances of class `Local`, but the compiled code cannot refer to it (it is declared inside a function, block or namespace; move it to module scope). " +
        "Export the class from a module-scope declaration, or use an interface if you do not need its methods.",
      related: [{ file: "src/local.ts", line: 3, message: "The class is declared here." }],
    },
  ]);
});

describe.each([
  ["standard decorators", false],
  ["experimentalDecorators", true],
])("classes decorated with @llmStrategy (%s)", (_flavour, experimentalDecorators) => {
  test("a static stub returning its own class revives instances (no TDZ from module-scope specs)", async () => {
    const result = build(
      {
        "src/item.ts": `import { llmStrategy, scriptedModel, stub } from "llm-strategy";
export const model = scriptedModel([{ value: [{ name: "a" }, { name: "b" }] }]);
@llmStrategy(model)
export class Item {
  name = "";
  /** Makes items. */
  static make(): Promise<Item[]> { return stub(); }
}
`,
      },
      { compilerOptions: { experimentalDecorators } },
    );
    const { Item, model } = result.load<{ Item: { make(): Promise<unknown[]> }; model: { requests: unknown[] } }>("src/item.ts");
    const items = await Item.make();
    expect(items.map((item) => item instanceof (Item as unknown as new () => unknown))).toEqual([true, true]);
    expect(model.requests).toHaveLength(1);
  });
});

test("same source, same output bytes", () => {
  const first = build(customerFiles, { project: "deterministic" });
  const second = build(customerFiles, { project: "deterministic" });
  expect([...second.outputs]).toEqual([...first.outputs]);
});

test("added imports and consts go after the file's header, directives and imports", () => {
  const result = build(
    {
      "src/helper.ts": `export const helper = (n: number) => n + 1;\n`,
      "src/f.ts": `// Licence header
"use client";
import { stub } from "llm-strategy";
import { helper } from "./helper";
export const start = helper(1);
/** F. */
export function f(): Promise<number> { return stub(); }
`,
    },
    { compilerOptions: { module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler } },
  );
  const js = result.js("src/f.ts");
  const order = ["// Licence header", '"use client";', 'import { helper } from "./helper";', 'import * as __llmStrategy from "llm-strategy";', "const __llmStrategySpec_f = {", "export const start = helper(1);"];
  const positions = order.map((text) => js.indexOf(text));
  expect(positions.every((position) => position >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
});
