import { compile } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** `{{hp:name}}` in a prompt must name a hyperparameter the program declares: else every call would fail at run time. */
test("a placeholder naming no declared hyperparameter is LLM1011; declared ones, also in another file or under an alias, are not", () => {
  const result = compile({
    files: {
      "src/settings.ts": `import { hyperparameter as tunable } from "llm-strategy";
export const words = tunable("essay.words", 300);
`,
      "src/essay.ts": `import { hyperparameter, stub } from "llm-strategy";
const tone = hyperparameter("essay.tone", "dry", { description: "Tone of voice" });
/** Write an essay in about {{hp:essay.words}} words, in a {{hp:essay.tone}} tone. */
export function writeEssay(topic: string): Promise<string> { return stub(); }
/** Write a poem of {{hp:poem.lines}} lines in a {{hp:essay.tone}} tone, {{hp:poem.rhyme}}. */
export function writePoem(topic: string): Promise<string> { return stub(); }
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file, diagnostic.line, diagnostic.text])).toEqual([["LLM1011", "src/essay.ts", 6, "writePoem"]]);
  expect(result.diagnostics[0]!.message).toBe(
    "LLM1011: writePoem: its prompt uses {{hp:poem.lines}}, {{hp:poem.rhyme}}, but no `hyperparameter(...)` call in the program declares those names, " +
      'so every call would fail. Declare it at module scope with `hyperparameter("poem.lines", defaultValue)`, or fix the name.',
  );
});

test("when a hyperparameter's name is computed, the names are not known at build time and nothing is reported", () => {
  const result = compile({
    files: {
      "src/essay.ts": `import { hyperparameter, stub } from "llm-strategy";
const prefix = "essay";
export const words = hyperparameter(prefix + ".words", 300);
/** Write an essay in about {{hp:essay.words}} words. */
export function writeEssay(topic: string): Promise<string> { return stub(); }
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
});

test("a hyperparameter a package declares (its .d.ts under node_modules) is not reported: the build cannot see every name", () => {
  const result = compile({
    files: {
      // A compiled library: its hyperparameter(...) call runs from its JavaScript, not from this Program.
      "node_modules/essay-tuning/index.d.ts": `import type { Hyperparameter } from "llm-strategy";
export declare const words: Hyperparameter<number>;
`,
      "src/essay.ts": `import { stub } from "llm-strategy";
import { words } from "essay-tuning";
export const tuned = words;
/** Write an essay in about {{hp:essay.words}} words. */
export function writeEssay(topic: string): Promise<string> { return stub(); }
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
});
