/**
 * Optimizes the hyperparameters of two tasks, an essay writer and a quiz-question writer, with the
 * seed's LLMOptimizer and one generic optimization loop, prints each round, and writes the whole
 * run's trace for the viewer.
 *
 *   node examples/meta-optimization/dist/main.js                 online if OPENAI_API_KEY / OPENAI_BASE_URL is set, else offline
 *   node examples/meta-optimization/dist/main.js --offline       replay the committed recording
 *   node examples/meta-optimization/dist/main.js --record        ask the endpoint, record a fresh session
 *   node examples/meta-optimization/dist/main.js --trace t.json  where to write the trace (default: dist/trace.json)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LLMStrategyError, TraceRecorder, traceSpans } from "llm-strategy";
import { describeEssay, essayTask } from "./essay-task";
import { exampleModels, OfflineSetupError, relative, type ExampleModels } from "./models";
import { optimizeHyperparameters, type OptimizationTask, type RoundReport } from "./optimize";
import { describeQuiz, quizTask } from "./quiz-task";

const THRESHOLD = 0.5;

const out = (text = "") => process.stdout.write(`${text}\n`);

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");

/** `wordBudget 400 · style "academic"` (every field but the instructions), and the instructions on their own line. */
function showHyperparameters<H extends object>(label: string, hyperparameters: H, before?: H): void {
  const changed = (key: string) => (before && JSON.stringify((before as Record<string, unknown>)[key]) !== JSON.stringify((hyperparameters as Record<string, unknown>)[key]) ? " (changed)" : "");
  const fields = Object.entries(hyperparameters).filter(([key]) => key !== "instructions");
  out(`  ${label}: ${fields.map(([key, value]) => `${key} ${JSON.stringify(value)}${changed(key)}`).join(" · ")}`);
  if ("instructions" in hyperparameters) out(`    instructions${changed("instructions")}: ${JSON.stringify(hyperparameters.instructions)}`);
}

function showRound<P, R, H extends object>(report: RoundReport<P, R, H>, previous: H | undefined, describe: (parameters: P, result: R) => string): void {
  out();
  out(report.round === 0 ? "Round 0: the default hyperparameters" : `Round ${report.round}`);
  if (report.step) {
    out(`  suggestion: ${oneLine(report.step.suggestion)}`);
    showHyperparameters("best so far", report.step.bestHyperparameters);
  }
  let shown: string | undefined;
  for (const { run, reflection } of report.runs) {
    const key = JSON.stringify(run.hyperparameters);
    if (key !== shown) showHyperparameters(report.round === 0 ? "hyperparameters" : "tried", run.hyperparameters, previous);
    shown = key;
    const result = run.returnValue ? describe(run.taskParameters, run.returnValue) : `${JSON.stringify(run.taskParameters)} → failed: ${String(run.exception)}`;
    out(`  · ${result}`);
    out(`    reflection: ${oneLine(reflection.evaluation)}`);
  }
  if (report.summary !== undefined) out(`  summary of older runs: ${oneLine(report.summary)}`);
  if (report.improvement) {
    const { probability, considerations } = report.improvement;
    const verdict = probability < THRESHOLD ? `below ${THRESHOLD}: stop` : `at least ${THRESHOLD}: go on`;
    out(`  probability of improvement: ${probability.toFixed(2)} → ${verdict}`);
    for (const consideration of considerations) out(`    - ${oneLine(consideration)}`);
  }
}

/**
 * Optimizes one task with the generic loop and prints its rounds. Generic too: each call below,
 * with the essay's or the quiz's types, passes the loop the specs of those types.
 */
async function optimizeAndShow<P, R, H extends object>(
  heading: string,
  task: OptimizationTask<P, R, H>,
  models: ExampleModels,
  describe: (parameters: P, result: R) => string,
): Promise<void> {
  out();
  out(heading);
  let previous: H | undefined;
  const result = await optimizeHyperparameters(task, models, {
    threshold: THRESHOLD,
    onRound: (report) => {
      showRound(report, previous, describe);
      previous = report.runs[report.runs.length - 1]?.run.hyperparameters ?? previous;
    },
  });
  const last = result.rounds[result.rounds.length - 1]!;
  out();
  out(
    result.stoppedBecause === "improvement unlikely"
      ? `Stopped after round ${last.round}: the probability of improvement (${last.improvement!.probability.toFixed(2)}) fell below ${THRESHOLD}.`
      : `Stopped after round ${last.round}: the round limit (the probability of improvement was still ${last.improvement?.probability.toFixed(2)}).`,
  );
  showHyperparameters("best hyperparameters (the optimizer's final pick)", result.final.bestHyperparameters);
}

function traceFileOf(args: string[]): string {
  const at = args.indexOf("--trace");
  if (at >= 0) {
    const file = args[at + 1];
    if (!file || file.startsWith("--")) throw new OfflineSetupError("--trace needs a file name, e.g. --trace trace.json");
    return path.resolve(file);
  }
  return path.join(__dirname, "trace.json");
}

async function main(args: string[]): Promise<void> {
  const traceFile = traceFileOf(args);
  const models = exampleModels(args, process.env);
  out(`Meta-optimization example (llm-strategy): ${models.kind === "replay" ? "OFFLINE, recorded answers" : models.kind} (${models.reason})`);
  out(`One generic optimizer (the seed's four generic stubs) and one generic loop, for two tasks. Each stops when the probability of improvement is below ${THRESHOLD}.`);

  const recorder = new TraceRecorder({ name: "meta-optimization: essay and quiz tasks" });
  try {
    await recorder.run(async () => {
      await optimizeAndShow("━━ Task 1: essay — writeEssay(topic, audience, wordBudget, style)", essayTask, models, describeEssay);
      await optimizeAndShow("━━ Task 2: quiz — writeQuizQuestion(subject, learner, choices, difficulty)", quizTask, models, describeQuiz);
    });
  } finally {
    await models.flush();
    // The trace of a failed run is worth reading too.
    const trace = recorder.toJSON();
    fs.mkdirSync(path.dirname(traceFile), { recursive: true });
    fs.writeFileSync(traceFile, `${JSON.stringify(trace, null, 1)}\n`);
    const spans = traceSpans(trace);
    out();
    out(`Trace: ${relative(traceFile)} (${spans.length} spans, ${spans.filter((span) => span.kind === "stub").length} model calls)`);
    out(`View it: llm-strategy trace ${relative(traceFile)}`);
    out(`  (inside this repository, after npm run build: node dist/cli/index.js trace ${relative(traceFile)})`);
  }
}

// `... | head` closing the pipe early is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

main(process.argv.slice(2)).catch((error: unknown) => {
  // A missing recording or a setup error says what to do in one line; anything else is a bug: show the stack.
  if (error instanceof LLMStrategyError || error instanceof OfflineSetupError) console.error(`✖ ${error.name}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
