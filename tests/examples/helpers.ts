/**
 * Building and running the examples as a user does: the real `node_modules/.bin/tspc`, then
 * `node examples/<name>/dist/...` in a child process. Needs `npm run build` first (the examples'
 * tsconfig loads the plugin from dist/transformer; `npm test` builds).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");
const TSPC = path.join(REPO, "node_modules", ".bin", "tspc");

export function exampleDir(name: string): string {
  return path.join(REPO, "examples", name);
}

/** Builds `examples/<name>` with tspc, from a clean dist/. */
export function buildExample(name: string): { status: number | null; output: string } {
  for (const built of ["dist/runtime/index.js", "dist/transformer/index.js"]) {
    if (!fs.existsSync(path.join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does).`);
  }
  fs.rmSync(path.join(exampleDir(name), "dist"), { recursive: true, force: true });
  const build = spawnSync(TSPC, ["-p", path.join("examples", name)], { cwd: REPO, encoding: "utf8" });
  return { status: build.status, output: `${build.stdout}${build.stderr}` };
}

/** The environment of a user without any model settings (so the examples go offline by themselves). */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "LLM_STRATEGY_RECORDING"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built script with `node`, feeding `input` on stdin (a pipe, not a terminal). */
export function runNode(script: string, args: string[], options: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: REPO, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${script} ${args.join(" ")} did not finish in ${options.timeoutMs ?? 20_000} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
