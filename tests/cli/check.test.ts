/**
 * `llm-strategy check`, run as the built bin on real build outputs of one fixture project: plain
 * `tsc` (CommonJS and ES modules), `tspc` with the plugin, esbuild bundles with the runtime
 * bundled in (minified) and kept external, a vite build, a rollup bundle of tsc's output, webpack's
 * development builds (modules in eval strings); each uncompiled stub must be named at its place
 * in `src/` through the output's source maps. Then the shapes no build here produces
 * (webpack's module table, destructured requires, shadowing), on the analysis itself. Last, the
 * `StubNotCompiledError` message for each setup, thrown by the built runtime in a process of its own.
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { checkJavaScript } from "../../cli/uncompiled-stubs";
import { REPO, requireBuild, runBin } from "./helpers";

// Ten builds (tsc twice, tspc, esbuild three times, vite, rollup, webpack twice) of a small project: tens of seconds on a loaded machine.
jest.setTimeout(300_000);

const SOURCES: Record<string, string> = {
  "src/customer.ts": `import { stub } from "llm-strategy";

/** A customer of ours. */
export class Customer {
  name = "Ada";

  /** The customer's age in years. */
  get age(): Promise<number> { return stub(); }

  /**
   * A greeting for the customer.
   * @param formal Whether to greet formally
   */
  greet(formal: boolean): Promise<string> {
    return stub();
  }
}
`,
  "src/search.ts": `import { implement, stub as llm } from "llm-strategy";
import * as strategy from "llm-strategy";

/** Finds documents. */
export interface Search {
  /** Titles of documents about the query. */
  find(query: string): Promise<string[]>;
}

export function makeSearch(): Search {
  return implement<Search>();
}

/** Summarise a text in one sentence. */
export function summarise(text: string): Promise<string> { return llm(); }

/** Translate a text into French. */
export function translate(text: string): Promise<string> { return strategy.stub(); }

// A parameter named like the runtime's function is not it.
export function twice(stub: () => string): string {
  return stub() + stub();
}
`,
  // Functions named stub and implement that are not llm-strategy's: never findings.
  "src/helpers.ts": `const sinonLike = { stub: () => 1 };

export function stub(): number {
  return 1;
}

export function helpers(implement: () => number): number {
  return stub() + sinonLike.stub() + implement();
}
`,
  "src/main.ts": `export * from "./customer";
export * from "./search";
export * from "./helpers";
`,
};

const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    lib: ["es2022"],
    module: "commonjs",
    moduleResolution: "node10",
    esModuleInterop: true,
    types: [],
    strict: true,
    skipLibCheck: true,
    sourceMap: true,
    rootDir: "src",
    outDir: "dist",
    plugins: [{ transform: "llm-strategy/transformer" }],
  },
  include: ["src"],
};

/** `file:line:column` (1-based) of `name` on the one line of `file` that contains `line`. */
function at(file: string, line: string, name: string): string {
  const lines = SOURCES[file]!.split("\n");
  const index = lines.findIndex((text) => text.includes(line));
  if (index < 0 || lines.findIndex((text, other) => other > index && text.includes(line)) >= 0) throw new Error(`"${line}" is not on exactly one line of ${file}`);
  return `${file}:${index + 1}:${lines[index]!.indexOf(name) + 1}`;
}

/** Every uncompiled stub of SOURCES, as check names them: source place and what was called. */
const UNCOMPILED = [
  [at("src/customer.ts", "get age()", "stub()"), "stub()"],
  [at("src/customer.ts", "    return stub();", "stub()"), "stub()"],
  [at("src/search.ts", "return implement<Search>()", "implement"), "implement<I>()"],
  [at("src/search.ts", "return llm()", "llm()"), "stub()"],
  [at("src/search.ts", "return strategy.stub()", "stub()"), "stub()"],
];

let root: string;
let project: string;

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
}

beforeAll(async () => {
  requireBuild();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cli-check-"));
  project = path.join(root, "project");
  for (const [name, text] of Object.entries(SOURCES)) {
    fs.mkdirSync(path.dirname(path.join(project, name)), { recursive: true });
    fs.writeFileSync(path.join(project, name), text);
  }
  fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  fs.mkdirSync(path.join(project, "node_modules"));
  fs.symlinkSync(REPO, path.join(project, "node_modules", "llm-strategy"), "dir");
  fs.symlinkSync(path.join(REPO, "node_modules", "vite"), path.join(project, "node_modules", "vite"), "dir");

  // The user's tsconfig names the plugin, but plain tsc ignores it.
  const bin = (name: string) => path.join(REPO, "node_modules", ".bin", name);
  run(bin("tsc"), ["-p", ".", "--outDir", "out/tsc-cjs"], project);
  run(bin("tsc"), ["-p", ".", "--outDir", "out/tsc-esm", "--module", "es2022", "--moduleResolution", "bundler"], project);
  run(bin("tspc"), ["-p", "."], project);

  const esbuild = await import("esbuild");
  const bundle = (entry: string, outfile: string, options: import("esbuild").BuildOptions) =>
    esbuild.build({ entryPoints: [path.join(project, entry)], outfile: path.join(project, outfile), bundle: true, platform: "node", sourcemap: true, logLevel: "error", ...options });
  await bundle("src/main.ts", "out/esbuild-bundled/main.js", { format: "cjs", minify: true });
  await bundle("src/main.ts", "out/esbuild-external/main.js", { format: "esm", external: ["llm-strategy"] });
  // tspc's output bundled: compiled stubs call the runtime's invoke, in the same bundle as its stub().
  await bundle("dist/main.js", "out/esbuild-compiled/main.js", { format: "cjs", minify: true });
  // vite is ES modules only: built by a script of the project, as a user's build runs it.
  fs.writeFileSync(
    path.join(project, "vite-build.mjs"),
    `import { build } from "vite";
await build({ root: process.cwd(), configFile: false, logLevel: "error", ssr: { noExternal: true },
  build: { ssr: "src/main.ts", outDir: "out/vite", sourcemap: true, minify: true, emptyOutDir: true } });
`,
  );
  run(process.execPath, ["vite-build.mjs"], project);
  // webpack's development builds: each module's code in an eval string, with an inline map (eval-source-map) or none (eval, the default).
  fs.writeFileSync(
    path.join(project, "webpack-build.js"),
    `const webpack = require(${JSON.stringify(require.resolve("webpack"))});
const config = (devtool, folder) => ({ mode: "development", devtool, target: "node", context: __dirname, entry: "./out/tsc-cjs/main.js",
  output: { path: require("node:path").join(__dirname, "out", folder), filename: "main.js", library: { type: "commonjs2" } } });
webpack([config("eval", "webpack-eval"), config("eval-source-map", "webpack-eval-source-map")], (error, stats) => {
  if (error || stats.hasErrors()) { console.error(error ?? stats.toString()); process.exit(1); }
});
`,
  );
  run(process.execPath, ["webpack-build.js"], project);
  // rollup bundles tsc's ES modules: its map leads to tsc's JavaScript, whose own map leads to src/.
  run(bin("rollup"), ["out/tsc-esm/main.js", "--format", "cjs", "--external", "llm-strategy", "--sourcemap", "--silent", "-o", "out/rollup/main.js"], project);
});
// LLM_STRATEGY_KEEP_TMP=1 keeps the builds for a look at what each tool wrote.
afterAll(() => {
  if (!process.env["LLM_STRATEGY_KEEP_TMP"]) fs.rmSync(root, { recursive: true, force: true });
});

/** A folder whose node_modules/typescript/package.json says `version` (and nothing more: no compiler API, as in TypeScript 7). */
function projectOn(version: string): string {
  const dir = path.join(root, `typescript-${version}`);
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(path.join(dir, "node_modules", "typescript"), { recursive: true });
  fs.mkdirSync(path.join(dir, "src", "deep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "node_modules", "typescript", "package.json"), JSON.stringify({ name: "typescript", version }));
  return dir;
}

/** The findings check printed, as [source place, called, JavaScript place]. */
function findings(stdout: string): string[][] {
  return stdout
    .split("\n")
    .map((line) => /^(\S+): (stub\(\)|implement<I>\(\)) was not compiled \((\S+)\)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1]!, match[2]!, match[3]!]);
}

const HINT = `Add { "transform": "llm-strategy/transformer" } to "compilerOptions.plugins" in your tsconfig.json and build with ts-patch's tspc`;

describe.each([
  ["plain tsc, CommonJS", "out/tsc-cjs", 4],
  ["plain tsc, ES modules", "out/tsc-esm", 4],
  ["esbuild, the runtime bundled in and minified", "out/esbuild-bundled", 1],
  ["esbuild, the runtime external", "out/esbuild-external", 1],
  ["vite, the runtime bundled in and minified", "out/vite", 1],
  ["rollup over tsc's ES modules, the runtime external (two source maps to follow)", "out/rollup", 1],
])("%s", (_name, folder, fileCount) => {
  test("names every uncompiled stub at its source line through the source map, exit code 1", () => {
    const { code, stdout, stderr } = runBin(project, ["check", folder]);
    expect(stderr).toBe("");
    expect(code).toBe(1);
    const found = findings(stdout);
    expect(found.map(([source, called]) => [source, called])).toEqual(UNCOMPILED);
    // Each names the JavaScript it was found in, inside the folder.
    for (const [, , js] of found) expect(js).toMatch(new RegExp(`^${folder}/[\\w-]+\\.m?js:\\d+:\\d+$`));
    const filesWith = fileCount === 1 ? 1 : 2;
    expect(stdout).toContain(`\n\nllm-strategy check: ${folder}: 5 uncompiled stubs in ${filesWith} of ${fileCount} JavaScript file${fileCount === 1 ? "" : "s"} (0 compiled). ${HINT}`);
  });
});

test("webpack's development build with eval-source-map: each stub at its source line through the module's inline map and tsc's map", () => {
  const { code, stdout } = runBin(project, ["check", "out/webpack-eval-source-map"]);
  expect(code).toBe(1);
  const found = stdout.split("\n").map((line) => /^(src\/\S+):\d+: (\S+) was not compiled \(out\/webpack-eval-source-map\/main\.js:\d+, line \d+ column \d+ of the eval'd module (\S+)\)$/.exec(line)).filter((match) => match !== null);
  // webpack maps whole statements, so the column is the statement's: compare lines.
  expect(found.map((match) => [match[1], match[2]])).toEqual(UNCOMPILED.map(([place, called]) => [place!.replace(/:\d+$/, ""), called]));
  expect(found.map((match) => match[3])).toEqual(["out/tsc-cjs/customer.js", "out/tsc-cjs/customer.js", "out/tsc-cjs/search.js", "out/tsc-cjs/search.js", "out/tsc-cjs/search.js"]);
});

test("webpack's development build with eval (no source map): each stub in its module as webpack rewrote it, not a false pass", () => {
  const { code, stdout } = runBin(project, ["check", "out/webpack-eval"]);
  expect(code).toBe(1);
  const found = stdout.split("\n").map((line) => /^out\/webpack-eval\/main\.js:\d+: (\S+) was not compiled \(line \d+ column \d+ of the eval'd module (\S+) as the bundler rewrote it; it has no source map\)$/.exec(line)).filter((match) => match !== null);
  expect(found.map((match) => [match[1], match[2]])).toEqual([
    ["stub()", "out/tsc-cjs/customer.js"],
    ["stub()", "out/tsc-cjs/customer.js"],
    ["implement<I>()", "out/tsc-cjs/search.js"],
    ["stub()", "out/tsc-cjs/search.js"],
    ["stub()", "out/tsc-cjs/search.js"],
  ]);
});

test("the JavaScript line of each finding holds the called name (checked in tsc's output without a map)", () => {
  const { stdout } = runBin(project, ["check", "out/tsc-cjs"]);
  for (const [, called, js] of findings(stdout)) {
    const [file, line, column] = js!.split(":");
    const text = fs.readFileSync(path.join(project, file!), "utf8").split("\n")[Number(line) - 1]!;
    expect(text.slice(Number(column) - 1)).toMatch(called === "stub()" ? /^stub\)?\(/ : /^implement\)\(/);
  }
});

test("tspc with the plugin: every stub compiled, exit code 0 with a one-line summary", () => {
  const { code, stdout, stderr } = runBin(project, ["check", "dist"]);
  expect(stderr).toBe("");
  expect(stdout).toBe("llm-strategy check: dist: 4 JavaScript files, 5 compiled stubs, none uncompiled.\n");
  expect(code).toBe(0);
});

test("tspc's output bundled with the runtime and minified: compiled stubs are not findings", () => {
  const { code, stdout } = runBin(project, ["check", "out/esbuild-compiled"]);
  expect(stdout).toBe("llm-strategy check: out/esbuild-compiled: 1 JavaScript file, 5 compiled stubs, none uncompiled.\n");
  expect(code).toBe(0);
});

test("without a folder: the tsconfig's outDir, else dist; a missing folder is exit code 2", () => {
  const inProject = runBin(project, ["check"]);
  expect([inProject.code, inProject.stdout]).toEqual([0, "llm-strategy check: dist: 4 JavaScript files, 5 compiled stubs, none uncompiled.\n"]);

  const withBuild = path.join(root, "with-build");
  fs.mkdirSync(withBuild);
  fs.writeFileSync(path.join(withBuild, "tsconfig.json"), `// comments are allowed\n{ "compilerOptions": { "outDir": "build" } }\n`);
  const missingOutDir = runBin(withBuild, ["check"]);
  expect(missingOutDir.code).toBe(2);
  expect(missingOutDir.stderr).toMatch(/^llm-strategy check: build \(the outDir of tsconfig\.json\) does not exist: build first/);
  fs.cpSync(path.join(project, "out", "tsc-cjs"), path.join(withBuild, "build"), { recursive: true });
  const found = runBin(withBuild, ["check"]);
  expect(found.code).toBe(1);
  expect(findings(found.stdout).map(([, called, js]) => [called, js!.replace(/:\d+:\d+$/, "")])).toEqual([
    ["stub()", "build/customer.js"],
    ["stub()", "build/customer.js"],
    ["implement<I>()", "build/search.js"],
    ["stub()", "build/search.js"],
    ["stub()", "build/search.js"],
  ]);

  const bare = path.join(root, "bare");
  fs.mkdirSync(bare);
  const noDist = runBin(bare, ["check"]);
  expect(noDist.code).toBe(2);
  expect(noDist.stderr).toMatch(/^llm-strategy check: dist \(the default without a tsconfig\.json\) does not exist: build first/);
  const named = runBin(bare, ["check", "out"]);
  expect([named.code, named.stderr.split("\n")[0]]).toEqual([2, "llm-strategy check: out does not exist: build first, or name the folder your build writes (llm-strategy check build)."]);
  fs.mkdirSync(path.join(bare, "empty"));
  const empty = runBin(bare, ["check", "empty"]);
  expect([empty.code, empty.stderr.split("\n")[0]]).toEqual([2, "llm-strategy check: empty holds no JavaScript files (.js, .mjs, .cjs): name the folder your build writes."]);
});

test("in a project on TypeScript 7 (no compiler API): check parses with llm-strategy's own TypeScript and names llm-strategy build", () => {
  const project7 = projectOn("7.0.2");
  fs.cpSync(path.join(project, "out", "esbuild-external"), path.join(project7, "dist"), { recursive: true });
  const { code, stdout, stderr } = runBin(project7, ["check"]);
  expect(stderr).toBe("");
  expect(code).toBe(1);
  expect(findings(stdout)).toHaveLength(UNCOMPILED.length);
  expect(stdout).toContain("(0 compiled). This project's TypeScript is 7.0.2, whose tsc cannot run transformers: build with `npx llm-strategy build`");
});

test("a file whose source map is missing: the finding gives the JavaScript place and says why", () => {
  const alone = path.join(root, "alone");
  fs.mkdirSync(alone);
  fs.copyFileSync(path.join(project, "out", "tsc-cjs", "search.js"), path.join(alone, "search.js"));
  const { code, stdout } = runBin(root, ["check", "alone"]);
  expect(code).toBe(1);
  const lines = fs.readFileSync(path.join(alone, "search.js"), "utf8").split("\n");
  const place = (text: string, name: string) => {
    const index = lines.findIndex((line) => line.includes(text));
    return `alone/search.js:${index + 1}:${lines[index]!.indexOf(name) + 1}`;
  };
  const why = `(positions in the JavaScript: its source map ${path.join(alone, "search.js.map")} cannot be read)`;
  expect(stdout.split("\n").slice(0, 3)).toEqual([
    `${place("implement)()", "implement")}: implement<I>() was not compiled ${why}`,
    `${place("(0, llm_strategy_1.stub)()", "stub")}: stub() was not compiled ${why}`,
    `${place("strategy.stub()", "stub")}: stub() was not compiled ${why}`,
  ]);
});

describe("shapes of other outputs, on the analysis itself", () => {
  const check = (text: string) => {
    const result = checkJavaScript(ts, "/virtual/out.js", text);
    const lines = text.split("\n");
    return result.uncompiled.map(({ called, line, column }) => `${called} ${lines[line]!.slice(column, column + 12)}`);
  };

  test("destructured requires, a required member, a dynamic import, esModuleInterop's default", () => {
    expect(
      check(`"use strict";
const { stub: ask, implement } = require("llm-strategy");
exports.a = () => ask();
exports.b = () => implement();
exports.c = () => require("llm-strategy").stub();
exports.d = async () => { const { stub } = await import("llm-strategy"); return stub(); };
const llm_strategy_1 = __importDefault(require("llm-strategy"));
exports.e = () => llm_strategy_1.default.stub();
`),
    ).toEqual(["stub ask();", "implement implement();", "stub stub();", "stub stub(); };", "stub stub();"]);
  });

  test("shadowed names, other libraries' stub() and a local function named stub are not the runtime's", () => {
    expect(
      check(`import { stub, implement } from "llm-strategy";
import * as sinon from "sinon";
export function a(stub) { return stub(); }
export function b() { const implement = () => 1; return implement(); }
export const c = () => sinon.stub();
export function d() { function stub() { return 1; } return stub(); }
export const e = () => stub();
`),
    ).toEqual(["stub stub();"]);
  });

  test("webpack's module table: the runtime kept external, and bundled in (found by the marker in its stub)", () => {
    const external = `(() => { var e = { 487: (e) => { "use strict"; e.exports = require("llm-strategy"); }, 12: (e) => { e.exports = require("sinon"); } };
function r(t) { var o = {}; e[t](o); return o.exports; }
const t = r(487), s = r(12);
exports.a = () => (0, t.stub)();
exports.b = () => s.stub();
})();
`;
    expect(check(external)).toEqual(["stub stub)();"]);
    const bundled = `(() => { var e = { 31: (e, t, n) => { var r = n(77); Object.defineProperty(t, "stub", { get: () => r.stub }); },
77: (e, t) => { t.stub = function n() { throw new Error(x(n), "llm-strategy:stub"); }; } };
function n(t) { var o = { exports: {} }; e[t](o, o.exports, n); return o.exports; }
const m = n(31);
exports.a = () => (0, m.stub)();
})();
`;
    expect(check(bundled)).toEqual(["stub stub)();"]);
  });

  test("a bundled runtime called directly (scope-hoisted): the marker makes its stub() and implement() known under any name", () => {
    expect(
      check(`function q() { throw new E(w(q), \`llm-strategy:stub\`); }
function z(m) { throw new E(w(z), "llm-strategy:implement"); }
var E = class extends Error {}, k = { "llm-strategy:stub": "stub" };
export const a = () => q(), b = () => z(), c = (q) => q();
`),
    ).toEqual(["stub q(), b = () ", "implement z(), c = (q)"]);
  });

  test("a file that names llm-strategy nowhere is not parsed, and has nothing to report", () => {
    expect(checkJavaScript(ts, "/virtual/other.js", "exports.a = () => stub();\n")).toEqual({ uncompiled: [], compiledIds: [] });
  });
});

describe("StubNotCompiledError names the way to compile that fits the setup", () => {
  const RUNTIME = path.join(REPO, "dist", "runtime", "index.js");

  /** The message of the error the built runtime's stub() throws in a Node process with `env` in `cwd`. */
  function messageIn(cwd: string, env: Record<string, string>): string {
    const script = `const { stub } = require(${JSON.stringify(RUNTIME)});
function age() { return stub(); }
try { age(); } catch (error) { process.stdout.write(error.message); }`;
    const clean = { ...process.env };
    delete clean["JEST_WORKER_ID"];
    delete clean["VITEST"];
    const result = spawnSync(process.execPath, ["-e", script], { cwd, env: { ...clean, ...env }, encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout;
  }
  const START = /^age \(\[eval\]:2:\d+\) was not compiled by the llm-strategy transformer, so its `stub\(\)` ran instead of calling a model\. /;
  const CHECK = " `npx llm-strategy check <output folder>` lists every stub a build left uncompiled.";


  test("under vitest: the vite plugin in vitest.config", () => {
    const message = messageIn(projectOn("5.9.3"), { VITEST: "true" });
    expect(message).toMatch(START);
    expect(message.replace(START, "")).toBe(
      'Vitest compiled it without the plugin: add it to vitest.config (`import llmStrategy from "llm-strategy/vite"`, then `plugins: [llmStrategy()]`).' + CHECK,
    );
  });

  test("under jest: ts-jest's astTransformers", () => {
    const message = messageIn(projectOn("5.9.3"), { JEST_WORKER_ID: "1" });
    expect(message.replace(START, "")).toBe(
      'Jest compiled it without the transformer: give it to ts-jest in jest.config (`transform: { "^.+\\\\.ts$": ["ts-jest", { astTransformers: { before: [{ path: require.resolve("llm-strategy/transformer") }] } }] }`).' +
        CHECK,
    );
  });

  test("a project on TypeScript 7 (its typescript/package.json found from a subfolder): llm-strategy build or a bundler plugin", () => {
    const message = messageIn(path.join(projectOn("7.0.2"), "src", "deep"), {});
    expect(message).toMatch(START);
    expect(message.replace(START, "")).toBe(
      "This project's TypeScript is 7.0.2, whose tsc cannot run transformers: build with `npx llm-strategy build` (it reads your tsconfig.json) instead of tsc, " +
        "or bundle with the plugin for your bundler (llm-strategy/vite, /esbuild, /rollup, /webpack or /rspack)." +
        CHECK,
    );
  });

  test("a project on TypeScript 5.9, or without TypeScript: tspc with the plugin", () => {
    const expected =
      `${HINT} (node_modules/.bin/tspc), not tsc; a bundler needs its plugin (llm-strategy/vite, /esbuild, /rollup, /webpack or /rspack).` + CHECK;
    expect(messageIn(projectOn("5.9.3"), {}).replace(START, "")).toBe(expected);
    const none = path.join(root, "no-typescript");
    fs.mkdirSync(none);
    expect(messageIn(none, {}).replace(START, "")).toBe(expected);
  });
});
