/**
 * The package as users get it: `npm pack`, installed into temporary projects without network
 * (the tarball extracted into node_modules/llm-strategy, every other dependency a symlink into
 * this repository's node_modules), built with the real `node_modules/.bin/tspc`, then run.
 * This is the only test that sees what `tspc` really does with JSDoc: since TypeScript 5.3 it skips
 * a .ts file's JSDoc, and the transformer parses the doc comments it reads itself.
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_TSPC as TSPC, removeUnlessKept } from "../helpers/installed-project";
import { installPackedOffline } from "../helpers/packed-offline";
import { originalPositionOf } from "../helpers/source-map";

jest.setTimeout(240_000);

const FIXTURE = path.join(__dirname, "fixtures", "customers", "src");

let root: string;
let packedFiles: string[];

beforeAll(() => {
  ({ root, packedFiles } = installPackedOffline("llm-strategy-package-"));
});

// LLM_STRATEGY_KEEP_TMP=1 keeps the projects for a look at what tspc wrote.
afterAll(() => removeUnlessKept(root));

interface Project {
  dir: string;
  build: { status: number | null; output: string };
}

/** Writes a project (the fixture sources, a tsconfig with the plugin) under `parent` and builds it with tspc. */
function project(
  name: string,
  compilerOptions: Record<string, unknown>,
  options: { type?: "module"; parent?: string; rewrite?: (source: string) => string } = {},
): Project {
  const dir = path.join(options.parent ?? root, name);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  for (const file of fs.readdirSync(FIXTURE)) {
    const source = fs.readFileSync(path.join(FIXTURE, file), "utf8");
    fs.writeFileSync(path.join(dir, "src", file), options.rewrite ? options.rewrite(source) : source);
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, ...(options.type ? { type: options.type } : {}) }));
  const tsconfig = {
    compilerOptions: {
      target: "es2022",
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      declaration: true,
      sourceMap: true,
      rootDir: "src",
      outDir: "dist",
      types: ["node"],
      plugins: [{ transform: "llm-strategy/transformer", manifest: "dist/llm-prompts.json" }],
      ...compilerOptions,
    },
    include: ["src"],
  };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const build = spawnSync(TSPC, ["-p", dir], { cwd: dir, encoding: "utf8" });
  return { dir, build: { status: build.status, output: `${build.stdout}${build.stderr}` } };
}

function run(dir: string): { names: string[]; isCustomer: boolean; isOrder: boolean; orderLabel: string; ages: number[]; bornIn1990: string[]; firstPrompt: string; requests: number } {
  const result = spawnSync(process.execPath, [path.join(dir, "dist", "main.js")], { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`running ${dir} failed:\n${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");

test("the tarball holds the built runtime, transformer, CLI and trace viewer, README and package.json, nothing of the tests", () => {
  expect(packedFiles).toContain("package.json");
  expect(packedFiles).toContain("README.md");
  expect(packedFiles).toContain("dist/runtime/index.js");
  expect(packedFiles).toContain("dist/runtime/index.d.ts");
  expect(packedFiles).toContain("dist/runtime/stub.d.ts");
  expect(packedFiles).toContain("dist/transformer/index.js");
  expect(packedFiles).toContain("dist/transformer/index.d.ts");
  expect(packedFiles).toContain("dist/transformer/analyse/index.js");
  expect(packedFiles).toContain("dist/cli/index.js");
  expect(packedFiles).toContain("dist/viewer/trace-viewer.html");
  const unexpected = packedFiles.filter((file) => !/^(package\.json|README\.md|LICENSE|dist\/(runtime|transformer|cli|viewer)\/.+)$/.test(file));
  expect(unexpected).toEqual([]);
});

describe.each([
  ["CommonJS, node10 resolution", "cjs", { module: "commonjs", moduleResolution: "node10" }, undefined],
  ["ESM, nodenext", "esm", { module: "nodenext", moduleResolution: "nodenext" }, "module" as const],
])("a project compiled as %s", (_title, name, compilerOptions, type) => {
  let built: Project;
  beforeAll(() => {
    built = project(name, compilerOptions, type ? { type } : {});
  });

  test("builds with tspc without diagnostics", () => {
    expect(built.build.output).toBe("");
    expect(built.build.status).toBe(0);
  });

  test("JSDoc reached the emitted prompts, though tspc parsed none of it", () => {
    const db = read(built.dir, "dist/db.js");
    expect(db).toContain("Create mock customers with believable data (our customers are world citizens).");
    expect(db).toContain("Natural language query");
    expect(read(built.dir, "dist/customer.js")).toContain("Return the current age of the customer, from `birthdate` and the current year (2022).");
  });

  test(".d.ts files keep the declared signatures and source maps point at the sources", () => {
    const dts = read(built.dir, "dist/db.d.ts");
    expect(dts).toContain("static createMockCustomers(numCustomers?: number): Promise<Customer[]>;");
    expect(dts).toContain("findCustomerKey(query: string): Promise<string[]>;");
    expect(dts).not.toContain("__llmStrategy");
    const js = read(built.dir, "dist/db.js");
    const map = JSON.parse(read(built.dir, "dist/db.js.map")) as { mappings: string; sources: string[] };
    expect(map.sources).toEqual(["../src/db.ts"]);
    const sourceLines = read(built.dir, "src/db.ts").split("\n");
    const loadLine = sourceLines.findIndex((line) => line.includes("async load()"));
    expect(originalPositionOf(js, map, "async load()").line).toBe(loadLine);
  });

  test("the built program runs: classes revived across files, their own stubs called, models from decorators", () => {
    const result = run(built.dir);
    expect(result.names).toEqual(["Ada", "Bola", "Chen"]);
    expect(result.isCustomer).toBe(true);
    expect(result.isOrder).toBe(true);
    expect(result.orderLabel).toBe("1 x tea");
    expect(result.ages).toEqual([33, 32, 31]);
    expect(result.bornIn1990).toEqual(["c1"]);
    expect(result.firstPrompt).toContain("Create mock customers with believable data");
    expect(result.requests).toBe(5);
  });

  test("the manifest lists every stub", () => {
    const manifest = JSON.parse(read(built.dir, "dist/llm-prompts.json")) as { stubs: { id: string; tokens: { json: number } }[] };
    expect(manifest.stubs.map((entry) => entry.id)).toEqual([
      "src/customer.ts:17 Customer.age",
      "src/db.ts:14 CustomerDatabase.findCustomerKey",
      "src/db.ts:26 MockCustomerDatabase.createMockCustomers",
    ]);
    for (const entry of manifest.stubs) expect(entry.tokens.json).toBeGreaterThan(10);
  });
});

test("es2022 + bundler resolution with extensionless imports: builds, imports stay extensionless", () => {
  const built = project(
    "bundler",
    { module: "es2022", moduleResolution: "bundler" },
    { type: "module", rewrite: (source) => source.replace(/(from "\.\/[a-z]+)\.js"/g, '$1"') },
  );
  expect(built.build.output).toBe("");
  expect(built.build.status).toBe(0);
  const db = read(built.dir, "dist/db.js");
  expect(db).toContain('import * as __llmStrategy from "llm-strategy";');
  expect(db).toContain('import * as __llmStrategy_customer from "./customer";');
  // Order is not imported by db.ts: the transformer computes the specifier itself.
  expect(db).toContain('import * as __llmStrategy_order from "./order";');
});

test("a build whose compiler parsed every doc comment emits the same JavaScript as tspc's default", () => {
  // ts-patch reads "tsp" settings from the package.json nearest the transformer file; this one
  // asks it to parse all JSDoc, as llm-strategy's own package.json once did.
  const parent = path.join(root, "parse-all");
  const copy = path.join(parent, "node_modules", "llm-strategy");
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.cpSync(path.join(root, "node_modules", "llm-strategy"), copy, { recursive: true });
  fs.writeFileSync(path.join(copy, "dist", "transformer", "package.json"), JSON.stringify({ tsp: { tscOptions: { parseAllJsDoc: true } } }));
  const compilerOptions = { module: "commonjs", moduleResolution: "node10" };
  const parsedAll = project("project", compilerOptions, { parent });
  const tspcDefault = project("project-default", compilerOptions);
  for (const built of [parsedAll, tspcDefault]) expect(built.build).toEqual({ status: 0, output: "" });
  for (const file of ["dist/db.js", "dist/customer.js", "dist/order.js"]) {
    expect({ file, js: read(tspcDefault.dir, file) }).toEqual({ file, js: read(parsedAll.dir, file) });
  }
  expect(read(tspcDefault.dir, "dist/db.js")).toContain("Natural language query");
});
