/**
 * Record and replay end to end: the customer example compiled by the real transformer,
 * recorded against the local OpenAI-compatible server through the real `openai` SDK, then
 * replayed with the server stopped; then a stub's JSDoc is edited, the file rebuilt, and the
 * replay reports the stale recording by name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openAI, recording, RecordingMissError, withCallOptions, type CallInfo, type LanguageModel } from "../../runtime";
import { compile } from "../helpers/compile";
import { AGE_DOC, customerExampleSource } from "../helpers/customer-example";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";
import { temporaryFolder } from "./helpers";

// Compiling with the real compiler takes seconds on a loaded machine.
jest.setTimeout(60_000);

interface CustomerInstance {
  key: string;
  firstName: string;
  birthdate: string;
  age: Promise<number>;
}
interface CustomerModule {
  Customer: new () => CustomerInstance;
  MockCustomerDatabase: new () => { customers: CustomerInstance[]; load(): Promise<void>; findCustomerKey(query: string): Promise<string[]> };
}

/** The seed's flow: create customers, their ages, a natural-language search. */
async function customerFlow(module: CustomerModule, model: LanguageModel) {
  const calls: CallInfo[] = [];
  const result = await withCallOptions({ model, onCall: (info) => calls.push(info) }, async () => {
    const database = new module.MockCustomerDatabase();
    await database.load();
    const ages = await Promise.all(database.customers.map((customer) => customer.age));
    const found = await database.findCustomerKey("the customer that was born in 1981");
    return { customers: database.customers, ages, found };
  });
  return { ...result, calls };
}

const SECRET = "sk-test-DO-NOT-STORE-4242";
let server: OpenAIServer;
let folder: ReturnType<typeof temporaryFolder>;
let file: string;
const savedEnv = process.env.LLM_STRATEGY_RECORDING;

beforeAll(async () => {
  delete process.env.LLM_STRATEGY_RECORDING;
  server = await startOpenAIServer(customerModel);
  folder = temporaryFolder("recording-e2e");
  file = path.join(folder.dir, "__recordings__", "customers.json");
});
afterAll(async () => {
  if (savedEnv === undefined) delete process.env.LLM_STRATEGY_RECORDING;
  else process.env.LLM_STRATEGY_RECORDING = savedEnv;
  await server.close();
  folder.remove();
});

beforeEach(() => {
  server.requests.length = 0;
});

const original = compile({ files: { "src/customer.ts": customerExampleSource({ ageDoc: AGE_DOC }) } });

test("record against the local server, stop it, replay: identical typed values with no request", async () => {
  expect(original.diagnostics).toEqual([]);
  expect(original.compilerErrors).toEqual([]);
  const module = original.load<CustomerModule>("src/customer.ts");

  const live = openAI({ baseURL: server.baseURL, apiKey: SECRET, model: "local-model", maxTokens: 512 });
  const recorded = await customerFlow(module, recording(live, { path: file, mode: "record" }));
  expect(recorded.customers).toHaveLength(4);
  expect(recorded.ages).toEqual([42, 41, 40, 39]);
  expect(recorded.found).toEqual(["c1"]);
  expect(server.requests).toHaveLength(6);
  // The key was really used on the wire...
  expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
  // ...and never reaches the file.
  const text = fs.readFileSync(file, "utf8");
  expect(text).not.toContain(SECRET);
  expect(text).not.toMatch(/authorization|bearer/i);

  // A reviewer reads each entry's stub, input and reply.
  const document = JSON.parse(text) as { llmStrategyRecording: number; entries: { stub: string; input: unknown; reply: { json?: unknown } }[] };
  expect(document.llmStrategyRecording).toBe(1);
  expect(document.entries).toHaveLength(6);
  expect(document.entries.map((entry) => entry.stub.replace(/:\d+ /, " "))).toEqual([
    "src/customer.ts Customer.age",
    "src/customer.ts Customer.age",
    "src/customer.ts Customer.age",
    "src/customer.ts Customer.age",
    "src/customer.ts CustomerDatabase.findCustomerKey",
    "src/customer.ts MockCustomerDatabase.createMockCustomers",
  ]);
  const create = document.entries[5]!;
  expect(create.input).toEqual({ numCustomers: 4 });
  expect((create.reply.json as { value: unknown[] }).value).toHaveLength(4);
  expect(text).toContain('\n  "entries": [\n    {\n      "stub": ');

  await server.close();
  const requestsBefore = server.requests.length;
  // Same model identity, dead endpoint: any request would fail.
  const dead = openAI({ baseURL: server.baseURL, apiKey: "another-key", model: "local-model", maxTokens: 512, maxRetries: 0 });
  const replayed = await customerFlow(module, recording(dead, { path: file, mode: "replay" }));
  expect(server.requests).toHaveLength(requestsBefore);

  expect(replayed.ages).toEqual(recorded.ages);
  expect(replayed.found).toEqual(recorded.found);
  expect(replayed.customers.every((customer) => customer instanceof module.Customer)).toBe(true);
  expect(replayed.customers.map((customer) => ({ ...customer }))).toEqual(recorded.customers.map((customer) => ({ ...customer })));
  expect(replayed.calls).toHaveLength(6);
  expect(replayed.calls.every((call) => call.attempts.every((attempt) => attempt.source === "replay"))).toBe(true);
  expect(recorded.calls.every((call) => call.attempts.every((attempt) => attempt.source === undefined))).toBe(true);
  // The replayed calls look like the recorded ones, down to mode and usage.
  const summary = (calls: CallInfo[]) =>
    calls.map((call) => ({ stub: call.stub, input: call.input, mode: call.mode, usage: call.usage, replies: call.attempts.map((attempt) => attempt.reply) }));
  expect(summary(replayed.calls).sort(byStub)).toEqual(summary(recorded.calls).sort(byStub));

  // Restart the server for the tests below.
  server = await startOpenAIServer(customerModel);
});

function byStub(a: { stub: string; input: unknown }, b: { stub: string; input: unknown }): number {
  return `${a.stub}${JSON.stringify(a.input)}`.localeCompare(`${b.stub}${JSON.stringify(b.input)}`);
}

test("after a stub's JSDoc changed and the file was rebuilt, replay names the stale stub and how to re-record", async () => {
  const edited = compile({ files: { "src/customer.ts": customerExampleSource({ ageDoc: "Return the current age of the customer in whole years, from `birthdate` and the year 2022." }) } });
  expect(edited.diagnostics).toEqual([]);
  const module = edited.load<CustomerModule>("src/customer.ts");
  const model = recording(openAI({ baseURL: server.baseURL, model: "local-model", maxTokens: 512 }), { path: file, mode: "replay" });

  // The stubs that did not change still replay.
  const database = await withCallOptions({ model }, async () => {
    const database = new module.MockCustomerDatabase();
    await database.load();
    return database;
  });
  expect(database.customers).toHaveLength(4);

  const error = await withCallOptions({ model }, () => database.customers[0]!.age).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RecordingMissError);
  const miss = error as RecordingMissError;
  expect(miss.reason).toBe("stale");
  expect(miss.stub).toMatch(/^src\/customer\.ts:\d+ Customer\.age$/);
  expect(miss.message).toContain("Customer.age");
  expect(miss.message).toContain("prompt or schema changed since it was recorded");
  expect(miss.message).toContain("LLM_STRATEGY_RECORDING=record");
  expect(miss.path).toBe(file);
  expect(server.requests).toHaveLength(0);
});

test("a stub moved to another line (a comment added above) still replays: lookups key on content, not position", async () => {
  const moved = compile({ files: { "src/customer.ts": `// A new first line moves every stub down.\n${customerExampleSource({ ageDoc: AGE_DOC })}` } });
  const module = moved.load<CustomerModule>("src/customer.ts");
  const model = recording(openAI({ baseURL: server.baseURL, model: "local-model", maxTokens: 512 }), { path: file, mode: "replay" });
  const replayed = await customerFlow(module, model);
  expect(replayed.ages).toEqual([42, 41, 40, 39]);
  expect(replayed.calls.every((call) => call.attempts[0]!.source === "replay")).toBe(true);
  expect(server.requests).toHaveLength(0);
});

test("auto mode re-records the edited stub in the next run: its stale entries are replaced, the others kept", async () => {
  const edited = compile({ files: { "src/customer.ts": customerExampleSource({ ageDoc: "Return the current age of the customer in whole years, from `birthdate` and the year 2022." }) } });
  const module = edited.load<CustomerModule>("src/customer.ts");
  const live = openAI({ baseURL: server.baseURL, model: "local-model", maxTokens: 512 });
  // The next run (a new process) reads the file fresh: hashes this process recorded for the same
  // stub (prompt variants of one run) are all kept, so the next run is modelled by another path.
  const nextRun = path.join(folder.dir, "__recordings__", "next-run.json");
  fs.copyFileSync(file, nextRun);
  const hashesBefore = entriesOf(nextRun).map((entry) => entry.hash);

  const result = await customerFlow(module, recording(live, { path: nextRun, mode: "auto" }));
  expect(result.ages).toEqual([42, 41, 40, 39]);
  // Only the four edited age calls went to the server.
  expect(server.requests).toHaveLength(4);
  expect(server.requests.every((request) => request.body.messages[0]!.content.startsWith("Return the current age of the customer in whole years"))).toBe(true);
  const sources = result.calls.map((call) => `${call.stub.replace(/^.* /, "")}:${call.attempts[0]!.source ?? "model"}`).sort();
  expect(sources).toEqual([
    "Customer.age:model",
    "Customer.age:model",
    "Customer.age:model",
    "Customer.age:model",
    "CustomerDatabase.findCustomerKey:replay",
    "MockCustomerDatabase.createMockCustomers:replay",
  ]);

  const after = entriesOf(nextRun);
  expect(after).toHaveLength(6);
  const ageHashes = new Set(after.filter((entry) => entry.stub.endsWith("Customer.age")).map((entry) => entry.hash));
  expect(ageHashes.size).toBe(1);
  expect(hashesBefore).not.toContain([...ageHashes][0]);
});

test("the environment variable wins over the mode in code", async () => {
  process.env.LLM_STRATEGY_RECORDING = "replay";
  try {
    const model = recording(openAI({ baseURL: server.baseURL, model: "another-model" }), { path: file, mode: "record" });
    expect(model.mode).toBe("replay");
    const module = original.load<CustomerModule>("src/customer.ts");
    const error = await withCallOptions({ model }, () => new module.MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecordingMissError);
    // Same stub, same hash, another model: the message says so.
    expect((error as RecordingMissError).reason).toBe("model");
    expect((error as Error).message).toContain("openai:another-model");
    expect(server.requests).toHaveLength(0);
  } finally {
    delete process.env.LLM_STRATEGY_RECORDING;
  }
});

function entriesOf(recordingFile: string): { stub: string; hash: string }[] {
  return (JSON.parse(fs.readFileSync(recordingFile, "utf8")) as { entries: { stub: string; hash: string }[] }).entries;
}
