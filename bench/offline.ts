/**
 * Offline benchmark, all in the same run, against an instant local OpenAI-compatible server:
 *
 * 1. Per stub call: a live call through `openAI()` (the baseline) vs a replay from a recording
 *    file, a cache hit in memory and a cache hit in SQLite, plus the runtime's own work with an
 *    in-process model (what no wrapper can go below). Medians over rounds of calls.
 * 2. Cost of a miss that stores its reply in SQLite (a write transaction), vs a live call.
 * 3. On-disk size per 1,000 cached calls (SQLite file, WAL checkpointed) and per 1,000
 *    recorded calls (recording JSON), for a small and a larger reply.
 *
 * Run: `npm run bench:offline` (`--quick` runs fewer rounds).
 */
import * as fs from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import Database from "better-sqlite3";
import { cached, openAI, recording, withCallOptions, type CachedModel, type Completion, type LanguageModel } from "../runtime";
import { startOpenAIServer, type OpenAIServer } from "../tests/helpers/openai-server";
import { Customer, customerJson, MockCustomerDatabase } from "../tests/runtime/customer-specs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 5 : 11;
const CALLS_PER_ROUND = QUICK ? 300 : 1000;
const DISTINCT = 1000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (value: number, digits = 1) => value.toFixed(digits);

const customers = Array.from({ length: DISTINCT }, (_, index) => Object.assign(new Customer(), customerJson(index, 1900 + (index % 100))));
const threeCustomers = JSON.stringify({ value: [customerJson(0), customerJson(1), customerJson(2)] });

interface Case {
  name: string;
  /** The i-th distinct call of the case. */
  call: (index: number) => Promise<unknown>;
}
const cases: Case[] = [
  { name: "Customer.age (reply: a number)", call: (index) => customers[index % DISTINCT]!.age },
  // Distinct inputs by count, so each call is its own entry.
  { name: "createMockCustomers(n) (reply: 3 customers)", call: (index) => MockCustomerDatabase.createMockCustomers(1 + (index % DISTINCT)) },
];

/** Median per-call time in microseconds, calls made one after another under `model`. */
async function perCall(model: LanguageModel, run: (index: number) => Promise<unknown>): Promise<number> {
  return withCallOptions({ model }, async () => {
    for (let warm = 0; warm < Math.min(300, DISTINCT); warm++) await run(warm);
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      for (let call = 0; call < CALLS_PER_ROUND; call++) await run(call);
      rounds.push(((performance.now() - started) / CALLS_PER_ROUND) * 1000);
    }
    return median(rounds);
  });
}

/** Runs every distinct call of a case once (to record or fill a cache). */
async function fill(model: LanguageModel, run: (index: number) => Promise<unknown>, count = DISTINCT): Promise<void> {
  await withCallOptions({ model }, async () => {
    for (let index = 0; index < count; index++) await run(index);
  });
}

async function main(): Promise<void> {
  const server: OpenAIServer = await startOpenAIServer((request) => ({
    content: request.body.messages[0]!.content.startsWith("Create") ? threeCustomers : JSON.stringify({ value: 42 }),
  }));
  const folder = fs.mkdtempSync(path.join(tmpdir(), "llm-strategy-bench-offline-"));
  const toClose: CachedModel[] = [];
  try {
    console.log(`llm-strategy offline benchmark (${QUICK ? "quick" : "full"}): Node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((value) => fmt(value, 2)).join(" ")}`);
    console.log(`\n1. Per stub call, medians of ${ROUNDS} rounds of ${CALLS_PER_ROUND} sequential calls over ${DISTINCT} distinct inputs`);
    const live = () => openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench", maxRetries: 0 });
    const rows: string[][] = [];
    for (const stubCase of cases) {
      const file = path.join(folder, `recording-${cases.indexOf(stubCase)}.json`);
      await fill(recording(live(), { path: file, mode: "record" }), stubCase.call);
      const replay = recording(live(), { path: file, mode: "replay" });

      const memory = cached(live(), { maxEntries: DISTINCT });
      await fill(memory, stubCase.call);
      const sqlite = cached(live(), { path: path.join(folder, `hits-${cases.indexOf(stubCase)}.sqlite`) });
      toClose.push(sqlite);
      await fill(sqlite, stubCase.call);

      const inProcess: LanguageModel = {
        id: "fixed",
        options: {},
        complete: async (request): Promise<Completion> => ({ text: request.spec.id.includes("createMockCustomers") ? threeCustomers : JSON.stringify({ value: 42 }), finishReason: "stop" }),
      };

      const requestsBefore = server.requests.length;
      const liveUs = await perCall(live(), stubCase.call);
      const liveRequests = server.requests.length - requestsBefore;
      const replayUs = await perCall(replay, stubCase.call);
      const memoryUs = await perCall(memory, stubCase.call);
      const sqliteUs = await perCall(sqlite, stubCase.call);
      const ownUs = await perCall(inProcess, stubCase.call);
      const offlineRequests = server.requests.length - requestsBefore - liveRequests;
      if (offlineRequests !== 0) throw new Error(`${offlineRequests} requests reached the server during replay/cache runs: the benchmark would measure the network`);
      if (memory.stats.misses !== DISTINCT || sqlite.stats.misses !== DISTINCT) throw new Error("cache runs missed: the benchmark would measure the network");

      rows.push([stubCase.name, "live call (openAI, local HTTP)", fmt(liveUs), "1.00x"]);
      rows.push(["", "replay (recording file)", fmt(replayUs), ratio(replayUs, liveUs)]);
      rows.push(["", "cache hit, memory", fmt(memoryUs), ratio(memoryUs, liveUs)]);
      rows.push(["", "cache hit, SQLite", fmt(sqliteUs), ratio(sqliteUs, liveUs)]);
      rows.push(["", "in-process model (runtime's own work)", fmt(ownUs), ratio(ownUs, liveUs)]);
      rows.push([
        "",
        `  -> lookup cost over the runtime's own work: replay ${fmt(replayUs - ownUs)} us, memory ${fmt(memoryUs - ownUs)} us, SQLite ${fmt(sqliteUs - ownUs)} us`,
        "",
        "",
      ]);
    }
    printTable(["stub", "how answered", "us/call", "vs live"], rows);

    console.log(`\n2. Cost of a miss that stores its reply in SQLite, measured with the in-process model (no network noise); ${CALLS_PER_ROUND} distinct calls per round, a new database per round`);
    {
      const stubCase = cases[0]!;
      const inProcess: LanguageModel = { id: "fixed", options: {}, complete: async (): Promise<Completion> => ({ text: JSON.stringify({ value: 42 }), finishReason: "stop" }) };
      const alone: number[] = [];
      const storing: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        let started = performance.now();
        await fill(inProcess, stubCase.call, CALLS_PER_ROUND);
        alone.push(((performance.now() - started) / CALLS_PER_ROUND) * 1000);
        const sqlite = cached(inProcess, { path: path.join(folder, `misses-${round}.sqlite`) });
        toClose.push(sqlite);
        sqlite.size(); // opening the database is not part of a call
        started = performance.now();
        await fill(sqlite, stubCase.call, CALLS_PER_ROUND);
        storing.push(((performance.now() - started) / CALLS_PER_ROUND) * 1000);
        if (sqlite.stats.stores !== CALLS_PER_ROUND) throw new Error("not every miss was stored");
      }
      const storeUs = median(storing) - median(alone);
      const liveUs = await perCall(live(), stubCase.call);
      console.log(
        `   in-process call ${fmt(median(alone))} us; through cached({ path }) storing each reply ${fmt(median(storing))} us -> +${fmt(storeUs)} us per stored reply, ` +
          `${fmt((storeUs / liveUs) * 100, 1)}% of a live call to the instant local server (${fmt(liveUs)} us)`,
      );
    }

    console.log(`\n3. On-disk size per 1,000 calls`);
    const sizeRows: string[][] = [];
    for (const stubCase of cases) {
      const index = cases.indexOf(stubCase);
      const sqliteFile = path.join(folder, `hits-${index}.sqlite`);
      toClose.find((cache) => cache.path === sqliteFile)?.close();
      // Fold the WAL into the database file, as on a clean close, so the file size is the data's.
      const db = new Database(sqliteFile);
      db.pragma("wal_checkpoint(TRUNCATE)");
      const entries = (db.prepare("SELECT count(*) AS n FROM replies").get() as { n: number }).n;
      db.close();
      const sqliteBytes = sizeOf(sqliteFile) + sizeOf(`${sqliteFile}-wal`);
      const jsonBytes = sizeOf(path.join(folder, `recording-${index}.json`));
      sizeRows.push([stubCase.name, `${entries}`, kb((sqliteBytes / entries) * 1000), kb((jsonBytes / DISTINCT) * 1000)]);
    }
    printTable(["stub", "entries", "SQLite cache", "recording JSON"], sizeRows);
    console.log(`   (the recording keeps each call's full input and a pretty-printed reply, for review; the cache keeps a key and the raw reply)`);
  } finally {
    for (const cache of toClose) cache.close();
    await server.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

function ratio(value: number, baseline: number): string {
  return `${fmt(value / baseline, 2)}x`;
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${fmt(bytes / 1024 / 1024, 2)} MB` : `${fmt(bytes / 1024, 0)} KB`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.filter((row) => !row[1]?.startsWith("  ->")).map((row) => row[column]!.length)));
  const line = (cells: string[]) => `   ${cells.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join("  ")}`;
  console.log(line(header));
  for (const row of rows) console.log(row[1]?.startsWith("  ->") ? `   ${" ".repeat(widths[0]!)}${row[1]}` : line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
