import { collectHyperparameters, LLMOutputError, parseHyperparameters, scriptedModel, withCallOptions, withHyperparameters, type CompletionRequest } from "../../runtime";
import { compile } from "../helpers/compile";

// Builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** The repair request's texts and the number of repairs are hyperparameters an optimizer can tune. */
let count: (text: string) => Promise<number>;
beforeAll(() => {
  const result = compile({
    files: {
      "src/count.ts": `import { stub } from "llm-strategy";
/** Count the words of the text. */
export function countWords(text: string): Promise<number> { return stub(); }
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  count = result.load<{ countWords(text: string): Promise<number> }>("src/count.ts").countWords;
});

const lastMessage = (request: CompletionRequest): string => request.messages[request.messages.length - 1]!.content;
/** Answers "many" (not a number) `bad` times, then 3. */
const model = (bad: number) => {
  let replies = 0;
  return scriptedModel(() => (replies++ < bad ? { value: "many" } : { value: 3 }));
};

test("llm-strategy.repairMessage replaces the repair request's text; {{errors}} is the list of what was wrong", async () => {
  const plain = model(1);
  expect(await withCallOptions({ model: plain }, () => count("a b c"))).toBe(3);
  expect(lastMessage(plain.requests[1]!)).toMatch(/^That reply is not valid:\n- .*\nReply again with the corrected JSON only\.$/s);

  const tuned = model(1);
  const text = "Not valid ($& stays literal):\n{{errors}}\nAnswer with a number this time.";
  expect(await withHyperparameters({ "llm-strategy.repairMessage": text }, () => withCallOptions({ model: tuned }, () => count("a b c")))).toBe(3);
  const repair = lastMessage(tuned.requests[1]!);
  expect(repair).toMatch(/^Not valid \(\$& stays literal\):\n- .*number.*\nAnswer with a number this time\.$/s);
});

test("llm-strategy.maxRepairs where a scope sets it; withCallOptions({ maxRepairs }) still wins", async () => {
  const none = model(1);
  await expect(withHyperparameters({ "llm-strategy.maxRepairs": 0 }, () => withCallOptions({ model: none }, () => count("x")))).rejects.toThrow(LLMOutputError);
  expect(none.requests).toHaveLength(1);

  const many = model(4);
  expect(await withHyperparameters({ "llm-strategy.maxRepairs": 4 }, () => withCallOptions({ model: many }, () => count("x")))).toBe(3);
  expect(many.requests).toHaveLength(5);

  const explicit = model(1);
  expect(await withHyperparameters({ "llm-strategy.maxRepairs": 0 }, () => withCallOptions({ model: explicit, maxRepairs: 1 }, () => count("x")))).toBe(3);
  expect(explicit.requests).toHaveLength(2);

  // Unset: configure's default (2 repairs, 3 attempts).
  const unset = model(5);
  await expect(withCallOptions({ model: unset }, () => count("x"))).rejects.toThrow(/after 3 attempts \(maxRepairs 2\)/);
});

test("collected with the others, saved, loaded back", async () => {
  const tuned = model(2);
  const { hyperparameters } = await collectHyperparameters(() =>
    withHyperparameters({ "llm-strategy.maxRepairs": 3 }, () => withCallOptions({ model: tuned }, () => count("x"))),
  );
  expect(hyperparameters.hyperparameters["llm-strategy.maxRepairs"]).toMatchObject({ value: 3, default: 2, type: "number" });
  expect(hyperparameters.hyperparameters["llm-strategy.repairMessage"]).toMatchObject({ value: expect.stringContaining("{{errors}}"), type: "string" });
  const loaded = parseHyperparameters(JSON.stringify(hyperparameters));
  expect(loaded["llm-strategy.maxRepairs"]).toBe(3);
  await expect(withHyperparameters({ "llm-strategy.maxRepairs": 1.5 }, () => withCallOptions({ model: model(1) }, () => count("x")))).rejects.toThrow(
    /llm-strategy.maxRepairs must be a whole number >= 0, got 1.5/,
  );
});
