/**
 * `@check` through the real build routes: `tspc`, `llm-strategy build` and the vite plugin, each
 * building the same project, whose program then runs as its own process against the local
 * server: the first reply fails the check, the repair request carries its message, the repaired
 * reply passes. A check in error fails each route with the diagnostic at its line. Needs
 * `npm run build` first.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/compile";
import { REPO_TSPC } from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer, type ReceivedRequest } from "../helpers/openai-server";

jest.setTimeout(240_000);

// Inside the repository with no package.json of its own: `llm-strategy` (and `llm-strategy/vite`)
// resolve to this repository's build by Node's self-reference.
const project = path.join(REPO_ROOT, ".tmp", `checks-routes-${process.pid}`);
const CLI = path.join(REPO_ROOT, "dist", "cli", "index.js");

const NAMES = `import { stub } from "llm-strategy";

export class Team {
  city = "";

  /**
   * Names for the team's players.
   * @check value.length === count -- exactly as many names as asked for
   * @check value.every((name) => name.startsWith(this.city.slice(0, 1))) -- every name starts with the city's initial
   */
  names(count: number): Promise<string[]> { return stub(); }
}
`;

const MAIN = `import { configure, openAI } from "llm-strategy";
import { Team } from "./names.js";

configure({ model: openAI({ mode: "json", maxRetries: 0 }) });
const team = Object.assign(new Team(), { city: "Oslo" });
team.names(2).then((names) => console.log(JSON.stringify(names)), (error) => { console.error(String(error)); process.exitCode = 1; });
`;

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
  fs.writeFileSync(path.join(project, file), text);
}

let server: OpenAIServer;
beforeAll(async () => {
  fs.rmSync(project, { recursive: true, force: true });
  const transform = path.relative(project, path.join(REPO_ROOT, "dist", "transformer", "index.js"));
  const compilerOptions = { target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, skipLibCheck: true, types: ["node"], rootDir: "src" };
  write("tsconfig.json", JSON.stringify({ compilerOptions: { ...compilerOptions, outDir: "dist-tspc", plugins: [{ transform, manifest: "dist-tspc/llm-prompts.json" }] }, include: ["src"] }, null, 2));
  write("tsconfig.build.json", JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { outDir: "dist-build", plugins: [{ transform, manifest: "dist-build/llm-prompts.json" }] } }, null, 2));
  write(
    "vite.config.mts",
    `import llmStrategy from "llm-strategy/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [llmStrategy()],
  build: { ssr: "src/main.ts", outDir: "dist-vite", minify: false, rollupOptions: { output: { entryFileNames: "main.mjs" } } },
});
`,
  );
  write("src/names.ts", NAMES);
  write("src/main.ts", MAIN);
  // Too many names first; the repair gets them right, all starting with the city's initial.
  server = await startOpenAIServer((request) => ({ content: JSON.stringify({ value: request.body.messages.length > 1 ? ["Olga", "Ole"] : ["Olga", "Ole", "Oda"] }) }));
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(project, { recursive: true, force: true });
});

/** Runs node with `args` in the project, asynchronously: the local server answers in this process meanwhile. */
function run(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: project,
      env: { ...process.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

function lastUser(request: ReceivedRequest): string {
  return [...request.body.messages].reverse().find((message) => message.role === "user")!.content;
}

/** Runs a built program: one failed check, one repair carrying its message, the repaired names printed. */
async function expectRepairedRun(entry: string): Promise<void> {
  const before = server.requests.length;
  const result = await run([entry]);
  expect(result).toEqual({ status: 0, output: '["Olga","Ole"]\n' });
  const requests = server.requests.slice(before);
  expect(requests).toHaveLength(2);
  expect(requests[0]!.body.messages[0]!.content).toContain("- `value.length === count`: exactly as many names as asked for");
  expect(lastUser(requests[1]!)).toContain("exactly as many names as asked for (check `value.length === count`) failed");
  expect(lastUser(requests[1]!)).not.toContain("city's initial");
}

const specOf = (file: string): string => {
  const js = fs.readFileSync(path.join(project, file), "utf8");
  return /const __llmStrategySpec_Team_names = \{[\s\S]*?\n\};/.exec(js)![0];
};

test("tspc builds the checks and the program repairs a reply that fails one", async () => {
  const build = spawnSync(REPO_TSPC, ["-p", project], { encoding: "utf8" });
  expect(build.stdout + build.stderr).toBe("");
  expect(build.status).toBe(0);
  expect(specOf("dist-tspc/names.js")).toContain("test: function (value, count) { return (value.every((name) => name.startsWith(this.city.slice(0, 1)))); }");
  await expectRepairedRun("dist-tspc/main.js");
});

test("llm-strategy build writes the same spec, and the program runs the same way", async () => {
  const build = await run([CLI, "build", "-p", "tsconfig.build.json"]);
  expect(build).toEqual({ status: 0, output: "" });
  expect(specOf("dist-build/names.js")).toBe(specOf("dist-tspc/names.js"));
  expect(JSON.parse(fs.readFileSync(path.join(project, "dist-build/llm-prompts.json"), "utf8")).stubs[0].checks).toEqual([
    { expression: "value.length === count", message: "exactly as many names as asked for" },
    { expression: "value.every((name) => name.startsWith(this.city.slice(0, 1)))", message: "every name starts with the city's initial" },
  ]);
  await expectRepairedRun("dist-build/main.js");
});

test("the vite plugin builds the checks and the bundle runs the same way", async () => {
  const build = await run([path.join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"]);
  // On a loaded machine vite may print how long its plugins took; nothing else.
  expect(build.output.replace(/\[PLUGIN_TIMINGS\][\s\S]*?bundlertimings\s*/, "")).toBe("");
  expect(build.status).toBe(0);
  expect(fs.readFileSync(path.join(project, "dist-vite/main.mjs"), "utf8")).toContain("test: function(value, count) {");
  await expectRepairedRun("dist-vite/main.mjs");
});

test("a check in error fails tspc and llm-strategy build with the diagnostic at its line", async () => {
  write("src/names.ts", NAMES.replace("@check value.length === count", "@check value.length === cont"));
  try {
    const expected = /src\/names\.ts\(8,\d+\): error TS91014: LLM1014: Team\.names: `@check value\.length === cont` does not type-check: Cannot find name 'cont'/;
    const tspc = spawnSync(REPO_TSPC, ["-p", project], { encoding: "utf8" });
    expect(tspc.status).not.toBe(0);
    expect(tspc.stdout + tspc.stderr).toMatch(expected);
    const build = await run([CLI, "build", "-p", "tsconfig.build.json"]);
    expect(build.status).toBe(1);
    expect(build.output).toMatch(expected);
  } finally {
    write("src/names.ts", NAMES);
  }
});
