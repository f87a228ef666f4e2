import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../cli/main";
import { readTrace, withTrace, traced } from "../../runtime";

const REPO = path.resolve(__dirname, "..", "..");
jest.setTimeout(60_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cli-test-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { stdout: (text) => (out += text), stderr: (text) => (err += text), cwd: dir });
  return { code, out, err };
}

async function writeTrace(name: string): Promise<string> {
  const { trace } = await withTrace(traced("step", (x: number) => x * 2).bind(undefined, 21), { name: "cli" });
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(trace));
  return file;
}

test("help, unknown commands and options", async () => {
  const none = await run();
  expect(none.code).toBe(2);
  expect(none.err).toMatch(/^Usage: llm-strategy <command> \[options\]\n\nCommands:\n(?:  \S+ +.*\n)*  trace +Write a trace JSON/);
  expect((await run("--help")).code).toBe(0);
  expect((await run("trace", "--help")).out).toMatch(/^Usage: llm-strategy trace <file\.json> \[--out page\.html\] \[--open\]/);
  const unknown = await run("traces");
  expect(unknown).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "traces"') });
  expect(await run("trace")).toMatchObject({ code: 2, err: expect.stringContaining("Which trace? Give the path of a trace JSON file.") });
  expect(await run("trace", "a.json", "--bogus")).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option --bogus.") });
  expect(await run("trace", "a.json", "--out")).toMatchObject({ code: 2, err: expect.stringContaining("--out needs a value.") });
});

test("files that are missing or not traces are errors naming the file", async () => {
  const missing = await run("trace", "nope.json");
  expect(missing.code).toBe(1);
  expect(missing.err).toContain(`cannot read ${path.join(dir, "nope.json")}: ENOENT`);
  fs.writeFileSync(path.join(dir, "other.json"), '{"format": "llm-strategy.hyperparameters", "version": 1}');
  const other = await run("trace", "other.json");
  expect(other.code).toBe(1);
  expect(other.err).toContain('is not a trace: Not a trace: "format" is "llm-strategy.hyperparameters"');
  expect(fs.existsSync(path.join(dir, "other.html"))).toBe(false);
});

test("--out writes where asked (folders made), relative to the working directory; the page holds the trace", async () => {
  const file = await writeTrace("run.json");
  const { code, out } = await run("trace", "run.json", "--out=pages/deep/run-page.html");
  expect(code).toBe(0);
  const page = path.join(dir, "pages", "deep", "run-page.html");
  expect(out).toBe(`${page}\n`);
  const html = fs.readFileSync(page, "utf8");
  const embedded = /<script type="application\/json" id="trace-data" data-source="run\.json">(.*?)<\/script>/s.exec(html)![1]!;
  expect(readTrace(embedded)).toEqual(readTrace(fs.readFileSync(file, "utf8")));
  // Self-contained: no reference to anything outside the page.
  expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  expect(html).not.toMatch(/@import|url\(/);
});

test("the command runs as a process: prints the page's path, exit code 0", async () => {
  await writeTrace("process.json");
  const result = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(REPO, "cli", "index.ts"), "trace", "process.json"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json") },
  });
  expect(result.stderr).toMatch(/^Wrote 1 spans \(0 model calls\) from process\.json\.\n$/);
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(`${path.join(dir, "process.html")}\n`);
  expect(fs.readFileSync(path.join(dir, "process.html"), "utf8")).toContain('"name":"cli"');

  const failed = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(REPO, "cli", "index.ts"), "trace", "absent.json"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json") },
  });
  expect(failed.stderr).toContain("cannot read");
  expect(failed.status).toBe(1);
});
