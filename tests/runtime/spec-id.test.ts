/**
 * Stub ids (`src/odd.ts:4 Odd.ask`) are written and read in one place (`runtime/spec.ts`). A
 * computed member name may itself hold `:<digits> `: the file must still end at the first one,
 * so that the names derived from an id without its line (recording lookups, `prompt:`
 * hyperparameters) stay the same when lines are added above the stub.
 */
import * as path from "node:path";
import { describeHyperparameters, recording, RecordingMissError, scriptedModel, withCallOptions, withHyperparameters, type CallInfo, type CompletionRequest, type LanguageModel } from "../../runtime";
import { formatSpecId, parseSpecId, qualifiedNameOfSpecId, specIdWithoutLine, CHAIN_QUERY_ID } from "../../runtime/spec";
import { compile } from "../helpers/compile";
import { functionModel, temporaryFolder } from "../offline/helpers";

// Each build runs the real compiler: seconds on a loaded machine.
jest.setTimeout(60_000);

test("parse reads what format writes, the file ending at the first `:<line> ` even when the name holds another", () => {
  const parts = { file: "src/a b/odd.ts", line: 12, name: 'Odd.["ask:3 me"]' };
  const id = formatSpecId(parts);
  expect(id).toBe('src/a b/odd.ts:12 Odd.["ask:3 me"]');
  expect(parseSpecId(id)).toEqual(parts);
  expect(specIdWithoutLine(id)).toBe('src/a b/odd.ts Odd.["ask:3 me"]');
  expect(qualifiedNameOfSpecId(id)).toBe('Odd.["ask:3 me"]');
  // The runtime's own specs have no line.
  expect(parseSpecId(CHAIN_QUERY_ID)).toBeUndefined();
  expect(specIdWithoutLine(CHAIN_QUERY_ID)).toBe(CHAIN_QUERY_ID);
  expect(qualifiedNameOfSpecId(CHAIN_QUERY_ID)).toBe("ChatChain.structuredQuery");
});

const oddSource = (doc: string, linesAbove: number) => `${"// a line added above\n".repeat(linesAbove)}import { stub } from "llm-strategy";
export class Odd {
  /** ${doc} */
  async ["ask:3 me"](question: string): Promise<string> { return stub(); }
}
`;

type OddModule = { Odd: new () => { ["ask:3 me"](question: string): Promise<string> } };

function build(doc: string, linesAbove: number): OddModule {
  const result = compile({ files: { "src/odd.ts": oddSource(doc, linesAbove) } });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  return result.load<OddModule>("src/odd.ts");
}

async function ask(module: OddModule, model: LanguageModel): Promise<{ answer: string; call: CallInfo }> {
  const calls: CallInfo[] = [];
  const answer = await withCallOptions({ model, onCall: (info) => calls.push(info) }, () => new module.Odd()["ask:3 me"]("why?"));
  return { answer, call: calls[0]! };
}

test("a computed member name holding `:<digits> `: its prompt hyperparameter keeps its name when lines move", async () => {
  const before = build("Answer in one word.", 0);
  const after = build("Answer in one word.", 5);
  // Doc texts are declared as hyperparameters when their stub is called inside a scope.
  const first = await withHyperparameters({}, () => ask(before, scriptedModel([{ value: "Because" }])));
  const second = await withHyperparameters({}, () => ask(after, scriptedModel([{ value: "Because" }])));
  expect(first.call.stub).toBe('src/odd.ts:4 Odd.["ask:3 me"]');
  expect(second.call.stub).toBe('src/odd.ts:9 Odd.["ask:3 me"]');

  const name = 'prompt:src/odd.ts Odd.["ask:3 me"]';
  const names = Object.keys(describeHyperparameters().hyperparameters);
  expect(names.filter((declared) => declared.startsWith("prompt:src/odd.ts"))).toEqual([name]);

  // The tuned doc text reaches the moved stub under that name.
  const asked: CompletionRequest[] = [];
  const model = functionModel((request) => (asked.push(request), { text: '{"value":"Tuned"}' }));
  const tuned = await withHyperparameters({ [name]: "Answer in two words." }, () => ask(after, model));
  expect(tuned.answer).toBe("Tuned");
  expect(asked[0]!.messages.map((message) => message.content).join("\n")).toContain("Answer in two words.");
});

test("a computed member name holding `:<digits> `: replay finds its older recordings after lines moved (stale, not never recorded)", async () => {
  const folder = temporaryFolder("spec-id");
  try {
    const file = path.join(folder.dir, "odd.json");
    const recorded = await ask(build("Answer in one word.", 0), recording(scriptedModel([{ value: "Because" }]), { path: file, mode: "record" }));
    expect(recorded.answer).toBe("Because");

    const replay = recording(scriptedModel([]), { path: file, mode: "replay" });
    const error = await ask(build("Answer in exactly one word.", 3), replay).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecordingMissError);
    expect((error as RecordingMissError).reason).toBe("stale");
    expect((error as RecordingMissError).stub).toBe('src/odd.ts:7 Odd.["ask:3 me"]');
  } finally {
    folder.remove();
  }
});
