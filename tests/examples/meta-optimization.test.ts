/**
 * examples/meta-optimization: built with the real tspc (the four generic optimizer stubs
 * specialised with the essay task's types), run offline from its committed recording (rounds,
 * the stop below 0.5, the trace it writes), re-recorded against its stand-in model, the trace
 * turned into a page by the `llm-strategy trace` command, and run online against a local
 * OpenAI-compatible server to see the specialised schemas it sends.
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
const GENERIC_STUBS = ["reflectOnTaskRun", "summarizeOptimizationInfo", "suggestNextOptimizationStep", "probabilityForImprovement"];
const ESSAY_TYPES = "<EssayTopic, Essay, EssayHyperparameters>";
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

test("builds with tspc: no diagnostics; each generic optimizer stub is specialised with the essay task's types", () => {
  expect(build.output).toBe("");
  expect(build.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "dist", "llm-prompts.json"), "utf8")) as { stubs: ManifestEntry[] };
  const names = manifest.stubs.map((entry) => `${entry.id.replace(/^src\/[\w-]+\.ts:\d+ /, "")}${entry.typeArguments ?? ""}`).sort();
  expect(names).toEqual(
    [...GENERIC_STUBS.flatMap((name) => [`${name}${ESSAY_TYPES}`, `${name}constraints`]), "writeEssay"].sort(),
  );

  for (const name of GENERIC_STUBS) {
    const specialised = manifest.stubs.find((entry) => entry.id.endsWith(` ${name}`) && entry.typeArguments === ESSAY_TYPES)!;
    // The concrete hyperparameter type, with its JSDoc, is what the model is told about.
    expect(specialised.definitions.EssayHyperparameters).toEqual(ESSAY_HYPERPARAMETERS);
    expect(specialised.template).toContain("interface EssayHyperparameters {");
    const fallback = manifest.stubs.find((entry) => entry.id.endsWith(` ${name}`) && entry.typeArguments === "constraints")!;
    expect(fallback.definitions.EssayHyperparameters).toBeUndefined();
  }
  const reflect = manifest.stubs.find((entry) => entry.id.endsWith(" reflectOnTaskRun") && entry.typeArguments === ESSAY_TYPES)!;
  const taskRun = reflect.definitions.TaskRun_EssayTopic_Essay_EssayHyperparameters!;
  expect(taskRun.properties.hyperparameters.$ref).toBe("#/definitions/EssayHyperparameters");
  expect(taskRun.properties.taskParameters.$ref).toBe("#/definitions/EssayTopic");
  expect(taskRun.properties.returnValue).toEqual({ anyOf: [{ $ref: "#/definitions/Essay" }, { type: "null" }], description: "The results of the task. (null for exceptions/failure.)" });

  const suggest = manifest.stubs.find((entry) => entry.id.endsWith(" suggestNextOptimizationStep") && entry.typeArguments === ESSAY_TYPES)!;
  expect(suggest.output).toEqual({ $ref: "#/definitions/OptimizationStep_EssayTopic_Essay_EssayHyperparameters" });
  const step = suggest.definitions.OptimizationStep_EssayTopic_Essay_EssayHyperparameters!;
  // The seed's hint_min_items / hint_max_items.
  expect(step.properties.hyperparameterSuggestions).toMatchObject({ items: { $ref: "#/definitions/EssayHyperparameters" }, minItems: 1, maxItems: 2 });
  expect(step.properties.taskParametersSuggestions).toMatchObject({ items: { $ref: "#/definitions/EssayTopic" }, minItems: 1, maxItems: 4 });

  // Every call site in the loop passes the essay types; the JS says so next to each call.
  const optimize = fs.readFileSync(path.join(EXAMPLE, "dist", "optimize.js"), "utf8");
  expect(optimize.match(/__llmStrategy\.callSpecialized\(/g)).toHaveLength(5);
  expect(optimize.match(/typeArguments: "<EssayTopic, Essay, EssayHyperparameters>"/g)).toHaveLength(4);
});

/** The example's rounds: header line, then everything up to the next blank line. */
function rounds(stdout: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const match of stdout.matchAll(/^Round (\d+)\b[^\n]*\n((?: {2}.*\n)*)/gm)) found.set(Number(match[1]), match[0]);
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

  test("prints every round's hyperparameters, suggestion and probability, and stops when it falls below 0.5", () => {
    expect(stdout).toMatch(/^Meta-optimization example \(llm-strategy\): OFFLINE, recorded answers \(no OPENAI_API_KEY or OPENAI_BASE_URL set: replaying examples\/meta-optimization\/recordings\/session\.json\)\n/);
    const found = rounds(stdout);
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

    expect(stdout).toContain("\nStopped after round 3: the probability of improvement (0.15) fell below 0.5.\n");
    expect(stdout).toContain(
      `  best hyperparameters (the optimizer's final pick): wordBudget 120 · style "plain"\n    instructions: "${DEFAULT_INSTRUCTIONS} Include one everyday example the audience knows."\n`,
    );
    expect(stdout).toContain("\nTrace: examples/meta-optimization/dist/trace.json (46 spans, 25 model calls)\nView it: llm-strategy trace examples/meta-optimization/dist/trace.json\n");
  });

  test("the trace it wrote: one span per round, the optimizer's calls under their round, replayed, with the hyperparameters in force", () => {
    expect(trace).toMatchObject({ format: "llm-strategy.trace", version: 1, name: "meta-optimization: essay task", contentCaptured: true });
    expect(trace.spans.map((span) => `${span.kind} ${span.name} ${span.status}`)).toEqual([
      "function round 0 ok",
      "function round 1 ok",
      "function round 2 ok",
      "function round 3 ok",
      "function final pick ok",
    ]);
    const children = (round: number) => trace.spans[round]!.children.map((span) => span.name.replace(ESSAY_TYPES, "<…>"));
    expect(children(0)).toEqual(["essay task", "reflectOnTaskRun<…>", "essay task", "reflectOnTaskRun<…>"]);
    expect(children(1)).toEqual(["suggestNextOptimizationStep<…>", "essay task", "reflectOnTaskRun<…>", "essay task", "reflectOnTaskRun<…>", "probabilityForImprovement<…>"]);
    for (const round of [2, 3]) {
      expect(children(round)).toEqual([
        "suggestNextOptimizationStep<…>",
        "essay task",
        "reflectOnTaskRun<…>",
        "essay task",
        "reflectOnTaskRun<…>",
        "summarizeOptimizationInfo<…>",
        "probabilityForImprovement<…>",
      ]);
    }
    expect(children(4)).toEqual(["suggestNextOptimizationStep<…>"]);

    const all = walk(trace.spans);
    const stubs = all.filter((span) => span.kind === "stub");
    expect(stubs).toHaveLength(25);
    for (const span of stubs) {
      expect(span.status).toBe("ok");
      expect(span.model).toBe("openai:local-stand-in");
      expect(span.attempts!.map((attempt) => attempt.source)).toEqual(["replay"]);
    }
    for (const span of stubs.filter((stub) => stub.name !== "writeEssay")) expect(span.typeArguments).toBe(ESSAY_TYPES);

    // The essay runs: the task's span, its chat chain, the writer's stub call inside it.
    const tasks = all.filter((span) => span.name === "essay task");
    expect(tasks).toHaveLength(8);
    for (const task of tasks) {
      expect(task.children.map((span) => span.kind)).toEqual(["chain"]);
      expect(task.children[0]!.children.map((span) => span.name)).toEqual(["writeEssay"]);
    }
    const hyperparameters = (round: number) => trace.spans[round]!.children.find((span) => span.name === "essay task")!.hyperparameters;
    expect(hyperparameters(0)).toEqual({ "essay.words": 400, "essay.style": "academic" });
    expect(hyperparameters(1)).toEqual({ "essay.words": 120, "essay.style": "academic" });
    expect(hyperparameters(2)).toEqual({ "essay.words": 120, "essay.style": "plain" });
    // The tuned doc text is recorded once a scope changes it, on the writer's own span too.
    const tuned = `${DEFAULT_INSTRUCTIONS} Include one everyday example the audience knows.`;
    expect(hyperparameters(3)).toEqual({ "essay.words": 120, "essay.style": "plain", "prompt:src/essay-task.ts writeEssay": tuned });
    const writer = walk(trace.spans[3]!.children).find((span) => span.name === "writeEssay")!;
    expect(writer.hyperparameters).toEqual({ "prompt:src/essay-task.ts writeEssay": tuned });
    expect(writer.messages![0]!.content.startsWith(`${tuned}\n\nfunction writeEssay(`)).toBe(true);

    // What the optimizer was sent about a run: the run's chat chain and the hyperparameters it read.
    const reflect = trace.spans[3]!.children.find((span) => span.name.startsWith("reflectOnTaskRun"))!;
    const taskRun = (reflect.input as { taskRun: { hyperparameters: unknown; allChatChains: { name: string; messages: { role: string }[] }[] } }).taskRun;
    expect(taskRun.hyperparameters).toEqual({ instructions: tuned, wordBudget: 120, style: "plain" });
    expect(taskRun.allChatChains.map((chain) => [chain.name, chain.messages.map((message) => message.role)])).toEqual([["writeEssay", ["user", "assistant"]]]);
    expect((reflect.output as { evaluation: string }).evaluation).toBe("Score: 9/10. Problems: none.");
    const probability = trace.spans[3]!.children.find((span) => span.name.startsWith("probabilityForImprovement"))!;
    expect((probability.output as { probability: number }).probability).toBe(0.15);
  });

  test("`llm-strategy trace` turns the written trace into a viewer page", async () => {
    const page = path.join(tmp, "meta-optimization.html");
    const cli = await runNode(path.join(REPO, "dist", "cli", "index.js"), ["trace", traceFile, "--out", page], { env: offlineEnv() });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(`${page}\n`);
    expect(cli.stderr).toContain("Wrote 46 spans (25 model calls)");
    const html = fs.readFileSync(page, "utf8");
    expect(html).toContain('<script type="application/json" id="trace-data"');
    expect(html).toContain("suggestNextOptimizationStep\\u003cEssayTopic, Essay, EssayHyperparameters>");
  });
});

test("--trace writes the trace where asked", async () => {
  const file = path.join(tmp, "nested", "run.json");
  const run = await runNode(MAIN, ["--offline", "--trace", file], { env: offlineEnv() });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("OFFLINE, recorded answers (--offline: replaying ");
  // Outside the working directory, the path is shown absolute.
  expect(run.stdout).toContain(`View it: llm-strategy trace ${file}\n`);
  expect((JSON.parse(fs.readFileSync(file, "utf8")) as TraceJson).spans).toHaveLength(5);
});

test("the committed recording is exactly what the stand-in model gives when the example runs with --record", async () => {
  // A copy of the built example inside the repository (so `llm-strategy` still resolves to it), recording into its own folder.
  const copy = path.join(EXAMPLE, ".tmp", `record-${process.pid}`);
  fs.cpSync(path.join(EXAMPLE, "dist"), path.join(copy, "dist"), { recursive: true });
  try {
    const run = await runNode(path.join(copy, "dist", "record-offline-session.js"), [], { env: offlineEnv(), timeoutMs: 60_000 });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recorded 25 replies of the stand-in model "local-stand-in".');
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

  const stubOf = (request: ReceivedRequest) => /^function (\w+)\(/m.exec(lastUserText(request))?.[1];
  const inputOf = (request: ReceivedRequest) => JSON.parse(lastUserText(request).split("\n").find((line) => line.startsWith("Input: "))!.slice(7)) as Record<string, any>;
  const schemaOf = (request: ReceivedRequest) => request.body.response_format!.json_schema!.schema as Record<string, any>;

  /** Answers each stub by a fixed rule: the first suggestion shortens the essay, then improvement is unlikely. */
  function answer(request: ReceivedRequest): Reply {
    const input = inputOf(request);
    switch (stubOf(request)) {
      case "writeEssay":
        return replyJson(request, { title: `On ${input.topic}`, text: `${input.style} essay of ${input.wordBudget} words.` });
      case "reflectOnTaskRun":
        return replyJson(request, { feedback: "Fine.", evaluation: "Too long.", hyperparameterSuggestion: "Shorter.", hyperparameterMissing: "None." });
      case "suggestNextOptimizationStep": {
        const best = input.optimizationInfo.bestHyperparameters;
        return replyJson(request, {
          bestHyperparameters: best,
          suggestion: "Halve the word budget.",
          taskParametersSuggestions: [input.optimizationInfo.taskInfos[0].taskParameters],
          hyperparameterSuggestions: [{ ...best, wordBudget: best.wordBudget / 2 }],
        });
      }
      case "probabilityForImprovement":
        return replyJson(request, { considerations: ["Shorter did not help."], probability: 0.3 });
      default:
        return { status: 400, body: { error: { message: `unknown prompt: ${lastUserText(request).slice(0, 40)}` } } };
    }
  }

  test("the optimizer stubs send schemas specialised with the essay's hyperparameter type; the loop stops at 0.3", async () => {
    server = await startOpenAIServer(answer);
    const env = offlineEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model" });
    const run = await runNode(MAIN, ["--trace", path.join(tmp, "online.json")], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Meta-optimization example (llm-strategy): online (asking http://127.0.0.1:");
    expect(run.stdout).toContain(
      `  tried: wordBudget 200 (changed) · style "academic"\n    instructions: "${DEFAULT_INSTRUCTIONS}"\n  · Why the sky is blue, for curious ten-year-olds → "On Why the sky is blue" (5 words)\n`,
    );
    expect(run.stdout).toContain("  probability of improvement: 0.30 → below 0.5: stop\n    - Shorter did not help.\n");
    expect(run.stdout).toContain("Stopped after round 1: the probability of improvement (0.30) fell below 0.5.");

    const stubs = server.requests.map(stubOf);
    expect(stubs).toEqual([
      "writeEssay",
      "reflectOnTaskRun",
      "writeEssay",
      "reflectOnTaskRun",
      "suggestNextOptimizationStep",
      "writeEssay",
      "reflectOnTaskRun",
      "probabilityForImprovement",
      "suggestNextOptimizationStep",
    ]);
    // The writer and the optimizer are two models: their options reach the endpoint.
    expect(server.requests.map((request) => request.body.temperature)).toEqual(stubs.map((stub) => (stub === "writeEssay" ? 0.7 : 0)));
    for (const request of server.requests.filter((request) => stubOf(request) !== "writeEssay")) {
      const schema = schemaOf(request);
      // Strict structured output of the specialised schema: the essay's hyperparameter type is in it.
      expect(request.body.response_format!.json_schema!.strict).toBe(true);
      expect(schema.type).toBe("object");
    }
    const suggest = server.requests.find((request) => stubOf(request) === "suggestNextOptimizationStep")!;
    const step = schemaOf(suggest);
    // Written in place or as a named definition: either way, the essay's hyperparameter type.
    const resolve = (schema: Record<string, any>) => (schema.$ref ? step.$defs[String(schema.$ref).replace("#/$defs/", "")] : schema);
    const essayHyperparameters = {
      type: "object",
      additionalProperties: false,
      properties: { instructions: { type: "string" }, wordBudget: { type: "number" }, style: { type: "string" } },
      required: ["instructions", "wordBudget", "style"],
    };
    expect(resolve(step.properties.hyperparameterSuggestions.items)).toMatchObject(essayHyperparameters);
    expect(resolve(step.properties.bestHyperparameters)).toMatchObject(essayHyperparameters);
    expect(step.properties.hyperparameterSuggestions).toMatchObject({ type: "array", minItems: 1, maxItems: 2 });
    // The prompt spells the types out for the model as well.
    expect(lastUserText(suggest)).toContain("interface EssayHyperparameters {");
    expect(inputOf(suggest).optimizationInfo.bestHyperparameters).toEqual({ instructions: DEFAULT_INSTRUCTIONS, wordBudget: 400, style: "academic" });
  });
});
