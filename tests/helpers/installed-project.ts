/**
 * Projects with a real `npm install` of the packed package (the registry is reachable from the
 * test machines): pack the repository, write a project, install into it, build the seed's
 * customer example, and run the result as its own process against the local OpenAI-compatible
 * server. Needs `npm run build` first (`npm test` does it).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./compile";
import { customerExampleSource } from "./customer-example";

/** What every install in these tests passes (no audit or funding requests; the npm cache first). */
export const NPM_FLAGS = ["--no-audit", "--no-fund", "--prefer-offline"];

/** What `npm run build` writes that the packed package and the tests of it need. */
const BUILT = ["dist/runtime/index.js", "dist/transformer/index.js", "dist/transformer/analyse/index.js", "dist/transformer/bundler/vite.js", "dist/cli/index.js"];

/** `npm pack` of the repository into `destination`: the tarball's path and the files it holds. */
export function packRepositoryListing(destination: string): { tarball: string; files: string[] } {
  for (const built of BUILT) {
    if (!fs.existsSync(path.join(REPO_ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does).`);
  }
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", destination], { cwd: REPO_ROOT, encoding: "utf8", env: npmEnv() })) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { tarball: path.join(destination, packed[0]!.filename), files: packed[0]!.files.map((file) => file.path) };
}

/** `npm pack` of the repository into `destination`; returns the tarball's path. */
export function packRepository(destination: string): string {
  return packRepositoryListing(destination).tarball;
}

/** Removes the folder unless LLM_STRATEGY_KEEP_TMP=1 (then says where it is, for a look). */
export function removeUnlessKept(root: string | undefined): void {
  if (!root) return;
  if (process.env["LLM_STRATEGY_KEEP_TMP"]) process.stdout.write(`kept ${root}\n`);
  else fs.rmSync(root, { recursive: true, force: true });
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

/** A project with the packed package installed from the registry next to its own dev dependencies. */
export interface InstalledProject {
  /** The temporary folder holding the tarball and the project. */
  root: string;
  /** The project folder, `root/app`. */
  app: string;
  /** The tarball, in `root`. */
  tarball: string;
  /** Installing the dev dependencies. */
  prepared: CommandResult;
  /** Installing the tarball into the project. */
  install: CommandResult;
  /** The project's `tsc --version` before and after installing the tarball. */
  tsc: { before: string; after: string };
}

/**
 * Packs the repository into a new temporary folder (named from `prefix`), creates `root/app` with
 * `packageJson` and `devDependencies` (throws, naming `what`, if that install fails), then installs
 * the tarball there; the project's `tsc --version` is read before and after. The caller removes
 * `root` (removeUnlessKept).
 */
export function installIntoProject(prefix: string, what: string, packageJson: Record<string, unknown>, devDependencies: string[]): InstalledProject {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const tarball = packRepository(root);
  const app = path.join(root, "app");
  const prepared = createProject(app, packageJson, devDependencies);
  if (prepared.status !== 0) {
    removeUnlessKept(root);
    throw new Error(`installing ${what} failed:\n${prepared.output}`);
  }
  const before = tscVersion(app);
  const install = npm(app, ["install", ...NPM_FLAGS, tarball]);
  return { root, app, tarball, prepared, install, tsc: { before, after: tscVersion(app) } };
}

/**
 * Asserts that the tarball installed without a peer-dependency conflict, that the project's `tsc`
 * is `Version <typescript>` before and after, and that its vite is still installed.
 */
export function expectInstalledBesideTypeScript(project: InstalledProject, typescript: string): void {
  expect(project.install.output).not.toMatch(/ERESOLVE|--force|--legacy-peer-deps/);
  expect(project.install.status).toBe(0);
  expect(project.tsc.before).toBe(`Version ${typescript}`);
  expect(project.tsc.after).toBe(`Version ${typescript}`);
  expect(fs.existsSync(path.join(project.app, "node_modules", ".bin", "vite"))).toBe(true);
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

/** Runs the built customer program as `runCustomerProgram` does and asserts it printed `customerAnswers(mode)`, with nothing on stderr. */
export async function expectCustomerAnswers(dir: string, baseURL: string, mode: string, options: { node?: string; outDir?: string } = {}): Promise<void> {
  const result = await runCustomerProgram(dir, baseURL, mode, options);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual(customerAnswers(mode));
}

/** The plugin entry of a project that installed the package, with a manifest. */
export const INSTALLED_PLUGIN = { transform: "llm-strategy/transformer", manifest: "dist/llm-prompts.json" };

/**
 * Writes the customer example into `dir/src` and a tsconfig for it: strict, skipLibCheck, Node's
 * types, `src` to `dist`, `compilerOptions` added, and `plugin` as the one plugin entry.
 */
export function writeCustomerProject(dir: string, compilerOptions: Record<string, unknown>, plugin: Record<string, unknown> = INSTALLED_PLUGIN): void {
  writeCustomerSources(dir);
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: true, types: ["node"], ...compilerOptions, rootDir: "src", outDir: "dist", plugins: [plugin] },
      include: ["src"],
    }),
  );
}

/**
 * Writes the customer example into `dir` (emptied first), a folder inside this repository, where
 * `llm-strategy` resolves to the repository by Node's self-reference: its sources and a CommonJS
 * (node16) tsconfig whose plugin entry loads the built transformer by path. `compilerOptions` and
 * `plugin` add to that tsconfig.
 */
export function writeRepoCustomerProject(dir: string, { compilerOptions = {}, plugin = {} }: { compilerOptions?: Record<string, unknown>; plugin?: Record<string, unknown> } = {}): void {
  fs.rmSync(dir, { recursive: true, force: true });
  const transform = path.relative(dir, path.join(REPO_ROOT, "dist", "transformer", "index.js"));
  writeCustomerProject(dir, { target: "ES2022", module: "node16", moduleResolution: "node16", ...compilerOptions }, { transform, ...plugin });
}

/** This repository's `tspc` (TypeScript 5.9 with ts-patch 3). */
export const REPO_TSPC = path.join(REPO_ROOT, "node_modules", ".bin", "tspc");

/** Asserts that `dir` holds the same files as `reference`, byte for byte; returns the reference's files. */
export function expectSameFiles(dir: string, reference: string): string[] {
  const files = listFiles(reference);
  expect(listFiles(dir)).toEqual(files);
  for (const file of files) {
    expect({ file, text: fs.readFileSync(path.join(dir, file), "utf8") }).toEqual({ file, text: fs.readFileSync(path.join(reference, file), "utf8") });
  }
  return files;
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
