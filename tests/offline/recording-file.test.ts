/**
 * The recording file: unreadable files are reported and never overwritten, concurrent calls
 * lose no entry, the output is deterministic, secrets stay out, misses say why.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ConfigurationError,
  OfflineFileError,
  openAI,
  recording,
  RecordingMissError,
  scriptedModel,
  withCallOptions,
  type CompletionRequest,
  type LanguageModel,
} from "../../runtime";
import { startOpenAIServer } from "../helpers/openai-server";
import { invoke } from "../../runtime";
import { Customer, customerAgeSpec, customerJson, customerModel, inputOf } from "../runtime/customer-specs";
import { bytesOf, delay, functionModel, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
const savedEnv = process.env.LLM_STRATEGY_RECORDING;
beforeEach(() => {
  delete process.env.LLM_STRATEGY_RECORDING;
  folder = temporaryFolder("recording-file");
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.LLM_STRATEGY_RECORDING;
  else process.env.LLM_STRATEGY_RECORDING = savedEnv;
  folder.remove();
});

function ageOf(request: CompletionRequest) {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { value: 2022 - Number(input.this.birthdate.slice(0, 4)) };
}

function customerBornIn(year: number, index = 0): Customer {
  return Object.assign(new Customer(), customerJson(index, year));
}

const age = (customer: Customer, model: LanguageModel): Promise<number> => withCallOptions({ model }, () => customer.age);

/** A model that must not be asked. */
const unreachable: LanguageModel = {
  id: "scripted",
  options: {},
  complete: () => Promise.reject(new Error("the model was asked although the reply should have come from the recording")),
};

describe("files that cannot be read", () => {
  const valid = async (file: string) => {
    await age(customerBornIn(1990), recording(scriptedModel(ageOf), { path: file, mode: "record" }));
    return fs.readFileSync(file, "utf8");
  };

  test.each([
    ["garbage", () => "this is not JSON {", /is not valid JSON/],
    ["a truncated file", (text: string) => text.slice(0, Math.floor(text.length / 2)), /is not valid JSON \(it looks cut off: truncated\)/],
    ["an empty file", () => "", /is empty/],
    ["another JSON document", () => '{ "name": "package" }', /is not an llm-strategy recording/],
    ["a newer format", () => '{ "llmStrategyRecording": 99, "entries": [] }', /has format 99, but this version of llm-strategy reads format 1/],
    ["an entry without a reply", (text: string) => text.replace(/"reply": \{[^}]*\{[^}]*\}[^}]*\}/, '"reply": {}'), /invalid entry at entries\[0\]: "reply" must have exactly one of "text"/],
  ])("%s: a clear OfflineFileError in every mode, and the file is left as it was", async (_name, damage, expected) => {
    const file = path.join(folder.dir, "broken.json");
    const text = await valid(file);
    fs.writeFileSync(file, damage(text));
    const before = bytesOf(file);
    for (const mode of ["replay", "auto", "record"] as const) {
      const error = await age(customerBornIn(1991), recording(scriptedModel(ageOf), { path: file, mode })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OfflineFileError);
      expect((error as OfflineFileError).path).toBe(file);
      expect((error as Error).message).toContain(`The recording file ${file}`);
      expect((error as Error).message).toMatch(expected);
      expect((error as Error).message).toContain("left unchanged");
      expect(bytesOf(file).equals(before)).toBe(true);
    }
    expect(fs.readdirSync(folder.dir)).toEqual(["broken.json"]);
  });
});

test("hundreds of concurrent calls through two recordings of one file lose no entry, then all replay", async () => {
  const file = path.join(folder.dir, "concurrent.json");
  const slowAge = functionModel(async (request) => {
    await delay(Math.random() * 20);
    return { text: JSON.stringify(ageOf(request)), finishReason: "stop" };
  }, { id: "scripted" });
  const first = recording(slowAge, { path: file, mode: "record" });
  const second = recording(slowAge, { path: file, mode: "auto" });
  const customers = Array.from({ length: 300 }, (_, index) => customerBornIn(1900 + (index % 100), index));
  const ages = await Promise.all(customers.map((customer, index) => age(customer, index % 2 ? first : second)));
  expect(ages).toEqual(customers.map((customer) => 2022 - Number(customer.birthdate.slice(0, 4))));
  await first.flush();

  const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: unknown[] }).entries;
  expect(entries).toHaveLength(300);
  // Atomic writes leave no temporary files behind.
  expect(fs.readdirSync(folder.dir)).toEqual(["concurrent.json"]);

  const replay = recording(unreachable, { path: file, mode: "replay" });
  await expect(Promise.all(customers.map((customer) => age(customer, replay)))).resolves.toEqual(ages);
});

test("entries another writer added to the file meanwhile are kept when this process records", async () => {
  const file = path.join(folder.dir, "shared.json");
  const model = recording(scriptedModel(ageOf), { path: file, mode: "auto" });
  await age(customerBornIn(1990), model);
  // Another writer (a person, another process) adds an entry for 1991 whose reply says 99.
  const document = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { input: { this: { birthdate: string } }; reply: { json: unknown } }[] };
  const added = JSON.parse(JSON.stringify(document.entries[0])) as (typeof document.entries)[number];
  added.input.this.birthdate = "1991-01-15";
  added.reply.json = { value: 99 };
  document.entries.push(added);
  fs.writeFileSync(file, JSON.stringify(document, null, 2));

  await age(customerBornIn(1992), model);
  const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: unknown[] }).entries;
  expect(entries).toHaveLength(3);
  await expect(age(customerBornIn(1991), recording(unreachable, { path: file, mode: "replay" }))).resolves.toBe(99);
});

test("one stub sending two prompts in one run (a tuned doc text, a chat turn) keeps the entries of both", async () => {
  const file = path.join(folder.dir, "variants.json");
  // What the runtime sends for a hyperparameter variant of a stub's doc text: same stub id, another prompt and hash.
  const variant = { ...customerAgeSpec, template: `Be brief. ${customerAgeSpec.template}`, hash: `${customerAgeSpec.hash}-variant` };
  const model = recording(scriptedModel(ageOf), { path: file, mode: "record" });
  const customer = customerBornIn(1990);
  await age(customer, model);
  await withCallOptions({ model }, () => invoke(variant, customer, []));
  await model.flush();
  const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { hash: string }[] }).entries;
  expect(entries.map((entry) => entry.hash).sort()).toEqual([customerAgeSpec.hash, variant.hash].sort());
  const replay = recording(unreachable, { path: file, mode: "replay" });
  await expect(age(customer, replay)).resolves.toBe(32);
  await expect(withCallOptions({ model: replay }, () => invoke(variant, customer, []))).resolves.toBe(32);
});

test("the file is deterministic: the same calls in another order give the same bytes", async () => {
  const customers = Array.from({ length: 20 }, (_, index) => customerBornIn(1950 + index, index));
  const record = async (file: string, order: Customer[]) => {
    const model = recording(scriptedModel(ageOf), { path: file, mode: "record" });
    await Promise.all(order.map((customer) => age(customer, model)));
    return fs.readFileSync(file, "utf8");
  };
  const forward = await record(path.join(folder.dir, "forward.json"), customers);
  const backward = await record(path.join(folder.dir, "backward.json"), [...customers].reverse());
  expect(backward).toBe(forward);
  expect(forward.endsWith("}\n")).toBe(true);
  // Recording again over the file changes nothing.
  expect(await record(path.join(folder.dir, "forward.json"), customers)).toBe(forward);
});

describe("secrets never reach the file", () => {
  test("an option named like a key in a custom model is redacted", async () => {
    const file = path.join(folder.dir, "custom.json");
    const model = functionModel((request) => ({ text: JSON.stringify(ageOf(request)) }), {
      id: "my-provider:small",
      options: { apiKey: "sk-custom-SECRET-1", authorization: "Bearer SECRET-2", temperature: 0 },
    });
    await age(customerBornIn(1990), recording(model, { path: file, mode: "record" }));
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toContain("SECRET");
    expect(text).toContain('"apiKey": "[redacted]"');
    expect(text).toContain('"temperature": 0');
  });

  test("openAI() reading OPENAI_API_KEY from the environment: the key is sent, not stored", async () => {
    const server = await startOpenAIServer(customerModel);
    const savedKey = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = "sk-env-SECRET-3";
    try {
      const file = path.join(folder.dir, "env.json");
      await age(customerBornIn(1990), recording(openAI({ baseURL: server.baseURL, model: "local-model" }), { path: file, mode: "record" }));
      expect(server.requests[0]!.headers.authorization).toBe("Bearer sk-env-SECRET-3");
      expect(fs.readFileSync(file, "utf8")).not.toContain("SECRET");
    } finally {
      if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = savedKey;
      await server.close();
    }
  });
});

describe("replay misses say why", () => {
  const missOf = async (file: string, customer: Customer, model: LanguageModel = unreachable) => {
    const error = await age(customer, recording(model, { path: file, mode: "replay" })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecordingMissError);
    return error as RecordingMissError;
  };

  test("no file, a stub never recorded, other inputs, other model options", async () => {
    const file = path.join(folder.dir, "misses.json");
    const noFile = await missOf(file, customerBornIn(1990));
    expect(noFile.reason).toBe("no-file");
    expect(noFile.message).toContain("does not exist");
    expect(noFile.message).toContain("Customer.age");
    expect(fs.existsSync(file)).toBe(false);

    await age(customerBornIn(1990), recording(scriptedModel(ageOf), { path: file, mode: "record" }));
    const otherInput = await missOf(file, customerBornIn(1991));
    expect(otherInput.reason).toBe("input");
    expect(otherInput.message).toContain('"birthdate":"1991-01-15"');
    expect(otherInput.message).toContain('"birthdate":"1990-01-15"');

    const warmer = { id: "scripted", options: { temperature: 1 }, complete: unreachable.complete };
    const otherOptions = await missOf(file, customerBornIn(1990), warmer);
    expect(otherOptions.reason).toBe("model");
    expect(otherOptions.message).toContain('{"temperature":1}');

    fs.writeFileSync(file, '{ "llmStrategyRecording": 1, "entries": [] }');
    expect((await missOf(file, customerBornIn(1990))).reason).toBe("stub");
  });

  test("a miss makes no request and names the file and the way to re-record", async () => {
    const file = path.join(folder.dir, "none.json");
    const model = scriptedModel(ageOf);
    const miss = await missOf(file, customerBornIn(1990), model);
    expect(model.requests).toHaveLength(0);
    expect(miss.path).toBe(file);
    expect(miss.message).toContain(file);
    expect(miss.message).toContain("LLM_STRATEGY_RECORDING=record");
  });
});

describe("modes", () => {
  test("auto replays what it has and records what it lacks; record asks again and replaces", async () => {
    const file = path.join(folder.dir, "modes.json");
    const model = scriptedModel(ageOf);
    const auto = recording(model, { path: file });
    expect(auto.mode).toBe("auto");
    await age(customerBornIn(1990), auto);
    await age(customerBornIn(1990), auto);
    expect(model.requests).toHaveLength(1);

    const liar = scriptedModel([{ value: 99 }]);
    await expect(age(customerBornIn(1990), recording(liar, { path: file, mode: "record" }))).resolves.toBe(99);
    await expect(age(customerBornIn(1990), recording(unreachable, { path: file, mode: "replay" }))).resolves.toBe(99);
    expect((JSON.parse(fs.readFileSync(file, "utf8")) as { entries: unknown[] }).entries).toHaveLength(1);
  });

  test("the environment variable: record, replay or auto, anything else is a ConfigurationError", () => {
    const file = path.join(folder.dir, "env.json");
    process.env.LLM_STRATEGY_RECORDING = "record";
    expect(recording(unreachable, { path: file, mode: "replay" }).mode).toBe("record");
    process.env.LLM_STRATEGY_RECORDING = "";
    expect(recording(unreachable, { path: file, mode: "replay" }).mode).toBe("replay");
    process.env.LLM_STRATEGY_RECORDING = "playback";
    expect(() => recording(unreachable, { path: file })).toThrow(ConfigurationError);
    expect(() => recording(unreachable, { path: file })).toThrow(/LLM_STRATEGY_RECORDING=playback is not a recording mode: use record, replay or auto/);
    delete process.env.LLM_STRATEGY_RECORDING;
    expect(() => recording(unreachable, { path: "" })).toThrow(/options.path/);
  });

  test("a recorded reply that is not compact JSON (a fenced reply) is kept as text, byte for byte", async () => {
    const file = path.join(folder.dir, "fenced.json");
    const fenced = '```json\n{ "value": 32 }\n```';
    await age(customerBornIn(1990), recording(scriptedModel([fenced]), { path: file, mode: "record" }));
    const entry = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { reply: { text?: string; json?: unknown } }[] }).entries[0]!;
    expect(entry.reply).toEqual({ text: fenced, finishReason: "stop", mode: "scripted" });
    let reply = "";
    await withCallOptions({ model: recording(unreachable, { path: file, mode: "replay" }), onCall: (info) => (reply = info.attempts[0]!.reply) }, () => customerBornIn(1990).age);
    expect(reply).toBe(fenced);
  });
});
