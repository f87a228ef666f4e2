/**
 * A repair conversation recorded against the local server replays round by round: each
 * request of the repair loop is its own entry, keyed by the turns before it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LLMOutputError, openAI, recording, RecordingMissError, withCallOptions, type CallInfo } from "../../runtime";
import { startOpenAIServer, replyJson, type OpenAIServer } from "../helpers/openai-server";
import { Customer, customerJson, inputOf, MockCustomerDatabase } from "../runtime/customer-specs";
import { temporaryFolder } from "./helpers";

let server: OpenAIServer;
let folder: ReturnType<typeof temporaryFolder>;
const savedEnv = process.env.LLM_STRATEGY_RECORDING;

/** First request: the age as words (invalid); a repair request: the number. */
function wordsThenNumber(request: Parameters<Parameters<typeof startOpenAIServer>[0]>[0]) {
  const input = inputOf(request.body.messages[0]!.content) as { this: { birthdate: string } };
  const age = 2022 - Number(input.this.birthdate.slice(0, 4));
  return replyJson(request, request.body.messages.length > 1 ? { value: age } : { value: `${age} years` });
}

beforeAll(async () => {
  delete process.env.LLM_STRATEGY_RECORDING;
  server = await startOpenAIServer(wordsThenNumber);
  folder = temporaryFolder("recording-repair");
});
afterAll(async () => {
  if (savedEnv !== undefined) process.env.LLM_STRATEGY_RECORDING = savedEnv;
  await server.close();
  folder.remove();
});

async function ageWithInfo(customer: Customer, model: Parameters<typeof withCallOptions>[0]["model"]): Promise<{ age: number; info: CallInfo }> {
  let info: CallInfo | undefined;
  const age = await withCallOptions({ model, onCall: (call) => (info = call) }, () => customer.age);
  return { age, info: info! };
}

test("an invalid reply, its repair request and the valid reply replay exactly, with no server", async () => {
  const file = path.join(folder.dir, "repair.json");
  const customer = Object.assign(new Customer(), customerJson(2, 1990));
  const live = openAI({ baseURL: server.baseURL, model: "local-model", mode: "json" });

  const recorded = await ageWithInfo(customer, recording(live, { path: file, mode: "record" }));
  expect(recorded.age).toBe(32);
  expect(recorded.info.attempts).toHaveLength(2);
  expect(recorded.info.attempts[0]!.errors[0]).toContain("value");
  expect(server.requests).toHaveLength(2);

  const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { turns?: { role: string; content: string }[]; reply: { json?: unknown } }[] }).entries;
  expect(entries).toHaveLength(2);
  expect(entries[0]!.turns).toBeUndefined();
  expect(entries[0]!.reply.json).toEqual({ value: "32 years" });
  // The repair entry shows the conversation that led to it: the failed reply, then the errors sent back.
  expect(entries[1]!.turns!.map((turn) => turn.role)).toEqual(["assistant", "user"]);
  expect(entries[1]!.turns![0]!.content).toBe('{"value":"32 years"}');
  expect(entries[1]!.turns![1]!.content).toBe(server.requests[1]!.body.messages[2]!.content);
  expect(entries[1]!.reply.json).toEqual({ value: 32 });

  await server.close();
  const replayed = await ageWithInfo(customer, recording(openAI({ baseURL: server.baseURL, model: "local-model", mode: "json", maxRetries: 0 }), { path: file, mode: "replay" }));
  expect(replayed.age).toBe(32);
  // Same attempts, same errors, same usage: the repair loop ran the same way on the recorded replies.
  const strip = (info: CallInfo) => info.attempts.map(({ source: _source, ...attempt }) => attempt);
  expect(strip(replayed.info)).toEqual(strip(recorded.info));
  expect(replayed.info.attempts.map((attempt) => attempt.source)).toEqual(["replay", "replay"]);
  expect(replayed.info.usage).toEqual(recorded.info.usage);
  server = await startOpenAIServer(wordsThenNumber);
});

test("a recorded invalid reply edited by hand leads to another repair request: replay says the conversation differs", async () => {
  const file = path.join(folder.dir, "edited.json");
  const customer = Object.assign(new Customer(), customerJson(3, 1985));
  const live = openAI({ baseURL: server.baseURL, model: "local-model", mode: "json" });
  await ageWithInfo(customer, recording(live, { path: file, mode: "record" }));

  const document = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { turns?: unknown; reply: { json?: unknown } }[] };
  document.entries[0]!.reply.json = { value: "thirty-seven" };
  fs.writeFileSync(file, JSON.stringify(document, null, 2));

  const replay = recording(openAI({ baseURL: server.baseURL, model: "local-model", mode: "json" }), { path: file, mode: "replay" });
  const error = await ageWithInfo(customer, replay).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RecordingMissError);
  expect((error as RecordingMissError).reason).toBe("conversation");
  expect((error as Error).message).toContain("repair request");
});

test("a call whose every reply was invalid replays to the same LLMOutputError", async () => {
  const file = path.join(folder.dir, "always-invalid.json");
  server.setHandler((request) => replyJson(request, { value: "no idea" }));
  try {
    const customer = Object.assign(new Customer(), customerJson(1, 1970));
    const live = openAI({ baseURL: server.baseURL, model: "local-model", mode: "json" });
    const first = await withCallOptions({ model: recording(live, { path: file, mode: "record" }) }, () => customer.age).catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(LLMOutputError);
    const requests = server.requests.length;

    const again = await withCallOptions({ model: recording(live, { path: file, mode: "replay" }) }, () => customer.age).catch((caught: unknown) => caught);
    expect(again).toBeInstanceOf(LLMOutputError);
    expect((again as LLMOutputError).attempts.map((attempt) => attempt.reply)).toEqual((first as LLMOutputError).attempts.map((attempt) => attempt.reply));
    expect((again as LLMOutputError).attempts.map((attempt) => attempt.errors)).toEqual((first as LLMOutputError).attempts.map((attempt) => attempt.errors));
    expect(server.requests.length).toBe(requests);
  } finally {
    server.setHandler(wordsThenNumber);
  }
});

test("strict structured output: a recorded null for an absent optional field replays as absent, and revived classes come back", async () => {
  const { customerModel } = await import("../runtime/customer-specs");
  server.setHandler(customerModel);
  const file = path.join(folder.dir, "strict.json");
  try {
    const live = openAI({ baseURL: server.baseURL, model: "local-model", mode: "structured" });
    const load = async (mode: "record" | "replay") =>
      withCallOptions({ model: recording(live, { path: file, mode }) }, async () => {
        const database = new MockCustomerDatabase();
        await database.load();
        return database.customers;
      });
    const recorded = await load("record");
    const sent = fs.readFileSync(file, "utf8");
    expect(sent).toContain('"nickname": null');
    expect(sent).toContain('"nullMeansAbsent": true');
    const replayed = await load("replay");
    expect(replayed.every((customer) => customer instanceof Customer && !("nickname" in customer))).toBe(true);
    expect(replayed.map((customer) => ({ ...customer }))).toEqual(recorded.map((customer) => ({ ...customer })));
  } finally {
    server.setHandler(wordsThenNumber);
  }
});
