/**
 * The TypeScript 7 route, from a real install: a project with TypeScript 7.0.2 (no compiler API)
 * and vite installs the packed package, keeps its own `tsc`, builds the seed's customer example
 * with `llm-strategy build` (the analysis on the TypeScript 5.9 typescript-json-schema brings,
 * with 7.0's defaults), runs it against the local server, reports stub errors as tsc does,
 * type-checks the package's types under TypeScript 7, and rebuilds what a change affects in
 * `--watch`. One install for the whole file; needs `npm run build` first.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AGE_DOC } from "../helpers/customer-example";
import {
  command,
  expectCustomerAnswers,
  expectInstalledBesideTypeScript,
  installIntoProject,
  removeUnlessKept,
  writeCustomerSources,
  type CommandResult,
  type InstalledProject,
} from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(600_000);

let project: InstalledProject;
let app: string;
let server: OpenAIServer;

/**
 * A tsconfig as TypeScript 7's `tsc --init` writes it, except a target Node 20 runs (tsc leaves
 * decorators as they are for `esnext`) and no `exactOptionalPropertyTypes` (the example passes
 * `mode: OpenAIMode | undefined`).
 */
const tsconfig = (plugin: Record<string, unknown> = { manifest: "dist/llm-prompts.json" }) => ({
  compilerOptions: {
    module: "nodenext",
    target: "es2023",
    types: ["node"],
    sourceMap: true,
    declaration: true,
    noUncheckedIndexedAccess: true,
    strict: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: "force",
    skipLibCheck: true,
    rootDir: "src",
    outDir: "dist",
    plugins: [{ transform: "llm-strategy/transformer", ...plugin }],
  },
  include: ["src"],
});

/** A folder inside the installed project (its node_modules resolve from there) with `files`. */
function subproject(name: string, files: Record<string, string>): string {
  const dir = path.join(app, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const bin = (name: string) => path.join(app, "node_modules", ".bin", name);
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");

beforeAll(async () => {
  project = installIntoProject("llm-strategy-ts7-", "TypeScript 7 and vite", { name: "ts7-app", type: "module" }, ["typescript@7.0.2", "vite@8", "@types/node@20"]);
  app = project.app;
  process.stdout.write(`TypeScript 7 project: dev dependencies ${project.prepared.ms} ms, llm-strategy tarball ${project.install.ms} ms\n`);
  server = await startOpenAIServer(customerModel);
});

afterAll(async () => {
  await server?.close();
  // LLM_STRATEGY_KEEP_TMP=1 keeps the project for a look.
  removeUnlessKept(project?.root);
});

test("npm install of the tarball succeeds next to TypeScript 7.0.2 and vite, and tsc stays TypeScript 7", () => {
  expectInstalledBesideTypeScript(project, "7.0.2");
  // The analysis engine: the TypeScript 5.9 typescript-json-schema brings, nested under it.
  const engine = JSON.parse(read(app, "node_modules/typescript-json-schema/node_modules/typescript/package.json")) as { version: string };
  expect(engine.version).toMatch(/^5\.9\./);
});

describe("llm-strategy build of the customer example", () => {
  let dir: string;
  let build: CommandResult;
  beforeAll(() => {
    dir = subproject("customers", { "tsconfig.json": JSON.stringify(tsconfig(), null, 2) });
    writeCustomerSources(dir);
    build = command(bin("llm-strategy"), ["build"], dir);
    process.stdout.write(`llm-strategy build (TypeScript 7 project): ${build.ms} ms\n`);
  });

  test("builds without a diagnostic", () => {
    expect(build.output).toBe("");
    expect(build.status).toBe(0);
  });

  test("writes JS with the prompts' JSDoc, declarations with the declared signatures, and the manifest", () => {
    const js = read(dir, "dist/customer.js");
    expect(js).toContain("Semantic queries such as");
    expect(js).toContain(AGE_DOC);
    expect(js).not.toMatch(/\bstub\(\)/);
    const dts = read(dir, "dist/customer.d.ts");
    expect(dts).toContain("findCustomerKey(query: string): Promise<string[]>;");
    expect(dts).toContain("static createMockCustomers(numCustomers?: number): Promise<Customer[]>;");
    expect(fs.existsSync(path.join(dir, "dist", "main.js.map"))).toBe(true);
    const manifest = JSON.parse(read(dir, "dist/llm-prompts.json")) as { stubs: { id: string }[] };
    const lineOf = (text: string) => read(dir, "src/customer.ts").split("\n").findIndex((line) => line.includes(text)) + 1;
    const expected = [
      `src/customer.ts:${lineOf("get age()")} Customer.age`,
      `src/customer.ts:${lineOf("findCustomerKey(query")} CustomerDatabase.findCustomerKey`,
      `src/customer.ts:${lineOf("static createMockCustomers")} MockCustomerDatabase.createMockCustomers`,
    ];
    expect(manifest.stubs.map((entry) => entry.id).sort()).toEqual(expected.sort());
  });

  test.each(["structured", "json"])("the compiled program answers right against the local server in %s mode", async (mode) => {
    await expectCustomerAnswers(dir, server.baseURL, mode);
  });

  test("TypeScript 7's own tsc --noEmit accepts the same sources", () => {
    const check = command(bin("tsc"), ["--noEmit", "-p", dir], dir);
    expect(check.output).toBe("");
    expect(check.status).toBe(0);
  });
});

test("the package's types type-check under TypeScript 7 without skipLibCheck", () => {
  const dir = subproject("types", {
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "nodenext", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["check.ts"] }),
    "check.ts": `import { configure, llmStrategy, openAI, stub, type LanguageModel, type OpenAIMode } from "llm-strategy";

const mode: OpenAIMode = "structured";
const model: LanguageModel = openAI({ maxTokens: 64, mode });
configure({ model });

@llmStrategy(model)
export class Greeter {
  /** Greet the person by name. */
  greet(name: string): Promise<string> {
    return stub();
  }
}

// The types are real, not any: a mode that does not exist is an error.
// @ts-expect-error
export const wrong: OpenAIMode = "telepathy";
`,
  });
  const check = command(bin("tsc"), ["-p", dir], dir);
  expect(check.output).toBe("");
  expect(check.status).toBe(0);
});

test("a stub error is printed as tsc prints diagnostics, and the build exits non-zero", () => {
  const config = tsconfig({});
  // ES2025 names, which TypeScript 7 knows and the 5.9 engine does not, read without an error.
  Object.assign(config.compilerOptions, { target: "es2025", lib: ["es2025"] });
  const dir = subproject("broken", {
    "tsconfig.json": JSON.stringify(config),
    "src/shop.ts": `import { stub } from "llm-strategy";

export class Shop {
  /** The price of an item, in cents. */
  price(item: string): number {
    return stub();
  }
}
`,
  });
  const build = command(bin("llm-strategy"), ["build"], dir);
  expect(build.status).toBe(1);
  expect(build.output.trim().split("\n")).toEqual([
    expect.stringMatching(/^src\/shop\.ts\(5,24\): error TS91001: LLM1001: Shop\.price is a stub but returns `number`; .*declare the return type as `Promise<number>`\.$/),
  ]);
});

test("a tsconfig that leaves rootDir out while its sources sit in src/ gets TypeScript 7's own error TS5011, word for word", () => {
  const dir = subproject("no-root-dir", {
    "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", types: [] }, include: ["src"] }),
    "src/answer.ts": "export const answer: number = 42;\n",
  });
  const tsc7 = command(bin("tsc"), ["-p", "."], dir);
  expect(tsc7.output).toContain("error TS5011: The common source directory of 'tsconfig.json' is './src'.");
  const build = command(bin("llm-strategy"), ["build"], dir);
  expect(build.output).toBe(tsc7.output);
  expect(build.status).toBe(1);
});

describe("llm-strategy build --watch", () => {
  const NEW_DOC = "Return the age in whole years on 1 January 2022, from `birthdate`.";

  test("builds as llm-strategy build does, rebuilds the file whose JSDoc changed, leaves an unaffected file alone, and stops on SIGINT", async () => {
    // No target or module: TypeScript 7's defaults (ES modules), which the watch must apply too.
    const dir = subproject("watching", {
      "tsconfig.json": JSON.stringify({ compilerOptions: { types: ["node"], skipLibCheck: true, rootDir: "src", outDir: "dist" }, include: ["src"] }),
      "src/untouched.ts": "/** Imports nothing the test changes. */\nexport const answer = 42;\n",
    });
    writeCustomerSources(dir);
    const once = command(bin("llm-strategy"), ["build"], dir);
    expect(once.output).toBe("");
    const built = read(dir, "dist/customer.js");
    expect(built).toMatch(/^import \{ llmStrategy, openAI, stub \} from "llm-strategy";$/m);
    fs.rmSync(path.join(dir, "dist"), { recursive: true });

    const child = spawn(bin("llm-strategy"), ["build", "--watch"], { cwd: dir });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const builds = () => output.split("\n").filter((line) => line.startsWith("llm-strategy build: ")).length;
    try {
      await until(() => builds() >= 1, () => `the first build did not finish:\n${output}`);
      expect(output).toContain("llm-strategy build: no errors, watching for changes.");
      expect(read(dir, "dist/customer.js")).toBe(built);
      expect(built).toContain(AGE_DOC);
      const untouched = fs.statSync(path.join(dir, "dist", "untouched.js")).mtimeMs;
      const customer = fs.statSync(path.join(dir, "dist", "customer.js")).mtimeMs;

      fs.writeFileSync(path.join(dir, "src", "customer.ts"), read(dir, "src/customer.ts").replace(AGE_DOC, NEW_DOC));
      await until(() => builds() >= 2, () => `no rebuild after the change:\n${output}`);
      expect(output.trim().split("\n").at(-1)).toBe("llm-strategy build: no errors, watching for changes.");
      const rebuilt = read(dir, "dist/customer.js");
      expect(rebuilt).toContain(NEW_DOC);
      expect(rebuilt).not.toContain(AGE_DOC);
      expect(fs.statSync(path.join(dir, "dist", "customer.js")).mtimeMs).toBeGreaterThan(customer);
      expect(fs.statSync(path.join(dir, "dist", "untouched.js")).mtimeMs).toBe(untouched);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(output.trim().split("\n").at(-1)).toBe("llm-strategy build: stopped watching.");
  });
});

/** Resolves once `condition` holds; checks every 100 ms, gives up after 120 s with `explain()`. */
async function until(condition: () => boolean, explain: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(explain());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
