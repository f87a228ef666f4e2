/**
 * batch(): stub calls collected into the OpenAI Batch API, against a local server with the real
 * Files and Batches endpoints (tests/helpers/batch-server.ts), through the real `openai` SDK.
 * Every line is answered from what its request carries (customer-specs' customerModel).
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  batch,
  cached,
  configure,
  LLMAbortError,
  LLMBatchError,
  LLMOutputError,
  LLMTimeoutError,
  openAI,
  recording,
  streamed,
  withCallOptions,
  withTrace,
  type BatchOptions,
  type BatchProgress,
  type CallInfo,
  type LanguageModel,
} from "../../runtime";
import { startBatchServer, type BatchServer, type BatchServerOptions, type ServerBatch } from "../helpers/batch-server";
import { lastUserText, replyJson, type ReceivedRequest } from "../helpers/openai-server";
import { Customer, customerJson, customerModel, inputOf } from "./customer-specs";

jest.setTimeout(60_000);

const REPO_ROOT = path.join(__dirname, "..", "..");
let server: BatchServer | undefined;
let folder: string;

beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-batch-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(folder, { recursive: true, force: true });
});

async function start(handler = customerModel, options: BatchServerOptions = {}): Promise<BatchServer> {
  server = await startBatchServer(handler, options);
  return server;
}

function modelOf(target: BatchServer, options: Parameters<typeof openAI>[0] = {}) {
  return openAI({ baseURL: target.baseURL, apiKey: "test-key", model: "local-model", ...options });
}

function customers(count: number, firstYear = 1950): Customer[] {
  return Array.from({ length: count }, (_, index) => Object.assign(new Customer(), customerJson(index, firstYear + (index % 70))));
}

/** Every customer's age in one batch, with the CallInfo of each call. */
async function batchAges(target: BatchServer, people: Customer[], options: BatchOptions = {}): Promise<{ ages: number[]; calls: CallInfo[] }> {
  const calls: CallInfo[] = [];
  const ages = await withCallOptions({ onCall: (info) => calls.push(info) }, () =>
    batch(() => Promise.all(people.map((customer) => customer.age)), { model: modelOf(target), ...FAST, ...options }),
  );
  return { ages, calls };
}

const expectedAge = (customer: Customer) => 2022 - Number(customer.birthdate.slice(0, 4));
const FAST = { pollIntervalMs: 5, maxPollIntervalMs: 20 };

/** The birth year in a request's prompt. */
function birthYear(request: ReceivedRequest): number {
  return Number((inputOf(request.body.messages[0]!.content) as { this: { birthdate: string } }).this.birthdate.slice(0, 4));
}

/** The messages of the process warnings with `code` emitted while `fn` runs (jest's sandboxed process gets no "warning" events: the calls are watched). */
async function warningsDuring<T>(code: string, fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
  try {
    const result = await fn();
    const warnings = emitWarning.mock.calls.filter((call) => (call[1] as { code?: string } | undefined)?.code === code).map((call) => String(call[0]));
    return { result, warnings };
  } finally {
    emitWarning.mockRestore();
  }
}

test("200 calls go out as one batch job: one upload, one batch, no chat completion; each call gets its own value", async () => {
  const target = await start();
  const people = customers(200);
  const progress: BatchProgress[] = [];
  const { ages, calls } = await batchAges(target, people, { onProgress: (step) => progress.push(step) });
  expect(ages).toEqual(people.map(expectedAge));
  expect(target.count("POST", "/v1/batches")).toBe(1);
  expect(target.count("POST", "/v1/files")).toBe(1);
  expect(target.count("POST", "/v1/chat/completions")).toBe(0);
  const [job] = [...target.batches.values()];
  expect(job!.lines).toHaveLength(200);
  expect(job!.endpoint).toBe("/v1/chat/completions");
  // The lines are the requests a direct call would send: the model, the prompt, structured output.
  expect(job!.lines[0]!.body.model).toBe("local-model");
  expect(job!.lines[0]!.body.response_format?.type).toBe("json_schema");
  expect(new Set(job!.lines.map((line) => line.custom_id)).size).toBe(200);
  expect(calls).toHaveLength(200);
  expect(calls.every((info) => info.batch?.id === job!.id && info.batch.round === 1 && info.attempts.length === 1)).toBe(true);
  expect(progress[progress.length - 1]).toEqual({ done: 200, total: 200, round: 1 });
  expect(progress.some((step) => step.round === 1 && step.done === 0 && step.total === 200)).toBe(true);
});

test("invalid replies are repaired in a second batch round holding only those calls; maxRepairs bounds the rounds", async () => {
  // Odd birth years get a non-number first; a repair request (the conversation goes on) gets the age.
  const target = await start((request) => {
    const repair = request.body.messages.length > 1;
    if (!repair && birthYear(request) % 2 === 1) return replyJson(request, { value: "old" });
    return customerModel(request);
  });
  const people = customers(40);
  const { ages, calls } = await batchAges(target, people);
  expect(ages).toEqual(people.map(expectedAge));
  const jobs = [...target.batches.values()];
  expect(jobs.map((job) => job.lines.length)).toEqual([40, 20]);
  expect(jobs[1]!.metadata["llm-strategy-round"]).toBe("2");
  // The second round holds the repair requests of exactly the odd years.
  expect(jobs[1]!.lines.every((line) => line.body.messages.length > 1 && lastUserText({ body: line.body } as ReceivedRequest) !== line.body.messages[0]!.content)).toBe(true);
  const odd = calls.filter((info) => Number((info.input.this as { birthdate: string }).birthdate.slice(0, 4)) % 2 === 1);
  expect(odd).toHaveLength(20);
  expect(odd.every((info) => info.batch?.round === 2 && info.attempts.length === 2 && info.attempts[0]!.batch?.round === 1)).toBe(true);
  expect(calls.filter((info) => !odd.includes(info)).every((info) => info.batch?.round === 1)).toBe(true);
  expect(target.count("POST", "/v1/chat/completions")).toBe(0);
  // Traces say which batch and round answered each attempt.
  const { trace } = await withTrace(() => batch(() => people[1]!.age, { model: modelOf(target), ...FAST }));
  const attempts = trace.spans.flatMap(function all(span): NonNullable<typeof span.attempts> {
    return [...(span.attempts ?? []), ...span.children.flatMap(all)];
  });
  const [third, fourth] = [...target.batches.values()].slice(2);
  expect(attempts.map((attempt) => attempt.batch)).toEqual([{ id: third!.id, round: 1 }, { id: fourth!.id, round: 2 }]);

  // Always invalid, maxRepairs 1: two rounds, then each call fails with its own LLMOutputError.
  target.setHandler((request) => replyJson(request, { value: "old" }));
  target.batches.clear();
  const results = await batch(() => Promise.allSettled(people.slice(0, 5).map((customer) => customer.age)), { model: modelOf(target), maxRepairs: 1, ...FAST });
  expect(target.batches.size).toBe(2);
  expect(results.every((result) => result.status === "rejected" && result.reason instanceof LLMOutputError && result.reason.attempts.length === 2)).toBe(true);
  expect(new Set(results.map((result) => (result as PromiseRejectedResult).reason)).size).toBe(5);
});

test("input files are split by the limit on requests per file (and bytes per file): one round, several batches", async () => {
  const target = await start();
  const people = customers(120);
  const ages = await batch(() => Promise.all(people.map((customer) => customer.age)), { model: modelOf(target), maxRequestsPerFile: 50, ...FAST });
  expect(ages).toEqual(people.map(expectedAge));
  expect([...target.batches.values()].map((job) => job.lines.length)).toEqual([50, 50, 20]);

  target.batches.clear();
  const lineBytes = Buffer.byteLength(target.files.get([...target.files.values()][0]!.id)!.content.split("\n")[0]!) + 1;
  // Room for three lines per file.
  await batch(() => Promise.all(people.slice(0, 7).map((customer) => customer.age)), { model: modelOf(target), maxBytesPerFile: lineBytes * 3 + 10, ...FAST });
  expect([...target.batches.values()].map((job) => job.lines.length)).toEqual([3, 3, 1]);
});

test.each([
  ["the error file", false],
  ["the output file", true],
])("per-line errors in %s reject only their calls, each with its own LLMBatchError", async (_where, errorsInOutput) => {
  const target = await start((request) => {
    const year = birthYear(request);
    if (year === 1952) return { status: 400, body: { error: { message: "Invalid 'messages': too long.", type: "invalid_request_error", code: "context_length_exceeded" } } };
    if (year === 1954) return { status: 429, body: { error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } } };
    return customerModel(request);
  }, { plan: () => ({ errorsInOutput }) });
  const people = customers(6);
  const results = await batch(() => Promise.allSettled(people.map((customer) => customer.age)), { model: modelOf(target), ...FAST });
  expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
  const bad = results[2] as PromiseRejectedResult;
  expect(bad.reason).toBeInstanceOf(LLMBatchError);
  expect(bad.reason).toMatchObject({ status: 400, code: "context_length_exceeded", retryable: false, stub: "src/customer.ts:8 Customer.age" });
  expect(bad.reason.message).toContain("Invalid 'messages': too long.");
  expect((results[4] as PromiseRejectedResult).reason).toMatchObject({ status: 429, code: "rate_limit_exceeded", retryable: true });
  expect((results[0] as PromiseFulfilledResult<number>).value).toBe(72);
  const [job] = [...target.batches.values()];
  expect(Boolean(job!.errorFileId)).toBe(!errorsInOutput);
});

test("an expired batch: answered lines resolve, the others fail with batch_expired; with jobFile a rerun sends only those", async () => {
  let plans = 0;
  const target = await start(customerModel, { plan: () => (plans++ === 0 ? { outcome: "expired", linesBeforeExpiry: 3 } : {}) });
  const people = customers(5);
  const jobFile = path.join(folder, "jobs.json");
  const first = await batch(() => Promise.allSettled(people.map((customer) => customer.age)), { model: modelOf(target), jobFile, ...FAST });
  expect(first.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "rejected"]);
  expect((first[3] as PromiseRejectedResult).reason).toMatchObject({ name: "LLMBatchError", code: "batch_expired", retryable: true });
  // The job file keeps the three answered lines, not the expired ones.
  const saved = JSON.parse(fs.readFileSync(jobFile, "utf8")) as { jobs: { id: string; lines: Record<string, string> }[] };
  expect(saved.jobs.map((job) => Object.keys(job.lines).length)).toEqual([3]);

  const again = await batch(() => Promise.all(people.map((customer) => customer.age)), { model: modelOf(target), jobFile, ...FAST });
  expect(again).toEqual(people.map(expectedAge));
  expect([...target.batches.values()].map((job) => job.lines.length)).toEqual([5, 2]);
});

test("a batch the provider failed rejects each call with LLMBatchError batch_failed, naming the provider's reason", async () => {
  const target = await start(customerModel, { plan: () => ({ outcome: "failed" }) });
  const results = await batch(() => Promise.allSettled(customers(3).map((customer) => customer.age)), { model: modelOf(target), ...FAST });
  for (const result of results) {
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: "LLMBatchError", code: "batch_failed" });
    expect((result as PromiseRejectedResult).reason.message).toContain("The input file could not be validated.");
  }
});

test("cancellation through the AbortSignal cancels the batch at the provider; every call fails with LLMAbortError", async () => {
  const controller = new AbortController();
  const target = await start(customerModel, {
    plan: () => {
      // Aborted once the batch exists at the provider, while it runs.
      setImmediate(() => controller.abort(new Error("user pressed stop")));
      return { outcome: "hold" };
    },
  });
  const results = await Promise.allSettled([
    batch(() => Promise.allSettled(customers(4).map((customer) => customer.age)), { model: modelOf(target), signal: controller.signal, ...FAST }),
  ]);
  const settled = (results[0] as PromiseFulfilledResult<PromiseSettledResult<number>[]>).value;
  expect(settled.every((result) => result.status === "rejected" && result.reason instanceof LLMAbortError)).toBe(true);
  const [created] = [...target.batches.values()];
  expect(target.count("POST", `/v1/batches/${created!.id}/cancel`)).toBe(1);
  expect(["cancelling", "cancelled"]).toContain(created!.status);
});

test("a batch timeout cancels the batch at the provider; the waiting calls fail with LLMTimeoutError", async () => {
  const target = await start(customerModel, { plan: () => ({ outcome: "hold" }) });
  const results = await batch(() => Promise.allSettled(customers(3).map((customer) => customer.age)), { model: modelOf(target), timeoutMs: 1500, ...FAST });
  for (const result of results) {
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(LLMTimeoutError);
    expect((result as PromiseRejectedResult).reason.message).toContain("timeoutMs of 1500 ms");
  }
  const [created] = [...target.batches.values()];
  expect(target.count("POST", `/v1/batches/${created!.id}/cancel`)).toBe(1);
});

test("an endpoint without the Batch API (404): the calls run directly under the concurrency limit, said once", async () => {
  const target = await start((request) => ({ ...customerModel(request), delayMs: 5 }), { noBatchApi: true });
  const people = customers(30);
  const { result, warnings } = await warningsDuring("LLM_STRATEGY_BATCH_FALLBACK", () =>
    batch(() => Promise.all(people.map((customer) => customer.age)), { model: modelOf(target, { maxConcurrency: 4 }), ...FAST }),
  );
  expect(result).toEqual(people.map(expectedAge));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("has no batch API");
  expect(target.count("POST", "/v1/chat/completions")).toBe(30);
  expect(target.count("POST", "/v1/files")).toBe(1);
  expect(target.inFlight.max).toBeLessThanOrEqual(4);
});

test("a LanguageModel that does not offer batching runs its calls directly, at most maxConcurrency at once, said once", async () => {
  let now = 0;
  let most = 0;
  const model: LanguageModel = {
    id: "custom",
    options: {},
    async complete(request) {
      most = Math.max(most, ++now);
      await new Promise((resolve) => setTimeout(resolve, 2));
      now--;
      const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
      return { text: JSON.stringify({ value: 2022 - Number(input.this.birthdate.slice(0, 4)) }) };
    },
  };
  const people = customers(20);
  const { result, warnings } = await warningsDuring("LLM_STRATEGY_BATCH_FALLBACK", () =>
    batch(() => Promise.all(people.map((customer) => customer.age)), { model, maxConcurrency: 3 }),
  );
  expect(result).toEqual(people.map(expectedAge));
  expect(warnings).toEqual([expect.stringContaining("the model custom does not offer a batch API")]);
  expect(most).toBe(3);
});

test("cached() and recording() work inside a batch: a hit is not sent", async () => {
  const target = await start();
  const people = customers(7);
  const model = cached(modelOf(target));
  await batch(() => Promise.all(people.slice(0, 5).map((customer) => customer.age)), { model, ...FAST });
  const ages = await batch(() => Promise.all(people.map((customer) => customer.age)), { model, ...FAST });
  expect(ages).toEqual(people.map(expectedAge));
  expect([...target.batches.values()].map((job) => job.lines.length)).toEqual([5, 2]);

  const file = path.join(folder, "recording.json");
  await batch(() => Promise.all(people.map((customer) => customer.age)), { model: recording(modelOf(target), { path: file, mode: "record" }), ...FAST });
  expect(target.batches.size).toBe(3);
  const replayed = await batch(() => Promise.all(people.map((customer) => customer.age)), { model: recording(modelOf(target), { path: file, mode: "replay" }), ...FAST });
  expect(replayed).toEqual(people.map(expectedAge));
  expect(target.batches.size).toBe(3);
});

/** The job file's jobs as written. */
function savedJobs(jobFile: string): { id?: string; key?: string; inputFileId: string; lines: Record<string, string> }[] {
  return fs.existsSync(jobFile) ? (JSON.parse(fs.readFileSync(jobFile, "utf8")) as { jobs: ReturnType<typeof savedJobs> }).jobs : [];
}

const CHILD = ["-r", "ts-node/register/transpile-only", path.join(__dirname, "batch-child.ts")];
const CHILD_OPTIONS = { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") } };

/** batch-child.ts started in the background (to be killed); resolves with the signal it ended by. */
function startChild(target: BatchServer, jobFile: string, count: number): { child: ReturnType<typeof spawn>; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn(process.execPath, [...CHILD, target.baseURL, jobFile, String(count)], { ...CHILD_OPTIONS, stdio: "ignore" });
  return { child, exited: new Promise((resolve) => child.on("exit", (_code, signal) => resolve(signal))) };
}

/** batch-child.ts run to its end. */
function runChild(target: BatchServer, jobFile: string, count: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [...CHILD, target.baseURL, jobFile, String(count)], CHILD_OPTIONS, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** The rerun answered every call from the batch already made: no upload, no batch, no chat completion. */
async function expectRerunPaysNothing(target: BatchServer, jobFile: string, count: number): Promise<void> {
  const rerun = await runChild(target, jobFile, count);
  expect(rerun.stderr).toBe("");
  expect(rerun.code).toBe(0);
  expect(JSON.parse(rerun.stdout)).toEqual(Array.from({ length: count }, (_, index) => 2022 - (1950 + index)));
  expect(target.count("POST", "/v1/batches")).toBe(1);
  expect(target.count("POST", "/v1/files")).toBe(1);
  expect(target.count("POST", "/v1/chat/completions")).toBe(0);
}

test("resumable: a process killed (SIGKILL) after creating its batch; the rerun picks up that batch, no second one is paid for", async () => {
  // The first batch runs until the first process is gone.
  const target = await start(customerModel, { plan: () => ({ outcome: "hold" }) });
  const jobFile = path.join(folder, "jobs.json");
  const { child, exited } = startChild(target, jobFile, 25);
  // Until the job file names the batch (it is written right after the batch is created).
  const deadline = Date.now() + 120_000;
  while (savedJobs(jobFile)[0]?.id === undefined) {
    if (Date.now() > deadline) throw new Error("the child never wrote its job file");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  expect(target.count("POST", "/v1/batches")).toBe(1);
  const [created] = [...target.batches.values()];
  expect(["validating", "in_progress"]).toContain(created!.status);
  created!.plan = {};

  await expectRerunPaysNothing(target, jobFile, 25);
  // Its id was in the job file: no need to look through the provider's batches.
  expect(target.count("GET", "/v1/batches")).toBe(0);
  // Two processes start ts-node each: a minute or more on a loaded machine.
}, 300_000);

test("resumable: a process killed (SIGKILL) while its batch create is answered; the rerun finds that batch by its metadata, creates none", async () => {
  let arrived!: (batch: ServerBatch) => void;
  const created = new Promise<ServerBatch>((resolve) => (arrived = resolve));
  let release!: () => void;
  // The server has made the batch and holds its answer until the child is dead: the child never learns the id.
  const held = new Promise<void>((resolve) => (release = resolve));
  const target = await start(customerModel, {
    onCreate: (batch) => {
      arrived(batch);
      return held;
    },
  });
  const jobFile = path.join(folder, "jobs.json");
  const { child, exited } = startChild(target, jobFile, 25);
  const batch = await Promise.race([created, exited.then(() => Promise.reject(new Error("the child ended before its batch create arrived")))]);
  // Written before the create was sent: the intent, with the key the batch's metadata carries.
  const [intent] = savedJobs(jobFile);
  expect(intent).toMatchObject({ key: batch.metadata["llm-strategy-job"], inputFileId: batch.inputFileId });
  expect(intent!.id).toBeUndefined();
  expect(Object.keys(intent!.lines)).toHaveLength(25);
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  release();

  await expectRerunPaysNothing(target, jobFile, 25);
  expect(target.count("GET", "/v1/batches")).toBe(1);
  expect(savedJobs(jobFile).map((job) => job.id)).toEqual([batch.id]);
}, 300_000);

test("a create whose answer was lost (500 after the batch was made) is not sent again blindly: the list shows the batch, one is paid for", async () => {
  let creates = 0;
  const target = await start(customerModel, { onCreate: () => (creates++ === 0 ? "lose" : undefined) });
  const people = customers(5);
  // The model's default retries: the SDK would send the create again by itself.
  const { ages, calls } = await batchAges(target, people);
  expect(ages).toEqual(people.map(expectedAge));
  expect(target.count("POST", "/v1/batches")).toBe(1);
  expect(target.count("GET", "/v1/batches")).toBe(1);
  const [made] = [...target.batches.values()];
  expect(calls.every((info) => info.batch?.id === made!.id)).toBe(true);
  // Without a job file the key is a fresh one, only for this look.
  expect(made!.metadata["llm-strategy-job"]).toMatch(/^[0-9a-f-]{36}$/);
});

test("a create refused with a 500 (no batch made) is sent again once the list shows no batch of it", async () => {
  let creates = 0;
  const target = await start(customerModel, { onCreate: () => (creates++ === 0 ? "refuse" : undefined) });
  const people = customers(3);
  const { ages } = await batchAges(target, people);
  expect(ages).toEqual(people.map(expectedAge));
  expect(target.count("POST", "/v1/batches")).toBe(2);
  expect(target.count("GET", "/v1/batches")).toBe(1);
  expect(target.batches.size).toBe(1);
});

test("resumable: a create whose answer was lost while the list could not be read; the rerun finds the batch through the list's pages, creates none", async () => {
  let creates = 0;
  const serverOptions: BatchServerOptions = { onCreate: () => (creates++ === 0 ? "lose" : undefined), listPageSize: 1, noBatchList: true };
  const target = await start(customerModel, serverOptions);
  const people = customers(6);
  const jobFile = path.join(folder, "jobs.json");
  const run = (options: BatchOptions = {}) => batch(() => Promise.allSettled(people.map((customer) => customer.age)), { model: modelOf(target), ...FAST, ...options });
  // Without the list the create is not tried again (it may have made the batch): the calls fail, the intent stays.
  const first = await run({ jobFile });
  expect(first.every((result) => result.status === "rejected" && result.reason instanceof LLMBatchError && result.reason.status === 500)).toBe(true);
  const [lost] = [...target.batches.values()];
  expect(savedJobs(jobFile)).toEqual([expect.objectContaining({ key: lost!.metadata["llm-strategy-job"] })]);
  expect(savedJobs(jobFile)[0]!.id).toBeUndefined();
  serverOptions.noBatchList = false;
  // Two later batches (no job file): the lost one is the third, newest first, one per page.
  await run();
  await run();

  const again = await run({ jobFile });
  expect(again.map((result) => (result as PromiseFulfilledResult<number>).value)).toEqual(people.map(expectedAge));
  expect(target.count("POST", "/v1/batches")).toBe(3);
  // One look in the first run (answered 404), three pages in the rerun.
  expect(target.count("GET", "/v1/batches")).toBe(1 + 3);
  expect(savedJobs(jobFile).map((job) => job.id)).toEqual([lost!.id]);
});

test("resumable: creates refused with a 500 (no batch made) until the calls failed; the rerun looks, finds none, and sends the requests anew", async () => {
  let creates = 0;
  // The first create and its two retries.
  const target = await start(customerModel, { onCreate: () => (creates++ < 3 ? "refuse" : undefined) });
  const people = customers(4);
  const jobFile = path.join(folder, "jobs.json");
  const run = () => batch(() => Promise.allSettled(people.map((customer) => customer.age)), { model: modelOf(target), jobFile, ...FAST });
  expect((await run()).every((result) => result.status === "rejected")).toBe(true);
  expect(target.batches.size).toBe(0);
  expect(target.count("GET", "/v1/batches")).toBe(2);
  expect(savedJobs(jobFile)[0]!.id).toBeUndefined();

  const again = await run();
  expect(again.map((result) => (result as PromiseFulfilledResult<number>).value)).toEqual(people.map(expectedAge));
  expect(target.count("GET", "/v1/batches")).toBe(3);
  expect(target.count("POST", "/v1/batches")).toBe(4);
  expect(savedJobs(jobFile).map((job) => job.id)).toEqual([...target.batches.keys()]);
});

test("resumable: a server without the batches list: the rerun says once that it cannot look, and sends the requests anew", async () => {
  let creates = 0;
  const target = await start(customerModel, { onCreate: () => (creates++ === 0 ? "lose" : undefined), noBatchList: true });
  const people = customers(3);
  const jobFile = path.join(folder, "jobs.json");
  const run = () => batch(() => Promise.allSettled(people.map((customer) => customer.age)), { model: modelOf(target), jobFile, ...FAST });
  expect((await run()).every((result) => result.status === "rejected")).toBe(true);
  const { result, warnings } = await warningsDuring("LLM_STRATEGY_BATCH_FALLBACK", run);
  expect(result.map((settled) => (settled as PromiseFulfilledResult<number>).value)).toEqual(people.map(expectedAge));
  expect(warnings).toEqual([expect.stringContaining("cannot be looked for (its batches list answered 404), so its requests are sent again")]);
  expect(target.count("POST", "/v1/batches")).toBe(2);
  expect(savedJobs(jobFile).map((job) => job.id)).toEqual([[...target.batches.keys()][1]]);
});

test("deleteFiles: a finished batch's files are deleted at the provider; with a jobFile its output is kept for a rerun", async () => {
  const target = await start((request) => (birthYear(request) === 1952 ? { status: 400, body: { error: { message: "bad line", type: "invalid_request_error", code: null } } } : customerModel(request)));
  const people = customers(4);
  const run = (options: BatchOptions) => batch(() => Promise.allSettled(people.map((customer) => customer.age)), { model: modelOf(target), deleteFiles: true, ...FAST, ...options });
  const results = await run({});
  expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
  const [first] = [...target.batches.values()];
  // Input, output and error file: all gone.
  expect(first!.outputFileId && first!.errorFileId).toBeTruthy();
  expect(target.files.size).toBe(0);
  expect(target.count("DELETE", `/v1/files/${first!.inputFileId}`)).toBe(1);

  const jobFile = path.join(folder, "jobs.json");
  await run({ jobFile });
  const [, second] = [...target.batches.values()];
  expect([...target.files.keys()].sort()).toEqual([second!.outputFileId, second!.errorFileId].sort());
  // The rerun reads the kept output: nothing new is paid for (the failed line goes again, alone).
  const again = await run({ jobFile });
  expect(again.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
  expect([...target.batches.values()].map((job) => job.lines.length)).toEqual([4, 4, 1]);
});

test("jobFile: a rerun after the job finished pays for nothing new; a batch the provider no longer knows is sent again", async () => {
  const target = await start();
  const people = customers(8);
  const jobFile = path.join(folder, "jobs.json");
  const run = () => batch(() => Promise.all(people.map((customer) => customer.age)), { model: modelOf(target), jobFile, ...FAST });
  expect(await run()).toEqual(people.map(expectedAge));
  // A version 1 file (written before intents existed; every job has its id) reads as it is.
  const written = JSON.parse(fs.readFileSync(jobFile, "utf8")) as { version: number; jobs: { key?: string }[] };
  expect(written.version).toBe(2);
  fs.writeFileSync(jobFile, JSON.stringify({ ...written, version: 1, jobs: written.jobs.map(({ key: _key, ...job }) => job) }));
  expect(await run()).toEqual(people.map(expectedAge));
  expect(target.count("POST", "/v1/batches")).toBe(1);
  expect(target.count("POST", "/v1/files")).toBe(1);

  target.batches.clear();
  expect(await run()).toEqual(people.map(expectedAge));
  expect(target.count("POST", "/v1/batches")).toBe(2);
  const saved = JSON.parse(fs.readFileSync(jobFile, "utf8")) as { format: string; jobs: { id: string; lines: Record<string, string> }[] };
  expect(saved.format).toBe("llm-strategy-batch-jobs");
  expect(saved.jobs.map((job) => [job.id, Object.keys(job.lines).length])).toEqual([[[...target.batches.keys()][0], 8]]);
});

test("lines rejected for how they ask for JSON go again in the next round, asked the next way (as direct calls fall back)", async () => {
  const target = await start((request) =>
    request.body.response_format?.type === "json_schema"
      ? { status: 400, body: { error: { message: "response_format json_schema is not supported by this server", type: "invalid_request_error", code: null } } }
      : customerModel(request),
  );
  const people = customers(6);
  const { ages, calls } = await batchAges(target, people);
  expect(ages).toEqual(people.map(expectedAge));
  const jobs = [...target.batches.values()];
  expect(jobs.map((job) => job.lines.map((line) => line.body.response_format?.type))).toEqual([Array(6).fill("json_schema"), Array(6).fill("json_object")]);
  expect(calls.every((info) => info.mode === "json" && info.batch?.round === 2 && info.fallbacks[0]?.from === "structured" && info.fallbacks[0]?.to === "json")).toBe(true);
  // Learnt for the endpoint: the next batch asks in JSON mode at once.
  await batch(() => Promise.all(customers(2, 1990).map((customer) => customer.age)), { model: modelOf(target), ...FAST });
  expect([...target.batches.values()][2]!.lines[0]!.body.response_format?.type).toBe("json_object");
});

test("one call's own AbortSignal fails only that call; the batch goes on and the others resolve", async () => {
  const own = new AbortController();
  const target = await start(customerModel, {
    plan: () => {
      setImmediate(() => own.abort());
      return { pollsInProgress: 3 };
    },
  });
  const people = customers(5);
  const results = await batch(
    () => Promise.allSettled(people.map((customer, index) => (index === 2 ? withCallOptions({ signal: own.signal }, () => customer.age) : customer.age))),
    { model: modelOf(target), ...FAST },
  );
  expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
  expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(LLMAbortError);
  expect((results[4] as PromiseFulfilledResult<number>).value).toBe(expectedAge(people[4]!));
  const [created] = [...target.batches.values()];
  expect(created!.status).toBe("completed");
  expect(target.count("POST", `/v1/batches/${created!.id}/cancel`)).toBe(0);
});

test("a streamed call inside a batch is sent directly (a batch answers whole, hours later); the others go in the batch", async () => {
  const target = await start();
  const people = customers(3);
  const [ages, partialsSeen] = await batch(
    async () => {
      const { partials, result } = streamed(() => people[0]!.age);
      const others = Promise.all(people.slice(1).map((customer) => customer.age));
      let seen = 0;
      for await (const partial of partials) if (partial !== undefined) seen++;
      return [[await result, ...(await others)], seen] as const;
    },
    { model: modelOf(target), ...FAST },
  );
  expect(ages).toEqual(people.map(expectedAge));
  expect(partialsSeen).toBeGreaterThan(0);
  expect(target.count("POST", "/v1/chat/completions")).toBe(1);
  expect([...target.batches.values()].map((job) => job.lines.length)).toEqual([2]);
});

test("per-call timeouts from outside the batch do not reach its calls (they wait for the job); one set inside fn does", async () => {
  const target = await start(customerModel, { plan: () => ({ pollsInProgress: 6 }) });
  const people = customers(3);
  const before = configure({ timeoutMs: 40 });
  try {
    const ages = await withCallOptions({ timeoutMs: 40 }, () =>
      batch(() => Promise.all(people.map((customer) => customer.age)), { model: modelOf(target), pollIntervalMs: 20, maxPollIntervalMs: 20 }),
    );
    expect(ages).toEqual(people.map(expectedAge));
    const inside = await batch(() => withCallOptions({ timeoutMs: 40 }, () => Promise.allSettled([people[0]!.age])), {
      model: modelOf(target),
      pollIntervalMs: 20,
      maxPollIntervalMs: 20,
    });
    expect((inside[0] as PromiseRejectedResult).reason).toBeInstanceOf(LLMTimeoutError);
  } finally {
    configure(before);
  }
});
