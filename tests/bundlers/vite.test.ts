/**
 * The vite plugin beyond a build, from the packed package, on the customers fixture (stubs across
 * files, `@llmStrategy` with a scripted model): a user's vitest suite calling stubs; the vite dev
 * server picking up a changed JSDoc (the stub's own, and an imported interface's) without a
 * restart; and the specs of a vite build byte for byte equal to those of `tspc` on the same
 * sources. Needs `npm run build` first.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { removeUnlessKept } from "../helpers/installed-project";
import { installPackedOffline } from "../helpers/packed-offline";
import { REPO, runNode, writeFiles } from "./helpers";

jest.setTimeout(240_000);

const FIXTURE = path.join(REPO, "tests", "package", "fixtures", "customers", "src");

let root: string;

beforeAll(() => {
  ({ root } = installPackedOffline("llm-strategy-vite-"));
});

afterAll(() => removeUnlessKept(root));

/** The customers fixture (customer, db, model, order; nodenext-style `.js` imports) with a tsconfig that also serves tspc. */
function fixtureProject(name: string, files: Record<string, string>, compilerOptions: Record<string, unknown> = {}): string {
  const dir = path.join(root, name);
  const sources = Object.fromEntries(["customer.ts", "db.ts", "model.ts", "order.ts"].map((file) => [`src/${file}`, fs.readFileSync(path.join(FIXTURE, file), "utf8")]));
  writeFiles(dir, {
    "package.json": JSON.stringify({ name, private: true, type: "module" }),
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          skipLibCheck: true,
          types: ["node"],
          outDir: "dist-tspc",
          plugins: [{ transform: "llm-strategy/transformer", manifest: "manifests/tspc.json" }],
          ...compilerOptions,
        },
        include: ["src"],
      },
      null,
      2,
    ),
    ...sources,
    ...files,
  });
  return dir;
}

test("a vitest suite with the vite plugin calls stubs against a scripted model", async () => {
  const dir = fixtureProject("vitest", {
    "vitest.config.mts": `import llmStrategy from "llm-strategy/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [llmStrategy()],
  test: { include: ["src/**/*.test.ts"] },
});
`,
    "src/customers.test.ts": `import { expect, test } from "vitest";
import { Customer } from "./customer.js";
import { MockCustomerDatabase } from "./db.js";
import { model } from "./model.js";
import { Order } from "./order.js";

test("mock customers come back as Customer instances whose age the model computes", async () => {
  const db = new MockCustomerDatabase();
  await db.load();
  expect(db.customers.map((customer) => customer.firstName)).toEqual(["Ada", "Bola", "Chen"]);
  expect(db.customers.every((customer) => customer instanceof Customer)).toBe(true);
  expect(db.customers[0]!.orders[0]).toBeInstanceOf(Order);
  expect(await Promise.all(db.customers.map((customer) => customer.age))).toEqual([33, 32, 31]);
  expect(model.requests[0]!.messages.map((message) => message.content).join("\\n")).toContain("Create mock customers with believable data");
});

test("a natural-language search goes through the model with the customers as input", async () => {
  const db = new MockCustomerDatabase();
  await db.load();
  expect(await db.findCustomerKey("the customer that was born in 1990")).toEqual(["c1"]);
  expect(model.requests.at(-1)!.messages.map((message) => message.content).join("\\n")).toContain("Semantic queries such as");
});
`,
  });
  const run = await runNode([path.join(REPO, "node_modules", "vitest", "vitest.mjs"), "run"], { cwd: dir });
  const output = `${run.stdout}${run.stderr}`;
  expect(output).toMatch(/Tests\s+2 passed \(2\)/);
  expect(run.status).toBe(0);
});

test("the vite dev server serves a changed JSDoc, the stub's own or an imported interface's, on the next load without a restart", async () => {
  const dir = fixtureProject("dev", {
    "dev.mjs": `import * as fs from "node:fs";
import * as path from "node:path";
import { createServer } from "vite";
import llmStrategy from "llm-strategy/vite";

// Resolves once vite has handled a file's change for SSR (invalidated what depends on it).
const waiting = new Map();
const updated = (file) => new Promise((resolve, reject) => {
  waiting.set(path.resolve(file), resolve);
  setTimeout(() => reject(new Error("vite reported no update of " + file + " within 60 s")), 60_000).unref();
});
const updateSignal = {
  name: "update-signal",
  hotUpdate({ file }) {
    if (this.environment.name === "ssr") waiting.get(path.resolve(file))?.();
  },
};

const server = await createServer({
  configFile: false,
  root: process.cwd(),
  logLevel: "warn",
  appType: "custom",
  server: { middlewareMode: true },
  plugins: [llmStrategy(), updateSignal],
});

async function mockCustomersPrompt() {
  const { MockCustomerDatabase } = await server.ssrLoadModule("/src/db.ts");
  const { model } = await server.ssrLoadModule("/src/model.ts");
  await MockCustomerDatabase.createMockCustomers(1);
  return model.requests.at(-1).messages.map((message) => message.content).join("\\n");
}

async function change(file, from, to) {
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(file + " does not contain " + from);
  const done = updated(file);
  const started = performance.now();
  fs.writeFileSync(file, text.replace(from, to));
  await done;
  const prompt = await mockCustomersPrompt();
  return { prompt, ms: Math.round(performance.now() - started) };
}

const first = await mockCustomersPrompt();
const stubDoc = await change("src/db.ts", "Create mock customers with believable data", "Invent mock customers with plausible data");
const importedDoc = await change("src/order.ts", "/** What was ordered. */", "/** The product that was ordered. */");
await server.close();
console.log(JSON.stringify({ first, stubDoc, importedDoc }));
`,
  });
  const run = await runNode(["dev.mjs"], { cwd: dir });
  if (run.status !== 0) throw new Error(`dev.mjs failed:\n${run.stdout}${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as { first: string; stubDoc: { prompt: string; ms: number }; importedDoc: { prompt: string; ms: number } };
  expect(result.first).toContain("Create mock customers with believable data");
  expect(result.first).toContain("/** What was ordered. */");
  expect(result.stubDoc.prompt).toContain("Invent mock customers with plausible data");
  expect(result.stubDoc.prompt).not.toContain("Create mock customers");
  expect(result.importedDoc.prompt).toContain("/** The product that was ordered. */");
  expect(result.importedDoc.prompt).toContain("Invent mock customers with plausible data");
  process.stdout.write(`vite dev server: change to first load with the new prompt: stub's JSDoc ${result.stubDoc.ms} ms, imported interface's JSDoc ${result.importedDoc.ms} ms\n`);
});

test("vite's project template (a solution tsconfig referencing tsconfig.app.json, `.ts` imports, noEmit): the referenced project that includes the files compiles them", async () => {
  const dir = fixtureProject("template", {
    "tsconfig.json": JSON.stringify({ files: [], references: [{ path: "./tsconfig.app.json" }, { path: "./tsconfig.node.json" }] }),
    "tsconfig.app.json": JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "bundler",
        allowImportingTsExtensions: true,
        noEmit: true,
        strict: true,
        skipLibCheck: true,
        types: ["node"],
        tsBuildInfoFile: "./node_modules/.tmp/tsconfig.app.tsbuildinfo",
        plugins: [{ transform: "llm-strategy/transformer", manifest: "dist/llm-prompts.json" }],
      },
      include: ["src"],
    }),
    "tsconfig.node.json": JSON.stringify({ compilerOptions: { module: "ESNext", moduleResolution: "bundler", noEmit: true, skipLibCheck: true }, include: ["vite.config.ts"] }),
    "vite.config.ts": `import llmStrategy from "llm-strategy/vite";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [llmStrategy()], build: { ssr: "src/main.ts", outDir: "dist", minify: false } });
`,
    "src/main.ts": fs.readFileSync(path.join(FIXTURE, "main.ts"), "utf8"),
  });
  for (const file of fs.readdirSync(path.join(dir, "src"))) {
    const source = path.join(dir, "src", file);
    fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace(/(from "\.\/[a-z]+)\.js"/g, '$1.ts"'));
  }
  const built = await runNode([path.join(REPO, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], { cwd: dir });
  if (built.status !== 0) throw new Error(`vite build failed:\n${built.stdout}${built.stderr}`);
  const run = await runNode([path.join(dir, "dist", "main.js")], { cwd: dir });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toMatchObject({ names: ["Ada", "Bola", "Chen"], isCustomer: true, isOrder: true, ages: [33, 32, 31], bornIn1990: ["c1"], requests: 5 });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "dist", "llm-prompts.json"), "utf8")) as { stubs: unknown[] };
  expect(manifest.stubs).toHaveLength(3);
});

test("a vite build's specs (the manifest, the module-scope spec objects) are byte for byte those of tspc on the same sources", async () => {
  const dir = fixtureProject(
    "same-specs",
    {
      "src/main.ts": `import { MockCustomerDatabase } from "./db.js";\nexport const db = new MockCustomerDatabase();\n`,
      "vite.config.mts": `import * as fs from "node:fs";
import * as path from "node:path";
import llmStrategy from "llm-strategy/vite";
import { defineConfig } from "vite";

// Keeps what the llm-strategy plugin hands on (the next "pre" plugin sees its output first).
const capture = {
  name: "capture",
  enforce: "pre",
  transform(code, id) {
    if (!code.includes("__llmStrategy")) return null;
    fs.mkdirSync("captured", { recursive: true });
    fs.writeFileSync(path.join("captured", path.basename(id).replace(/\\.ts$/, ".js")), code);
    return null;
  },
};

export default defineConfig({
  plugins: [llmStrategy({ manifest: "manifests/vite.json" }), capture],
  build: { ssr: "src/main.ts", outDir: "dist", minify: false },
});
`,
    },
    // ES module output from tspc too, so the emitted statements can be compared as text.
    { module: "es2022", moduleResolution: "bundler" },
  );
  const tspc = spawnSync(path.join(REPO, "node_modules", ".bin", "tspc"), ["-p", dir], { cwd: dir, encoding: "utf8" });
  expect(`${tspc.stdout}${tspc.stderr}`).toBe("");
  const vite = await runNode([path.join(REPO, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], { cwd: dir });
  if (vite.status !== 0) throw new Error(`vite build failed:\n${vite.stdout}${vite.stderr}`);

  const tspcManifest = fs.readFileSync(path.join(dir, "manifests", "tspc.json"));
  expect(JSON.parse(tspcManifest.toString()).stubs).toHaveLength(3);
  expect(fs.readFileSync(path.join(dir, "manifests", "vite.json")).equals(tspcManifest)).toBe(true);

  for (const file of ["customer.js", "db.js"]) {
    const fromTspc = moduleScopeSpecs(fs.readFileSync(path.join(dir, "dist-tspc", file), "utf8"));
    const fromVite = moduleScopeSpecs(fs.readFileSync(path.join(dir, "captured", file), "utf8"));
    expect(fromTspc.length).toBeGreaterThan(0);
    expect(fromVite).toEqual(fromTspc);
  }
});

/** The text of each module-scope `const __llmStrategy...` statement (schemas, specs) of an emitted file. */
function moduleScopeSpecs(code: string): string[] {
  const file = ts.createSourceFile("emitted.js", code, ts.ScriptTarget.Latest, true);
  return file.statements
    .filter((statement): statement is ts.VariableStatement => ts.isVariableStatement(statement))
    .filter((statement) => statement.declarationList.declarations.some((declaration) => ts.isIdentifier(declaration.name) && declaration.name.text.startsWith("__llmStrategy")))
    .map((statement) => statement.getText(file));
}
