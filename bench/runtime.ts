/**
 * Runtime benchmark, against an instant local OpenAI-compatible server, all in the same run:
 *
 * 1. Per call: a stub call (`invoke` through `openAI()`) vs the raw `openai` SDK sending the
 *    same request body and `JSON.parse`-ing the reply, and vs the SDK's zod helper, in
 *    interleaved rounds of 300 calls (target: at most 50 us of CPU over the raw call); plus the
 *    runtime's own work per call with a scripted model (no HTTP). Each round runs every variant
 *    once; a variant's overhead is the median over rounds of its difference to the raw call in
 *    the same round (load that changes between rounds cancels out), shown with the spread of
 *    those differences (25th..75th percentile).
 * 2. Cold start: a child process that imports the package and makes its first stub call vs one
 *    that imports the SDK and makes the same first request (target <= 1.3x); plus ajv's
 *    compile cost at a spec's first call (is build-time precompilation worth it?).
 * 3. Tokens (o200k, message text + response_format/tools JSON, counted as `bench/prompts.ts` does):
 *    a repair request vs the first request (target <= 1.5x), with the specs the real analyser
 *    builds for the seed's customer example.
 *
 * Run: `npm run bench:runtime` (no build needed; compiles the runtime to a temp folder for the
 * child processes). `--quick` runs fewer rounds; `--rounds N` sets the per-call rounds (default 40);
 * `--per-call` only part 1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import OpenAI from "openai";
import * as ts from "typescript";
import { configure, invoke, openAI, SPEC_VERSION, withCallOptions, type CallSpec, type Completion, type JsonSchema, type LanguageModel } from "../runtime";
import { validateReply } from "../runtime/validate";
import { startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "../tests/helpers/openai-server";
import { createMockCustomersSpec, Customer, customerAgeSpec, customerJson, MockCustomerDatabase } from "../tests/runtime/customer-specs";

const REPO = path.resolve(__dirname, "..");
const QUICK = process.argv.includes("--quick");
// The package's subpath types resolve only under node16/bundler resolution; the repository uses node10.
const { countTokens } = require("gpt-tokenizer/encoding/o200k_base") as { countTokens(text: string): number };

const median = (values: number[]) => quantile(values, 0.5);
/** The value at fraction `at` (0..1) of the sorted values, interpolated between neighbours. */
function quantile(values: number[], at: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * at;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
const fmt = (value: number, digits = 1) => value.toFixed(digits);
const verdict = (ratio: number, target: number) => `${fmt(ratio, 2)}x (target <= ${target}x: ${ratio <= target ? "met" : "NOT met"})`;

// ---------------------------------------------------------------------------------------------
// 1. Per-call time

async function perCall(server: OpenAIServer): Promise<void> {
  const customers = JSON.stringify({ value: [customerJson(0), customerJson(1), customerJson(2)] });
  const age = JSON.stringify({ value: 42 });
  const replyFor = (prompt: string) => (prompt.startsWith("Create") ? customers : age);
  // Instant: a fixed reply per stub, no work on the server.
  server.setHandler((request) => ({ content: replyFor(request.body.messages[0]!.content) }));
  const customer = Object.assign(new Customer(), customerJson(0));
  const cases = [
    { name: "Customer.age (a number)", stub: () => customer.age },
    { name: "createMockCustomers(3) (3 revived instances)", stub: () => MockCustomerDatabase.createMockCustomers(3) },
  ];

  // The same comparison twice: over HTTP to the local server (the target), and with the SDK's
  // documented `fetch` option answering in memory, which takes the network's noise out and
  // leaves the SDK's and our own work.
  const inMemoryFetch = async (_url: unknown, init?: { body?: unknown }): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as { model: string; messages: { content: string }[] };
    const content = replyFor(body.messages[0]!.content);
    return new Response(
      JSON.stringify({ id: "x", object: "chat.completion", created: 0, model: body.model, choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop", logprobs: null }] }),
      { status: 200, headers: { "content-type": "application/json" } },
    );
  };
  // The stub's model is made as users make it (`openAI({ baseURL, apiKey })`, its own client),
  // with a key as long as a real one, so the redaction of known secrets runs as it does for them.
  const transports = [
    { name: "local HTTP server", fetch: undefined },
    { name: "in-memory fetch", fetch: inMemoryFetch },
  ];
  const clientOf = (fetch: typeof inMemoryFetch | undefined) => new OpenAI({ baseURL: server.baseURL, apiKey: API_KEY, maxRetries: 0, ...(fetch ? { fetch } : {}) });
  const modelOf = (fetch: typeof inMemoryFetch | undefined) => openAI({ baseURL: server.baseURL, apiKey: API_KEY, model: "bench", ...(fetch ? { fetch } : {}) });

  console.log(
    `\n1. Per-call time on a warm process: a stub call vs the raw SDK sending the same body and JSON.parse-ing the reply ` +
      `(${ROUNDS} rounds after ${WARM_UP_ROUNDS} not counted; each runs every variant ${CALLS_PER_ROUND} times, who goes first rotating per round; per-call means; ` +
      `"over raw": the median over rounds of the difference to the raw call in the same round, [25th..75th percentile]); ` +
      `cpu: this process's user + system time (the local server's share included, alike for all); ` +
      `for createMockCustomers also the SDK's own zod helper (chat.completions.parse + zodResponseFormat)`,
  );
  // The raw SDK sends exactly the body the stub sends (read back from the server's log).
  const bodies = new Map<string, OpenAI.ChatCompletionCreateParamsNonStreaming>();
  configure({ model: modelOf(undefined) });
  for (const { name, stub } of cases) {
    server.requests.length = 0;
    await stub();
    bodies.set(name, server.requests[0]!.body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
  }
  for (const transport of transports) {
    for (const { name, stub } of cases) {
      configure({ model: modelOf(transport.fetch) });
      const body = bodies.get(name)!;
      const raw = clientOf(transport.fetch);
      const variants: { name: string; call: () => Promise<unknown> }[] = [
        { name: "raw", call: async () => JSON.parse((await raw.chat.completions.create(body)).choices[0]!.message.content!) as unknown },
        { name: "stub", call: stub },
      ];
      if (name.startsWith("createMockCustomers")) variants.push({ name: "zod", call: zodCall(raw, body) });
      const { wall, cpu } = await interleavedRounds(variants);
      for (const [clock, rounds] of [["cpu", cpu], ["wall", wall]] as const) {
        const raw = rounds.get("raw")!;
        const over = (variant: string) => {
          const differences = rounds.get(variant)!.map((value, round) => value - raw[round]!);
          return `${signed(median(differences))} us [${signed(quantile(differences, 0.25))}..${signed(quantile(differences, 0.75))}]`;
        };
        const target = clock === "cpu" && transport.fetch === undefined ? ` (target <= +50 us: ${median(rounds.get("stub")!.map((value, round) => value - raw[round]!)) <= 50 ? "met" : "NOT met"})` : "";
        console.log(
          `   ${transport.name.padEnd(17)} ${name.padEnd(44)} ${clock.padEnd(4)} raw SDK ${fmt(median(raw)).padStart(6)} us, stub ${fmt(median(rounds.get("stub")!)).padStart(6)} us, over raw ${over("stub")}${target}` +
            (rounds.has("zod") ? `; zod helper over raw ${over("zod")}` : ""),
        );
      }
    }
  }

  // The runtime's own work, with a model that answers at once: render, parse, validate, revive.
  const fixed: LanguageModel = { id: "fixed", options: {}, complete: async (): Promise<Completion> => ({ text: customers, finishReason: "stop" }) };
  configure({ model: fixed });
  for (let warm = 0; warm < 5000; warm++) await MockCustomerDatabase.createMockCustomers(3);
  const measure = async (run: () => Promise<unknown>) => {
    const rounds: number[] = [];
    for (let round = 0; round < (QUICK ? 5 : 15); round++) {
      const started = performance.now();
      for (let call = 0; call < 2000; call++) await run();
      rounds.push(((performance.now() - started) / 2000) * 1000);
    }
    return median(rounds);
  };
  const own = await measure(() => MockCustomerDatabase.createMockCustomers(3));
  const hooked = await withCallOptions({ onCall: () => {} }, () => measure(() => MockCustomerDatabase.createMockCustomers(3)));
  console.log(`   the runtime's own work per stub call (createMockCustomers(3), in-process model): ${fmt(own)} us; with an onCall hook: ${fmt(hooked)} us`);
  configure({ model: undefined });
}

const ROUNDS_ARG = process.argv.indexOf("--rounds");
const ROUNDS = ROUNDS_ARG >= 0 ? Number(process.argv[ROUNDS_ARG + 1]) : QUICK ? 8 : 40;
const CALLS_PER_ROUND = 300;
/**
 * Rounds run and not counted first (2,100 calls of each variant): until the runtime's functions
 * are optimised, which takes longer when the machine is busy, the first rounds' differences
 * swing by hundreds of microseconds.
 */
const WARM_UP_ROUNDS = QUICK ? 4 : 7;
/** As long as a real key (shorter values are not redacted as text), so the per-call redaction runs as for users. */
const API_KEY = "sk-bench-0123456789abcdefghijklmnopqrstuv";

/**
 * Per-call mean of each variant in each of `ROUNDS` rounds, in microseconds (index = round): a
 * round runs every variant `CALLS_PER_ROUND` times in a row, in an order that rotates per round
 * (so load on the machine falls on all of them alike). `WARM_UP_ROUNDS` first. `wall` is
 * elapsed time; `cpu` the process's user + system time (the local server's share included,
 * alike for all), which the other work on a shared machine disturbs less.
 */
async function interleavedRounds(variants: { name: string; call: () => Promise<unknown> }[]): Promise<{ wall: Map<string, number[]>; cpu: Map<string, number[]> }> {
  const wall = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  const cpu = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = -WARM_UP_ROUNDS; round < ROUNDS; round++) {
    for (let index = 0; index < variants.length; index++) {
      const variant = variants[(index + Math.max(round, 0)) % variants.length]!;
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      for (let call = 0; call < CALLS_PER_ROUND; call++) await variant.call();
      const used = process.cpuUsage(cpuStarted);
      if (round < 0) continue;
      wall.get(variant.name)!.push(((performance.now() - started) / CALLS_PER_ROUND) * 1000);
      cpu.get(variant.name)!.push((used.user + used.system) / CALLS_PER_ROUND);
    }
  }
  return { wall, cpu };
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : "-"}${fmt(Math.abs(value), 0)}`;
}

/** The SDK's own typed path for the same request: `chat.completions.parse` with a zod schema of the reply. */
function zodCall(client: OpenAI, body: OpenAI.ChatCompletionCreateParamsNonStreaming): () => Promise<unknown> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { z } = require("zod") as typeof import("zod");
  const { zodResponseFormat } = require("openai/helpers/zod") as typeof import("openai/helpers/zod");
  const customer = z
    .object({ key: z.string(), firstName: z.string(), lastName: z.string(), birthdate: z.string().describe("Date of birth, ISO 8601 (YYYY-MM-DD)."), address: z.string() })
    .describe("A customer of ours.");
  const parsed = { ...body, response_format: zodResponseFormat(z.object({ value: z.array(customer) }), "createMockCustomers") };
  return async () => (await client.chat.completions.parse(parsed)).choices[0]!.message.parsed;
}

// ---------------------------------------------------------------------------------------------
// 2. Cold start

/** Compiles runtime/ to CommonJS in a temp folder, as `npm run build` would. */
function compileRuntime(outDir: string): string {
  const program = ts.createProgram([path.join(REPO, "runtime", "index.ts")], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    rootDir: REPO,
    outDir,
    types: ["node"],
  });
  const emitted = program.emit();
  if (emitted.emitSkipped) throw new Error("could not compile the runtime for the cold-start benchmark");
  return path.join(outDir, "runtime", "index.js");
}

function runChild(script: string): Promise<{ wallMs: number; inScriptMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // NODE_PATH: the compiled runtime in the temp folder resolves openai, ajv, ... from the repo.
    const child = spawn(process.execPath, [script], { env: { ...process.env, NODE_PATH: path.join(REPO, "node_modules") } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`child ${script} exited ${code}: ${err}`));
      resolve({ wallMs, inScriptMs: (JSON.parse(out) as { ms: number }).ms });
    });
  });
}

async function coldStart(server: OpenAIServer): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "llm-strategy-bench-"));
  try {
    const runtimeEntry = compileRuntime(dir);
    const customers = JSON.stringify({ value: [customerJson(0), customerJson(1), customerJson(2)] });
    server.setHandler(() => ({ content: customers }));

    // The request the stub makes is the request the raw script makes.
    configure({ model: openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench" }) });
    server.requests.length = 0;
    await MockCustomerDatabase.createMockCustomers(3);
    configure({ model: undefined });
    const body = server.requests[0]!.raw;

    const { revive: _revive, ...specData } = createMockCustomersSpec;
    const ours = path.join(dir, "ours.js");
    writeFileSync(
      ours,
      `const t0 = performance.now();
const __llmStrategy = require(${JSON.stringify(runtimeEntry)});
const spec = Object.assign(${JSON.stringify(specData)}, { revive: { value: { kind: "array", items: { kind: "class", class: () => Customer } } } });
class Customer { key = ""; firstName = ""; lastName = ""; birthdate = ""; address = ""; }
class MockCustomerDatabase { static createMockCustomers(n = 1) { return __llmStrategy.invoke(spec, this, [n]); } }
__llmStrategy.configure({ model: __llmStrategy.openAI({ baseURL: ${JSON.stringify(server.baseURL)}, apiKey: "k", model: "bench" }) });
MockCustomerDatabase.createMockCustomers(3).then((customers) => {
  if (!(customers[2] instanceof Customer)) throw new Error("not revived");
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
});
`,
    );
    const raw = path.join(dir, "raw.js");
    writeFileSync(
      raw,
      `const t0 = performance.now();
const OpenAI = require("openai").default;
const client = new OpenAI({ baseURL: ${JSON.stringify(server.baseURL)}, apiKey: "k" });
client.chat.completions.create(${body}).then((response) => {
  const value = JSON.parse(response.choices[0].message.content);
  if (value.value.length !== 3) throw new Error("bad reply");
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
});
`,
    );
    const empty = path.join(dir, "empty.js");
    writeFileSync(empty, `process.stdout.write(JSON.stringify({ ms: 0 }));`);

    const runs = QUICK ? 5 : 11;
    const results = { ours: [] as { wallMs: number; inScriptMs: number }[], raw: [] as { wallMs: number; inScriptMs: number }[], node: [] as number[] };
    await runChild(ours);
    await runChild(raw);
    for (let run = 0; run < runs; run++) {
      results.node.push((await runChild(empty)).wallMs);
      for (const which of run % 2 === 0 ? (["ours", "raw"] as const) : (["raw", "ours"] as const)) {
        results[which].push(await runChild(which === "ours" ? ours : raw));
      }
    }
    const wall = { ours: median(results.ours.map((r) => r.wallMs)), raw: median(results.raw.map((r) => r.wallMs)) };
    const inScript = { ours: median(results.ours.map((r) => r.inScriptMs)), raw: median(results.raw.map((r) => r.inScriptMs)) };
    console.log(`\n2. Cold start (child processes, median of ${runs}, interleaved)`);
    console.log(`   process wall time: package + first stub call ${fmt(wall.ours)} ms, SDK + same first request ${fmt(wall.raw)} ms -> ${verdict(wall.ours / wall.raw, 1.3)}`);
    console.log(`   inside the script (import + first call): ${fmt(inScript.ours)} ms vs ${fmt(inScript.raw)} ms -> ${fmt(inScript.ours / inScript.raw, 2)}x; bare node start ${fmt(median(results.node))} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // ajv: compiling a spec's validator at its first call.
  const compileTimes = (spec: CallSpec, value: unknown) => {
    const samples: { first: number; next: number }[] = [];
    for (let run = 0; run < 20; run++) {
      const fresh = { ...spec }; // a new object: validators are cached per spec object
      let started = performance.now();
      validateReply(fresh, value);
      const first = performance.now() - started;
      started = performance.now();
      validateReply(fresh, value);
      samples.push({ first, next: performance.now() - started });
    }
    return { first: median(samples.map((s) => s.first)), next: median(samples.map((s) => s.next)) };
  };
  const small = compileTimes(customerAgeSpec, { value: 40 });
  const medium = compileTimes(createMockCustomersSpec, { value: [customerJson(0), customerJson(1), customerJson(2)] });
  const { spec: large, value: largeValue } = chainSpec(60);
  const big = compileTimes(large, largeValue);
  console.log(
    `   ajv compile at a spec's first call (warm process): Customer.age ${fmt(small.first, 2)} ms, createMockCustomers ${fmt(medium.first, 2)} ms, ` +
      `60-type chain ${fmt(big.first, 2)} ms; later calls validate in ${fmt(medium.next * 1000, 0)} us / ${fmt(big.next * 1000, 0)} us`,
  );
}

/** A spec whose output is a chain of `depth` nested named types (a larger schema to compile). */
function chainSpec(depth: number): { spec: CallSpec; value: unknown } {
  const definitions: Record<string, JsonSchema> = {};
  for (let level = 0; level < depth; level++) {
    definitions[`Level${level}`] = {
      type: "object",
      properties: { name: { type: "string", minLength: 1 }, count: { type: "integer", minimum: 0 }, tags: { type: "array", items: { type: "string" } }, ...(level + 1 < depth ? { next: { $ref: `#/definitions/Level${level + 1}` } } : {}) },
      required: ["name", "count"],
      additionalProperties: false,
    };
  }
  let value: Record<string, unknown> = { name: "leaf", count: 1 };
  for (let level = depth - 2; level >= 0; level--) value = { name: `l${level}`, count: level, tags: ["a"], next: value };
  return {
    spec: { ...customerAgeSpec, id: "src/chain.ts:1 chain", output: { $ref: "#/definitions/Level0" }, wrapper: undefined, definitions, hash: "chain" } as CallSpec,
    value,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Tokens of a repair request vs the first request

/** The seed's customer specs as the real analyser builds them (what `tspc` would emit). */
function analysedSpecs(): Map<string, CallSpec> | string {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createAnalyser } = require("../transformer/analyse") as typeof import("../transformer/analyse");
    const { findStubs } = require("../tests/transformer/analyse/stub-walker") as typeof import("../tests/transformer/analyse/stub-walker");
    const fixture = path.join(REPO, "tests", "transformer", "analyse-fixtures", "customer.ts");
    const program = ts.createProgram([fixture], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true, skipLibCheck: true, types: ["node"] });
    const source = program.getSourceFile(fixture)!;
    const analyser = createAnalyser({ ts, program, projectDir: REPO, warnings: false });
    const specs = new Map<string, CallSpec>();
    for (const site of findStubs(source, REPO)) {
      const result = analyser.analyseDeclaration(site);
      if (!result.ok) return `analysis of ${site.qualifiedName} failed`;
      const { definitionNames, revive: _revive, checks: _checks, ...rest } = result.value;
      specs.set(site.qualifiedName, { ...rest, version: SPEC_VERSION, definitions: Object.fromEntries(definitionNames.map((name) => [name, analyser.definitions.get(name)!])) });
    }
    return specs;
  } catch (error) {
    return `the analyser could not run (${(error as Error).message.split("\n")[0]})`;
  }
}

function requestTokens(request: ReceivedRequest): number {
  const text = request.body.messages.map((message) => message.content).join("");
  const schemaPart = request.body.response_format ?? request.body.tools;
  return countTokens(text) + (schemaPart ? countTokens(JSON.stringify(schemaPart)) : 0);
}

async function tokens(server: OpenAIServer): Promise<void> {
  const analysed = analysedSpecs();
  const specs =
    typeof analysed === "string"
      ? new Map<string, CallSpec>([
          ["MockCustomerDatabase.createMockCustomers", createMockCustomersSpec],
          ["Customer.age", customerAgeSpec],
        ])
      : analysed;
  const source = typeof analysed === "string" ? `hand-written specs (${analysed})` : "specs from the real analyser (tests/transformer/analyse-fixtures/customer.ts)";
  // The customers of the Python reference requests.
  const customers = [
    { key: "c1", firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-04-12", address: "3-1 Shibuya, Tokyo, Japan" },
    { key: "c2", firstName: "Lucas", lastName: "Silva", birthdate: "1985-09-30", address: "Rua Augusta 500, São Paulo, Brazil" },
    { key: "c3", firstName: "Amara", lastName: "Okafor", birthdate: "1978-01-05", address: "12 Allen Ave, Lagos, Nigeria" },
  ];
  const withoutAddress = customers.map(({ address: _address, ...rest }) => rest);
  const scenarios = [
    {
      name: "createMockCustomers(3), reply missing `address` (the Python reference: 303 -> 559, 1.84x)",
      stub: "MockCustomerDatabase.createMockCustomers",
      receiver: undefined as unknown,
      args: [3],
      bad: { value: withoutAddress },
      good: { value: customers },
    },
    { name: "Customer.age, reply `{\"value\":\"33\"}`", stub: "Customer.age", receiver: customers[0], args: [], bad: { value: "33" }, good: { value: 33 } },
    {
      name: "findCustomerKey over 3 customers, reply `{\"value\":\"c1\"}`",
      stub: "CustomerDatabase.findCustomerKey",
      receiver: { customers },
      args: ["the customer that was born in 1990"],
      bad: { value: "c1" },
      good: { value: ["c1"] },
    },
  ];
  console.log(`\n3. Tokens (o200k; message text + response_format/tools JSON) of the first request and of its repair; ${source}`);
  console.log(`   mode        first  repair  ratio                       errors-only repair (for comparison)  scenario`);
  for (const scenario of scenarios) {
    const spec = specs.get(scenario.stub);
    if (!spec) continue;
    for (const mode of ["json", "structured", "tools"] as const) {
      server.requests.length = 0;
      server.setHandler((request, index): Reply => {
        const value = index === 0 ? scenario.bad : scenario.good;
        return request.body.tools ? { toolArguments: JSON.stringify(value) } : { content: JSON.stringify(value) };
      });
      configure({ model: openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench", mode }) });
      await invoke(spec, scenario.receiver, scenario.args);
      const [first, repair] = server.requests;
      if (!first || !repair) throw new Error(`${scenario.stub} [${mode}]: expected a repair request`);
      const firstTokens = requestTokens(first);
      const repairTokens = requestTokens(repair);
      // The failed reply goes back as an assistant message only while it is short (runtime/prompt.ts).
      const sentBack = repair.body.messages.find((message) => message.role === "assistant");
      const replyTokens = sentBack ? countTokens(sentBack.content) : 0;
      const ratio = repairTokens / firstTokens;
      const errorsOnly = (repairTokens - replyTokens) / firstTokens;
      const replyNote = sentBack ? `failed reply sent back = ${replyTokens} tokens` : "failed reply not sent back";
      console.log(
        `   ${mode.padEnd(10)} ${String(firstTokens).padStart(6)} ${String(repairTokens).padStart(7)}  ${verdict(ratio, 1.5).padEnd(27)} ${fmt(errorsOnly, 2)}x (${replyNote})`.padEnd(110) +
          `  ${scenario.name}`,
      );
    }
  }
  configure({ model: undefined });
}

async function main(): Promise<void> {
  const server = await startOpenAIServer(() => ({ content: "{}" }));
  try {
    const load = loadavg().map((value) => value.toFixed(1)).join(" ");
    console.log(`Runtime benchmark (node ${process.version}, ${cpus().length} CPUs, load average ${load}${QUICK ? ", --quick" : ""})`);
    await perCall(server);
    console.log(`   load average after part 1: ${loadavg().map((value) => value.toFixed(1)).join(" ")}`);
    if (process.argv.includes("--per-call")) return;
    await coldStart(server);
    await tokens(server);
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
