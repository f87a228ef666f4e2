/**
 * The `llm-strategy` command as a user gets it: the packed package installed with npm (offline,
 * from npm's cache, so npm itself links `node_modules/.bin/llm-strategy` from package.json "bin"),
 * a project built with its own `node_modules/.bin/tspc`, then the bin run by that path.
 * Needs `npm run build` first (`npm test` does it) and npm's cache filled by `npm ci`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { commands } from "../../cli/main";
import { REPO, requireBuild, SOURCES_V1, TSCONFIG } from "./helpers";

jest.setTimeout(240_000);

let root: string;
let project: string;

beforeAll(() => {
  requireBuild();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cli-packed-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", root], { cwd: REPO, encoding: "utf8" })) as { filename: string }[];
  project = path.join(root, "project");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "cli-user", private: true }));
  // The versions this repository builds with, so the offline install finds them in the cache.
  const versionOf = (name: string) => (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  const install = spawnSync(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", path.join(root, packed[0]!.filename), `typescript@${versionOf("typescript")}`, `ts-patch@${versionOf("ts-patch")}`],
    { cwd: project, encoding: "utf8" },
  );
  if (install.status !== 0) throw new Error(`npm install --offline failed (is npm's cache filled? run \`npm ci\` once):\n${install.stdout}${install.stderr}`);
  for (const [name, text] of Object.entries(SOURCES_V1)) {
    fs.mkdirSync(path.dirname(path.join(project, name)), { recursive: true });
    fs.writeFileSync(path.join(project, name), text);
  }
  fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  const build = spawnSync(path.join(project, "node_modules", ".bin", "tspc"), ["-p", "."], { cwd: project, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`tspc failed:\n${build.stdout}${build.stderr}`);
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** `npx llm-strategy ...` without npx's fetching: the link npm made, executed directly (its shebang runs node). */
function llmStrategy(...args: string[]) {
  const result = spawnSync(path.join(project, "node_modules", ".bin", "llm-strategy"), args, { cwd: project, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("npm linked the bin into node_modules/.bin, and it lists its commands", () => {
  const link = path.join(project, "node_modules", ".bin", "llm-strategy");
  expect(fs.realpathSync(link)).toBe(path.join(fs.realpathSync(project), "node_modules", "llm-strategy", "dist", "cli", "index.js"));
  const help = llmStrategy("--help");
  expect(help.stderr).toBe("");
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: llm-strategy <command> \[options\]\n\nCommands:\n/);
  const listed = help.stdout.split("\n").filter((line) => /^ {2}\w/.test(line)).map((line) => line.trim().split(/\s+/)[0]);
  expect(listed).toEqual(Object.keys(commands));
  expect(help.stdout).toMatch(/\n {2}build +Build the project with the llm-strategy transformer/);
  expect(help.stdout).toMatch(/\n {2}prompts +Print every stub's prompt/);
  expect(llmStrategy("prompts", "--help").stdout).toContain("llm-strategy prompts --diff <old.json> <new.json>");
});

test("in the built project, prompts and tokens find the manifest through tsconfig.json", () => {
  const prompts = llmStrategy("prompts", "--stub", "Shop.suggest");
  expect(prompts.stderr).toBe("");
  expect(prompts.code).toBe(0);
  expect(prompts.stdout).toContain("dist/llm-prompts.json: 1 stub in 1 file (of 8 in the manifest).");
  // JSDoc reached the prompt in this real tspc build (the package's "tsp" settings were found).
  expect(prompts.stdout).toContain("    | Suggest a product name for a customer's wish.");
  expect(prompts.stdout).toContain("    | Input: {{input}}");
  const tokens = llmStrategy("tokens", "--json");
  expect(tokens.code).toBe(0);
  expect((JSON.parse(tokens.stdout) as { stubs: unknown[] }).stubs).toHaveLength(8);
  const same = llmStrategy("prompts", "--diff", "dist/llm-prompts.json", "dist/llm-prompts.json");
  expect(same.code).toBe(0);
  expect(same.stdout).toContain("No prompt or schema changed.");
});
