/**
 * The bundler routes from the packed package: the seed's customer example built with vite (SSR
 * build for Node), rollup, esbuild, webpack and rspack with the llm-strategy plugin, each output
 * run as its own process against the local OpenAI-compatible server; a stub with an error fails
 * every build with the transformer's diagnostic, file and line. Needs `npm run build` first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { removeUnlessKept } from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { installPackedOffline } from "../helpers/packed-offline";
import { customerModel } from "../runtime/customer-specs";
import { BUNDLERS } from "./configs";
import { BAD_STUB, CUSTOMER_FLOW_RESULT, customerProject, modelEnv, REPO, runNode, writeFiles, type DecoratorFlavour } from "./helpers";

jest.setTimeout(300_000);

let root: string;
let server: OpenAIServer;
/** Build wall times, printed at the end (figures, not assertions). */
const buildTimes: string[] = [];

beforeAll(async () => {
  ({ root } = installPackedOffline("llm-strategy-bundlers-"));
  server = await startOpenAIServer(customerModel);
});

afterAll(async () => {
  await server?.close();
  removeUnlessKept(root);
  if (buildTimes.length > 0) process.stdout.write(`bundler build times (customer example): ${buildTimes.join(", ")}\n`);
});

// Each flavour of `@llmStrategy` goes through at least one bundler; TypeScript's own decorator
// helpers in the output show the file was compiled by TypeScript, not by the bundler.
const cases: [keyof typeof BUNDLERS, DecoratorFlavour][] = [
  ["vite", "standard"],
  ["rollup", "legacy"],
  ["esbuild", "legacy"],
  ["webpack", "legacy"],
  ["rspack", "standard"],
];

describe.each(cases)("%s with %s decorators", (bundler, decorators) => {
  let dir: string;
  let output: string;

  beforeAll(async () => {
    dir = customerProject(root, `${bundler}-customers`, decorators, BUNDLERS[bundler].files);
    const built = await runNode(BUNDLERS[bundler].build(REPO), { cwd: dir });
    buildTimes.push(`${bundler} ${Math.round(built.ms)} ms`);
    if (built.status !== 0) throw new Error(`${bundler} build failed (${built.status}):\n${built.stdout}${built.stderr}`);
    output = fs.readFileSync(path.join(dir, BUNDLERS[bundler].output), "utf8");
  });

  test("the output holds the prompts and the decorators as TypeScript compiles them", () => {
    expect(output).toContain("Return the current age of the customer, from `birthdate` and the current year (2022).");
    expect(output).toContain("Semantic queries such as");
    expect(output).not.toMatch(/\bstub\(\)/);
    expect(output).toContain(decorators === "standard" ? "__esDecorate" : "__decorate(");
  });

  test("the built program runs against the local server: customers revived as instances, ages computed, search answered", async () => {
    server.requests.length = 0;
    const run = await runNode([path.join(dir, BUNDLERS[bundler].output)], { cwd: dir, env: modelEnv(server.baseURL) });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(CUSTOMER_FLOW_RESULT);
    expect(server.requests).toHaveLength(6);
  });

  test("the source map leads from the output back to the stub's line in src/customer.ts", () => {
    const map = new TraceMap(fs.readFileSync(path.join(dir, `${BUNDLERS[bundler].output}.map`), "utf8"));
    const before = output.slice(0, output.indexOf("findCustomerKey(query)")).split("\n");
    const original = originalPositionFor(map, { line: before.length, column: before[before.length - 1]!.length });
    expect(original.source).toMatch(/src\/customer\.ts$/);
    expect(original.line).toBe(20);
  });

  test("llm-strategy check finds every stub of the output compiled", async () => {
    const check = await runNode([path.join(root, "node_modules", "llm-strategy", "dist", "cli", "index.js"), "check", BUNDLERS[bundler].output], { cwd: dir });
    expect(check.stdout).toMatch(/3 compiled stubs, none uncompiled\./);
    expect(check.status).toBe(0);
  });

  test("the manifest the tsconfig asks for lists every stub", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "dist", "llm-prompts.json"), "utf8")) as { stubs: { id: string }[] };
    expect(manifest.stubs.map((entry) => entry.id)).toEqual([
      "src/customer.ts:20 CustomerDatabase.findCustomerKey",
      "src/customer.ts:27 MockCustomerDatabase.createMockCustomers",
      "src/customer.ts:9 Customer.age",
    ]);
  });
});

describe.each(Object.keys(BUNDLERS) as (keyof typeof BUNDLERS)[])("%s with a stub in error", (bundler) => {
  test("fails the build with the transformer's diagnostic, naming file and line", async () => {
    const dir = customerProject(root, `${bundler}-bad`, "standard", {
      ...BUNDLERS[bundler].files,
      "src/calculator.ts": BAD_STUB,
      "src/bad-main.ts": `import { Calculator } from "./calculator";\nnew Calculator().add(1, 2).then(console.log);\n`,
    });
    const built = await runNode(BUNDLERS[bundler].build(REPO), { cwd: dir, env: { ENTRY: "src/bad-main.ts" } });
    expect(built.status).not.toBe(0);
    const text = `${built.stdout}${built.stderr}`;
    expect(text).toContain("src/calculator.ts(5,30): error TS91001: LLM1001: Calculator.add is a stub but returns `number`");
  });
});

test("an esbuild rebuild (watch, context) carries a JSDoc changed in an interface the stub's file imports only as a type", async () => {
  const dir = customerProject(root, "esbuild-rebuild", "standard", {
    "src/report.ts": `/** A short report. */\nexport interface Report {\n  /** One sentence on the customer's mood. */\n  mood: string;\n}\n`,
    "src/reporter.ts": `import { stub } from "llm-strategy";\nimport type { Report } from "./report";\n\nexport class Reporter {\n  /** Reports on a customer. */\n  report(name: string): Promise<Report> {\n    return stub();\n  }\n}\n`,
    "rebuild.mjs": `import * as fs from "node:fs";
import * as esbuild from "esbuild";
import llmStrategy from "llm-strategy/esbuild";

const context = await esbuild.context({ entryPoints: ["src/reporter.ts"], bundle: true, platform: "node", format: "esm", packages: "external", outfile: "dist/reporter.js", plugins: [llmStrategy()] });
await context.rebuild();
const first = fs.readFileSync("dist/reporter.js", "utf8");
fs.writeFileSync("src/report.ts", fs.readFileSync("src/report.ts", "utf8").replace("One sentence on the customer's mood.", "Two words on the customer's mood."));
await context.rebuild();
const second = fs.readFileSync("dist/reporter.js", "utf8");
await context.dispose();
console.log(JSON.stringify({ first: first.includes("One sentence on the customer's mood."), second: second.includes("Two words on the customer's mood."), secondOld: second.includes("One sentence") }));
`,
  });
  const run = await runNode(["rebuild.mjs"], { cwd: dir });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toEqual({ first: true, second: true, secondOld: false });
});

test("warnings asked for in the tsconfig's plugin entry become bundler warnings with file and line; the build succeeds", async () => {
  const dir = customerProject(root, "vite-warnings", "standard", {
    ...BUNDLERS.vite.files,
    "src/greeter.ts": `import { stub } from "llm-strategy";\n\nexport class Greeter {\n  greet(name: string): Promise<string> {\n    return stub();\n  }\n}\n`,
    "src/greet-main.ts": `import { Greeter } from "./greeter";\nnew Greeter().greet("Ada").then(console.log);\n`,
  });
  const tsconfigFile = path.join(dir, "tsconfig.json");
  const tsconfig = JSON.parse(fs.readFileSync(tsconfigFile, "utf8")) as { compilerOptions: { plugins: Record<string, unknown>[] } };
  tsconfig.compilerOptions.plugins[0]!["warnings"] = true;
  fs.writeFileSync(tsconfigFile, JSON.stringify(tsconfig));
  const built = await runNode(BUNDLERS.vite.build(REPO), { cwd: dir, env: { ENTRY: "src/greet-main.ts" } });
  expect(built.status).toBe(0);
  expect(`${built.stdout}${built.stderr}`).toMatch(/src\/greeter\.ts\(4,3\): warning TS9\d+: LLM\d+: .*Greeter\.greet/);
  expect(fs.readFileSync(path.join(dir, "dist", "greet-main.js"), "utf8")).toContain("__llmStrategy.invoke(");
});

test("import (ESM) and require (CommonJS) of each entry give the plugin factory itself", async () => {
  const dir = path.join(root, "entries");
  writeFiles(dir, {
    "check.mjs": `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const result = {};
for (const name of ["vite", "rollup", "esbuild", "webpack", "rspack"]) {
  const imported = (await import(\`llm-strategy/\${name}\`)).default;
  const required = require(\`llm-strategy/\${name}\`);
  const plugin = imported({ warnings: true });
  let unknownOption;
  try {
    imported({ manfest: "dist/llm-prompts.json" });
  } catch (error) {
    unknownOption = error.message;
  }
  result[name] = { imported: typeof imported, same: imported === required, plugin: typeof plugin, name: plugin.name ?? plugin.constructor?.name, unknownOption };
}
console.log(JSON.stringify(result));
`,
  });
  const run = await runNode(["check.mjs"], { cwd: dir });
  expect(run.stderr).toBe("");
  const result = JSON.parse(run.stdout) as Record<string, { imported: string; same: boolean; plugin: string; name: string; unknownOption: string }>;
  const unknownOption = 'llm-strategy: unknown option "manfest"; the options are "tsconfig", "manifest", "warnings", "runtimeModule".';
  for (const name of ["vite", "rollup", "esbuild"]) expect(result[name]).toEqual({ imported: "function", same: true, plugin: "object", name: "llm-strategy", unknownOption });
  for (const name of ["webpack", "rspack"]) expect(result[name]).toMatchObject({ imported: "function", same: true, plugin: "object", unknownOption });
});

test("the entries' types: default import in ESM configs, import = require in CommonJS ones; options are checked", async () => {
  const dir = path.join(root, "types");
  writeFiles(dir, {
    "package.json": JSON.stringify({ name: "types", private: true, type: "module" }),
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: true, noEmit: true, types: ["node"] }, include: ["*.mts", "*.cts"] }),
    "vite.config.mts": `import llmStrategy from "llm-strategy/vite";
import { defineConfig } from "vite";
export default defineConfig({ plugins: [llmStrategy({ manifest: "dist/llm-prompts.json", warnings: true })] });
`,
    "rollup.config.mts": `import llmStrategy from "llm-strategy/rollup";
import type { RollupOptions } from "rollup";
const options: llmStrategy.Options = { tsconfig: "tsconfig.json" };
export default { input: "src/main.ts", plugins: [llmStrategy(options)] } satisfies RollupOptions;
`,
    "build.mts": `import * as esbuild from "esbuild";
import llmStrategy from "llm-strategy/esbuild";
await esbuild.build({ entryPoints: ["src/main.ts"], plugins: [llmStrategy()] });
`,
    "webpack.config.cts": `import llmStrategy = require("llm-strategy/webpack");
import type { Configuration } from "webpack";
const config: Configuration = { plugins: [llmStrategy({ runtimeModule: "llm-strategy" })] };
export = config;
`,
    "rspack.config.cts": `import llmStrategy = require("llm-strategy/rspack");
import type { Configuration } from "@rspack/core";
const config: Configuration = { plugins: [llmStrategy()] };
export = config;
`,
    "wrong.cts": `import llmStrategy = require("llm-strategy/webpack");
llmStrategy({ warnings: "yes" });
`,
  });
  const check = await runNode([path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { cwd: dir });
  // Only the deliberate mistake is reported.
  expect(check.stdout.trim()).toMatch(/^wrong\.cts\(2,15\): error TS2322: Type 'string' is not assignable to type 'boolean \| undefined'\.$/);
  expect(check.status).not.toBe(0);
});
