/**
 * The routes besides `tspc` on one generated project (`npm run bench:build`, or only this part
 * with `npm run bench:build -- routes`; needs `npm run build` first):
 *   tspc+plugin          ts-patch's tspc with the transformer (the baseline)
 *   llm-strategy build   the CLI's own emitting build (for TypeScript 7 projects)
 *   vite                 `vite build` (SSR) without the plugin: vite strips types itself
 *   vite+plugin          `vite build` with llm-strategy/vite
 * each a fresh process, interleaved, median of BENCH_RUNS (default 5); targets: llm-strategy
 * build and vite+plugin at most 1.1x tspc+plugin. Then the vite dev server's update time: from
 * writing a changed JSDoc of one stub to the dev server serving the new prompt (median of 7;
 * target at most 300 ms).
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

  const update = spawnSync(process.execPath, [path.join(dir, "dev-update.mjs")], { cwd: dir, encoding: "utf8", timeout: 300_000 });
  if (update.status !== 0) throw new Error(`the dev server measurement failed:\n${update.stdout}${update.stderr}`);
  console.log(update.stdout.trimEnd());
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
      plugin ? `  plugins: [llmStrategy({ tsconfig: "tsconfig.json" })],` : "",
      `  build: { ssr: "src/index.ts", outDir: ${JSON.stringify(outDir)}, minify: false, emptyOutDir: true },`,
      `};`,
    ]
      .filter(Boolean)
      .join("\n") + "\n";
  fs.writeFileSync(path.join(dir, "vite.plain.config.mjs"), config(false, "dist-vite-plain"));
  fs.writeFileSync(path.join(dir, "vite.plugin.config.mjs"), config(true, "dist-vite-plugin"));
  // The dev server in a process of its own (vite is an ES module): edit one stub's JSDoc, time until the served module carries it.
  fs.writeFileSync(
    path.join(dir, "dev-update.mjs"),
    `import * as fs from "node:fs";
import { createServer } from "vite";
import llmStrategy from "llm-strategy/vite";

const file = "src/service-0.ts";
const original = fs.readFileSync(file, "utf8");
const marker = original.match(/\\/\\*\\* ([^\\n*]+?)\\. \\*\\//);
if (!marker) throw new Error("no one-line JSDoc in " + file);
const server = await createServer({ logLevel: "error", configFile: false, plugins: [llmStrategy({ tsconfig: "tsconfig.json" })], server: { middlewareMode: true, hmr: false } });
const url = "/" + file;
await server.transformRequest(url, { ssr: true });
const times = [];
try {
  for (let round = 0; round < 7; round++) {
    const text = marker[1] + " (revision " + round + ")";
    const started = performance.now();
    fs.writeFileSync(file, original.replace(marker[0], "/** " + text + ". */"));
    for (;;) {
      const result = await server.transformRequest(url, { ssr: true });
      if (result && result.code.includes(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    times.push(performance.now() - started);
  }
} finally {
  fs.writeFileSync(file, original);
  await server.close();
}
times.sort((a, b) => a - b);
console.log("  vite dev server, one stub's JSDoc changed -> new prompt served: median " + times[3].toFixed(0) + " ms, worst " + times[6].toFixed(0) + " ms (target <= 300 ms)");
`,
  );
}
