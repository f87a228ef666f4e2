/**
 * The SQLite cache across processes: two child processes writing one database at once leave it
 * complete and intact; a process without better-sqlite3 gets a ConfigurationError saying what
 * to install.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import Database from "better-sqlite3";
import { cached, withCallOptions, type LanguageModel } from "../../runtime";
import { REPO_ROOT } from "../helpers/compile";
import { Customer, customerJson } from "../runtime/customer-specs";
import { temporaryFolder } from "./helpers";

// Two child processes start ts-node each: seconds on a loaded machine.
jest.setTimeout(120_000);

let folder: ReturnType<typeof temporaryFolder>;
beforeEach(() => {
  folder = temporaryFolder("cache-processes");
});
afterEach(() => folder.remove());

function runChild(script: string, args: string[], preload: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const register = ["-r", "ts-node/register/transpile-only", ...preload.flatMap((file) => ["-r", file])];
  return new Promise((resolve) => {
    execFile(process.execPath, [...register, script, ...args], { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("two processes writing one cache at once: every entry there, the database intact, all readable", async () => {
  const file = path.join(folder.dir, "shared.sqlite");
  const writer = path.join(__dirname, "cache-writer-child.ts");
  const barrier = path.join(folder.dir, "barrier");
  require("node:fs").mkdirSync(barrier);
  // Customers 0..999 and 500..1499: 500 requests both processes make, 1500 distinct in all.
  const [first, second] = await Promise.all([runChild(writer, [file, "0", "1000", barrier, "2"]), runChild(writer, [file, "500", "1500", barrier, "2"])]);
  expect(first.stderr).toBe("");
  expect(second.stderr).toBe("");
  expect([first.code, second.code]).toEqual([0, 0]);
  const stats = [first, second].map((child) => JSON.parse(child.stdout) as { hits: number; misses: number; stores: number; startedAt: number; endedAt: number });
  expect(stats.every((stat) => stat.hits + stat.misses === 1000 && stat.stores === stat.misses)).toBe(true);
  // They wrote at the same time (each began before the other ended).
  expect(stats[0]!.startedAt).toBeLessThan(stats[1]!.endedAt);
  expect(stats[1]!.startedAt).toBeLessThan(stats[0]!.endedAt);

  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.prepare("SELECT count(*) AS n FROM replies").get()).toEqual({ n: 1500 });
    // The trigger-kept count the size bound reads agrees with the table.
    expect(db.prepare("SELECT entries FROM entry_count").get()).toEqual({ entries: 1500 });
  } finally {
    db.close();
  }

  // Every request is now a hit, with the right reply.
  const unreachable: LanguageModel = { id: "scripted", options: {}, complete: () => Promise.reject(new Error("not cached")) };
  const replies = cached(unreachable, { path: file });
  try {
    for (let index = 0; index < 1500; index++) {
      const customer = Object.assign(new Customer(), customerJson(index, 1900 + (index % 100)));
      await expect(withCallOptions({ model: replies }, () => customer.age)).resolves.toBe(2022 - (1900 + (index % 100)));
    }
    expect(replies.stats).toEqual({ hits: 1500, misses: 0, stores: 0 });
  } finally {
    replies.close();
  }
});

test("a new cache file another process holds locked while setting it up: opening waits for the lock (within busyTimeoutMs) instead of failing at once", async () => {
  // SQLite does not wait on its busy timeout when switching a file to WAL; two processes opening
  // a new cache together used to lose one of them to SQLITE_BUSY.
  const file = path.join(folder.dir, "held.sqlite");
  const holder = path.join(folder.dir, "holder.js");
  require("node:fs").writeFileSync(
    holder,
    `
const Database = require(${JSON.stringify(require.resolve("better-sqlite3"))});
const db = new Database(${JSON.stringify(file)});
db.exec("CREATE TABLE other (x); BEGIN IMMEDIATE; INSERT INTO other VALUES (1);");
process.stdout.write("locked\\n");
// Held for 1.5 s from when the test is about to open (told on stdin), however late that is.
process.stdin.once("data", () =>
  setTimeout(() => {
    db.exec("COMMIT");
    db.close();
    process.stdout.write("released " + Date.now() + "\\n");
    process.stdin.destroy();
  }, 1500),
);
`,
  );
  const child = execFile(process.execPath, [holder], { encoding: "utf8" });
  let output = "";
  child.stdout!.on("data", (chunk: string) => (output += chunk));
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  const replies = cached({ id: "scripted", options: {}, complete: () => Promise.reject(new Error("not called")) }, { path: file, busyTimeoutMs: 20_000 });
  try {
    const openedAt = Date.now();
    // Written at once (a pipe), before the open below blocks this process.
    child.stdin!.write("opening\n");
    expect(replies.size()).toBe(0);
    const answeredAt = Date.now();
    await new Promise((resolve) => child.on("close", resolve));
    const releasedAt = Number(/released (\d+)/.exec(output)?.[1]);
    // The open really met the lock and waited for it: it started before the other process let go
    // and was answered after.
    expect(openedAt).toBeLessThan(releasedAt);
    expect(answeredAt).toBeGreaterThanOrEqual(releasedAt);
  } finally {
    replies.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT count(*) AS n FROM other").get()).toEqual({ n: 1 });
  } finally {
    db.close();
  }
});

test("without better-sqlite3 installed, a disk cache is a ConfigurationError that says what to install; memory caches still work", async () => {
  const script = path.join(folder.dir, "no-sqlite.ts");
  const runtime = path.join(REPO_ROOT, "runtime");
  require("node:fs").writeFileSync(
    script,
    `
const { cached, ConfigurationError } = require(${JSON.stringify(runtime)});
const model = { id: "m", options: {}, complete: async () => ({ text: "{}" }) };
const memory = cached(model);
console.log("memory size " + memory.size());
const disk = cached(model, { path: ${JSON.stringify(path.join(folder.dir, "never.sqlite"))} });
try {
  disk.size();
  console.log("no error");
} catch (error) {
  console.log((error instanceof ConfigurationError ? "ConfigurationError: " : "other: ") + error.message);
}
`,
  );
  const result = await runChild(script, [], [path.join(__dirname, "hide-better-sqlite3.ts")]);
  expect(result.stderr).toBe("");
  expect(result.stdout).toContain("memory size 0");
  expect(result.stdout).toContain("ConfigurationError: cached({ path }) keeps replies in SQLite through the optional dependency better-sqlite3, which is not installed: npm install better-sqlite3@12");
  expect(require("node:fs").existsSync(path.join(folder.dir, "never.sqlite"))).toBe(false);
});
