/**
 * The lean production install, from a real install of the packed package: the build-time
 * packages (typescript-json-schema with its TypeScript, gpt-tokenizer, unplugin, trace-mapping)
 * are optional dependencies, so `--omit=optional` leaves a node_modules of at most 30 MiB
 * (`du`, as `du -sh` counts) that runs compiled code; and `llm-strategy build` there says in one
 * line what to install. Two ways in: `npm install --omit=optional <package>` in a fresh project,
 * and `npm ci --omit=dev --omit=optional` from the lockfile of an app that builds with
 * TypeScript 7. Needs `npm run build` first.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/compile";
import {
  command,
  createProject,
  diskUsageKiB,
  expectCustomerAnswers,
  npm,
  NPM_FLAGS,
  packRepository,
  removeUnlessKept,
  REPO_TSPC,
  writeRepoCustomerProject,
  type CommandResult,
} from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(600_000);

/** The budget for a production node_modules: 30 MiB, in KiB. */
const BUDGET_KIB = 30 * 1024;

/** The runtime's dependencies and theirs: all a production install holds. */
const RUNTIME_PACKAGES = [
  "ajv",
  "ajv-formats",
  "fast-deep-equal",
  "fast-uri",
  "json-schema-traverse",
  "jsonrepair",
  "llm-strategy",
  "openai",
  "require-from-string",
  "safe-stable-stringify",
  "tiny-lru",
];

let root: string;
let tarball: string;
let server: OpenAIServer;
// Built in this repository with tspc (CommonJS), copied into each production install.
const built = path.join(REPO_ROOT, ".tmp", `production-install-${process.pid}`);

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-production-"));
  tarball = packRepository(root);
  writeRepoCustomerProject(built);
  const tspc = command(REPO_TSPC, ["-p", "."], built);
  if (tspc.status !== 0 || tspc.output !== "") throw new Error(`building the customer example failed:\n${tspc.output}`);
  server = await startOpenAIServer(customerModel);
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(built, { recursive: true, force: true });
  // LLM_STRATEGY_KEEP_TMP=1 keeps the installs for a look.
  removeUnlessKept(root);
});

/** The packages under `node_modules` (scoped ones as `@scope/name`), sorted. */
function installedPackages(dir: string): string[] {
  const modules = path.join(dir, "node_modules");
  return fs
    .readdirSync(modules)
    .filter((entry) => !entry.startsWith("."))
    .flatMap((entry) => (entry.startsWith("@") ? fs.readdirSync(path.join(modules, entry)).map((name) => `${entry}/${name}`) : [entry]))
    .sort();
}

/** `node_modules` size and its five biggest packages, for the log. */
function describeSize(title: string, dir: string, install: CommandResult): number {
  const total = diskUsageKiB(path.join(dir, "node_modules"));
  const biggest = installedPackages(dir)
    .map((name) => ({ name, kib: diskUsageKiB(path.join(dir, "node_modules", name)) }))
    .sort((a, b) => b.kib - a.kib)
    .slice(0, 5)
    .map(({ name, kib }) => `${name} ${(kib / 1024).toFixed(1)}`)
    .join(", ");
  process.stdout.write(`${title}: node_modules ${(total / 1024).toFixed(1)} MiB (${total} KiB) in ${install.ms} ms; biggest (MiB): ${biggest}\n`);
  return total;
}

/** Copies the built customer example into `dir` and runs it against the local server. */
async function runBuiltExample(dir: string, mode: string): Promise<void> {
  fs.cpSync(path.join(built, "dist"), path.join(dir, "dist"), { recursive: true });
  await expectCustomerAnswers(dir, server.baseURL, mode);
}

describe("npm install --omit=optional <package> in a fresh project", () => {
  let dir: string;
  let install: CommandResult;
  beforeAll(() => {
    dir = path.join(root, "fresh");
    createProject(dir, { name: "fresh" }, []);
    install = npm(dir, ["install", ...NPM_FLAGS, "--omit=optional", tarball]);
  });

  test("installs the runtime and its dependencies only, in at most 30 MiB", () => {
    expect(install.status).toBe(0);
    expect(installedPackages(dir)).toEqual(RUNTIME_PACKAGES);
    expect(describeSize("npm install --omit=optional", dir, install)).toBeLessThanOrEqual(BUDGET_KIB);
  });

  test("runs the compiled customer example against the local server", async () => {
    await runBuiltExample(dir, "structured");
  });

  test("llm-strategy build there fails with one line naming what to install", () => {
    fs.mkdirSync(path.join(dir, "src"), { recursive: true });
    fs.writeFileSync(path.join(dir, "src", "a.ts"), 'import { stub } from "llm-strategy";\n/** Say hello. */\nexport function hello(): Promise<string> {\n  return stub();\n}\n');
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { rootDir: "src", outDir: "out" }, include: ["src"] }));
    const build = command(path.join(dir, "node_modules", ".bin", "llm-strategy"), ["build"], dir);
    expect(build.status).toBe(1);
    const lines = build.output.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^llm-strategy build: The project in .* has no TypeScript, .* typescript-json-schema is not installed: .*`npm install --include=optional`\.$/);
  });

  test("tspc with the plugin there fails with one diagnostic line naming what to install, not a stack trace", () => {
    // The repository's tspc (this install has no TypeScript); the plugin resolves from the project, without typescript-json-schema.
    const project = path.join(dir, "tspc-project");
    fs.mkdirSync(path.join(project, "src"), { recursive: true });
    fs.writeFileSync(path.join(project, "src", "a.ts"), 'import { stub } from "llm-strategy";\n/** Say hello. */\nexport function hello(): Promise<string> {\n  return stub();\n}\n');
    const plugins = [{ transform: "llm-strategy/transformer" }];
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: true, types: [], rootDir: "src", outDir: "out", plugins }, include: ["src"] }));
    const tspc = command(REPO_TSPC, ["-p", "."], project);
    expect(tspc.status).not.toBe(0);
    expect(tspc.output.trim().split("\n")).toEqual([
      "error TS91012: LLM1012: typescript-json-schema is not installed: llm-strategy's build tools are optional dependencies, and this install left them out " +
        "(npm --omit=optional, or a production install). Where you build, install them with `npm install --include=optional`.",
    ]);
  });
});

describe("npm ci --omit=dev --omit=optional of an app that builds with TypeScript 7", () => {
  let dir: string;
  let install: CommandResult;
  beforeAll(() => {
    dir = path.join(root, "app");
    const full = createProject(dir, { name: "app", dependencies: { "llm-strategy": `file:${tarball}` } }, ["typescript@7.0.2", "@types/node@20"]);
    if (full.status !== 0) throw new Error(`the app's full install failed:\n${full.output}`);
    install = npm(dir, ["ci", ...NPM_FLAGS, "--omit=dev", "--omit=optional"]);
  });

  test("installs the runtime and its dependencies only, in at most 30 MiB", () => {
    expect(install.status).toBe(0);
    expect(installedPackages(dir)).toEqual(RUNTIME_PACKAGES);
    expect(describeSize("npm ci --omit=dev --omit=optional", dir, install)).toBeLessThanOrEqual(BUDGET_KIB);
  });

  test("runs the compiled customer example against the local server", async () => {
    await runBuiltExample(dir, "json");
  });
});
