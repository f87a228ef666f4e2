/**
 * The seed's customer flow from a real `tspc` build, against the local OpenAI-compatible server,
 * in every mode: create customers, their ages (revived `Customer`s running their own stub),
 * natural-language search. The built program runs as its own process, as a user's would.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/compile";
import { expectCustomerAnswers, REPO_TSPC, writeRepoCustomerProject } from "../helpers/installed-project";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(120_000);

// Inside the repository (no package.json of its own), so `llm-strategy` resolves to the repo's
// package by Node's self-reference; ts-patch loads the plugin by path (see examples/*/tsconfig.json).
// The customer example takes its mode from CUSTOMER_MODE: the test picks it; a real project leaves
// it out (the best the endpoint supports).
const project = path.join(REPO_ROOT, ".tmp", `e2e-modes-${process.pid}`);

let server: OpenAIServer;
beforeAll(async () => {
  writeRepoCustomerProject(project);
  server = await startOpenAIServer(customerModel);
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(project, { recursive: true, force: true });
});

test("builds with the real tspc, without a diagnostic", () => {
  const build = spawnSync(REPO_TSPC, ["-p", project], { encoding: "utf8" });
  expect(build.stdout + build.stderr).toBe("");
  expect(build.status).toBe(0);
  expect(fs.readFileSync(path.join(project, "dist", "customer.js"), "utf8")).toContain("Semantic queries such as");
});

test.each(["structured", "tools", "json", "prompt"])("runs the flow in %s mode", async (mode) => {
  server.requests.length = 0;
  await expectCustomerAnswers(project, server.baseURL, mode);
  // What went over the wire is that mode's request shape.
  expect(server.requests).toHaveLength(6);
  for (const { body } of server.requests) {
    if (mode === "structured") expect(body.response_format?.type).toBe("json_schema");
    if (mode === "tools") expect(body.tools).toHaveLength(1);
    if (mode === "json") expect(body.response_format?.type).toBe("json_object");
    if (mode === "prompt") expect(body.response_format).toBeUndefined();
  }
});
