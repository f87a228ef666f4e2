/**
 * Recording files shared by processes lose nothing: writers take turns through `<file>.lock`
 * and merge what the others wrote; a lock left by a dead process (or an old one) is taken over;
 * a live lock is waited for. A recording that cannot be written fails before the model is asked.
 *
 * Tests run as root, where permission bits stop nothing; an unwritable place is made in ways
 * that stop root too: a path under a regular file (ENOTDIR), and a path that is a directory.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OfflineFileError, recording, RecordingWriteError, withCallOptions, type CompletionRequest, type LanguageModel } from "../../runtime";
import { REPO_ROOT } from "../helpers/compile";
import { Customer, customerJson, inputOf } from "../runtime/customer-specs";
import { delay, functionModel, temporaryFolder, waitUntil } from "./helpers";

// Four child processes start ts-node each: seconds on a loaded machine.
jest.setTimeout(180_000);

let folder: ReturnType<typeof temporaryFolder>;
beforeEach(() => {
  folder = temporaryFolder("recording-processes");
});
afterEach(() => folder.remove());

function runChild(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", script, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json"), LLM_STRATEGY_RECORDING: "" } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function ageOf(request: CompletionRequest) {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { text: JSON.stringify({ value: 2022 - Number(input.this.birthdate.slice(0, 4)) }) };
}

const customer = (index: number): Customer => Object.assign(new Customer(), customerJson(index, 1900 + (index % 100)));

function entriesOf(file: string): { input: { this: { key: string } } }[] {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { input: { this: { key: string } } }[] }).entries;
}

test("4 processes x 50 calls recording into one file at once: all 200 entries kept, the lock gone", async () => {
  const file = path.join(folder.dir, "shared.json");
  const writer = path.join(__dirname, "recording-writer-child.ts");
  const barrier = path.join(folder.dir, "barrier");
  fs.mkdirSync(barrier);
  const children = await Promise.all([0, 1, 2, 3].map((writerIndex) => runChild(writer, [file, String(writerIndex * 50), String(writerIndex * 50 + 50), barrier, "4"])));
  for (const child of children) {
    expect(child.stderr).toBe("");
    expect(child.code).toBe(0);
  }
  const stats = children.map((child) => JSON.parse(child.stdout) as { asked: number; startedAt: number; endedAt: number });
  expect(stats.map((stat) => stat.asked)).toEqual([50, 50, 50, 50]);
  // They recorded at the same time: each began before every other one ended.
  for (const a of stats) for (const b of stats) expect(a.startedAt).toBeLessThan(b.endedAt);

  const keys = entriesOf(file).map((entry) => entry.input.this.key);
  expect(keys).toHaveLength(200);
  expect(new Set(keys)).toEqual(new Set(Array.from({ length: 200 }, (_, index) => `c${index}`)));
  expect(fs.readdirSync(folder.dir).sort()).toEqual(["barrier", "shared.json"]);

  // And each replays.
  const unreachable: LanguageModel = { id: "scripted", options: {}, complete: () => Promise.reject(new Error("not recorded")) };
  const replay = recording(unreachable, { path: file, mode: "replay" });
  for (const index of [0, 49, 50, 120, 199]) {
    await expect(withCallOptions({ model: replay }, () => customer(index).age)).resolves.toBe(2022 - (1900 + (index % 100)));
  }
});

describe("the lock", () => {
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => child.on("exit", resolve));
    return child.pid!;
  }

  test("a lock left by a process that died is taken over", async () => {
    const file = path.join(folder.dir, "stale.json");
    const pid = await deadPid();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid, host: os.hostname(), nonce: "dead", since: Date.now() }));
    const model = functionModel(ageOf, { id: "scripted" });
    await expect(withCallOptions({ model: recording(model, { path: file, mode: "record" }) }, () => customer(1).age)).resolves.toBe(2022 - 1901);
    expect(entriesOf(file)).toHaveLength(1);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  test("a lock older than 30 s is taken over even when its holder looks alive (another host)", async () => {
    const file = path.join(folder.dir, "old.json");
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: "another-host", nonce: "old", since: Date.now() - 31_000 }));
    const model = functionModel(ageOf, { id: "scripted" });
    await expect(withCallOptions({ model: recording(model, { path: file, mode: "record" }) }, () => customer(2).age)).resolves.toBe(2022 - 1902);
    expect(entriesOf(file)).toHaveLength(1);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  test("a live lock is waited for: nothing is written until it goes", async () => {
    const file = path.join(folder.dir, "busy.json");
    const lock = `${file}.lock`;
    // Held by this (live) process under another nonce, as another recorder of it would.
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: "other-writer", since: Date.now() }));
    const model = functionModel(ageOf, { id: "scripted" });
    let settled = false;
    const call = withCallOptions({ model: recording(model, { path: file, mode: "record" }) }, () => customer(3).age).finally(() => (settled = true));
    // Once the model answered, the recording waits for the lock: however long we wait, the call
    // cannot finish while it is held. (Reaching the model can itself take long on a loaded machine.)
    await waitUntil(() => model.requests.length === 1, "the model to be asked");
    await delay(300);
    expect(model.requests).toHaveLength(1);
    expect(settled).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
    fs.rmSync(lock);
    await expect(call).resolves.toBe(2022 - 1903);
    expect(entriesOf(file)).toHaveLength(1);
  });
});

describe("a recording that cannot be written fails before the model is asked", () => {
  test.each([
    [
      "its folder would be under a regular file (ENOTDIR, which stops root too)",
      (dir: string) => {
        fs.writeFileSync(path.join(dir, "a-file"), "not a folder");
        return path.join(dir, "a-file", "recordings", "customer.json");
      },
      /ENOTDIR/,
    ],
    [
      "its path is a directory",
      (dir: string) => {
        fs.mkdirSync(path.join(dir, "customer.json"));
        return path.join(dir, "customer.json");
      },
      /the path is a directory|EISDIR/,
    ],
  ])("%s", async (_name, place, reason) => {
    const file = place(folder.dir);
    for (const mode of ["record", "auto"] as const) {
      const model = functionModel(ageOf, { id: "scripted" });
      const error = await withCallOptions({ model: recording(model, { path: file, mode }) }, () => customer(4).age).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OfflineFileError);
      expect((error as OfflineFileError).path).toBe(file);
      expect((error as Error).message).toMatch(reason);
      expect(model.requests).toHaveLength(0);
      // In auto mode a directory fails the lookup first (it cannot be read as a recording).
      if (mode === "record" || !/directory/.test(String(reason))) {
        expect(error).toBeInstanceOf(RecordingWriteError);
        expect((error as Error).message).toContain(`Cannot record to ${file}`);
        expect((error as Error).message).toContain("The model was not asked");
      }
    }
  });
});
