/**
 * A persistent cache fails open: a cache file that cannot be opened, read or written never fails
 * a stub call. The call goes to the model, one process warning says why, and a damaged file is
 * left exactly as it was. A file deleted while in use is created anew.
 *
 * Tests run as root, where permission bits stop nothing; an unwritable place is made in ways
 * that stop root too: a path under a regular file (its "folder" cannot be created: ENOTDIR),
 * a path that is itself a directory, and a read-only folder (mode 555) used by a child process
 * running as `nobody` (as the current user when the tests do not run as root).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import { cached, scriptedModel, withCallOptions, type CachedModel, type CallInfo, type CompletionRequest, type LanguageModel } from "../../runtime";
import { REPO_ROOT } from "../helpers/compile";
import { Customer, customerJson, inputOf } from "../runtime/customer-specs";
import { bytesOf, temporaryFolder } from "./helpers";

let folder: ReturnType<typeof temporaryFolder>;
const open: CachedModel[] = [];
let emitWarning: jest.SpyInstance;
beforeEach(() => {
  folder = temporaryFolder("cache-fail-open");
  // Jest's sandboxed `process` does not receive the real process's "warning" events; watch the call instead.
  emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
});
afterEach(() => {
  emitWarning.mockRestore();
  for (const cache of open.splice(0)) cache.close();
  folder.remove();
});

function cache(model: LanguageModel, file: string): CachedModel {
  const created = cached(model, { path: file });
  open.push(created);
  return created;
}

function ageOf(request: CompletionRequest) {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { value: 2022 - Number(input.this.birthdate.slice(0, 4)) };
}

const customerBornIn = (year: number): Customer => Object.assign(new Customer(), customerJson(0, year));

async function age(year: number, model: LanguageModel): Promise<{ age: number; info: CallInfo }> {
  let info: CallInfo | undefined;
  const value = await withCallOptions({ model, onCall: (call) => (info = call) }, () => customerBornIn(year).age);
  return { age: value, info: info! };
}

function warnings(): { message: string; code: unknown }[] {
  return emitWarning.mock.calls.map(([message, options]) => ({ message: String(message), code: (options as { code?: unknown } | undefined)?.code }));
}

const unreachable: LanguageModel = { id: "scripted", options: {}, complete: () => Promise.reject(new Error("the model was asked although the cache had the reply")) };

describe("a damaged cache file: calls go to the model, one warning, the file untouched", () => {
  test.each([
    ["garbage", (file: string) => fs.writeFileSync(file, "this is not a database, just some text ".repeat(200))],
    [
      "a truncated database",
      (file: string) => {
        const db = new Database(file);
        db.exec("CREATE TABLE filler (text TEXT); ");
        const insert = db.prepare("INSERT INTO filler VALUES (?)");
        // One transaction: 2000 separate ones take seconds of fsync on a busy disk.
        db.transaction(() => {
          for (let index = 0; index < 2000; index++) insert.run(`row ${index} `.repeat(20));
        })();
        db.close();
        fs.truncateSync(file, Math.floor(fs.statSync(file).size / 3));
      },
    ],
  ])("%s", async (_name, damage) => {
    const file = path.join(folder.dir, "broken.sqlite");
    damage(file);
    const before = bytesOf(file);
    const model = scriptedModel(ageOf);
    const replies = cache(model, file);

    const first = await age(1990, replies);
    const second = await age(1990, replies);
    expect([first.age, second.age]).toEqual([32, 32]);
    // No cache: both calls were asked of the model, neither came from the cache.
    expect(model.requests).toHaveLength(2);
    expect(first.info.attempts[0]!.source).toBeUndefined();
    expect(replies.stats).toEqual({ hits: 0, misses: 2, stores: 0 });

    const said = warnings();
    expect(said).toHaveLength(1);
    expect(said[0]!.code).toBe("LLM_STRATEGY_CACHE_UNAVAILABLE");
    expect(said[0]!.message).toContain(`The reply cache ${file}`);
    expect(said[0]!.message).toMatch(/not a readable SQLite database \(SQLITE_(NOTADB|CORRUPT)/);
    expect(said[0]!.message).toContain("go to the model without it");
    expect(bytesOf(file).equals(before)).toBe(true);
    // No journal, WAL or shared-memory file was made beside it.
    expect(fs.readdirSync(folder.dir)).toEqual(["broken.sqlite"]);
  });
});

describe("a cache that cannot be created: calls go to the model, one warning", () => {
  test("its folder would be under a regular file (ENOTDIR, which stops root too)", async () => {
    const blocker = path.join(folder.dir, "a-file");
    fs.writeFileSync(blocker, "not a folder");
    const file = path.join(blocker, "cache", "replies.sqlite");
    const model = scriptedModel(ageOf);
    const replies = cache(model, file);
    expect((await age(1990, replies)).age).toBe(32);
    expect((await age(1991, replies)).age).toBe(31);
    expect(model.requests).toHaveLength(2);
    const said = warnings();
    expect(said).toHaveLength(1);
    expect(said[0]!.message).toContain(file);
    expect(said[0]!.message).toContain("ENOTDIR");
    expect(fs.readFileSync(blocker, "utf8")).toBe("not a folder");
  });

  test("its path is a directory", async () => {
    const file = path.join(folder.dir, "replies.sqlite");
    fs.mkdirSync(file);
    const model = scriptedModel(ageOf);
    expect((await age(1990, cache(model, file))).age).toBe(32);
    expect(model.requests).toHaveLength(1);
    const said = warnings();
    expect(said).toHaveLength(1);
    expect(said[0]!.message).toContain(`The reply cache ${file}`);
    expect(fs.readdirSync(file)).toEqual([]);
  });
});

test("a cache file deleted while in use: the next call goes to the model, one warning, and the cache is made anew", async () => {
  const file = path.join(folder.dir, "replies.sqlite");
  const model = scriptedModel(ageOf);
  const replies = cache(model, file);
  await age(1990, replies);
  expect((await age(1990, replies)).info.attempts[0]!.source).toBe("cache");

  for (const name of fs.readdirSync(folder.dir)) fs.rmSync(path.join(folder.dir, name));
  // 1990 was held in the open connection's unlinked file; 1991 is new and stored in the new file.
  expect((await age(1991, replies)).age).toBe(31);
  const said = warnings();
  expect(said).toHaveLength(1);
  expect(said[0]!.message).toContain(`the reply cache ${file} was deleted or replaced while in use`);
  expect(fs.existsSync(file)).toBe(true);

  const later = cache(unreachable, file);
  expect((await age(1991, later)).info.attempts[0]!.source).toBe("cache");
  expect(model.requests).toHaveLength(2);
});

test("a healthy cache gives no warning", async () => {
  const model = scriptedModel(ageOf);
  const replies = cache(model, path.join(folder.dir, "fine", "replies.sqlite"));
  await age(1990, replies);
  await age(1990, replies);
  expect(replies.stats).toEqual({ hits: 1, misses: 1, stores: 1 });
  expect(warnings()).toEqual([]);
});

test("a read-only folder (a real one, for a user who is not root): the cache is skipped with one warning; recording there fails before the model is asked", async () => {
  const readOnly = path.join(folder.dir, "read-only");
  fs.mkdirSync(readOnly);
  // A cache that already holds the reply, made while the folder was writable.
  const cacheFile = path.join(readOnly, "replies.sqlite");
  const warm = cached(scriptedModel(ageOf), { path: cacheFile });
  await age(1990, warm);
  warm.close();
  const before = bytesOf(cacheFile);
  fs.chmodSync(folder.dir, 0o755);
  fs.chmodSync(readOnly, 0o555);
  const recordingFile = path.join(readOnly, "recording.json");

  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "read-only-child.ts"), cacheFile, recordingFile],
      { cwd: REPO_ROOT, ...asNobody, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json"), LLM_STRATEGY_RECORDING: "" } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  fs.chmodSync(readOnly, 0o755);
  // Node prints the warning on stderr too; anything else there is a failure.
  expect({ code: result.code, stderr: result.stderr.replace(/^\(node:\d+\) \[LLM_STRATEGY_CACHE_UNAVAILABLE\] Warning: .*\n(\(Use `node --trace-warnings.*\n)?/m, "") }).toEqual({ code: 0, stderr: "" });
  const report = JSON.parse(result.stdout) as {
    uid: number;
    fromCache: number;
    askedByCache: number;
    recorded: { error?: string; path?: string; message?: string };
    askedInAll: number;
    warnings: { code?: string; message: string }[];
  };
  expect(report.uid).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
  expect(report.fromCache).toBe(32);
  expect(report.askedByCache).toBe(1);
  expect(report.warnings).toHaveLength(1);
  expect(report.warnings[0]!.code).toBe("LLM_STRATEGY_CACHE_UNAVAILABLE");
  expect(report.warnings[0]!.message).toContain(`The reply cache ${cacheFile}`);
  expect(report.recorded).toEqual(expect.objectContaining({ error: "RecordingWriteError", path: recordingFile }));
  expect(report.recorded.message).toContain("The model was not asked");
  expect(report.askedInAll).toBe(1);
  expect(bytesOf(cacheFile).equals(before)).toBe(true);
  expect(fs.existsSync(recordingFile)).toBe(false);
}, 120_000);
