/**
 * The routes besides `tspc` on one generated project (`npm run bench:build`, or only this part
 * with `npm run bench:build -- routes`; needs `npm run build` first):
 *   tspc+plugin          ts-patch's tspc with the transformer (the baseline)
 *   llm-strategy build   the CLI's own emitting build (for TypeScript 7 projects)
 *   vite                 `vite build` (SSR) without the plugin: vite strips types itself
 *   vite+plugin          `vite build` with llm-strategy/vite
 * each a fresh process, interleaved, median of BENCH_RUNS (default 5); targets: llm-strategy
 * build and vite+plugin at most 1.1x tspc+plugin. Then the vite dev server's update time: from
 * writing a changed JSDoc of one stub, and from vite noticing the change, to the dev server
 * serving the new prompt (median of 5; target at most 300 ms).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { GeneratedProject } from "./build-generate";

const REPO = path.resolve(__dirname, "..");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const NODE_MODULES = path.join(REPO, "node_modules");

interface RouteVariant {
  name: string;
  args: string[];
}

export function benchRoutes(project: GeneratedProject): void {
  const { dir } = project;
  writeViteFiles(dir);
  const variants: RouteVariant[] = [
    { name: "tspc+plugin", args: [path.join(NODE_MODULES, "ts-patch", "bin", "tspc.js"), "-p", "tsconfig.json"] },
    { name: "llm-strategy build", args: [path.join(REPO, "dist", "cli", "index.js"), "build", "-p", "tsconfig.json"] },
    { name: "vite", args: [path.join(NODE_MODULES, "vite", "bin", "vite.js"), "build", "--config", "vite.plain.config.mjs", "--logLevel", "error"] },
    { name: "vite+plugin", args: [path.join(NODE_MODULES, "vite", "bin", "vite.js"), "build", "--config", "vite.plugin.config.mjs", "--logLevel", "error"] },
  ];
  console.log(`\nRoutes on the ${project.stubs}-stub project (${RUNS} runs each, interleaved, fresh processes):`);
  for (const variant of variants) run(dir, variant); // warm-up: the OS caches files, ts-patch its patched compiler
  const times = new Map<string, number[]>();
  for (let round = 0; round < RUNS; round++) {
    for (const variant of [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)]) {
      times.set(variant.name, [...(times.get(variant.name) ?? []), run(dir, variant)]);
    }
  }
  const median = (name: string): number => {
    const sorted = [...times.get(name)!].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const baseline = median("tspc+plugin");
  for (const variant of variants) {
    console.log(`  ${variant.name.padEnd(20)} ${median(variant.name).toFixed(0).padStart(6)} ms  ${(median(variant.name) / baseline).toFixed(2)}x tspc+plugin`);
  }
  console.log(`  targets: llm-strategy build ${(median("llm-strategy build") / baseline).toFixed(2)}x, vite+plugin ${(median("vite+plugin") / baseline).toFixed(2)}x (each <= 1.10x)`);

  // Every route must have compiled every stub (a spec's template per stub, more for generic call sites).
  const templates = (file: string): number => (fs.readFileSync(path.join(dir, file), "utf8").match(/\btemplate: /g) ?? []).length;
  const services = fs.readdirSync(path.join(dir, "src")).filter((file) => file.startsWith("service-"));
  const perRoute = {
    "tspc+plugin": services.reduce((sum, file) => sum + templates(path.join("dist-plugin", file.replace(/\.ts$/, ".js"))), 0),
    "vite+plugin": templates(path.join("dist-vite-plugin", "index.mjs")),
  };
  if (perRoute["tspc+plugin"] < project.stubs || perRoute["vite+plugin"] !== perRoute["tspc+plugin"]) {
    throw new Error(`specs emitted: ${JSON.stringify(perRoute)}; expected at least ${project.stubs}, equal`);
  }

  const updates = 5;
  const dev = spawnSync(process.execPath, ["dev-update.mjs", services.sort()[0]!, String(updates)], { cwd: dir, encoding: "utf8", timeout: 300_000 });
  if (dev.status !== 0) throw new Error(`the dev server measurement failed:\n${dev.stdout}${dev.stderr}`);
  const measured = JSON.parse(dev.stdout.trim().split("\n").pop()!) as { fromWrite: number[]; fromNotice: number[] };
  const mid = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(
    `  vite dev server, one stub's JSDoc changed (median of ${updates}): ${mid(measured.fromWrite)} ms from the write, ` +
      `${mid(measured.fromNotice)} ms from vite noticing it (target <= 300 ms)`,
  );
}

/** Wall time of one build in a fresh process, in milliseconds; fails loudly when the build does. */
function run(dir: string, variant: RouteVariant): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, variant.args, { cwd: dir, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${variant.name} failed in ${dir}:\n${result.stdout}${result.stderr}`);
  return wall;
}

function writeViteFiles(dir: string): void {
  const services = fs.readdirSync(path.join(dir, "src")).filter((file) => file.startsWith("service-")).sort();
  fs.writeFileSync(
    path.join(dir, "src", "index.ts"),
    services.map((file, index) => `export * as service${index} from "./${file.replace(/\.ts$/, "")}";`).join("\n") + "\n",
  );
  const config = (plugin: boolean, outDir: string): string =>
    [
      plugin ? `import llmStrategy from "llm-strategy/vite";` : "",
      `export default {`,
      `  logLevel: "error",`,
      `  ssr: { external: ["llm-strategy"] },`,
      plugin ? `  plugins: [llmStrategy({ tsconfig: "tsconfig.json" })],` : "",
      `  build: { ssr: "src/index.ts", outDir: ${JSON.stringify(outDir)}, minify: false, emptyOutDir: true },`,
      `};`,
    ]
      .filter(Boolean)
      .join("\n") + "\n";
  fs.writeFileSync(path.join(dir, "vite.plain.config.mjs"), config(false, "dist-vite-plain"));
  fs.writeFileSync(path.join(dir, "vite.plugin.config.mjs"), config(true, "dist-vite-plugin"));
  fs.writeFileSync(path.join(dir, "dev-update.mjs"), DEV_SCRIPT);
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

