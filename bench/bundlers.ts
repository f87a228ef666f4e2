/**
 * The vite route on the 200-stub project of `bench/build.ts` (`npm run bench:bundlers`; needs
 * `npm run build` first):
 *   tspc+plugin   tspc with the transformer (the baseline)
 *   vite build    an SSR build of every file with `llm-strategy/vite`
 * as the median wall time of several fresh processes (BENCH_RUNS, default 5), interleaved, with
 * the ratio (target: vite build at most 1.1x tspc+plugin); then the vite dev server's update
 * time after one stub's JSDoc changes (target: at most 300 ms): from the file write, and from
 * vite noticing the change, to the transformed module holding the new text.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateProject } from "./build-generate";

const REPO = path.resolve(__dirname, "..");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const STUBS = 200;
const UPDATES = 5;

function main(): void {
  for (const built of ["dist/transformer/bundler/vite.js", "dist/runtime/index.d.ts"]) {
    if (!fs.existsSync(path.join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first.`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-bench-bundlers-"));
  try {
    const modules = path.join(root, "node_modules");
    fs.mkdirSync(modules);
    fs.symlinkSync(REPO, path.join(modules, "llm-strategy"));
    for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
      if (!entry.startsWith(".") && entry !== "llm-strategy") fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
    }
    const { dir } = generateProject(root, STUBS);
    const services = fs.readdirSync(path.join(dir, "src")).filter((file) => file.startsWith("service-"));
    fs.writeFileSync(path.join(dir, "src", "index.ts"), services.map((file) => `export * as ${file.replace(/\W|\.ts$/g, "_")} from "./${file.replace(/\.ts$/, "")}";\n`).join(""));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench", private: true, type: "module" }));
    fs.writeFileSync(
      path.join(dir, "vite.config.mjs"),
      `import llmStrategy from "llm-strategy/vite";
export default { plugins: [llmStrategy()], logLevel: "warn", ssr: { external: ["llm-strategy"] }, build: { ssr: "src/index.ts", outDir: "dist-vite", minify: false } };
`,
    );
    const variants: Record<string, string[]> = {
      "tspc+plugin": [path.join(REPO, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", path.join(dir, "tsconfig.json")],
      "vite build": [path.join(REPO, "node_modules", "vite", "bin", "vite.js"), "build"],
    };
    console.log(`llm-strategy bundler benchmark: ${STUBS} stubs, ${RUNS} runs per cell, interleaved; node ${process.version}, ${os.cpus().length} CPUs`);
    for (const command of Object.values(variants)) run(dir, command); // warm-up (file cache, ts-patch's cache)
    // Both builds must have compiled every stub (a spec's template per stub, more for generic call sites).
    const templates = (file: string) => (fs.readFileSync(path.join(dir, file), "utf8").match(/\btemplate: /g) ?? []).length;
    const tspcTemplates = services.reduce((sum, file) => sum + templates(path.join("dist-plugin", file.replace(/\.ts$/, ".js"))), 0);
    const viteTemplates = templates(path.join("dist-vite", "index.js"));
    if (tspcTemplates < STUBS || viteTemplates !== tspcTemplates) throw new Error(`specs emitted: tspc ${tspcTemplates}, vite ${viteTemplates}; expected at least ${STUBS}, equal`);
    const times: Record<string, number[]> = {};
    for (let i = 0; i < RUNS; i++) {
      const names = Object.keys(variants);
      for (const name of i % 2 ? names.reverse() : names) (times[name] ??= []).push(run(dir, variants[name]!));
    }
    const median = (name: string) => [...times[name]!].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
    for (const name of Object.keys(variants)) console.log(`  ${name.padEnd(12)} ${Math.round(median(name))} ms`);
    console.log(`  vite build / tspc+plugin: ${(median("vite build") / median("tspc+plugin")).toFixed(2)}x (target <= 1.1x)`);

    fs.writeFileSync(path.join(dir, "dev.mjs"), DEV_SCRIPT);
    const dev = spawnSync(process.execPath, ["dev.mjs", services[0]!, String(UPDATES)], { cwd: dir, encoding: "utf8" });
    if (dev.status !== 0) throw new Error(`dev server run failed:\n${dev.stdout}${dev.stderr}`);
    const updates = JSON.parse(dev.stdout.trim().split("\n").pop()!) as { fromWrite: number[]; fromNotice: number[] };
    const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    console.log(`vite dev server, one stub's JSDoc changed (median of ${UPDATES}): ${mid(updates.fromWrite)} ms from the write, ${mid(updates.fromNotice)} ms from vite noticing it (target <= 300 ms)`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function run(dir: string, command: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command, { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Changes the first JSDoc of a file `times` times, each time waiting for vite and transforming the module again. */
const DEV_SCRIPT = `import * as fs from "node:fs";
import * as path from "node:path";
import { createServer } from "vite";
import llmStrategy from "llm-strategy/vite";

const [file, times] = [path.resolve("src", process.argv[2]), Number(process.argv[3])];
let noticed;
const server = await createServer({
  configFile: false, root: process.cwd(), logLevel: "warn", appType: "custom", server: { middlewareMode: true },
  ssr: { external: ["llm-strategy"] },
  plugins: [llmStrategy(), { name: "notice", hotUpdate(update) { if (this.environment.name === "ssr" && update.file === file) noticed?.(performance.now()); } }],
});
const url = "/src/" + process.argv[2];
await server.environments.ssr.transformRequest(url);
const fromWrite = [];
const fromNotice = [];
for (let i = 0; i < times; i++) {
  const text = fs.readFileSync(file, "utf8");
  const marker = "Revision " + i + " of this description.";
  const noticedAt = new Promise((resolve) => (noticed = resolve));
  const written = performance.now();
  // A stub's JSDoc (indented, in the class), which its spec's template starts with.
  fs.writeFileSync(file, text.replace(/\\n  \\/\\*\\* /, "\\n  /** " + marker + " "));
  const at = await noticedAt;
  const result = await server.environments.ssr.transformRequest(url);
  const done = performance.now();
  if (!result.code.includes('"' + marker)) throw new Error("the transformed module's spec lacks the new JSDoc");
  fromWrite.push(Math.round(done - written));
  fromNotice.push(Math.round(done - at));
}
await server.close();
console.log(JSON.stringify({ fromWrite, fromNotice }));
`;

main();
