/**
 * Projects with a real `npm install` of the packed package (the registry is reachable from the
 * test machines): pack the repository, write a project, install into it, build the seed's
 * customer example, and run the result as its own process against the local OpenAI-compatible
 * server. Needs `npm run build` first (`npm test` does it).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./compile";
import { customerExampleSource } from "./customer-example";

/** What every install in these tests passes (no audit or funding requests; the npm cache first). */
export const NPM_FLAGS = ["--no-audit", "--no-fund", "--prefer-offline"];

/** `npm pack` of the repository into `destination`; returns the tarball's path. */
export function packRepository(destination: string): string {
  for (const built of ["dist/runtime/index.js", "dist/transformer/index.js", "dist/cli/index.js"]) {
    if (!fs.existsSync(path.join(REPO_ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does).`);
  }
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", destination], { cwd: REPO_ROOT, encoding: "utf8", env: npmEnv() })) as { filename: string }[];
  return path.join(destination, packed[0]!.filename);
}

export interface CommandResult {
  status: number | null;
  /** stdout and stderr together. */
  output: string;
  /** Wall time in milliseconds. */
  ms: number;
}

/** Runs npm in `dir`. */
export function npm(dir: string, args: string[]): CommandResult {
  return command("npm", args, dir);
}

/** Runs a file (a `.bin` link, a node binary) in `dir`, with extra environment variables. */
export function command(file: string, args: string[], dir: string, env: Record<string, string> = {}): CommandResult {
  const started = Date.now();
  const result = spawnSync(file, args, { cwd: dir, encoding: "utf8", env: { ...npmEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`, ms: Date.now() - started };
}

/** Creates `dir` with a package.json and installs `devDependencies` from the registry. */
export function createProject(dir: string, packageJson: Record<string, unknown>, devDependencies: string[]): CommandResult {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ private: true, ...packageJson }, null, 2)}\n`);
  return devDependencies.length > 0 ? npm(dir, ["install", ...NPM_FLAGS, "--save-dev", ...devDependencies]) : { status: 0, output: "", ms: 0 };
}

/** `node_modules/.bin/tsc --version` of the project, e.g. `Version 7.0.2`. */
export function tscVersion(dir: string): string {
  return command(path.join(dir, "node_modules", ".bin", "tsc"), ["--version"], dir).output.trim();
}

/** The program the customer tests run: the seed's flow, printed as JSON. */
export const CUSTOMER_MAIN = `import { configure, type CallInfo } from "llm-strategy";
import { Customer, MockCustomerDatabase } from "./customer.js";

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

/** What `CUSTOMER_MAIN` prints against `customerModel` in `mode`. */
export const customerAnswers = (mode: string) => ({ revived: true, ages: [42, 41, 40, 39], found: ["c1"], modes: [mode] });

/** Writes the customer example (decorated with `openAI()` models, mode from CUSTOMER_MODE) and its main into `dir/src`. */
export function writeCustomerSources(dir: string, options: { ageDoc?: string } = {}): void {
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "customer.ts"), customerExampleSource({ mode: "process.env.CUSTOMER_MODE as OpenAIMode | undefined", ...options }));
  fs.writeFileSync(path.join(dir, "src", "main.ts"), CUSTOMER_MAIN);
}

/**
 * Runs `main.js` in `dir/outDir` (default `dist`) with `node` (default: this process's) against
 * the server at `baseURL`, in the OpenAI `mode` given.
 */
export function runCustomerProgram(
  dir: string,
  baseURL: string,
  mode: string,
  { node = process.execPath, outDir = "dist" }: { node?: string; outDir?: string } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [path.join(dir, outDir, "main.js")], {
      cwd: dir,
      env: { ...npmEnv(), OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model", CUSTOMER_MODE: mode },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Every file under `dir` (relative paths, sorted). */
export function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => fs.statSync(path.join(dir, file)).isFile()).sort();
}

/** `du -sk` of `dir`: disk usage in KiB, what `du -sh` rounds. */
export function diskUsageKiB(dir: string): number {
  return Number.parseInt(execFileSync("du", ["-sk", dir], { encoding: "utf8" }).split("\t")[0]!, 10);
}

/**
 * This process's environment without the npm_* variables an `npm test` sets (npm_config_local_prefix
 * would point a nested npm at this repository); a user's NPM_CONFIG_* settings stay.
 */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")));
}
