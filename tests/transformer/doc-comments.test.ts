/**
 * What a stub's JSDoc puts into the prompt: the interface around `implement<I>()` methods,
 * keyword tags only where they can constrain something, and doc comments TypeScript does not
 * attach reported as such. Compiled with the real analyser and run against a scripted model.
 */
import { configure, scriptedModel, type ScriptedModel, type ScriptedReply } from "../../runtime";
import { compile, type CompileResult } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

let restore: ReturnType<typeof configure> | undefined;
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

function useModel(replies: ScriptedReply[]): ScriptedModel {
  const model = scriptedModel(replies);
  restore = configure({ model, maxRepairs: 1 });
  return model;
}

function build(source: string, plugin: Record<string, unknown> = {}): CompileResult {
  const result = compile({ files: { "src/a.ts": source }, plugin });
  expect(result.compilerErrors).toEqual([]);
  return result;
}

describe("implement<I>()", () => {
  const source = `import { implement } from "llm-strategy";
/** A sommelier at a French restaurant: knows French wines best. */
export interface WineExpert {
  /**
   * A wine that goes with the dish.
   * @param dish The dish, as the menu names it
   */
  pairWine(dish: string, budget: number): Promise<string>;
}
export const expert = implement<WineExpert>();
`;

  test("a method is shown as a member of its interface, under the interface's own doc", async () => {
    const result = build(source);
    expect(result.diagnostics).toEqual([]);
    const model = useModel([{ value: "Chablis" }]);
    const { expert } = result.load<{ expert: { pairWine(dish: string, budget: number): Promise<string> } }>("src/a.ts");
    await expect(expert.pairWine("oysters", 40)).resolves.toBe("Chablis");
    const prompt = model.requests[0]!.messages.map((message) => message.content).join("\n");
    expect(prompt).toContain(
      [
        "A wine that goes with the dish.",
        "",
        "/** A sommelier at a French restaurant: knows French wines best. */",
        "interface WineExpert {",
        "  pairWine(",
        "    /** The dish, as the menu names it */",
        "    dish: string,",
        "    budget: number,",
        "  ): string",
        "}",
      ].join("\n"),
    );
    expect(prompt).not.toContain("function pairWine");
  });

  test("a type alias of an object type is shown as an interface of its name", async () => {
    const result = build(source.replace("export interface WineExpert {", "export type WineExpert = {").replace("Promise<string>;\n}", "Promise<string>;\n};"));
    expect(result.diagnostics).toEqual([]);
    const model = useModel([{ value: "Chablis" }]);
    await result.load<{ expert: { pairWine(dish: string, budget: number): Promise<string> } }>("src/a.ts").expert.pairWine("oysters", 40);
    expect(model.requests[0]!.spec.template).toContain("/** A sommelier at a French restaurant: knows French wines best. */\ninterface WineExpert {\n  pairWine(");
  });
});

describe("keyword tags", () => {
  test("a tag under a @param it cannot constrain is LLM1017 at the tag, and the stub is not compiled", () => {
    const result = build(`import { stub } from "llm-strategy";
/**
 * Pick some words.
 * @param count How many words
 * @minItems 1
 */
export function pick(count: number): Promise<string[]> { return stub(); }
`);
    expect(result.diagnostics.map((d) => [d.code, d.category, d.line, d.text.split("\n")[0]])).toEqual([["LLM1017", "error", 5, "@minItems 1"]]);
    expect(result.diagnostics[0]!.message).toContain("`@minItems 1` follows `@param count`, and its type `number` has nothing `@minItems` applies to");
    expect(result.diagnostics[0]!.message).toContain("one before any `@param`, or after `@returns`, constrains the result");
    expect(result.js("src/a.ts")).not.toContain("minItems: 1");
  });

  test("a tag after a @param that names no sent parameter, and a result tag that fits no type of the result, are LLM1017", () => {
    const result = build(`import { stub, type LanguageModel } from "llm-strategy";
/**
 * Pick some words.
 * @param model The model to ask
 * @maxLength 3
 * @returns The words
 * @minimum 2
 */
export function pick(model: LanguageModel): Promise<string[]> { return stub(); }
`);
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["LLM1017", 5],
      ["LLM1017", 7],
    ]);
    expect(result.diagnostics[0]!.message).toContain("follows `@param model`, which names no parameter sent to the model");
    expect(result.diagnostics[1]!.message).toContain("constrains the result, and its type `string[]` has nothing `@minimum` applies to");
  });

  test("a tag whose text is not a value of its keyword is LLM1017 too, not dropped in silence", () => {
    const result = build(`import { stub } from "llm-strategy";
/**
 * Pick some words.
 * @param words The words to pick from
 * @minItems two or more
 */
export function pick(words: string[]): Promise<string[]> { return stub(); }
`);
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([["LLM1017", 5]]);
    expect(result.diagnostics[0]!.message).toContain("pick: `@minItems two or more` reads `two or more`, which is not a value `@minItems` takes");
  });

  test("tags that fit constrain their parameter (also through a named array type) and the result, and only show as hints of those", async () => {
    const result = build(`import { stub } from "llm-strategy";
export type Names = string[];
/**
 * Pick some of the words.
 * @minItems 1
 * @param count How many words
 * @minimum 1
 * @param words The words to pick from
 * @minItems 2
 * @param also More words
 * @maxItems 3
 */
export function pick(count: number, words: string[], also?: Names): Promise<Names> { return stub(); }
`);
    expect(result.diagnostics).toEqual([]);
    // The first reply has no word, which `@minItems 1` on the result forbids: repaired.
    const model = useModel([{ value: [] }, { value: ["a"] }]);
    await expect(result.load<{ pick(count: number, words: string[], also?: string[]): Promise<string[]> }>("src/a.ts").pick(1, ["a", "b"])).resolves.toEqual(["a"]);
    expect(model.requests).toHaveLength(2);
    const spec = model.requests[0]!.spec;
    const properties = spec.input.properties as Record<string, Record<string, unknown>>;
    expect(properties.count).toMatchObject({ type: "number", minimum: 1 });
    expect(properties.count).not.toHaveProperty("minItems");
    expect(properties.words).toMatchObject({ type: "array", minItems: 2 });
    expect(properties.also).toMatchObject({ maxItems: 3 });
    expect(spec.output).toMatchObject({ minItems: 1 });
    expect(spec.template).toContain("  /** How many words @minimum 1 */\n  count: number,\n  /** The words to pick from @minItems 2 */\n  words: string[],");
    expect(spec.template).toContain("): Names /* @minItems 1 */");
    expect(spec.template.match(/@minItems/g)).toHaveLength(3); // words, the result's type twice
  });
});

describe("doc comments TypeScript does not attach", () => {
  test("a comment on the line of `{` is LLM1018 naming its line, not a missing-JSDoc warning", () => {
    const result = build(
      `import { stub } from "llm-strategy";
export class A { /** The answer. */ m(): Promise<number> { return stub(); } }
export class B { /** The other answer. */
  m(): Promise<number> { return stub(); }
}
export class C {
  /** Attached: it stands on a line of its own. */ m(): Promise<number> { return stub(); }
}
`,
      { warnings: true },
    );
    expect(result.diagnostics.map((d) => [d.code, d.line, d.text])).toEqual([
      ["LLM1018", 2, "m"],
      ["LLM1018", 4, "m"],
    ]);
    expect(result.diagnostics[0]!.message).toBe(
      "LLM1018: A.m: the doc comment `/** The answer. */` on line 2 shares its line with the code before it, so TypeScript does not attach it " +
        "to A.m and the model would never read it. Put the comment on a line of its own, directly above the declaration.",
    );
    expect(result.diagnostics[1]!.message).toContain("`/** The other answer. */` on line 3");
    expect(result.diagnostics.map((d) => d.message).join("\n")).not.toContain("has no JSDoc");
  });

  test("reported without `warnings` too, since the comment is the user's words the model would miss", () => {
    const result = build(`import { stub } from "llm-strategy";
export const one = (): Promise<number> => stub(); /** Two. */ export const two = (): Promise<number> => stub();
`);
    expect(result.diagnostics.map((d) => [d.code, d.category, d.text])).toEqual([["LLM1018", "error", "two"]]);
  });
});
