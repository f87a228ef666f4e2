/**
 * examples/meta-optimization: built with the real tspc (one generic loop calling the four generic
 * optimizer stubs with its own type parameters, specialised at its calls for the essay task and for
 * the quiz task), run offline from its committed recording (rounds of both tasks, the stop below
 * 0.5, the trace it writes), re-recorded against its stand-in model, the trace turned into a page
 * by the `llm-strategy trace` command, and run online against a local OpenAI-compatible server to
 * see the concrete schemas each task's requests carry, and a wrong-shaped reply repaired.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SpanJson, TraceJson } from "../../runtime";
import { lastUserText, replyJson, startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "../helpers/openai-server";
import { buildExample, exampleDir, offlineEnv, REPO, runNode } from "./helpers";

jest.setTimeout(120_000);

const EXAMPLE = exampleDir("meta-optimization");
const MAIN = path.join(EXAMPLE, "dist", "main.js");
const GENERIC_STUBS = ["reflectOnTaskRun", "summarizeOptimizationInfo", "suggestNextOptimizationStep", "probabilityForImprovement"].map((name) => `LLMOptimizer.${name}`);
const ESSAY_TYPES = "<EssayTopic, Essay, EssayHyperparameters>";
const QUIZ_TYPES = "<QuizTopic, QuizQuestion, QuizHyperparameters>";
const ESSAY_HYPERPARAMETERS = {
  additionalProperties: false,
  description: "The essay task's hyperparameters, as the optimizer sees and changes them.",
  properties: {
    instructions: { description: "The instructions the essay writer gets: the doc text at the start of its prompt.", type: "string" },
    style: { description: 'The voice to write in, e.g. "academic", "plain", "playful".', type: "string" },
    wordBudget: { description: "How long the essay should be, in words.", maximum: 1000, minimum: 30, type: "number" },
  },
  required: ["instructions", "wordBudget", "style"],
  type: "object",
};
const DEFAULT_INSTRUCTIONS = "Write an essay about the topic for the audience.";
const QUIZ_INSTRUCTIONS = "Write a multiple-choice question about the subject for the learner.";

interface ManifestEntry {
  id: string;
  typeArguments?: string;
  template: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  definitions: Record<string, Record<string, any>>;
}

let build: { status: number | null; output: string };
let tmp: string;
beforeAll(() => {
  build = buildExample("meta-optimization");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-meta-optimization-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A definition of a manifest entry, by name or through a `$ref`. */
function definition(entry: ManifestEntry, schema: Record<string, any>): Record<string, any> {
  return schema.$ref ? entry.definitions[String(schema.$ref).replace("#/definitions/", "")]! : schema;
}

test("builds with tspc: no diagnostics; each generic optimizer stub is specialised once per task, through the generic loop", () => {
  expect(build.output).toBe("");
  expect(build.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "dist", "llm-prompts.json"), "utf8")) as { stubs: ManifestEntry[] };
  const names = manifest.stubs.map((entry) => `${entry.id.replace(/^src\/[\w-]+\.ts:\d+ /, "")}${entry.typeArguments ?? ""}`).sort();
  expect(names).toEqual(
    [...GENERIC_STUBS.flatMap((name) => [`${name}${ESSAY_TYPES}`, `${name}${QUIZ_TYPES}`, `${name}constraints`]), "writeEssay", "writeQuizQuestion"].sort(),
  );
  const specialised = (name: string, types: string) => manifest.stubs.find((entry) => entry.id.endsWith(` ${name}`) && entry.typeArguments === types)!;

  for (const name of GENERIC_STUBS) {
    // The concrete hyperparameter type, with its JSDoc, is what the model is told about: the essay's, or the quiz's.
    const essay = specialised(name, ESSAY_TYPES);
    expect(essay.definitions.EssayHyperparameters).toEqual(ESSAY_HYPERPARAMETERS);
    expect(essay.definitions.QuizHyperparameters).toBeUndefined();
    expect(essay.template).toContain("interface EssayHyperparameters {");
    const quiz = specialised(name, QUIZ_TYPES);
    expect(quiz.definitions.QuizHyperparameters).toMatchObject({
      properties: { choices: { type: "number", minimum: 2, maximum: 6 }, difficulty: { $ref: "#/definitions/Difficulty" } },
      required: ["instructions", "choices", "difficulty"],
    });
    expect(quiz.definitions.Difficulty).toEqual({ enum: ["easy", "medium", "hard"], type: "string" });
    expect(quiz.definitions.EssayHyperparameters).toBeUndefined();
    expect(quiz.template).toContain("interface QuizHyperparameters {");
    const fallback = specialised(name, "constraints");
    expect(fallback.definitions.EssayHyperparameters).toBeUndefined();
    expect(fallback.definitions.QuizHyperparameters).toBeUndefined();
  }
  const reflect = specialised("LLMOptimizer.reflectOnTaskRun", ESSAY_TYPES);
  const taskRun = reflect.definitions.TaskRun_EssayTopic_Essay_EssayHyperparameters!;
  expect(taskRun.properties.hyperparameters.$ref).toBe("#/definitions/EssayHyperparameters");
  expect(taskRun.properties.taskParameters.$ref).toBe("#/definitions/EssayTopic");
  expect(taskRun.properties.returnValue).toEqual({ anyOf: [{ $ref: "#/definitions/Essay" }, { type: "null" }], description: "The results of the task. (null for exceptions/failure.)" });
  const quizRun = specialised("LLMOptimizer.reflectOnTaskRun", QUIZ_TYPES).definitions.TaskRun_QuizTopic_QuizQuestion_QuizHyperparameters!;
  expect(quizRun.properties.returnValue.anyOf[0]).toEqual({ $ref: "#/definitions/QuizQuestion" });

  for (const [types, name] of [
    [ESSAY_TYPES, "EssayTopic_Essay_EssayHyperparameters"],
    [QUIZ_TYPES, "QuizTopic_QuizQuestion_QuizHyperparameters"],
  ] as const) {
    const suggest = specialised("LLMOptimizer.suggestNextOptimizationStep", types);
    expect(suggest.output).toEqual({ $ref: `#/definitions/OptimizationStep_${name}` });
    const step = suggest.definitions[`OptimizationStep_${name}`]!;
    const [parameters, , hyperparameters] = types.slice(1, -1).split(", ");
    // The seed's hint_min_items / hint_max_items.
    expect(step.properties.hyperparameterSuggestions).toMatchObject({ items: { $ref: `#/definitions/${hyperparameters}` }, minItems: 1, maxItems: 2 });
    expect(step.properties.taskParametersSuggestions).toMatchObject({ items: { $ref: `#/definitions/${parameters}` }, minItems: 1, maxItems: 4 });
    expect(definition(suggest, step.properties.bestHyperparameters)).toBe(suggest.definitions[hyperparameters!]);
  }

  // The loop is compiled once and holds no spec: it reads the table its caller passes.
  const optimize = fs.readFileSync(path.join(EXAMPLE, "dist", "optimize.js"), "utf8");
  expect(optimize.match(/async function optimizeHyperparameters\(/g)).toHaveLength(1);
  expect(optimize).not.toContain("typeArguments");
  expect(optimize).toContain('const __llmStrategyTypes_optimizeHyperparameters = __llmStrategy.helperTypes("src/optimize.ts:');
  expect(optimize).toContain('const __llmStrategyTypes_runAndReflect = __llmStrategy.helperTypes("src/optimize.ts:');
  expect(optimize).toMatch(/__llmStrategy\.callSpecialized\(__llmStrategyTypes_optimizeHyperparameters\.calls\.suggestNextOptimizationStep, _a, _a\.suggestNextOptimizationStep, \[optimizer, info\]\)/);
  expect(optimize).toMatch(/__llmStrategy\.callSpecialized\(__llmStrategyTypes_runAndReflect\.calls\.reflectOnTaskRun, _a, _a\.reflectOnTaskRun, \[models\.optimizer, run\]\)/);
  expect(optimize.match(/__llmStrategy\.callSpecialized\(/g)).toHaveLength(7);
  // The caller, main.js, holds one table per helper and task (three levels: optimizeAndShow → optimizeHyperparameters → runAndReflect).
  const main = fs.readFileSync(path.join(EXAMPLE, "dist", "main.js"), "utf8");
  for (const types of [ESSAY_TYPES, QUIZ_TYPES]) {
    for (const helper of ["main.ts:\\d+ optimizeAndShow", "optimize.ts:\\d+ optimizeHyperparameters", "optimize.ts:\\d+ runAndReflect"]) {
      expect(main.match(new RegExp(`kind: "helper",\\s*id: "src/${helper}",\\s*typeArguments: "${types}"`, "g"))).toHaveLength(1);
    }
  }
  expect(main).toContain("__llmStrategy.callSpecialized(__llmStrategyHelper_optimizeAndShow, void 0, optimizeAndShow, [");
  expect(main).toContain("__llmStrategy.callSpecialized(__llmStrategyHelper_optimizeAndShow_2, void 0, optimizeAndShow, [");
});

/** One task's part of the output: from its heading to the next task's or the trace line. */
function taskOutput(stdout: string, task: 1 | 2): string {
  const start = stdout.indexOf(`━━ Task ${task}: `);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = [stdout.indexOf("━━ Task ", start + 1), stdout.indexOf("\nTrace: ", start)].filter((at) => at > 0);
  return stdout.slice(start, Math.min(...end));
}

/** A task's rounds: header line, then everything up to the next blank line. */
function rounds(output: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const match of output.matchAll(/^Round (\d+)\b[^\n]*\n((?: {2}.*\n)*)/gm)) found.set(Number(match[1]), match[0]);
  return found;
}

/** Spans by depth-first walk. */
function walk(spans: SpanJson[]): SpanJson[] {
  return spans.flatMap((span) => [span, ...walk(span.children)]);
}

describe("offline, from the committed recording", () => {
  let stdout: string;
  let trace: TraceJson;
  const traceFile = path.join(EXAMPLE, "dist", "trace.json");

  beforeAll(async () => {
    fs.rmSync(traceFile, { force: true });
    const run = await runNode(MAIN, [], { env: offlineEnv() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    stdout = run.stdout;
    trace = JSON.parse(fs.readFileSync(traceFile, "utf8")) as TraceJson;
  });

  test("the essay task: every round's hyperparameters, suggestion and probability; it stops when the probability falls below 0.5", () => {
    expect(stdout).toMatch(/^Meta-optimization example \(llm-strategy\): OFFLINE, recorded answers \(no OPENAI_API_KEY or OPENAI_BASE_URL set: replaying examples\/meta-optimization\/recordings\/session\.json\)\n/);
    const essay = taskOutput(stdout, 1);
    expect(essay).toMatch(/^━━ Task 1: essay — writeEssay\(topic, audience, wordBudget, style\)\n/);
    const found = rounds(essay);
    expect([...found.keys()]).toEqual([0, 1, 2, 3]);

    expect(found.get(0)).toContain(`  hyperparameters: wordBudget 400 · style "academic"\n    instructions: "${DEFAULT_INSTRUCTIONS}"\n`);
    expect(found.get(0)).toContain('  · Why the sky is blue, for curious ten-year-olds → "On the Blue Colour of the Daytime Sky" (176 words)\n');
    expect(found.get(0)).not.toContain("probability of improvement");

    // Each later round: the suggestion, what it tried (one change at a time), the probability.
    expect(found.get(1)).toMatch(/ {2}suggestion: 1\. The best runs so far used wordBudget 400, .* Set wordBudget to 120: /);
    expect(found.get(1)).toContain('  tried: wordBudget 120 (changed) · style "academic"\n');
    expect(found.get(1)).toContain("  probability of improvement: 0.80 → at least 0.5: go on\n");
    expect(found.get(2)).toContain('  tried: wordBudget 120 · style "plain" (changed)\n');
    expect(found.get(2)).toContain('  summary of older runs: Tried wordBudget 400, style "academic"');
    expect(found.get(2)).toContain("  probability of improvement: 0.65 → at least 0.5: go on\n");
    expect(found.get(3)).toContain(`    instructions (changed): "${DEFAULT_INSTRUCTIONS} Include one everyday example the audience knows."\n`);
    expect(found.get(3)).toContain('  · How bees make honey, for curious ten-year-olds → "How Bees Make Honey" (119 words)\n    reflection: Score: 9/10. Problems: none.\n');
    expect(found.get(3)).toContain("  probability of improvement: 0.15 → below 0.5: stop\n");

    expect(essay).toContain("\nStopped after round 3: the probability of improvement (0.15) fell below 0.5.\n");
    expect(essay).toContain(
      `  best hyperparameters (the optimizer's final pick): wordBudget 120 · style "plain"\n    instructions: "${DEFAULT_INSTRUCTIONS} Include one everyday example the audience knows."\n`,
    );
    expect(stdout).toContain("\nTrace: examples/meta-optimization/dist/trace.json (94 spans, 50 model calls)\nView it: llm-strategy trace examples/meta-optimization/dist/trace.json\n");
  });

  test("the quiz task, through the same loop: its own hyperparameters (choices, difficulty), tuned one at a time", () => {
    const quiz = taskOutput(stdout, 2);
    expect(quiz).toMatch(/^━━ Task 2: quiz — writeQuizQuestion\(subject, learner, choices, difficulty\)\n/);
    const found = rounds(quiz);
    expect([...found.keys()]).toEqual([0, 1, 2, 3]);
    expect(found.get(0)).toContain(`  hyperparameters: choices 5 · difficulty "hard"\n    instructions: "${QUIZ_INSTRUCTIONS}"\n`);
    expect(found.get(0)).toContain('  · Adding fractions, for pupils new to fractions → "What is 2/3 + 3/5, as a mixed number in lowest terms?" (5 choices, no explanation)\n');
    expect(found.get(1)).toMatch(/ {2}suggestion: 1\. The best runs so far used choices 5, difficulty "hard", .* Set difficulty to "easy": /);
    expect(found.get(1)).toContain('  tried: choices 5 · difficulty "easy" (changed)\n');
    expect(found.get(1)).toContain('  · Adding fractions, for pupils new to fractions → "What is 1/4 + 1/4?" (5 choices, no explanation)\n');
    expect(found.get(2)).toContain('  tried: choices 3 (changed) · difficulty "easy"\n');
    expect(found.get(3)).toContain(`    instructions (changed): "${QUIZ_INSTRUCTIONS} Explain why the right answer is right."\n`);
    expect(found.get(3)).toContain('  · The water cycle, for pupils new to the water cycle → "What falls from clouds when they are full of water?" (3 choices, explained)\n    reflection: Score: 9/10. Problems: none.\n');
    expect(found.get(3)).toContain("  probability of improvement: 0.15 → below 0.5: stop\n");
    expect(quiz).toContain(
      `  best hyperparameters (the optimizer's final pick): choices 3 · difficulty "easy"\n    instructions: "${QUIZ_INSTRUCTIONS} Explain why the right answer is right."\n`,
    );
  });

  test("the trace it wrote: one span per task and round, the optimizer's calls under their round with the task's types, replayed", () => {
    expect(trace).toMatchObject({ format: "llm-strategy.trace", version: 1, name: "meta-optimization: essay and quiz tasks", contentCaptured: true });
    expect(trace.spans.map((span) => `${span.kind} ${span.name} ${span.status}`)).toEqual(["function optimize essay ok", "function optimize quiz ok"]);
    const all = walk(trace.spans);
    const stubs = all.filter((span) => span.kind === "stub");
    expect(stubs).toHaveLength(50);
    for (const span of stubs) {
      expect(span.status).toBe("ok");
      expect(span.model).toBe("openai:local-stand-in");
      expect(span.attempts!.map((attempt) => attempt.source)).toEqual(["replay"]);
    }

    for (const [index, task, types, writer] of [
      [0, "essay", ESSAY_TYPES, "writeEssay"],
      [1, "quiz", QUIZ_TYPES, "writeQuizQuestion"],
    ] as const) {
      const optimization = trace.spans[index]!;
      expect(optimization.children.map((span) => span.name)).toEqual(["round 0", "round 1", "round 2", "round 3", "final pick"]);
      const children = (round: number) => optimization.children[round]!.children.map((span) => span.name.replace(types, "<…>"));
      const run = `${task} task`;
      expect(children(0)).toEqual([run, "LLMOptimizer.reflectOnTaskRun<…>", run, "LLMOptimizer.reflectOnTaskRun<…>"]);
      expect(children(1)).toEqual(["LLMOptimizer.suggestNextOptimizationStep<…>", run, "LLMOptimizer.reflectOnTaskRun<…>", run, "LLMOptimizer.reflectOnTaskRun<…>", "LLMOptimizer.probabilityForImprovement<…>"]);
      for (const round of [2, 3]) {
        expect(children(round)).toEqual([
          "LLMOptimizer.suggestNextOptimizationStep<…>",
          run,
          "LLMOptimizer.reflectOnTaskRun<…>",
          run,
          "LLMOptimizer.reflectOnTaskRun<…>",
          "LLMOptimizer.summarizeOptimizationInfo<…>",
          "LLMOptimizer.probabilityForImprovement<…>",
        ]);
      }
      expect(children(4)).toEqual(["LLMOptimizer.suggestNextOptimizationStep<…>"]);
      const taskStubs = walk([optimization]).filter((span) => span.kind === "stub");
      expect(taskStubs).toHaveLength(25);
      // Each optimizer call in this task's spans ran with this task's types.
      for (const span of taskStubs.filter((stub) => stub.name !== writer)) expect(span.typeArguments).toBe(types);

      // The task runs: the task's span, its chat chain, the writer's stub call inside it.
      const runs = walk([optimization]).filter((span) => span.name === run);
      expect(runs).toHaveLength(8);
      for (const span of runs) {
        expect(span.children.map((child) => child.kind)).toEqual(["chain"]);
        expect(span.children[0]!.children.map((child) => child.name)).toEqual([writer]);
      }
    }

    const hyperparameters = (task: number, round: number) => trace.spans[task]!.children[round]!.children.find((span) => span.name.endsWith(" task"))!.hyperparameters;
    expect(hyperparameters(0, 0)).toEqual({ "essay.words": 400, "essay.style": "academic" });
    expect(hyperparameters(0, 1)).toEqual({ "essay.words": 120, "essay.style": "academic" });
    expect(hyperparameters(0, 2)).toEqual({ "essay.words": 120, "essay.style": "plain" });
    // The tuned doc text is recorded once a scope changes it, on the writer's own span too.
    const tuned = `${DEFAULT_INSTRUCTIONS} Include one everyday example the audience knows.`;
    expect(hyperparameters(0, 3)).toEqual({ "essay.words": 120, "essay.style": "plain", "prompt:src/essay-task.ts writeEssay": tuned });
    const essayWriter = walk(trace.spans[0]!.children[3]!.children).find((span) => span.name === "writeEssay")!;
    expect(essayWriter.hyperparameters).toEqual({ "prompt:src/essay-task.ts writeEssay": tuned });
    expect(essayWriter.messages![0]!.content.startsWith(`${tuned}\n\nfunction writeEssay(`)).toBe(true);
    expect(hyperparameters(1, 0)).toEqual({ "quiz.choices": 5, "quiz.difficulty": "hard" });
    expect(hyperparameters(1, 2)).toEqual({ "quiz.choices": 3, "quiz.difficulty": "easy" });
    const explained = `${QUIZ_INSTRUCTIONS} Explain why the right answer is right.`;
    expect(hyperparameters(1, 3)).toEqual({ "quiz.choices": 3, "quiz.difficulty": "easy", "prompt:src/quiz-task.ts writeQuizQuestion": explained });

    // What the optimizer was sent about a run: the run's chat chain and the hyperparameters it read.
    const reflectIn = (task: number) => trace.spans[task]!.children[3]!.children.find((span) => span.name.startsWith("LLMOptimizer.reflectOnTaskRun"))!;
    type SentRun = { taskRun: { hyperparameters: unknown; returnValue: unknown; allChatChains: { name: string; messages: { role: string }[] }[] } };
    const essayRun = (reflectIn(0).input as SentRun).taskRun;
    expect(essayRun.hyperparameters).toEqual({ instructions: tuned, wordBudget: 120, style: "plain" });
    expect(essayRun.allChatChains.map((chain) => [chain.name, chain.messages.map((message) => message.role)])).toEqual([["writeEssay", ["user", "assistant"]]]);
    expect((reflectIn(0).output as { evaluation: string }).evaluation).toBe("Score: 9/10. Problems: none.");
    const quizRun = (reflectIn(1).input as SentRun).taskRun;
    expect(quizRun.hyperparameters).toEqual({ instructions: explained, choices: 3, difficulty: "easy" });
    expect(quizRun.returnValue).toMatchObject({ question: "What is 1/4 + 1/4?", choices: ["2/8", "2/4, which is 1/2", "1/8"], answer: 1 });
    expect(quizRun.allChatChains.map((chain) => chain.name)).toEqual(["writeQuizQuestion"]);
    const probability = trace.spans[1]!.children[3]!.children.find((span) => span.name.startsWith("LLMOptimizer.probabilityForImprovement"))!;
    expect((probability.output as { probability: number }).probability).toBe(0.15);
  });

  test("`llm-strategy trace` turns the written trace into a viewer page", async () => {
    const page = path.join(tmp, "meta-optimization.html");
    const cli = await runNode(path.join(REPO, "dist", "cli", "index.js"), ["trace", traceFile, "--out", page], { env: offlineEnv() });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(`${page}\n`);
    expect(cli.stderr).toContain("Wrote 94 spans (50 model calls)");
    const html = fs.readFileSync(page, "utf8");
    expect(html).toContain('<script type="application/json" id="trace-data"');
    expect(html).toContain("LLMOptimizer.suggestNextOptimizationStep\\u003cEssayTopic, Essay, EssayHyperparameters>");
    expect(html).toContain("LLMOptimizer.suggestNextOptimizationStep\\u003cQuizTopic, QuizQuestion, QuizHyperparameters>");
  });
});

test("--trace writes the trace where asked", async () => {
  const file = path.join(tmp, "nested", "run.json");
  const run = await runNode(MAIN, ["--offline", "--trace", file], { env: offlineEnv() });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("OFFLINE, recorded answers (--offline: replaying ");
  // Outside the working directory, the path is shown absolute.
  expect(run.stdout).toContain(`View it: llm-strategy trace ${file}\n`);
  expect((JSON.parse(fs.readFileSync(file, "utf8")) as TraceJson).spans).toHaveLength(2);
});

test("the committed recording is exactly what the stand-in model gives when the example runs with --record", async () => {
  // A copy of the built example inside the repository (so `llm-strategy` still resolves to it), recording into its own folder.
  const copy = path.join(EXAMPLE, ".tmp", `record-${process.pid}`);
  fs.cpSync(path.join(EXAMPLE, "dist"), path.join(copy, "dist"), { recursive: true });
  try {
    const run = await runNode(path.join(copy, "dist", "record-offline-session.js"), [], { env: offlineEnv(), timeoutMs: 60_000 });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recorded 50 replies of the stand-in model "local-stand-in".');
    expect(run.stdout).toContain("Stopped after round 3: the probability of improvement (0.15) fell below 0.5.");
    // If this fails after a change to the example or to how stubs are compiled or hashed, re-record:
    // node examples/meta-optimization/dist/record-offline-session.js
    const recorded = fs.readFileSync(path.join(copy, "recordings", "session.json"), "utf8");
    expect(recorded).toBe(fs.readFileSync(path.join(EXAMPLE, "recordings", "session.json"), "utf8"));
  } finally {
    fs.rmSync(path.join(EXAMPLE, ".tmp"), { recursive: true, force: true });
  }
});

describe("online, against a local OpenAI-compatible server", () => {
  let server: OpenAIServer;
  afterAll(async () => {
    await server?.close();
  });

  type Schema = Record<string, any>;
  /** The stub's prompt: the first user message (a repair adds the bad reply and an instruction after it). */
  const promptOf = (request: ReceivedRequest) => request.body.messages.find((message) => message.role === "user")!.content;
  // The signature in the prompt; a request that carries the schema names the stub in it instead.
  const stubOf = (request: ReceivedRequest) =>
    /^(?:function|static) (\w+)\(/m.exec(promptOf(request))?.[1] ?? request.body.response_format?.json_schema?.name ?? request.body.tools?.[0]?.function.name;
  const inputOf = (request: ReceivedRequest) => JSON.parse(promptOf(request).split("\n").find((line) => line.startsWith("Input: "))!.slice(7)) as Record<string, any>;
  const isRepair = (request: ReceivedRequest) => request.body.messages.some((message) => message.role === "assistant");
  const schemaOf = (request: ReceivedRequest) => request.body.response_format!.json_schema!.schema as Schema;
  /** A schema with its `$ref` followed, within the request's reply schema. */
  const resolve = (root: Schema, schema: Schema): Schema => {
    const [, holder, name] = /^#\/(\$defs|definitions)\/(.+)$/.exec(String(schema.$ref ?? "")) ?? [];
    return holder ? resolve(root, root[holder][name!]) : schema;
  };
  /** The task's hyperparameter type, as the request for the next step carries it: its reply's `bestHyperparameters`. */
  const hyperparameterSchema = (request: ReceivedRequest) => {
    const root = schemaOf(request);
    return resolve(root, resolve(root, root).properties.bestHyperparameters);
  };

  /**
   * The next hyperparameters, from the schema the request carries: each enum field moves to its
   * first other value, each number halves (not below its minimum), other fields stay.
   */
  function nextHyperparameters(best: Record<string, unknown>, request: ReceivedRequest): Record<string, unknown> {
    const next: Record<string, unknown> = { ...best };
    for (const [field, declared] of Object.entries(hyperparameterSchema(request).properties as Record<string, Schema>)) {
      const property = resolve(schemaOf(request), declared);
      if (Array.isArray(property.enum)) next[field] = property.enum.find((value: unknown) => value !== best[field]);
      else if (property.type === "number" || property.type === "integer") next[field] = Math.max(property.minimum ?? 0, Math.round((best[field] as number) / 2));
    }
    return next;
  }

  /**
   * Answers each stub by a fixed rule: the first suggestion changes every field it can, then
   * improvement is unlikely. The quiz's first suggestion first comes back in the essay's shape.
   */
  function answer(request: ReceivedRequest): Reply {
    const input = inputOf(request);
    switch (stubOf(request)) {
      case "writeEssay":
        return replyJson(request, { title: `On ${input.topic}`, text: `${input.style} essay of ${input.wordBudget} words.` });
      case "writeQuizQuestion":
        return replyJson(request, {
          question: `What about ${input.subject}? (${input.difficulty})`,
          choices: Array.from({ length: input.choices }, (_, at) => `answer ${at + 1}`),
          answer: 0,
          explanation: "",
        });
      case "reflectOnTaskRun":
        return replyJson(request, { feedback: "Fine.", evaluation: "Too much.", hyperparameterSuggestion: "Less.", hyperparameterMissing: "None." });
      case "suggestNextOptimizationStep": {
        const { bestHyperparameters: best, taskInfos } = input.optimizationInfo;
        const schema = hyperparameterSchema(request);
        const step = { bestHyperparameters: best, suggestion: "Change what can change.", taskParametersSuggestions: [taskInfos[0].taskParameters] };
        if ("choices" in schema.properties && taskInfos.length === 2 && !isRepair(request)) {
          // The wrong shape for the quiz (the essay's hyperparameters): fine for `any`, not for `QuizHyperparameters`.
          return replyJson(request, { ...step, hyperparameterSuggestions: [{ instructions: best.instructions, wordBudget: 200, style: "plain" }] });
        }
        return replyJson(request, { ...step, hyperparameterSuggestions: [nextHyperparameters(best, request)] });
      }
      case "probabilityForImprovement":
        return replyJson(request, { considerations: ["Less did not help."], probability: 0.3 });
      default:
        return { status: 400, body: { error: { message: `unknown prompt: ${promptOf(request).slice(0, 40)}` } } };
    }
  }

  test("each task's requests carry its own concrete schemas; the quiz's wrong-shaped step is repaired; both loops stop at 0.3", async () => {
    server = await startOpenAIServer(answer);
    const env = offlineEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model" });
    const run = await runNode(MAIN, ["--trace", path.join(tmp, "online.json")], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Meta-optimization example (llm-strategy): online (asking http://127.0.0.1:");
    const essay = taskOutput(run.stdout, 1);
    expect(essay).toContain(
      `  tried: wordBudget 200 (changed) · style "academic"\n    instructions: "${DEFAULT_INSTRUCTIONS}"\n  · Why the sky is blue, for curious ten-year-olds → "On Why the sky is blue" (5 words)\n`,
    );
    expect(essay).toContain("  probability of improvement: 0.30 → below 0.5: stop\n    - Less did not help.\n");
    expect(essay).toContain("Stopped after round 1: the probability of improvement (0.30) fell below 0.5.");
    const quiz = taskOutput(run.stdout, 2);
    expect(quiz).toContain(
      `  tried: choices 3 (changed) · difficulty "easy" (changed)\n    instructions: "${QUIZ_INSTRUCTIONS}"\n  · Adding fractions, for pupils new to fractions → "What about Adding fractions? (easy)" (3 choices, no explanation)\n`,
    );
    expect(quiz).toContain("Stopped after round 1: the probability of improvement (0.30) fell below 0.5.");

    const requests = server.requests;
    const stubs = requests.map((request) => `${stubOf(request)}${isRepair(request) ? " (repair)" : ""}`);
    const loop = (writer: string, repair: string[]) => [writer, "reflectOnTaskRun", writer, "reflectOnTaskRun", "suggestNextOptimizationStep", ...repair, writer, "reflectOnTaskRun", "probabilityForImprovement", "suggestNextOptimizationStep"];
    expect(stubs).toEqual([...loop("writeEssay", []), ...loop("writeQuizQuestion", ["suggestNextOptimizationStep (repair)"])]);
    // The writer and the optimizer are two models: their options reach the endpoint.
    expect(requests.map((request) => request.body.temperature)).toEqual(stubs.map((stub) => (stub.startsWith("write") ? 0.7 : 0)));

    const essayHyperparameters = {
      type: "object",
      additionalProperties: false,
      properties: { instructions: { type: "string" }, wordBudget: { type: "number", minimum: 30, maximum: 1000 }, style: { type: "string" } },
      required: ["instructions", "wordBudget", "style"],
    };
    const quizHyperparameters = {
      type: "object",
      additionalProperties: false,
      properties: { instructions: { type: "string" }, choices: { type: "number", minimum: 2, maximum: 6 } },
      required: ["instructions", "choices", "difficulty"],
    };
    const optimizerRequests = requests.filter((request) => !stubOf(request)!.startsWith("write"));
    const essayRequests = optimizerRequests.slice(0, 6);
    const quizRequests = optimizerRequests.slice(6);
    for (const [taskRequests, expected, own, other] of [
      [essayRequests, essayHyperparameters, "EssayHyperparameters", "QuizHyperparameters"],
      [quizRequests, quizHyperparameters, "QuizHyperparameters", "EssayHyperparameters"],
    ] as const) {
      for (const request of taskRequests) {
        // Strict structured output of the specialised schema; the prompt spells the task's type out.
        expect(request.body.response_format!.json_schema!.strict).toBe(true);
        expect(promptOf(request)).toContain(`interface ${own} {`);
        expect(promptOf(request)).not.toContain(`interface ${other} {`);
      }
      for (const request of taskRequests.filter((request) => stubOf(request) === "suggestNextOptimizationStep")) {
        const root = schemaOf(request);
        const step = resolve(root, root);
        expect(resolve(root, step.properties.hyperparameterSuggestions.items)).toMatchObject(expected);
        expect(resolve(root, step.properties.bestHyperparameters)).toMatchObject(expected);
        expect(step.properties.hyperparameterSuggestions).toMatchObject({ type: "array", minItems: 1, maxItems: 2 });
      }
    }
    const quizSchema = hyperparameterSchema(quizRequests.find((request) => stubOf(request) === "suggestNextOptimizationStep")!);
    expect(resolve(schemaOf(quizRequests[2]!), quizSchema.properties.difficulty)).toMatchObject({ enum: ["easy", "medium", "hard"] });
    expect(inputOf(essayRequests[2]!).optimizationInfo.bestHyperparameters).toEqual({ instructions: DEFAULT_INSTRUCTIONS, wordBudget: 400, style: "academic" });
    expect(inputOf(quizRequests[2]!).optimizationInfo.bestHyperparameters).toEqual({ instructions: QUIZ_INSTRUCTIONS, choices: 5, difficulty: "hard" });

    // The quiz's step in the essay's shape was not returned: the runtime asked again, with the errors.
    const repair = quizRequests[3]!;
    expect(isRepair(repair)).toBe(true);
    const bad = repair.body.messages.find((message) => message.role === "assistant")!.content;
    expect(JSON.parse(bad).hyperparameterSuggestions).toEqual([{ instructions: QUIZ_INSTRUCTIONS, wordBudget: 200, style: "plain" }]);
    expect(lastUserText(repair)).toMatch(/choices|difficulty|wordBudget/);
    // The run after it used the repaired step: the quiz's hyperparameters, as the next reflection is told.
    const reflected = quizRequests.filter((request) => stubOf(request) === "reflectOnTaskRun")[2]!;
    expect(inputOf(reflected).taskRun.hyperparameters).toEqual({ instructions: QUIZ_INSTRUCTIONS, choices: 3, difficulty: "easy" });
    expect(inputOf(reflected).taskRun.returnValue.choices).toHaveLength(3);
  });
});
