/**
 * Judging wrong replies (`npm run bench:judging`): a reply `{"value":[1,1,…]}` to a stub
 * returning `string[]`, with 10k, 100k and 1M items, every item wrong.
 *
 * - "runtime": one stub call through `invoke` with `scriptedModel` and `maxRepairs: 0`, inside
 *   a trace recording: parse, validate, describe the errors, fail with `LLMOutputError`, trace.
 * - baselines of the same text in the same run: `JSON.parse` + one ajv pass, fail-fast (what
 *   deciding validity costs at least) and `allErrors` + `verbose` (what the runtime did before:
 *   every error as an object, in one synchronous pass).
 *
 * Then, for comparison, the largest VALID reply of objects under the default 4 MiB limit
 * (90k objects with an optional property null, as strict structured output sends it) revived
 * into class instances and traced: the synchronous steps after judging (null mapping, revival,
 * the trace's copy of the output).
 *
 * For each: wall time, and the event loop's worst pause while it ran, measured two ways:
 * `monitorEventLoopDelay` (max, 1 ms resolution) and a 1 ms timer probe (largest gap between
 * ticks). Targets: time linear in the items, 1M items under 2 s, worst pause under 250 ms.
 * Medians of `ROUNDS` runs (3; `--quick`: 1).
 */
import Ajv from "ajv";
import { cpus, loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { invoke, LLMOutputError, scriptedModel, SPEC_VERSION, withCallOptions, withTrace, type CallSpec, type LanguageModel } from "../runtime";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 1 : 3;
const SIZES = [10_000, 100_000, 1_000_000];

const spec: CallSpec = {
  version: SPEC_VERSION,
  id: "bench/judging.ts:1 words",
  kind: "function",
  template: "List words about the topic.\nInput: {{input}}\nReply with JSON of type { value: string[] }",
  outputTypes: "",
  params: [{ name: "topic", role: "input" }],
  input: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] },
  output: { type: "array", items: { type: "string" } },
  wrapper: "value",
  definitions: {},
  hash: "bench-judging",
};
const replySchema = { type: "object", properties: { value: spec.output }, required: ["value"], additionalProperties: false };

interface Sample {
  ms: number;
  /** monitorEventLoopDelay's max, in ms. */
  histogramMs: number;
  /** Largest gap between ticks of a 1 ms interval, in ms. */
  probeMs: number;
}

/** Runs `work` while watching the event loop. Synchronous work shows as one pause of its full length. */
async function watch(work: () => unknown): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let probeMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    probeMs = Math.max(probeMs, now - last);
    last = now;
  }, 1);
  // Let the probe and the histogram start before the work does.
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  last = performance.now();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  // A few more turns, so a pause at the very end is seen.
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  clearInterval(probe);
  return { ms, histogramMs: histogram.max / 1e6, probeMs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (value: number) => value.toFixed(value < 10 ? 1 : 0).padStart(7);

async function measure(name: string, work: () => unknown): Promise<Sample> {
  const samples: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) samples.push(await watch(work));
  return {
    ms: median(samples.map((sample) => sample.ms)),
    histogramMs: median(samples.map((sample) => sample.histogramMs)),
    probeMs: median(samples.map((sample) => sample.probeMs)),
  };
}

async function main(): Promise<void> {
  console.log(`judging wrong replies: node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((load) => load.toFixed(1)).join(" ")}, ${ROUNDS} round(s), medians`);
  const first = new Ajv({ allErrors: false, strict: false, logger: false, validateSchema: false, code: { optimize: false } }).compile(replySchema);
  const all = new Ajv({ allErrors: true, verbose: true, strict: false, logger: false, validateSchema: false, code: { optimize: false } }).compile(replySchema);

  // Warm up: compile the runtime's validators, JIT the paths.
  await runtimeCall(`{"value":[${"1,".repeat(19_999)}1]}`);

  const rows: { items: number; name: string; sample: Sample }[] = [];
  let lastError = "";
  for (const items of SIZES) {
    const text = `{"value":[${"1,".repeat(items - 1)}1]}`;
    rows.push({ items, name: "JSON.parse + ajv fail-fast", sample: await measure("first", () => first(JSON.parse(text))) });
    rows.push({ items, name: "JSON.parse + ajv allErrors", sample: await measure("all", () => all(JSON.parse(text))) });
    rows.push({ items, name: "runtime (invoke, traced)", sample: await measure("runtime", async () => (lastError = await runtimeCall(text))) });
  }

  console.log(`\n${"items".padStart(9)}  ${"what".padEnd(28)} ${"time ms".padStart(7)} ${"ms/1k".padStart(7)} ${"pause ms".padStart(8)} ${"(probe)".padStart(7)}`);
  for (const { items, name, sample } of rows) {
    console.log(
      `${String(items).padStart(9)}  ${name.padEnd(28)} ${fmt(sample.ms)} ${(sample.ms / (items / 1000)).toFixed(3).padStart(7)} ${fmt(sample.histogramMs).padStart(8)} ${fmt(sample.probeMs)}`,
    );
  }
  const runtime = rows.filter((row) => row.name.startsWith("runtime"));
  const [small, , large] = runtime;
  const perItem = (row: (typeof runtime)[number]) => row.sample.ms / row.items;
  console.log(`\nruntime time per item, 1M vs 10k: ${(perItem(large!) / perItem(small!)).toFixed(2)}x (linear: about 1x or less)`);
  console.log(`runtime 1M items: ${large!.sample.ms.toFixed(0)} ms (target < 2000), worst pause ${Math.max(...runtime.map((row) => row.sample.histogramMs)).toFixed(0)} ms (target < 250)`);
  console.log(`\nerror lines for 1M items:\n${lastError}`);

  const objects = Array.from({ length: 90_000 }, (_, index) => ({ kind: "pet", name: `p${index}`, born: null }));
  const valid = JSON.stringify({ value: objects });
  const petModel: LanguageModel = { id: "bench", options: {}, complete: async () => ({ text: valid, finishReason: "stop", nullMeansAbsent: true }) };
  const accept = async () => {
    const { result } = await withTrace(() => withCallOptions({ model: petModel }, () => invoke<Pet[]>(petsSpec, undefined, ["sea"])));
    if (result.length !== objects.length || !(result[0] instanceof Pet)) throw new Error("the valid reply was not revived");
  };
  await accept();
  const sample = await measure("valid", accept);
  console.log(
    `\nvalid reply, ${objects.length} objects (${(valid.length / 1024 / 1024).toFixed(1)} MiB), revived and traced: ` +
      `${sample.ms.toFixed(0)} ms, worst pause ${sample.histogramMs.toFixed(0)} ms (probe ${sample.probeMs.toFixed(0)} ms)`,
  );
}

class Pet {
  kind = "pet";
  name = "";
  born?: string;
}

const petsSpec: CallSpec = {
  ...spec,
  id: "bench/judging.ts:2 pets",
  hash: "bench-judging-pets",
  output: { type: "array", items: { $ref: "#/definitions/Pet" } },
  definitions: {
    Pet: {
      type: "object",
      properties: { kind: { const: "pet" }, name: { type: "string" }, born: { type: "string" } },
      required: ["kind", "name"],
      additionalProperties: false,
    },
  },
  revive: { value: { kind: "array", items: { kind: "class", class: () => Pet } } },
};

/** One stub call that fails on the reply; returns the error lines. */
async function runtimeCall(text: string): Promise<string> {
  const model = scriptedModel([text]);
  try {
    await withTrace(() => withCallOptions({ model, maxRepairs: 0 }, () => invoke(spec, undefined, ["sea"])));
  } catch (error) {
    if (error instanceof LLMOutputError) return error.attempts[0]!.errors.join("\n");
    throw error;
  }
  throw new Error("the wrong reply was accepted");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
