/**
 * `implement<I>()` in a build without the transformer: its type argument is gone from the
 * JavaScript, so the error reads it from the TypeScript source through the source map and names
 * the interface and the source place. Built with plain `tsc` (no plugin) and run with node, as a
 * user's misconfigured build runs; uses the built runtime (`npm run build`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO, requireBuild } from "../cli/helpers";

jest.setTimeout(120_000);

const TSC = path.join(REPO, "node_modules", ".bin", "tsc");

const SOURCE = `import { implement } from "llm-strategy";

/** A sommelier. */
export interface WineExpert { pairWine(dish: string): Promise<string>; }
export interface Repository<T> { find(query: string): Promise<T[]>; }

declare const process: { argv: string[] };
export const which = process.argv[2];
export const made = which === "generic" ? implement<Repository<WineExpert>>() : implement<WineExpert>();
`;

let root: string;
beforeAll(() => {
  requireBuild();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-implement-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A project built with plain tsc (no plugin), `llm-strategy` linked to this repository. */
function build(name: string, sourceMap: boolean): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(REPO, path.join(dir, "node_modules", "llm-strategy"), "dir");
  fs.writeFileSync(path.join(dir, "src", "wine.ts"), SOURCE);
  const compilerOptions = { target: "es2022", module: "commonjs", strict: true, rootDir: "src", outDir: "dist", sourceMap, types: [], skipLibCheck: true };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src"] }));
  const result = spawnSync(TSC, ["-p", dir], { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
  return dir;
}

/** The first line of the error a run prints. */
function errorOf(dir: string, ...args: string[]): string {
  // Outside jest, as a user runs it (the message names the route that fits where it ran).
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "JEST_WORKER_ID" && name !== "NODE_OPTIONS"));
  const result = spawnSync(process.execPath, ["dist/wine.js", ...args], { cwd: dir, encoding: "utf8", env });
  expect(result.status).toBe(1);
  const line = result.stderr.split("\n").find((each) => each.startsWith("StubNotCompiledError: "));
  if (!line) throw new Error(`no StubNotCompiledError in:\n${result.stderr}`);
  return line;
}

test("the error names the interface and its place in the TypeScript source, then the JavaScript place", () => {
  const dir = build("mapped", true);
  const js = fs.readFileSync(path.join(dir, "dist", "wine.js"), "utf8").split("\n");
  const jsLine = js.findIndex((line) => line.includes("implement)()")) + 1;
  const error = errorOf(dir);
  expect(error).toMatch(new RegExp(`^StubNotCompiledError: implement<WineExpert>\\(\\) at src/wine\\.ts:9:81 \\(dist/wine\\.js:${jsLine}:\\d+\\) was not compiled by the llm-strategy transformer`));
  expect(error).toContain('so its `implement<I>()` ran instead of calling a model. Add { "transform": "llm-strategy/transformer" }');
  // Of two calls on the line, the one that ran; type arguments of type arguments kept whole.
  expect(errorOf(dir, "generic")).toMatch(/^StubNotCompiledError: implement<Repository<WineExpert>>\(\) at src\/wine\.ts:9:43 \(dist\/wine\.js:\d+:\d+\) was not compiled/);
});

test("without a source map, the JavaScript place and why the interface is not known", () => {
  const dir = build("unmapped", false);
  expect(errorOf(dir)).toMatch(/^StubNotCompiledError: An `implement<I>\(\)` call at dist\/wine\.js:\d+:\d+ \(its interface is not known: no source map\) was not compiled/);
});
