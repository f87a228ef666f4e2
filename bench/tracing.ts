/**
 * Tracing overhead per stub call, all in the same run (`npm run bench:tracing`, `--quick` for fewer rounds):
 *
 * 1. Against the instant local OpenAI-compatible server through `openAI()` and the real SDK:
 *    tracing off vs a trace recording (with and without content), then, with an OpenTelemetry
 *    provider registered, OTel off vs OTel spans vs both. Calls alternate one by one between the
 *    modes compared; medians of single calls; ratios against "off" of the same phase.
 * 2. The same with an in-process model that answers at once: the runtime's own work, where
 *    tracing's share is largest.
 * 3. "Zero work when off": what the tracing hooks cost a call when nothing records (the span
 *    hook, a traced() wrapper), in nanoseconds, against the in-process call's own time.
 */
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { loadavg, cpus } from "node:os";
import { configureTracing, openAI, TraceRecorder, traced, withCallOptions, type Completion, type LanguageModel } from "../runtime";
import { startStubSpan } from "../runtime/tracing/context";
import { startOpenAIServer } from "../tests/helpers/openai-server";
import { Customer, customerAgeSpec, customerJson } from "../tests/runtime/customer-specs";

const QUICK = process.argv.includes("--quick");
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (value: number, digits = 1) => value.toFixed(digits);

type Mode = { name: string; call: () => Promise<unknown> };

/** Alternates the modes call by call (rotating which goes first); returns each mode's median in microseconds. */
async function compare(modes: Mode[], calls: number, warmup: number): Promise<Map<string, number>> {
  for (let index = 0; index < warmup; index++) for (const mode of modes) await mode.call();
  const samples = new Map(modes.map((mode) => [mode.name, [] as number[]]));
  for (let index = 0; index < calls; index++) {
    for (let offset = 0; offset < modes.length; offset++) {
      const mode = modes[(index + offset) % modes.length]!;
      const started = performance.now();
      await mode.call();
      samples.get(mode.name)!.push((performance.now() - started) * 1000);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

function report(title: string, results: Map<string, number>, baseline: string): void {
  const base = results.get(baseline)!;
  console.log(`   ${title}`);
  for (const [name, us] of results) {
    const ratio = us / base;
    const extra = us - base;
    console.log(`     ${name.padEnd(34)} ${fmt(us).padStart(7)} us  ${fmt(ratio, 3)}x  (${extra >= 0 ? "+" : ""}${fmt(extra)} us)`);
  }
}

/** Recorders are renewed every so often, so a long run does not keep every span. */
function recorderMode(name: string, call: () => Promise<unknown>, options: { captureContent: boolean }): Mode {
  let recorder = new TraceRecorder(options);
  let count = 0;
  return {
    name,
    call: () => {
      if (++count % 200 === 0) recorder = new TraceRecorder(options);
      return recorder.run(call);
    },
  };
}

/** An exporter that drops spans: the SDK's own per-span work stays, no I/O. */
const discard: SpanExporter = {
  export: (_spans: ReadableSpan[], done) => done({ code: 0 }),
  shutdown: async () => {},
};

async function phases(label: string, model: LanguageModel, calls: number, warmup: number): Promise<void> {
  const customer = Object.assign(new Customer(), customerJson(0));
  const stubCall = () => withCallOptions({ model }, () => customer.age);
  const tracedStep = traced("step", () => customer.age);
  const tracedCall = () => withCallOptions({ model }, tracedStep);

  console.log(`\n${label}`);
  configureTracing({ openTelemetry: true });
  const a = await compare(
    [
      { name: "off", call: stubCall },
      recorderMode("trace recording", stubCall, { captureContent: true }),
      recorderMode("trace recording, content off", stubCall, { captureContent: false }),
      recorderMode("trace, call inside traced()", tracedCall, { captureContent: true }),
    ],
    calls,
    warmup,
  );
  report("no OpenTelemetry provider registered:", a, "off");

  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(provider);
  try {
    const otelOff = () => {
      configureTracing({ openTelemetry: false });
      return stubCall();
    };
    const otelOn = () => {
      configureTracing({ openTelemetry: true });
      return stubCall();
    };
    const both = recorderMode("OTel spans + trace recording", otelOn, { captureContent: true });
    const b = await compare(
      [
        { name: "OTel turned off (configureTracing)", call: otelOff },
        { name: "OTel spans (SDK, dropping exporter)", call: otelOn },
        both,
      ],
      calls,
      warmup,
    );
    report("an OpenTelemetry SDK provider registered:", b, "OTel turned off (configureTracing)");
  } finally {
    trace.disable();
    await provider.shutdown();
    configureTracing({ openTelemetry: true });
  }
}

/** Nanoseconds per call of `fn`, median of rounds. */
function nanoseconds(fn: () => unknown, perRound: number, rounds: number): number {
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < perRound; index++) fn();
    results.push(Number(process.hrtime.bigint() - started) / perRound);
  }
  return median(results);
}

async function zeroWork(inProcessUs: number, when: string): Promise<void> {
  console.log(`\n3${when}`);
  const perRound = QUICK ? 200_000 : 1_000_000;
  const rounds = QUICK ? 5 : 11;
  const empty = () => undefined;
  const wrapped = traced("noop", empty);
  const baseline = nanoseconds(empty, perRound, rounds);
  const hook = nanoseconds(() => startStubSpan(customerAgeSpec), perRound, rounds);
  const wrapper = nanoseconds(wrapped, perRound, rounds);
  configureTracing({ openTelemetry: false });
  const hookDisabled = nanoseconds(() => startStubSpan(customerAgeSpec), perRound, rounds);
  configureTracing({ openTelemetry: true });
  console.log(`   an empty function call:                       ${fmt(baseline)} ns`);
  console.log(`   the stub span hook (returns undefined):       ${fmt(hook)} ns  = ${fmt((hook / (inProcessUs * 1000)) * 100, 3)}% of an in-process stub call`);
  console.log(`   the same with OpenTelemetry turned off:       ${fmt(hookDisabled)} ns`);
  console.log(`   a traced() wrapper around an empty function:  ${fmt(wrapper)} ns`);
}

async function main(): Promise<void> {
  const [load1] = loadavg();
  console.log(`Tracing overhead per stub call (Customer.age, ${QUICK ? "quick" : "full"} run; ${cpus().length} CPUs, load ${fmt(load1!, 2)})`);
  const instant: LanguageModel = { id: "bench:instant", options: {}, complete: async (): Promise<Completion> => ({ text: '{"value": 42}', finishReason: "stop" }) };
  const customer = Object.assign(new Customer(), customerJson(0));
  const inProcess = async () => (await compare([{ name: "off", call: () => withCallOptions({ model: instant }, () => customer.age) }], QUICK ? 5000 : 20000, 1000)).get("off")!;
  // First, before any trace ran in this process (the hooks then skip even the async-context lookup).
  const before = await inProcess();
  console.log(`\nAn in-process stub call with nothing recording: ${fmt(before)} us`);
  await zeroWork(before, "a. Zero work when nothing records, before any trace ran in the process (no provider; @opentelemetry/api installed, as here):");

  const server = await startOpenAIServer(() => ({ content: '{"value": 42}' }));
  try {
    const http = openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench", maxRetries: 0 });
    await phases("1. Through openAI() and the SDK to the instant local server (median of single calls):", http, QUICK ? 800 : 3000, 200);
  } finally {
    await server.close();
  }
  await phases("2. With an in-process model that answers at once (the runtime's own work):", instant, QUICK ? 5000 : 20000, 2000);

  await zeroWork(await inProcess(), "b. The same after traces ran (outside any trace now: one async-context lookup):");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
