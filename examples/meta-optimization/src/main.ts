/**
 * Optimizes the hyperparameters of an essay-writing task with the seed's LLMOptimizer, prints each
 * round, and writes the whole run's trace for the viewer.
 *
 *   node examples/meta-optimization/dist/main.js                 online if OPENAI_API_KEY / OPENAI_BASE_URL is set, else offline
 *   node examples/meta-optimization/dist/main.js --offline       replay the committed recording
 *   node examples/meta-optimization/dist/main.js --record        ask the endpoint, record a fresh session
 *   node examples/meta-optimization/dist/main.js --trace t.json  where to write the trace (default: dist/trace.json)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LLMStrategyError, TraceRecorder, traceSpans } from "llm-strategy";
import type { EssayHyperparameters, EssayTopic } from "./essay-task";
import { exampleModels, OfflineSetupError, relative } from "./models";
import { optimizeEssayHyperparameters, type RoundReport } from "./optimize";

/** The task parameters of round 0 (the optimizer may suggest others later). */
const SEED_TOPICS: EssayTopic[] = [
  { topic: "Why the sky is blue", audience: "curious ten-year-olds" },
  { topic: "How bees make honey", audience: "curious ten-year-olds" },
];

const THRESHOLD = 0.5;

const out = (text = "") => process.stdout.write(`${text}\n`);

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** `wordBudget 400 · style "academic"`, and the instructions on their own line. */
function showHyperparameters(label: string, hyperparameters: EssayHyperparameters, before?: EssayHyperparameters): void {
  const changed = (key: keyof EssayHyperparameters) => (before && before[key] !== hyperparameters[key] ? " (changed)" : "");
  out(`  ${label}: wordBudget ${hyperparameters.wordBudget}${changed("wordBudget")} · style ${JSON.stringify(hyperparameters.style)}${changed("style")}`);
  out(`    instructions${changed("instructions")}: ${JSON.stringify(hyperparameters.instructions)}`);
}

function showRound(report: RoundReport, previous: EssayHyperparameters | undefined): void {
  out();
  out(report.round === 0 ? "Round 0: the default hyperparameters" : `Round ${report.round}`);
  if (report.step) {
    out(`  suggestion: ${report.step.suggestion.replace(/\s*\n\s*/g, " ")}`);
    showHyperparameters("best so far", report.step.bestHyperparameters);
  }
  let shown: string | undefined;
  for (const { run, reflection } of report.runs) {
    const key = JSON.stringify(run.hyperparameters);
    if (key !== shown) showHyperparameters(report.round === 0 ? "hyperparameters" : "tried", run.hyperparameters, previous);
    shown = key;
    const result = run.returnValue ? `"${run.returnValue.title}" (${words(run.returnValue.text)} words)` : `failed: ${String(run.exception)}`;
    out(`  · ${run.taskParameters.topic}, for ${run.taskParameters.audience} → ${result}`);
    out(`    reflection: ${reflection.evaluation.replace(/\s*\n\s*/g, " ")}`);
  }
  if (report.summary !== undefined) out(`  summary of older runs: ${report.summary.replace(/\s*\n\s*/g, " ")}`);
  if (report.improvement) {
    const { probability, considerations } = report.improvement;
    const verdict = probability < THRESHOLD ? `below ${THRESHOLD}: stop` : `at least ${THRESHOLD}: go on`;
    out(`  probability of improvement: ${probability.toFixed(2)} → ${verdict}`);
    for (const consideration of considerations) out(`    - ${consideration.replace(/\s*\n\s*/g, " ")}`);
  }
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
  out(`Task: writeEssay(topic, audience, wordBudget, style), on ${SEED_TOPICS.length} topics. Optimizer: the seed's four generic stubs. Stops when the probability of improvement is below ${THRESHOLD}.`);

  const recorder = new TraceRecorder({ name: "meta-optimization: essay task" });
  let previous: EssayHyperparameters | undefined;
  try {
    const result = await recorder.run(() =>
      optimizeEssayHyperparameters(models, SEED_TOPICS, {
        threshold: THRESHOLD,
        onRound: (report) => {
          showRound(report, previous);
          previous = report.runs[report.runs.length - 1]?.run.hyperparameters ?? previous;
        },
      }),
    );
    const last = result.rounds[result.rounds.length - 1]!;
    out();
    out(
      result.stoppedBecause === "improvement unlikely"
        ? `Stopped after round ${last.round}: the probability of improvement (${last.improvement!.probability.toFixed(2)}) fell below ${THRESHOLD}.`
        : `Stopped after round ${last.round}: the round limit (the probability of improvement was still ${last.improvement?.probability.toFixed(2)}).`,
    );
    showHyperparameters("best hyperparameters (the optimizer's final pick)", result.final.bestHyperparameters);
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
