/**
 * Users' own jest tests: ts-jest with `astTransformers: { before: [require.resolve("llm-strategy/transformer")] }`
 * compiles their stubs, in a temporary project whose `llm-strategy` is this repository's build.
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, "..", "..");

test("a user's jest suite with ts-jest's astTransformers runs stubs against a scripted model", () => {
  if (!fs.existsSync(path.join(REPO, "dist", "transformer", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does).");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-ts-jest-"));
  try {
    const modules = path.join(root, "node_modules");
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
      if (entry !== "llm-strategy") fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
    }
    fs.symlinkSync(REPO, path.join(modules, "llm-strategy"));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write(
      "jest.config.js",
      `module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", astTransformers: { before: [{ path: require.resolve("llm-strategy/transformer") }] } }] },
};
`,
    );
    write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "es2022", module: "commonjs", strict: true, esModuleInterop: true, skipLibCheck: true, types: ["jest", "node"] }, include: ["src"] }));
    write(
      "src/customer.ts",
      `import { stub } from "llm-strategy";
export class Customer {
  name = "";
  /** Greets the customer by name. */
  greet(): Promise<string> { return stub(); }
}
`,
    );
    write(
      "src/customer.test.ts",
      `import { configure, scriptedModel, type CompletionRequest } from "llm-strategy";
import { Customer } from "./customer";
test("greets", async () => {
  const model = scriptedModel((request: CompletionRequest) => ({ value: "Hello " + (request.input as { this: { name: string } }).this.name }));
  configure({ model });
  const customer = new Customer();
  customer.name = "Ada";
  expect(await customer.greet()).toBe("Hello Ada");
  expect(model.requests[0]!.messages[0]!.content).toContain("Greets the customer by name.");
});
`,
    );
    const result = spawnSync(process.execPath, [path.join(REPO, "node_modules", "jest", "bin", "jest.js"), "--no-cache", "--rootDir", root], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, JEST_WORKER_ID: undefined },
    });
    expect(`${result.stdout}${result.stderr}`).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(result.status).toBe(0);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
