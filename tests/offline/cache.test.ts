/**
 * cached(): hits skip the model and say so in the call's info, only accepted replies are
 * stored, TTL and the size bound work, in memory and in SQLite; cached() and recording() compose.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import {
  cached,
  ConfigurationError,
  LLMTruncatedError,
  recording,
  scriptedModel,
  withCallOptions,
  type CachedModel,
  type CallInfo,
  type CompletionRequest,
  type LanguageModel,
} from "../../runtime";
import { Customer, customerJson, inputOf } from "../runtime/customer-specs";
import { delay, functionModel, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
const open: CachedModel[] = [];
beforeEach(() => {
  folder = temporaryFolder("cache");
});
afterEach(() => {
  for (const cache of open.splice(0)) cache.close();
  folder.remove();
});

/** A cache closed after the test (SQLite files must be closed before their folder goes). */
function cache(model: LanguageModel, options: Parameters<typeof cached>[1] = {}): CachedModel {
  const created = cached(model, options);
  open.push(created);
  return created;
}

function ageOf(request: CompletionRequest) {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { value: 2022 - Number(input.this.birthdate.slice(0, 4)) };
}

const customerBornIn = (year: number, index = 0): Customer => Object.assign(new Customer(), customerJson(index, year));

async function age(customer: Customer, model: LanguageModel): Promise<{ age: number; info: CallInfo }> {
  let info: CallInfo | undefined;
  const value = await withCallOptions({ model, onCall: (call) => (info = call) }, () => customer.age);
  return { age: value, info: info! };
}

/** Everything jest can fake but the clock. */
const REAL_TIMERS: FakeTimersConfig["doNotFake"] = [
  "hrtime",
  "nextTick",
  "performance",
  "queueMicrotask",
  "setImmediate",
  "clearImmediate",
  "setInterval",
  "clearInterval",
  "setTimeout",
  "clearTimeout",
];

const unreachable: LanguageModel = {
  id: "scripted",
  options: {},
  complete: () => Promise.reject(new Error("the model was asked although the reply should have come from the cache")),
};

describe.each([
  ["in memory", () => undefined],
  ["in SQLite", () => path.join(folder.dir, "nested", "replies.sqlite")],
])("%s", (_where, file) => {
  test("a repeated request is answered from the cache: no request, source \"cache\", no tokens spent", async () => {
    const model = functionModel((request) => ({ text: JSON.stringify(ageOf(request)), usage: { promptTokens: 100, completionTokens: 5, totalTokens: 105 } }), {
      id: "scripted",
    });
    const replies = cache(model, { path: file() });
    const first = await age(customerBornIn(1990), replies);
    const second = await age(customerBornIn(1990), replies);
    expect([first.age, second.age]).toEqual([32, 32]);
    expect(model.requests).toHaveLength(1);
    expect(first.info.attempts[0]!.source).toBeUndefined();
    expect(first.info.usage.totalTokens).toBe(105);
    expect(second.info.attempts[0]!.source).toBe("cache");
    expect(second.info.usage.totalTokens).toBe(0);
    expect(replies.stats).toEqual({ hits: 1, misses: 1, stores: 1 });
    // Another input is another request.
    await age(customerBornIn(1991), replies);
    expect(model.requests).toHaveLength(2);
    expect(replies.size()).toBe(2);
  });

  test("an invalid reply is never stored; the valid repair reply is, under its own turns", async () => {
    const model = scriptedModel([{ value: "thirty-two" }, { value: 32 }, { value: 32 }]);
    const replies = cache(model, { path: file() });
    const first = await age(customerBornIn(1990), replies);
    expect(first.info.attempts.map((attempt) => attempt.errors.length > 0)).toEqual([true, false]);
    expect(replies.stats.stores).toBe(1);
    // The first request again: its invalid reply was not kept, so the model is asked.
    const second = await age(customerBornIn(1990), replies);
    expect(model.requests).toHaveLength(3);
    expect(second.info.attempts).toHaveLength(1);
    expect(second.info.attempts[0]!.source).toBeUndefined();
    // Now the first request has a valid reply stored.
    const third = await age(customerBornIn(1990), replies);
    expect(third.info.attempts[0]!.source).toBe("cache");
    expect(model.requests).toHaveLength(3);
    expect(replies.size()).toBe(2);
  });

  test("a reply cut off by the token limit is not stored", async () => {
    const model = functionModel((request) => ({ text: JSON.stringify(ageOf(request)), finishReason: "length" }), { id: "scripted" });
    const replies = cache(model, { path: file() });
    await expect(age(customerBornIn(1990), replies)).rejects.toBeInstanceOf(LLMTruncatedError);
    await expect(age(customerBornIn(1990), replies)).rejects.toBeInstanceOf(LLMTruncatedError);
    expect(model.requests).toHaveLength(2);
    expect(replies.size()).toBe(0);
  });

  test("entries expire ttlMs after they were stored", async () => {
    // Only the clock is ours (timers and I/O stay real): on a loaded machine the second call
    // could otherwise come more than ttlMs after the first and miss.
    jest.useFakeTimers({ doNotFake: REAL_TIMERS });
    try {
      const model = scriptedModel(ageOf);
      const replies = cache(model, { path: file(), ttlMs: 150 });
      await age(customerBornIn(1990), replies);
      jest.setSystemTime(Date.now() + 149);
      await age(customerBornIn(1990), replies);
      expect(model.requests).toHaveLength(1);
      jest.setSystemTime(Date.now() + 1);
      const expired = await age(customerBornIn(1990), replies);
      expect(expired.info.attempts[0]!.source).toBeUndefined();
      expect(model.requests).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test("beyond maxEntries the least recently used reply goes", async () => {
    const model = scriptedModel(ageOf);
    const replies = cache(model, { path: file(), maxEntries: 2 });
    const [a, b, c] = [customerBornIn(1970, 0), customerBornIn(1980, 1), customerBornIn(1990, 2)];
    await age(a, replies);
    await delay(5);
    await age(b, replies);
    await delay(5);
    expect((await age(a, replies)).info.attempts[0]!.source).toBe("cache"); // a is now the most recent
    await delay(5);
    await age(c, replies); // evicts b
    expect(replies.size()).toBe(2);
    expect(model.requests).toHaveLength(3);
    expect((await age(a, replies)).info.attempts[0]!.source).toBe("cache");
    expect((await age(b, replies)).info.attempts[0]!.source).toBeUndefined();
    expect(model.requests).toHaveLength(4);
  });
});

describe("SQLite", () => {
  test("persists across cache instances (another run) and keys on the model's options", async () => {
    const file = path.join(folder.dir, "replies.sqlite");
    const first = cached(scriptedModel(ageOf), { path: file });
    await age(customerBornIn(1990), first);
    first.close();

    const later = cache(unreachable, { path: file });
    expect((await age(customerBornIn(1990), later)).info.attempts[0]!.source).toBe("cache");
    expect(later.path).toBe(file);

    const warmer = scriptedModel(ageOf);
    const otherOptions = cache({ ...warmer, id: warmer.id, options: { temperature: 1 }, complete: (request) => warmer.complete(request) }, { path: file });
    await age(customerBornIn(1990), otherOptions);
    expect(warmer.requests).toHaveLength(1);

    // Readable with any SQLite tool: a person can see what is cached for which stub.
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare("SELECT stub, hash, model FROM replies ORDER BY created_at").all();
      expect(rows).toEqual([
        { stub: "src/customer.ts:8 Customer.age", hash: "age0000000000001", model: "scripted" },
        { stub: "src/customer.ts:8 Customer.age", hash: "age0000000000001", model: "scripted" },
      ]);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
    otherOptions.clear();
    expect(later.size()).toBe(0);
  });

  // Damaged, unwritable and deleted cache files: cache-fail-open.test.ts.
  test("a failure to store an accepted reply is one warning; the caller still gets the value", async () => {
    const file = path.join(folder.dir, "replies.sqlite");
    let replies: CachedModel | undefined;
    const model = functionModel(async (request) => {
      replies!.size(); // opens the database
      replies!.close(); // ...and closes it before the reply is stored
      return { text: JSON.stringify(ageOf(request)) };
    }, { id: "scripted" });
    replies = cached(model, { path: file });
    // Jest's sandboxed `process` does not receive the real process's "warning" events; watch the call instead.
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      await expect(withCallOptions({ model: replies }, () => customerBornIn(1990).age)).resolves.toBe(32);
      const messages = emitWarning.mock.calls.map(([message]) => String(message));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain("could not write the reply cache");
      expect(messages[0]).toContain(file);
      expect(emitWarning.mock.calls[0]![1]).toEqual(expect.objectContaining({ code: "LLM_STRATEGY_CACHE_UNAVAILABLE" }));
    } finally {
      emitWarning.mockRestore();
    }
    expect(replies.stats.stores).toBe(0);
  });
});

test("options are checked when the cache is made", () => {
  expect(() => cached(unreachable, { ttlMs: 0 })).toThrow(ConfigurationError);
  expect(() => cached(unreachable, { ttlMs: -5 })).toThrow(/ttlMs must be a positive number of milliseconds/);
  expect(() => cached(unreachable, { maxEntries: 0 })).toThrow(/maxEntries must be a whole number >= 1/);
  expect(() => cached(unreachable, { maxEntries: 2.5 })).toThrow(ConfigurationError);
  expect(() => cached(unreachable, { path: "" })).toThrow(/path must be a file path/);
  expect(() => cached({} as LanguageModel)).toThrow(/must be a LanguageModel/);
});

describe("with recording()", () => {
  test("recording(cached(model)): every request reaches the recording, cache hits included; replay needs no cache", async () => {
    const file = path.join(folder.dir, "recorded.json");
    const model = scriptedModel([{ value: "thirty-two" }, { value: 32 }]);
    const replies = cache(model);
    const recorder = recording(replies, { path: file, mode: "record" });
    expect(recorder.id).toBe(model.id);
    await age(customerBornIn(1990), recorder);
    // The invalid first reply was recorded (a replay must repeat the repair) but not cached.
    const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { turns?: unknown[] }[] }).entries;
    expect(entries.map((entry) => entry.turns?.length ?? 0)).toEqual([0, 2]);
    expect(replies.size()).toBe(1);

    const replayed = await age(customerBornIn(1990), recording(cache(unreachable), { path: file, mode: "replay" }));
    expect(replayed.age).toBe(32);
    expect(replayed.info.attempts.map((attempt) => attempt.source)).toEqual(["replay", "replay"]);
  });

  test("a persistent cache around a recording that records is warned about (its hits would never be recorded)", () => {
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const file = path.join(folder.dir, "recorded.json");
      cache(recording(unreachable, { path: file, mode: "replay" }), { path: path.join(folder.dir, "a.sqlite") });
      cache(recording(unreachable, { path: file, mode: "auto" }));
      expect(emitWarning).not.toHaveBeenCalled();
      cache(recording(unreachable, { path: file, mode: "auto" }), { path: path.join(folder.dir, "b.sqlite") });
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(String(emitWarning.mock.calls[0]![0])).toContain("Put the recording outside: recording(cached(model, { path }), { path: ... })");
    } finally {
      emitWarning.mockRestore();
    }
  });

  test("cached(recording(model)): a replayed reply is cached, so the recording is read once", async () => {
    const file = path.join(folder.dir, "recorded.json");
    await age(customerBornIn(1990), recording(scriptedModel(ageOf), { path: file, mode: "record" }));
    const replies = cache(recording(unreachable, { path: file, mode: "replay" }));
    const first = await age(customerBornIn(1990), replies);
    const second = await age(customerBornIn(1990), replies);
    expect(first.info.attempts[0]!.source).toBe("replay");
    expect(second.info.attempts[0]!.source).toBe("cache");
  });
});
