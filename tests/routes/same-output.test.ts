/**
 * One engine, one output, whichever route builds: in this repository (TypeScript 5.9.3),
 * `tspc`, `llm-strategy build`, and `llm-strategy build` forced onto llm-strategy's own
 * TypeScript (`LLM_STRATEGY_TYPESCRIPT=llm-strategy`, the engine TypeScript 7 projects get)
 * write the same files byte for byte: JS with its specs and prompts, declarations, source maps,
 * the manifest. Needs `npm run build` first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/compile";
import { command, expectSameFiles, listFiles, REPO_TSPC, writeRepoCustomerProject, type CommandResult } from "../helpers/installed-project";

jest.setTimeout(300_000);

// Inside the repository (no package.json of its own), so `llm-strategy` resolves to the repo's
// package by Node's self-reference; ts-patch loads the plugin by path.
const project = path.join(REPO_ROOT, ".tmp", `same-output-${process.pid}`);
const CLI = path.join(REPO_ROOT, "dist", "cli", "index.js");

const builds: Record<string, CommandResult> = {};

/** Runs `build` in the project and moves what it wrote to `outDir`. */
function buildInto(outDir: string, file: string, args: string[], env: Record<string, string> = {}): void {
  builds[outDir] = command(file, args, project, env);
  fs.renameSync(path.join(project, "dist"), path.join(project, outDir));
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error("dist/cli/index.js is missing: run `npm run build` first (npm test does).");
  writeRepoCustomerProject(project, { compilerOptions: { declaration: true, sourceMap: true }, plugin: { manifest: "dist/llm-prompts.json" } });
  buildInto("dist-tspc", REPO_TSPC, ["-p", "."]);
  buildInto("dist-build", process.execPath, [CLI, "build"]);
  buildInto("dist-own-typescript", process.execPath, [CLI, "build"], { LLM_STRATEGY_TYPESCRIPT: "llm-strategy" });
});

afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true });
});

test("every route builds without a diagnostic", () => {
  expect(Object.keys(builds)).toHaveLength(3);
  for (const [outDir, { status, output }] of Object.entries(builds)) expect({ outDir, status, output }).toEqual({ outDir, status: 0, output: "" });
});

test("tspc wrote the customer example with its prompts and a manifest", () => {
  const files = listFiles(path.join(project, "dist-tspc"));
  expect(files).toEqual(expect.arrayContaining(["customer.js", "customer.d.ts", "customer.js.map", "main.js", "llm-prompts.json"]));
  expect(fs.readFileSync(path.join(project, "dist-tspc", "customer.js"), "utf8")).toContain("Semantic queries such as");
});

test.each(["dist-build", "dist-own-typescript"])("%s holds the same files as tspc's output, byte for byte", (outDir) => {
  expectSameFiles(path.join(project, outDir), path.join(project, "dist-tspc"));
});
