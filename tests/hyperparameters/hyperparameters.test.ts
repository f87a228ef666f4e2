import {
  cached,
  collectHyperparameters,
  ConfigurationError,
  currentHyperparameters,
  describeHyperparameters,
  hyperparameter,
  HyperparameterCollector,
  parseHyperparameters,
  scriptedModel,
  withCallOptions,
  withHyperparameters,
  withTrace,
  type CompletionRequest,
  type HyperparameterFile,
} from "../../runtime";
import { compile, type CompileResult } from "../helpers/compile";
import { delay } from "../tracing/helpers";

// One Program with the runtime's types is built for this file: seconds on a loaded machine.
jest.setTimeout(60_000);

const words = hyperparameter("hp-test.words", 300, { description: "Target length, in words" });
const tone = hyperparameter("hp-test.tone", "plain");
const strict = hyperparameter("hp-test.strict", false);
const weights = hyperparameter("hp-test.weights", { clarity: 1, wit: 0.5 });

describe("declaring and reading", () => {
  test("defaults outside any scope; typed handles", () => {
    expect([words.value, tone.value, strict.value, weights.value]).toEqual([300, "plain", false, { clarity: 1, wit: 0.5 }]);
    expect(words).toMatchObject({ name: "hp-test.words", default: 300, type: "number", description: "Target length, in words" });
    expect(weights.type).toBe("object");
    expect(Object.isFrozen(weights.value)).toBe(true);
  });

  test("bad declarations are configuration errors", () => {
    expect(() => hyperparameter("has space", 1)).toThrow(/a name is letters/);
    expect(() => hyperparameter("prompt:x", "a")).toThrow(/a name is letters/);
    expect(() => hyperparameter("hp-test.null", null as unknown as string)).toThrow(/fixes the type/);
    expect(() => hyperparameter("hp-test.nan", Number.NaN)).toThrow(/fixes the type/);
    // The same declaration again (a module evaluated twice) is fine; another default is not.
    expect(hyperparameter("hp-test.words", 300).value).toBe(300);
    expect(() => hyperparameter("hp-test.words", 200)).toThrow(/declared twice with different defaults/);
  });
});

describe("scopes", () => {
  test("nested scopes override; names an inner scope does not set keep the outer value", () => {
    withHyperparameters({ "hp-test.words": 100, "hp-test.tone": "dry" }, () => {
      expect([words.value, tone.value]).toEqual([100, "dry"]);
      withHyperparameters({ "hp-test.words": 50 }, () => {
        expect([words.value, tone.value]).toEqual([50, "dry"]);
        expect(currentHyperparameters()).toEqual({ "hp-test.words": 50, "hp-test.tone": "dry" });
      });
      expect(words.value).toBe(100);
    });
    expect(words.value).toBe(300);
  });

  test("concurrent scopes do not see each other's values, across awaits and timers", async () => {
    const run = (value: number, pause: number) =>
      withHyperparameters({ "hp-test.words": value }, async () => {
        const seen = [words.value];
        await delay(pause);
        seen.push(words.value);
        seen.push(await new Promise<number>((resolve) => setTimeout(() => resolve(words.value), pause)));
        return seen;
      });
    expect(await Promise.all([run(1, 15), run(2, 1), run(3, 7)])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
      [3, 3, 3],
    ]);
    expect(words.value).toBe(300);
  });

  test("unknown names and values of the wrong type are errors naming every problem, before anything runs", () => {
    let ran = false;
    const attempt = () => withHyperparameters({ "hp-test.word": 10, "hp-test.tone": 3, "hp-test.weights": [1] }, () => (ran = true));
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/"hp-test.word" is not a declared hyperparameter \(did you mean "hp-test.words"\?\)/);
    expect(attempt).toThrow(/"hp-test.tone" must be of type string .* got number 3/);
    expect(attempt).toThrow(/"hp-test.weights" must be of type object/);
    expect(ran).toBe(false);
  });

  test("values given are copied and frozen", () => {
    const given = { clarity: 2, wit: 0 };
    withHyperparameters({ "hp-test.weights": given }, () => {
      given.clarity = 99;
      expect(weights.value).toEqual({ clarity: 2, wit: 0 });
      expect(() => ((weights.value as { clarity: number }).clarity = 5)).toThrow(TypeError);
    });
  });
});

describe("collecting, saving, loading", () => {
  test("a run collects what it read with defaults; the JSON saved loads back as the values", async () => {
    const { result, hyperparameters } = await collectHyperparameters(async () => {
      await delay(1);
      return withHyperparameters({ "hp-test.tone": "warm" }, () => `${words.value} ${tone.value}`);
    });
    expect(result).toBe("300 warm");
    expect(hyperparameters).toEqual({
      format: "llm-strategy.hyperparameters",
      version: 1,
      hyperparameters: {
        "hp-test.tone": { value: "warm", default: "plain", type: "string" },
        "hp-test.words": { value: 300, default: 300, type: "number", description: "Target length, in words" },
      },
    });

    // Saved as JSON, edited (as an optimizer would), loaded.
    const saved = JSON.parse(JSON.stringify(hyperparameters)) as HyperparameterFile;
    saved.hyperparameters["hp-test.words"]!.value = 120;
    const loaded = parseHyperparameters(JSON.stringify(saved));
    expect(loaded).toEqual({ "hp-test.tone": "warm", "hp-test.words": 120 });
    expect(withHyperparameters(loaded, () => words.value)).toBe(120);
    // withHyperparameters takes the file itself too.
    expect(withHyperparameters(saved, () => tone.value)).toBe("warm");
  });

  test("loading names an unknown hyperparameter and a wrong type, in a file or a plain object", () => {
    const file = { format: "llm-strategy.hyperparameters", version: 1, hyperparameters: { "hp-test.depth": { value: 1, default: 1, type: "number" } } };
    expect(() => parseHyperparameters(file as unknown as HyperparameterFile)).toThrow(/"hp-test.depth" is not a declared hyperparameter/);
    expect(() => parseHyperparameters('{"hp-test.strict": "yes"}')).toThrow(/"hp-test.strict" must be of type boolean/);
    expect(() => parseHyperparameters("not json")).toThrow(/not JSON/);
    expect(() => parseHyperparameters({ format: "llm-strategy.hyperparameters", version: 9, hyperparameters: {} } as unknown as HyperparameterFile)).toThrow(/version 9/);
  });

  test("a collector can run several times; nested collectors each collect", () => {
    const outer = new HyperparameterCollector();
    const inner = new HyperparameterCollector();
    outer.run(() => words.value);
    outer.run(() => inner.run(() => strict.value));
    expect(Object.keys(outer.toJSON().hyperparameters)).toEqual(["hp-test.strict", "hp-test.words"]);
    expect(Object.keys(inner.toJSON().hyperparameters)).toEqual(["hp-test.strict"]);
  });

  test("describeHyperparameters lists every declaration with the values in force", () => {
    const described = withHyperparameters({ "hp-test.strict": true }, () => describeHyperparameters());
    expect(described.hyperparameters["hp-test.strict"]).toEqual({ value: true, default: false, type: "boolean" });
    expect(described.hyperparameters["hp-test.words"]!.value).toBe(300);
  });
});

describe("in prompts", () => {
  let result: CompileResult;
  type Essay = { title: string; text: string };
  let essays: { writeEssay(topic: string): Promise<Essay>; summarise(text: string): Promise<string>; loose(topic: string): Promise<string> };

  beforeAll(() => {
    result = compile({
      files: {
        "src/essay.ts": `import { hyperparameter, stub } from "llm-strategy";

export const essayWords = hyperparameter("essay.words", 300, { description: "Length of the essay, in words" });
export const essayTone = hyperparameter("essay.tone", "neutral");
// A name computed at run time: the build cannot know every name, so \`loose\` below builds
// (a build that knows them all reports LLM1011) and only the run-time check applies.
export const essayStyle = hyperparameter(["essay", "style"].join("."), "plain");

/** An essay. */
export interface Essay {
  title: string;
  /** The essay's text, about {{hp:essay.words}} words long. */
  text: string;
}

/**
 * Write an essay about the topic in about {{hp:essay.words}} words, in a {{hp:essay.tone}} tone.
 * @param topic What the essay is about.
 */
export function writeEssay(topic: string): Promise<Essay> { return stub(); }

/** Summarise the text in one sentence. */
export function summarise(text: string): Promise<string> { return stub(); }

/** Write about the topic in {{hp:essay.wordz}} words. */
export function loose(topic: string): Promise<string> { return stub(); }
`,
      },
    });
    expect(result.compilerErrors).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    essays = result.load("src/essay.ts");
  });

  const promptOf = (request: CompletionRequest) => request.messages[request.messages.length - 1]!.content;

  test("{{hp:name}} in JSDoc is filled with the value in force, in the doc text and in output types", async () => {
    // The build output keeps the placeholder; the runtime fills it per call.
    expect(result.js("src/essay.ts")).toContain("in about {{hp:essay.words}} words, in a {{hp:essay.tone}} tone.");
    const model = scriptedModel(() => ({ title: "T", text: "x" }));
    await withCallOptions({ model }, async () => {
      await essays.writeEssay("tides");
      await withHyperparameters({ "essay.words": 120, "essay.tone": "playful {{input}}" }, () => essays.writeEssay("tides"));
    });
    const [plain, tuned] = model.requests.map(promptOf);
    expect(plain).toMatch(/^Write an essay about the topic in about 300 words, in a neutral tone\./);
    expect(plain).toContain("about 300 words long");
    expect(tuned).toMatch(/^Write an essay about the topic in about 120 words, in a playful \{\{ input \}\} tone\./);
    expect(tuned).toContain("about 120 words long");
    // The input placeholder in a value stayed text: the input JSON appears once, after "Input:".
    expect(tuned.match(/"topic":"tides"/g)).toHaveLength(1);
    // Each variant of the prompt has its own hash (caches and recordings key on it).
    expect(model.requests[0]!.spec.hash).not.toBe(model.requests[1]!.spec.hash);
  });

  test("a cache does not answer one prompt variant with another's reply", async () => {
    let count = 0;
    const model = cached(scriptedModel(() => ({ title: "T", text: String(++count) })));
    const run = (value: number) => withHyperparameters({ "essay.words": value }, () => withCallOptions({ model }, () => essays.writeEssay("sea")));
    expect((await run(100)).text).toBe("1");
    expect((await run(200)).text).toBe("2");
    expect((await run(100)).text).toBe("1");
  });

  test("a placeholder naming no declared hyperparameter is a ConfigurationError at the call", async () => {
    const model = scriptedModel([{ value: "x" }]);
    await expect(withCallOptions({ model }, () => essays.loose("sea"))).rejects.toThrow(/uses \{\{hp:essay.wordz\}\}, but no hyperparameter "essay.wordz" is declared/);
    expect(model.requests).toHaveLength(0);
  });

  test("a stub's whole doc text is a hyperparameter: collected with its default, overridden, recorded in the trace", async () => {
    const model = scriptedModel(() => ({ value: "One sentence." }));
    const { hyperparameters } = await collectHyperparameters(() => withCallOptions({ model }, () => essays.summarise("Long text.")));
    const name = "prompt:src/essay.ts summarise";
    expect(hyperparameters.hyperparameters[name]).toEqual({
      value: "Summarise the text in one sentence.",
      default: "Summarise the text in one sentence.",
      type: "string",
      description: "The doc text (prompt) of the stub summarise.",
    });

    const { trace } = await withTrace(() =>
      withHyperparameters({ [name]: "Summarise the text in three words." }, () => withCallOptions({ model }, () => essays.summarise("Long text."))),
    );
    const [original, tuned] = model.requests.map(promptOf);
    expect(tuned).toBe(original!.replace("Summarise the text in one sentence.", "Summarise the text in three words."));
    expect(tuned).toMatch(/^Summarise the text in three words\.\n\nfunction summarise\(text: string\): string\n\nInput: \{"text":"Long text\."\}/);
    expect(trace.spans[0]!.hyperparameters).toEqual({ [name]: "Summarise the text in three words." });
    expect(trace.spans[0]!.hash).toBe(model.requests[1]!.spec.hash);
  });

  test("a prompt: name of no stub that ran is an error when the scope's work settles", async () => {
    const model = scriptedModel(() => ({ value: "ok" }));
    await expect(
      withHyperparameters({ "prompt:src/essay.ts summarize": "Typo in the name." }, () => withCallOptions({ model }, () => essays.summarise("t"))),
    ).rejects.toThrow(/named no stub that ran: "prompt:src\/essay.ts summarize"/);
    // Doc texts are strings, whether their stub ran yet or not.
    expect(() => parseHyperparameters({ "prompt:src/other.ts later": 3 })).toThrow(/"prompt:src\/other.ts later" \(a stub's doc text\) must be a string/);
    expect(() => parseHyperparameters({ "prompt:src/essay.ts summarise": 3 })).toThrow(/"prompt:src\/essay.ts summarise" must be of type string/);
  });
});
