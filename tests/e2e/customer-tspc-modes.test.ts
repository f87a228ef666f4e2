/**
 * The seed's customer flow from a real `tspc` build, against the local OpenAI-compatible server,
 * in every mode: create customers, their ages (revived `Customer`s running their own stub),
 * natural-language search. The built program runs as its own process, as a user's would.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/compile";
import { customerExampleSource } from "../helpers/customer-example";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(120_000);

// Inside the repository (no package.json of its own), so `llm-strategy` resolves to the repo's
// package by Node's self-reference; ts-patch loads the plugin by path (see examples/*/tsconfig.json).
const project = path.join(REPO_ROOT, ".tmp", `e2e-modes-${process.pid}`);

// The test picks the mode; a real project leaves it out (the best the endpoint supports).
const customerSource = customerExampleSource({ mode: "process.env.CUSTOMER_MODE as OpenAIMode | undefined" });

const mainSource = `import { configure, type CallInfo } from "llm-strategy";
import { Customer, MockCustomerDatabase } from "./customer";

const calls: CallInfo[] = [];
configure({ onCall: (info) => calls.push(info) });

async function main(): Promise<void> {
  const db = new MockCustomerDatabase();
  await db.load();
  const ages = await Promise.all(db.customers.map((customer) => customer.age));
  const found = await db.findCustomerKey("the customer that was born in 1981");
  console.log(JSON.stringify({
    revived: db.customers.every((customer) => customer instanceof Customer),
    ages,
    found,
    modes: [...new Set(calls.map((call) => call.mode))],
  }));
}

main().catch((error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
`;

let server: OpenAIServer;
beforeAll(async () => {
  fs.rmSync(project, { recursive: true, force: true });
  fs.mkdirSync(path.join(project, "src"), { recursive: true });
  fs.writeFileSync(path.join(project, "src", "customer.ts"), customerSource);
  fs.writeFileSync(path.join(project, "src", "main.ts"), mainSource);
  const plugin = path.relative(project, path.join(REPO_ROOT, "dist", "transformer", "index.js"));
  fs.writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        types: ["node"],
        strict: true,
        skipLibCheck: true,
        rootDir: "src",
        outDir: "dist",
        plugins: [{ transform: plugin }],
      },
      include: ["src"],
    }),
  );
  server = await startOpenAIServer(customerModel);
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(project, { recursive: true, force: true });
});

test("builds with the real tspc, without a diagnostic", () => {
  const build = spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", "tspc"), ["-p", project], { encoding: "utf8" });
  expect(build.stdout + build.stderr).toBe("");
  expect(build.status).toBe(0);
  expect(fs.readFileSync(path.join(project, "dist", "customer.js"), "utf8")).toContain("Semantic queries such as");
});

function run(mode: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(project, "dist", "main.js")], {
      env: { ...process.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model", CUSTOMER_MODE: mode },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

test.each(["structured", "tools", "json", "prompt"])("runs the flow in %s mode", async (mode) => {
  server.requests.length = 0;
  const result = await run(mode);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({ revived: true, ages: [42, 41, 40, 39], found: ["c1"], modes: [mode] });
  // What went over the wire is that mode's request shape.
  expect(server.requests).toHaveLength(6);
  for (const { body } of server.requests) {
    if (mode === "structured") expect(body.response_format?.type).toBe("json_schema");
    if (mode === "tools") expect(body.tools).toHaveLength(1);
    if (mode === "json") expect(body.response_format?.type).toBe("json_object");
    if (mode === "prompt") expect(body.response_format).toBeUndefined();
  }
});
