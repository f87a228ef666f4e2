/**
 * The tspc route on TypeScript 5.9 with ts-patch 3, from a real install: a project with
 * TypeScript 5.9.3, ts-patch 3 and vite installs the packed package and keeps its own `tsc`;
 * `tspc` builds the seed's customer example as CommonJS, which answers right against the local
 * server. One install for the whole file; needs `npm run build` first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  command,
  expectCustomerAnswers,
  expectInstalledBesideTypeScript,
  installIntoProject,
  removeUnlessKept,
  writeCustomerProject,
  type CommandResult,
  type InstalledProject,
} from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(600_000);

let project: InstalledProject;
let app: string;
let tspc: CommandResult;
let server: OpenAIServer;

const bin = (name: string) => path.join(app, "node_modules", ".bin", name);

beforeAll(async () => {
  project = installIntoProject("llm-strategy-ts59-", "TypeScript 5.9, ts-patch 3 and vite", { name: "ts59-app" }, ["typescript@5.9.3", "ts-patch@3", "vite@8", "@types/node@20"]);
  app = project.app;
  writeCustomerProject(app, { target: "es2022", module: "node16", declaration: true });
  tspc = command(bin("tspc"), ["-p", "."], app);
  process.stdout.write(`TypeScript 5.9 project: dev dependencies ${project.prepared.ms} ms, llm-strategy tarball ${project.install.ms} ms; tspc ${tspc.ms} ms\n`);
  server = await startOpenAIServer(customerModel);
});

afterAll(async () => {
  await server?.close();
  // LLM_STRATEGY_KEEP_TMP=1 keeps the project for a look.
  removeUnlessKept(project?.root);
});

test("npm install of the tarball succeeds next to TypeScript 5.9.3, ts-patch 3 and vite, and tsc stays TypeScript 5.9", () => {
  expectInstalledBesideTypeScript(project, "5.9.3");
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
  await expectCustomerAnswers(app, server.baseURL, mode);
});
