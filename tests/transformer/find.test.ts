import { compile } from "../helpers/compile";
import { createFakeAnalyser } from "../helpers/fake-analyser";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** Find and its diagnostics; the fake analyser keeps these tests independent of schema generation. */
const build = (files: Record<string, string>, extra: Partial<Parameters<typeof compile>[0]> = {}) => {
  const result = compile({ files, createAnalyser: createFakeAnalyser, ...extra });
  expect(result.compilerErrors).toEqual([]);
  return result;
};

describe("which calls are stubs", () => {
  test("every declaration form, through aliased and namespace imports", () => {
    const result = build({
      "src/forms.ts": `import { stub as todo } from "llm-strategy";
import * as llm from "llm-strategy";
export class Shop {
  name = "";
  /** m */ lookup(query: string): Promise<string> { return todo(); }
  /** g */ get size(): Promise<number> { return llm.stub(); }
  /** s */ static open(): Promise<Shop> { return todo(); }
  /** p */ find = (q: string): Promise<string> => llm.stub();
}
/** f */ export function plain(a: number): Promise<number> { return todo(); }
/** a */ export const arrow = (a: number): Promise<number> => (todo());
/** e */ export const expression = function (a: number): Promise<number> { return llm.stub(); };
export const holder = { /** o */ method(a: number): Promise<number> { return todo(); } };
`,
    });
    expect(result.diagnostics).toEqual([]);
    const js = result.js("src/forms.ts");
    expect(js.match(/__llmStrategy\.invoke\(/g)).toHaveLength(8);
    expect(js).toContain("lookup(query) { return __llmStrategy.invoke(__llmStrategySpec_Shop_lookup, this, [query]); }");
    expect(js).toContain("get size() { return __llmStrategy.invoke(__llmStrategySpec_Shop_size, this, []); }");
    expect(js).toContain("static open() { return __llmStrategy.invoke(__llmStrategySpec_Shop_open, this, []); }");
    expect(js).toContain("find = (q) => __llmStrategy.invoke(__llmStrategySpec_Shop_find, void 0, [q]);");
    expect(js).toContain("function plain(a) { return __llmStrategy.invoke(__llmStrategySpec_plain, void 0, [a]); }");
    expect(js).toContain("const arrow = (a) => (__llmStrategy.invoke(__llmStrategySpec_arrow, void 0, [a]));");
    expect(js).toContain("const expression = function (a) { return __llmStrategy.invoke(__llmStrategySpec_expression, void 0, [a]); };");
    expect(js).toContain("method(a) { return __llmStrategy.invoke(__llmStrategySpec_holder_method, void 0, [a]); }");
    // Ids: project-relative file, line of the name, qualified name; kinds as the runtime needs them.
    const spec = (name: string) => {
      const match = new RegExp(`const ${name} = \\{\\s*version: \\d+,\\s*id: "([^"]+)",\\s*kind: "([a-z]+)"`).exec(js);
      return match ? `${match[2]} ${match[1]}` : `missing ${name}`;
    };
    expect(spec("__llmStrategySpec_Shop_lookup")).toBe("method src/forms.ts:5 Shop.lookup");
    expect(spec("__llmStrategySpec_Shop_size")).toBe("getter src/forms.ts:6 Shop.size");
    expect(spec("__llmStrategySpec_Shop_open")).toBe("static src/forms.ts:7 Shop.open");
    expect(spec("__llmStrategySpec_Shop_find")).toBe("function src/forms.ts:8 Shop.find");
    expect(spec("__llmStrategySpec_plain")).toBe("function src/forms.ts:10 plain");
    expect(spec("__llmStrategySpec_arrow")).toBe("function src/forms.ts:11 arrow");
    expect(spec("__llmStrategySpec_expression")).toBe("function src/forms.ts:12 expression");
    expect(spec("__llmStrategySpec_holder_method")).toBe("function src/forms.ts:13 holder.method");
  });

  test("through re-exports under other names, default exports, namespace imports and import-equals", () => {
    const result = build({
      "src/ai.ts": `export { stub as todo } from "llm-strategy";\n`,
      "src/fallback.ts": `import { stub } from "llm-strategy";\nexport default stub;\n`,
      "src/forms.ts": `import { todo } from "./ai";
import * as ai from "./ai";
import later from "./fallback";
import * as fallback from "./fallback";
namespace Tools { export import think = ai.todo; }
/** a */ export function a(x: number): Promise<number> { return todo(); }
/** b */ export function b(x: number): Promise<number> { return ai.todo(); }
/** c */ export function c(x: number): Promise<number> { return later(); }
/** d */ export function d(x: number): Promise<number> { return fallback.default(); }
/** e */ export function e(x: number): Promise<number> { return Tools.think(); }
`,
      "src/own.ts": `function todo(): never { throw new Error("mine"); }
export class A { get x(): Promise<number> { return todo(); } }
`,
    });
    expect(result.diagnostics).toEqual([]);
    const js = result.js("src/forms.ts");
    for (const name of ["a", "b", "c", "d", "e"]) {
      expect(js).toContain(`function ${name}(x) { return __llmStrategy.invoke(__llmStrategySpec_${name}, void 0, [x]); }`);
    }
    expect(result.js("src/own.ts")).not.toContain("__llmStrategy");
  });

  test("a user's own function named stub is left alone", () => {
    const result = build({
      "src/own.ts": `function stub(): never { throw new Error("mine"); }
export class A { get x(): Promise<number> { return stub(); } }
`,
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.js("src/own.ts")).not.toContain("__llmStrategy");
    expect(result.js("src/own.ts")).toContain("get x() { return stub(); }");
  });

  test("a callee's name is resolved by scope: a parameter, a local, a catch variable or a named function expression named stub is not the import", () => {
    const result = build({
      "src/scopes.ts": `import { stub } from "llm-strategy";
export class A {
  /** p */ byParameter(stub: () => Promise<number>): Promise<number> { return stub(); }
  /** l */ byLocal(): Promise<number> { const stub = async () => 1; return stub(); }
  /** i */ imported(): Promise<number> { return stub(); }
}
export function caught(): Promise<number> {
  try { return Promise.resolve(1); } catch (stub) { return (stub as () => Promise<number>)(); }
}
export const named = function stub(): Promise<number> { return stub(); };
export function inner(): () => Promise<number> {
  function stub(): Promise<number> { return Promise.resolve(2); }
  return () => stub();
}
`,
    });
    expect(result.diagnostics).toEqual([]);
    const js = result.js("src/scopes.ts");
    expect(js.match(/__llmStrategy\.invoke\(/g)).toHaveLength(1);
    expect(js).toContain("imported() { return __llmStrategy.invoke(__llmStrategySpec_A_imported, this, []); }");
    expect(js).toContain("byParameter(stub) { return stub(); }");
    expect(js).toContain("const named = function stub() { return stub(); };");
  });

  test("inside a `with` statement (which TypeScript rejects) a call is not resolved, as the checker does not resolve it", () => {
    const result = compile({
      files: { "src/legacy.ts": `import { stub } from "llm-strategy";\nexport function f(o: object): Promise<number> {\n  with (o) { return stub(); }\n}\n` },
      createAnalyser: createFakeAnalyser,
    });
    expect(result.compilerErrors.map((error) => error.code)).toContain("TS2410");
    expect(result.diagnostics).toEqual([]);
    expect(result.js("src/legacy.ts")).toContain("with (o) {\n        return (0, llm_strategy_1.stub)();");
  });

  test("a file without stubs comes out exactly as without the plugin", () => {
    const files = { "src/plain.ts": `import type { LanguageModel } from "llm-strategy";\nexport const f = (m?: LanguageModel) => m?.id ?? "none";\n` };
    const withPlugin = build(files);
    const without = build(files, { plugin: false });
    expect(withPlugin.outputs).toEqual(without.outputs);
  });
});

describe("diagnostics", () => {
  test("stub() outside a stub body: exact code, place and message", () => {
    const result = build({
      "src/stray.ts": `import { stub } from "llm-strategy";
export async function twoStatements(): Promise<number> {
  const x = 1;
  return stub();
}
export const nested = (): Promise<number> => Promise.resolve(stub());
export class A { constructor() { stub(); } }
`,
    });
    const message =
      "LLM1003: `stub()` must be the whole body of a method, getter, function or arrow: `{ return stub(); }` or `=> stub()`. Move the other statements out of the stub.";
    expect(result.diagnostics.map(({ code, category, file, line, column, text, message }) => ({ code, category, file, line, column, text, message }))).toEqual([
      { code: "LLM1003", category: "error", file: "src/stray.ts", line: 4, column: 10, text: "stub()", message },
      { code: "LLM1003", category: "error", file: "src/stray.ts", line: 6, column: 62, text: "stub()", message },
      { code: "LLM1003", category: "error", file: "src/stray.ts", line: 7, column: 34, text: "stub()", message },
    ]);
  });

  test("all problems of a declaration together: return type and parameter names", () => {
    const result = build({
      "src/bad.ts": `import { stub } from "llm-strategy";
export class Shop {
  /** Finds. */
  find({ query }: { query: string }, [first]: string[], ok: number): number { return stub(); }
  /** Lists. */
  list(): Promise<string[]> { return stub(); }
  /** No type. */
  async untyped() { return stub(); }
}
`,
    });
    expect(result.diagnostics.map(({ code, line, column, text, message }) => ({ code, line, column, text, message }))).toEqual([
      {
        code: "LLM1005",
        line: 4,
        column: 8,
        text: "{ query }: { query: string }",
        message: "LLM1005: Shop.find: a stub's parameters are sent to the model by name, so each needs a plain name, not a destructuring pattern.",
      },
      {
        code: "LLM1005",
        line: 4,
        column: 38,
        text: "[first]: string[]",
        message: "LLM1005: Shop.find: a stub's parameters are sent to the model by name, so each needs a plain name, not a destructuring pattern.",
      },
      {
        code: "LLM1001",
        line: 4,
        column: 70,
        text: "number",
        message:
          "LLM1001: Shop.find is a stub but returns `number`; a model call is asynchronous, so declare the return type as `Promise<number>`.",
      },
      {
        code: "LLM1009",
        line: 8,
        column: 9,
        text: "untyped",
        message: "LLM1009: Shop.untyped has no declared return type; write it out (`: Promise<T>`) so the schema of the reply is explicit.",
      },
    ]);
    // The valid stub next to them is still compiled; the broken ones keep their `stub()` body.
    const js = result.js("src/bad.ts");
    expect(js).toContain("list() { return __llmStrategy.invoke(");
    expect(js).toContain("return (0, llm_strategy_1.stub)(); }");
  });

  test("implement<I>() needs an interface of methods", () => {
    const result = build({
      "src/impl.ts": `import { implement } from "llm-strategy";
interface Mixed { find(q: string): Promise<string>; size: number; }
interface Sync { find(q: string): string; }
export const a = implement<Mixed>();
export const b = implement<Sync>();
export const c = implement<string>();
export const sameAgain = implement<Sync>(); // the method's problem is reported once
`,
    });
    expect(result.diagnostics.map(({ code, line, column, text, message }) => ({ code, line, column, text, message }))).toEqual([
      {
        code: "LLM1007",
        line: 2,
        column: 53,
        text: "size: number;",
        message: "LLM1007: `implement<I>()` needs an interface type argument whose members are methods returning Promises; got `Mixed (`size` is not a method)`.",
      },
      {
        code: "LLM1001",
        line: 3,
        column: 35,
        text: "string",
        message: "LLM1001: Sync.find is a stub but returns `string`; a model call is asynchronous, so declare the return type as `Promise<string>`.",
      },
      {
        code: "LLM1007",
        line: 6,
        column: 28,
        text: "string",
        message: "LLM1007: `implement<I>()` needs an interface type argument whose members are methods returning Promises; got `string`.",
      },
    ]);
  });
});
