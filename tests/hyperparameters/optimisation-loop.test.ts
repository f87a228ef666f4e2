import {
  collectHyperparameters,
  parseHyperparameters,
  scriptedModel,
  traceSpans,
  withHyperparameters,
  withTrace,
  type CompletionRequest,
  type HyperparameterValues,
  type LanguageModel,
  type TraceJson,
} from "../../runtime";
import { compile } from "../helpers/compile";
import { completionModel, usage } from "../tracing/helpers";

// Builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/**
 * The seed's meta-optimisation, small: run a task, read its trace (hyperparameters in force,
 * the prompt sent, tokens), ask an optimizer stub for the next hyperparameters, load them, run
 * again, until the optimizer's probability of improvement drops below 0.5.
 */
const files = {
  "src/essay-task.ts": `import { hyperparameter, stub, traced, type LanguageModel } from "llm-strategy";

export const words = hyperparameter("essay.words", 600, { description: "Target length of the essay, in words" });
export const tone = hyperparameter("essay.tone", "formal", { description: "Tone of voice" });

/** An essay. */
export interface Essay {
  title: string;
  text: string;
}

/**
 * Write an essay about the topic in about {{hp:essay.words}} words, in a {{hp:essay.tone}} tone.
 * @param topic What the essay is about.
 */
export function writeEssay(model: LanguageModel, topic: string): Promise<Essay> { return stub(); }

export const runTask = traced("runTask", (model: LanguageModel, topic: string) => writeEssay(model, topic));

/** The hyperparameters of the essay task. */
export interface EssayHyperparameters {
  "essay.words": number;
  "essay.tone": string;
}

/** One run of the task, as read from its trace. */
export interface TaskRun {
  hyperparameters: EssayHyperparameters;
  /** The prompt the task's model was sent. */
  prompt: string;
  /** Tokens the run used. */
  totalTokens: number;
  /** The reader's score of the essay (higher is better). */
  score: number;
}

/** The next experiment. */
export interface OptimizationStep {
  reasoning: string;
  hyperparameters: EssayHyperparameters;
  /**
   * How likely the suggestion beats the best run so far.
   * @minimum 0
   * @maximum 1
   */
  probabilityOfImprovement: number;
}

/**
 * Suggest the hyperparameters to try next, given the runs so far, to raise the score.
 * @param runs Every run so far, oldest first.
 */
export function suggestNextStep(model: LanguageModel, runs: TaskRun[]): Promise<OptimizationStep> { return stub(); }
`,
};

type EssayHyperparameters = { "essay.words": number; "essay.tone": string };
type TaskRun = { hyperparameters: EssayHyperparameters; prompt: string; totalTokens: number; score: number };
type Step = { reasoning: string; hyperparameters: EssayHyperparameters; probabilityOfImprovement: number };
type Task = {
  runTask(model: LanguageModel, topic: string): Promise<{ title: string; text: string }>;
  suggestNextStep(model: LanguageModel, runs: TaskRun[]): Promise<Step>;
};

/** The task's model writes as many words as its prompt asks for, in the tone asked. */
const taskModel = completionModel((request: CompletionRequest) => {
  const prompt = request.messages[0]!.content;
  const count = Number(/in about (\d+) words/.exec(prompt)![1]);
  const voice = /in a (\w+) tone/.exec(prompt)![1]!;
  const text = Array.from({ length: count }, () => voice).join(" ");
  return { text: JSON.stringify({ title: "Tides", text }), usage: usage(200, Math.round(count * 1.3)) };
});

/** The reader: best at 250 words, and likes a playful tone a little more. */
const judge = (essay: { text: string }): number => {
  const tokens = essay.text.split(" ");
  return 10 - Math.abs(tokens.length - 250) / 50 + (tokens[0] === "playful" ? 0.5 : 0);
};

/**
 * The optimizer's model, scripted from what it is sent (the runs read from traces): halve the
 * length first and try a playful tone; then bisect between the best run and its better
 * neighbour; confident only while the step is at least 20 words.
 */
const optimizerModel = scriptedModel((request: CompletionRequest) => {
  const runs = (request.input as { runs: TaskRun[] }).runs;
  const best = runs.reduce((a, b) => (b.score > a.score ? b : a));
  const byWords = [...runs].sort((a, b) => a.hyperparameters["essay.words"] - b.hyperparameters["essay.words"]);
  const at = byWords.indexOf(best);
  const below = byWords[at - 1];
  const above = byWords[at + 1];
  const bestWords = best.hyperparameters["essay.words"];
  let next: number;
  if (!below) next = Math.round(bestWords / 2);
  else if (!above) next = Math.round(bestWords * 1.5);
  else {
    const neighbour = below.score >= above.score ? below : above;
    next = Math.round((bestWords + neighbour.hyperparameters["essay.words"]) / 2);
  }
  return {
    reasoning: `Best so far: ${bestWords} words (score ${best.score.toFixed(2)}).`,
    hyperparameters: { "essay.words": next, "essay.tone": runs.length === 1 ? "playful" : best.hyperparameters["essay.tone"] },
    probabilityOfImprovement: Math.abs(next - bestWords) >= 20 ? 0.8 : 0.2,
  };
});

/** What the optimizer is told about a run: read from its trace, not from the code that ran. */
function taskRunOf(trace: TraceJson, essay: { text: string }): TaskRun {
  const stub = traceSpans(trace).find((span) => span.kind === "stub" && span.name === "writeEssay")!;
  return {
    hyperparameters: stub.hyperparameters as unknown as EssayHyperparameters,
    prompt: stub.messages![stub.messages!.length - 1]!.content,
    totalTokens: stub.usage!.totalTokens,
    score: judge(essay),
  };
}

test("an optimisation loop reads traces and changes hyperparameters until improvement is unlikely", async () => {
  const compiled = compile({ files });
  expect(compiled.compilerErrors).toEqual([]);
  expect(compiled.diagnostics).toEqual([]);
  const task = compiled.load<Task>("src/essay-task.ts");

  // A first run collects the hyperparameters the task reads, with their defaults: the stub's doc text is one too.
  const { hyperparameters: collected } = await collectHyperparameters(() => task.runTask(taskModel, "tides"));
  const docName = "prompt:src/essay-task.ts writeEssay";
  expect(Object.keys(collected.hyperparameters)).toEqual(["essay.tone", "essay.words", docName]);
  expect(collected.hyperparameters[docName]!.default).toBe("Write an essay about the topic in about {{hp:essay.words}} words, in a {{hp:essay.tone}} tone.");
  let values: HyperparameterValues = parseHyperparameters(JSON.stringify(collected));
  expect(values).toEqual({ "essay.tone": "formal", "essay.words": 600, [docName]: collected.hyperparameters[docName]!.default });

  const runs: TaskRun[] = [];
  const traces: TraceJson[] = [];
  for (let round = 0; round < 10; round++) {
    const { result: essay, trace } = await withTrace(() => withHyperparameters(values, () => task.runTask(taskModel, "tides")), { name: `round ${round}` });
    traces.push(trace);
    runs.push(taskRunOf(trace, essay));
    const step = await task.suggestNextStep(optimizerModel, runs);
    if (step.probabilityOfImprovement < 0.5) break;
    // The proposal goes through the same checks as a file a person edited.
    values = parseHyperparameters(step.hyperparameters as unknown as HyperparameterValues);
  }

  expect(runs.map((run) => run.hyperparameters)).toEqual([
    { "essay.words": 600, "essay.tone": "formal" },
    { "essay.words": 300, "essay.tone": "playful" },
    { "essay.words": 150, "essay.tone": "playful" },
    { "essay.words": 225, "essay.tone": "playful" },
    { "essay.words": 263, "essay.tone": "playful" },
  ]);
  // Each run's prompt carried its values; each trace recorded them on the task's spans.
  for (const run of runs) expect(run.prompt).toMatch(new RegExp(`^Write an essay about the topic in about ${run.hyperparameters["essay.words"]} words, in a ${run.hyperparameters["essay.tone"]} tone\\.`));
  for (const [index, trace] of traces.entries()) {
    expect(trace.spans[0]!.name).toBe("runTask");
    expect(trace.spans[0]!.hyperparameters).toEqual(runs[index]!.hyperparameters);
  }
  const scores = runs.map((run) => run.score);
  expect(Math.max(...scores)).toBeGreaterThan(scores[0]! + 7);
  expect(runs[runs.length - 1]!.totalTokens).toBeLessThan(runs[0]!.totalTokens);

  // The optimizer was sent every run so far, read from the traces, in its input.
  // (The prompt text, not `request.input`: the input holds the caller's array, which grew after each call.)
  expect(optimizerModel.requests.map((request) => request.messages[0]!.content.match(/"score":/g)!.length)).toEqual([1, 2, 3, 4, 5]);
  expect(optimizerModel.requests[4]!.messages[0]!.content).toContain("in about 225 words, in a playful tone");
});
