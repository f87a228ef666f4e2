/**
 * The tspc route on TypeScript 5.9 with ts-patch 3, from a real install: a project with
 * TypeScript 5.9.3, ts-patch 3 and vite installs the packed package and keeps its own `tsc`;
 * `tspc` builds the seed's customer example as CommonJS, which answers right against the local
 * server. One install for the whole file; needs `npm run build` first.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  command,
  createProject,
  customerAnswers,
  npm,
  NPM_FLAGS,
  packRepository,
  runCustomerProgram,
  tscVersion,
  writeCustomerSources,
  type CommandResult,
} from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(600_000);

let root: string;
let app: string;
let install: CommandResult;
const tsc: { before?: string; after?: string } = {};
let tspc: CommandResult;
let server: OpenAIServer;

const bin = (name: string) => path.join(app, "node_modules", ".bin", name);

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-ts59-"));
  const tarball = packRepository(root);
  app = path.join(root, "app");
  const prepared = createProject(app, { name: "ts59-app" }, ["typescript@5.9.3", "ts-patch@3", "vite@8", "@types/node@20"]);
  if (prepared.status !== 0) throw new Error(`installing TypeScript 5.9, ts-patch 3 and vite failed:\n${prepared.output}`);
  tsc.before = tscVersion(app);
  install = npm(app, ["install", ...NPM_FLAGS, tarball]);
  tsc.after = tscVersion(app);
  fs.writeFileSync(
    path.join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "node16",
        strict: true,
        declaration: true,
        skipLibCheck: true,
        types: ["node"],
        rootDir: "src",
        outDir: "dist",
        plugins: [{ transform: "llm-strategy/transformer", manifest: "dist/llm-prompts.json" }],
      },
      include: ["src"],
    }),
  );
  writeCustomerSources(app);
  tspc = command(bin("tspc"), ["-p", "."], app);
  process.stdout.write(`TypeScript 5.9 project: dev dependencies ${prepared.ms} ms, llm-strategy tarball ${install.ms} ms; tspc ${tspc.ms} ms\n`);
  server = await startOpenAIServer(customerModel);
});

afterAll(async () => {
  await server?.close();
  // LLM_STRATEGY_KEEP_TMP=1 keeps the project for a look.
  if (root && !process.env["LLM_STRATEGY_KEEP_TMP"]) fs.rmSync(root, { recursive: true, force: true });
  else if (root) process.stdout.write(`kept ${root}\n`);
});

test("npm install of the tarball succeeds next to TypeScript 5.9.3, ts-patch 3 and vite, and tsc stays TypeScript 5.9", () => {
  expect(install.output).not.toMatch(/ERESOLVE|--force|--legacy-peer-deps/);
  expect(install.status).toBe(0);
  expect(tsc.before).toBe("Version 5.9.3");
  expect(tsc.after).toBe("Version 5.9.3");
  expect(fs.existsSync(bin("vite"))).toBe(true);
});

test("tspc builds the customer example without a diagnostic, with the prompts' JSDoc and a manifest", () => {
  expect(tspc.output).toBe("");
  expect(tspc.status).toBe(0);
  const js = fs.readFileSync(path.join(app, "dist", "customer.js"), "utf8");
  expect(js).toContain("Semantic queries such as");
  expect(js).not.toMatch(/\bstub\(\)/);
  const manifest = JSON.parse(fs.readFileSync(path.join(app, "dist", "llm-prompts.json"), "utf8")) as { stubs: unknown[] };
  expect(manifest.stubs).toHaveLength(3);
});

test.each(["structured", "prompt"])("what tspc built answers right against the local server in %s mode", async (mode) => {
  const result = await runCustomerProgram(app, server.baseURL, mode);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual(customerAnswers(mode));
});
