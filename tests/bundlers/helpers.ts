/**
 * Projects for the bundler plugin tests, inside a folder with the packed package installed offline
 * (installPackedOffline): the seed's customer example as sources, and the configuration files of
 * each bundler. Needs `npm run build` first.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { customerExampleSource } from "../helpers/customer-example";

export const REPO = path.resolve(__dirname, "..", "..");

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

export type DecoratorFlavour = "standard" | "legacy";

/**
 * A project folder inside `root` (so node_modules resolves from it) holding the customer example:
 * `src/customer.ts` (classes bound to `openAI()` models with `@llmStrategy`), `src/main.ts`
 * (prints what the flow returned), a tsconfig with the plugin entry and a manifest path.
 */
export function customerProject(root: string, name: string, decorators: DecoratorFlavour, files: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  writeFiles(dir, {
    "package.json": JSON.stringify({ name, private: true, type: "module" }),
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          target: "es2022",
          module: "esnext",
          moduleResolution: "bundler",
          strict: true,
          skipLibCheck: true,
          types: ["node"],
          ...(decorators === "legacy" ? { experimentalDecorators: true } : {}),
          outDir: "dist",
          plugins: [{ transform: "llm-strategy/transformer", manifest: "dist/llm-prompts.json" }],
        },
        include: ["src"],
      },
      null,
      2,
    ),
    "src/customer.ts": customerExampleSource({ mode: "undefined as OpenAIMode | undefined" }),
    "src/main.ts": CUSTOMER_MAIN,
    ...files,
  });
  return dir;
}

const CUSTOMER_MAIN = `import { Customer, MockCustomerDatabase } from "./customer";

async function main(): Promise<void> {
  const db = new MockCustomerDatabase();
  await db.load();
  const ages = await Promise.all(db.customers.map((customer) => customer.age));
  const found = await db.findCustomerKey("the customer that was born in 1981");
  console.log(JSON.stringify({ revived: db.customers.every((customer) => customer instanceof Customer), ages, found }));
}

main().catch((error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
`;

/** What the customer flow prints when the model (tests/runtime/customer-specs.ts) answers it. */
export const CUSTOMER_FLOW_RESULT = { revived: true, ages: [42, 41, 40, 39], found: ["c1"] };

/** A stub whose return type is not a Promise: the transformer's error LLM1001 on line 5, column 30. */
export const BAD_STUB = `import { stub } from "llm-strategy";

export class Calculator {
  /** Adds two numbers. */
  add(a: number, b: number): number {
    return stub();
  }
}
`;

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Wall time, in milliseconds. */
  ms: number;
}

/** Runs node with `args` in `cwd` without blocking the event loop (the local model server lives in this process). */
export function runNode(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The environment that points the `openai` SDK at the local server. */
export function modelEnv(baseURL: string): Record<string, string> {
  return { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model" };
}
