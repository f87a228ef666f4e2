/**
 * Build-time cost of the transformer (`npm run bench:build`; needs `npm run build` first).
 *
 * Generates projects with 0, 50, 200 and 800 stubs (plus ordinary declarations) and one stub
 * over a 200-deep chain of nested types, then times, interleaved and as the median of several
 * runs (BENCH_RUNS, default 5), each a fresh process:
 *   tsc            plain TypeScript, no plugin
 *   tspc           ts-patch's tspc (patches the compiler in memory at start), no plugin
 *   tspc+plugin    tspc with the llm-strategy transformer
 *   ptsc           tsc of a persistently patched TypeScript copy (`ts-patch install`), no plugin
 *   ptsc+plugin    the same with the transformer
 * Targets: tspc+plugin / tspc at most 1.03x with no stubs, 1.15x with 200 and 1.25x with 800. Also prints the
 * emitted JavaScript size (linear in stubs; the deep chain well under 1 MB).
 * Every cell has two figures: wall time, and CPU time (user + system) of the build process,
 * which other load on the machine disturbs less. Ratios are printed for both.
 * Then the other routes (`llm-strategy build`, vite) on the 200-stub project: see build-routes.ts.
 * `npm run bench:build -- routes` runs only that part; `npm run bench:build -- installed` measures a
 * packed and installed package instead (see `benchInstalled`); `installed instructions` adds, where
 * valgrind is installed, the instructions of one build per cell (deterministic: load does not
 * disturb them).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateDeepChain, generateHelperProject, generateProject, ORDINARY_DECLARATIONS, type GeneratedProject } from "./build-generate";
import { benchRoutes } from "./build-routes";

const REPO = path.resolve(__dirname, "..");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const STUB_COUNTS = [0, 50, 200, 800];
const DEPTH = 200;
/** Call sites of generic helpers added to the 200-stub project (each specialised: a table, and the specs below it). */
const HELPER_CALLS = 200;

interface Variant {
  name: string;
  command: string[];
  config: "tsconfig.json" | "tsconfig.plain.json";
}

function main(): void {
  for (const built of ["dist/transformer/index.js", "dist/runtime/index.d.ts"]) {
    if (!fs.existsSync(path.join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first.`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-bench-build-"));
  try {
    if (process.argv.includes("installed")) {
      benchInstalled();
      return;
    }
    const patchedTsc = setUp(root);
    if (process.argv.includes("routes")) {
      benchRoutes(generateProject(root, 200));
      return;
    }
    const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
    const tspc = path.join(REPO, "node_modules", "ts-patch", "bin", "tspc.js");
    const variants: Variant[] = [
      { name: "tsc", command: [tsc], config: "tsconfig.plain.json" },
      { name: "tspc", command: [tspc], config: "tsconfig.plain.json" },
      { name: "tspc+plugin", command: [tspc], config: "tsconfig.json" },
      { name: "ptsc", command: [patchedTsc], config: "tsconfig.plain.json" },
      { name: "ptsc+plugin", command: [patchedTsc], config: "tsconfig.json" },
    ];
    const projects: (GeneratedProject & { label: string })[] = [
      ...STUB_COUNTS.map((stubs) => ({ ...generateProject(root, stubs), label: `${stubs} stubs` })),
      { ...generateDeepChain(root, DEPTH), label: `deep ${DEPTH}` },
      { ...generateHelperProject(root, 200, HELPER_CALLS), label: `200 stubs + ${HELPER_CALLS} helper calls` },
    ];
    console.log(`llm-strategy build benchmark: ${RUNS} runs per cell, interleaved; each project also has ${ORDINARY_DECLARATIONS} ordinary declarations (except the deep chain).`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"})\n`);

    const median = timeInterleaved(projects, variants);
    for (const measure of ["wall", "cpu"] as const) {
      console.log(`\n${measure === "wall" ? "Wall time" : "CPU time (user + system)"}, median ms:`);
      const header = ["project", ...variants.map((variant) => variant.name), "tspc/tsc", "plugin/tspc", "ptsc+plugin/ptsc", "ptsc+plugin/tsc"];
      const rows = projects.map((project) => {
        const m = Object.fromEntries(variants.map((variant) => [variant.name, median(project.label, variant.name, measure)]));
        return [
          project.label,
          ...variants.map((variant) => m[variant.name]!.toFixed(0)),
          ratio(m["tspc"]!, m["tsc"]!),
          ratio(m["tspc+plugin"]!, m["tspc"]!),
          ratio(m["ptsc+plugin"]!, m["ptsc"]!),
          ratio(m["ptsc+plugin"]!, m["tsc"]!),
        ];
      });
      printTable([header, ...rows]);
    }
    console.log("\nEmitted JavaScript:");
    printTable([
      ["project", "JS plain", "JS plugin"],
      ...projects.map((project) => [project.label, kilobytes(jsSize(path.join(project.dir, "dist-plain"))), kilobytes(jsSize(path.join(project.dir, "dist-plugin")))]),
    ]);

    const sizes = projects.filter((project) => project.label.endsWith(" stubs")).map((project) => ({
      stubs: project.stubs,
      added: jsSize(path.join(project.dir, "dist-plugin")) - jsSize(path.join(project.dir, "dist-plain")),
    }));
    console.log("\nJS the plugin adds, per stub (linear when constant):");
    for (const size of sizes.filter((entry) => entry.stubs > 0)) {
      console.log(`  ${String(size.stubs).padStart(4)} stubs: +${kilobytes(size.added)} total, ${(size.added / size.stubs).toFixed(0)} bytes per stub`);
    }
    const deep = projects.find((project) => project.label.startsWith("deep"))!;
    const deepJs = fs.statSync(path.join(deep.dir, "dist-plugin", "deep.js")).size;
    console.log(`Deep chain (${DEPTH} nested types, one stub): deep.js is ${kilobytes(deepJs)} (target: well under 1 MB).`);

    const target = (label: string, limit: string): string =>
      `wall ${ratio(median(label, "tspc+plugin"), median(label, "tspc"))}, CPU ${ratio(median(label, "tspc+plugin", "cpu"), median(label, "tspc", "cpu"))} (target <= ${limit})`;
    console.log("\nTargets:");
    console.log(`  tspc+plugin / tspc, 0 stubs:   ${target("0 stubs", "1.03x")}`);
    console.log(`  tspc+plugin / tspc, 200 stubs: ${target("200 stubs", "1.15x")}`);
    console.log(`  tspc+plugin / tspc, 800 stubs: ${target("800 stubs", "1.25x")}`);

    const helpersLabel = `200 stubs + ${HELPER_CALLS} helper calls`;
    const helpers = projects.find((project) => project.label === helpersLabel)!;
    const added = (measure: keyof Timing): string => {
      const plugin = median(helpersLabel, "tspc+plugin", measure) - median("200 stubs", "tspc+plugin", measure);
      const plain = median(helpersLabel, "tspc", measure) - median("200 stubs", "tspc", measure);
      return `${plugin.toFixed(0)} ms with the plugin, ${plain.toFixed(0)} ms without (${((plugin - plain) / HELPER_CALLS).toFixed(2)} ms per helper call for specialising)`;
    };
    console.log(`\nSpecialising generic helpers (${HELPER_CALLS} call sites of helpers two levels deep, over the 200-stub project):`);
    console.log(`  wall: +${added("wall")}`);
    console.log(`  CPU:  +${added("cpu")}`);
    const helperJs = jsSize(path.join(helpers.dir, "dist-plugin")) - jsSize(path.join(projects.find((project) => project.label === "200 stubs")!.dir, "dist-plugin"));
    console.log(`  JS:   +${kilobytes(helperJs)} (${(helperJs / HELPER_CALLS).toFixed(0)} bytes per helper call)`);

    console.log("\nWhich TypeScript typescript-json-schema gets (its own require(\"typescript\")):");
    for (const variant of variants.filter((candidate) => candidate.name.endsWith("+plugin"))) {
      console.log(`  ${variant.name}: ${typescriptLoads(root, projects[1]!.dir, variant)}`);
    }
    benchRoutes(projects.find((project) => project.stubs === 200)!);
  } finally {
    if (!process.env["BENCH_KEEP"]) fs.rmSync(root, { recursive: true, force: true });
    else console.log(`\nkept ${root}`);
  }
}

/**
 * As a user builds: the package packed and installed from its tarball into a project (with
 * typescript and ts-patch from the registry, at the repository's versions), then `tspc` alone vs
 * `tspc` with the plugin on projects of 0, 200 and 800 stubs in that project, interleaved.
 * `BENCH_CPU_PROF=<dir>` also writes a CPU profile of one plugin build per project there.
 */
function benchInstalled(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { installIntoProject, removeUnlessKept } = require("../tests/helpers/installed-project") as typeof import("../tests/helpers/installed-project");
  const versions = ["typescript", "ts-patch"].map((name) => `${name}@${(require(`../node_modules/${name}/package.json`) as { version: string }).version}`);
  const project = installIntoProject("llm-strategy-bench-installed-", versions.join(" and "), { name: "bench-app" }, versions);
  try {
    if (project.install.status !== 0) throw new Error(`installing the tarball failed:\n${project.install.output}`);
    writeCpuHook(project.root);
    const tspc = path.join(project.app, "node_modules", "ts-patch", "bin", "tspc.js");
    const variants: Variant[] = [
      { name: "tspc", command: [tspc], config: "tsconfig.plain.json" },
      { name: "tspc+plugin", command: [tspc], config: "tsconfig.json" },
    ];
    const projects = [0, 200, 800].map((stubs) => ({ ...generateProject(project.app, stubs), label: String(stubs) }));
    console.log(`llm-strategy build benchmark on an installed package (npm pack, npm install into ${project.app}): ${RUNS} runs per cell, interleaved`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((value) => value.toFixed(1)).join(" ")}\n`);
    const median = timeInterleaved(projects, variants);
    const targets: Record<number, string> = { 0: "1.03x", 200: "1.15x", 800: "1.25x" };
    const rows = [["stubs", "tspc wall", "+plugin wall", "ratio", "tspc CPU", "+plugin CPU", "ratio", "target"]];
    for (const generated of projects) {
      const cell = (measure: keyof Timing) => [median(generated.label, "tspc", measure), median(generated.label, "tspc+plugin", measure)] as const;
      const [wallPlain, wallPlugin] = cell("wall");
      const [cpuPlain, cpuPlugin] = cell("cpu");
      rows.push([String(generated.stubs), wallPlain.toFixed(0), wallPlugin.toFixed(0), ratio(wallPlugin, wallPlain), cpuPlain.toFixed(0), cpuPlugin.toFixed(0), ratio(cpuPlugin, cpuPlain), `<= ${targets[generated.stubs]}`]);
    }
    console.log("Median ms, tspc+plugin / tspc:");
    printTable(rows);
    if (process.argv.includes("instructions")) {
      const counted = [["stubs", "tspc instructions", "+plugin instructions", "ratio", "target"]];
      for (const generated of projects) {
        const [plain, plugin] = variants.map((variant) => instructionsOf(generated.dir, variant));
        counted.push([String(generated.stubs), plain!.toLocaleString("en"), plugin!.toLocaleString("en"), ratio(plugin!, plain!), `<= ${targets[generated.stubs]}`]);
      }
      console.log("\nInstructions of one build (valgrind cachegrind, node --predictable: garbage collection and compilation on the main thread):");
      printTable(counted);
    }
    const profiles = process.env["BENCH_CPU_PROF"];
    if (profiles) {
      for (const generated of projects) {
        spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", path.join(profiles, `stubs-${generated.stubs}`), tspc, "-p", path.join(generated.dir, "tsconfig.json")], { cwd: generated.dir });
      }
      console.log(`\nCPU profiles of one plugin build per project: ${profiles}/stubs-<n>/`);
    }
  } finally {
    removeUnlessKept(project.root);
  }
}

/**
 * node_modules for the projects: `llm-strategy` is this repository (its dist/, found through
 * package.json like an install), everything else a symlink. Returns the path of the persistently
 * patched copy of TypeScript's tsc (never the repository's own TypeScript).
 */
function setUp(root: string): string {
  const modules = path.join(root, "node_modules");
  fs.mkdirSync(modules);
  fs.symlinkSync(REPO, path.join(modules, "llm-strategy"));
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (entry.startsWith(".") || entry === "llm-strategy") continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
  }
  writeCpuHook(root);
  const patchedTypeScript = path.join(root, "patched", "node_modules", "typescript");
  fs.mkdirSync(path.dirname(patchedTypeScript), { recursive: true });
  fs.cpSync(path.join(REPO, "node_modules", "typescript"), patchedTypeScript, { recursive: true });
  execFileSync(process.execPath, [path.join(REPO, "node_modules", "ts-patch", "bin", "ts-patch.js"), "install", "-s", "-d", patchedTypeScript], { stdio: "inherit" });
  return path.join(patchedTypeScript, "bin", "tsc");
}

interface Timing {
  wall: number;
  cpu: number;
}

let cpuHook: string | undefined;

/** The preloaded script by which each build writes its own CPU time (user + system, ms) to `BENCH_CPU_FILE`. */
function writeCpuHook(root: string): void {
  cpuHook = path.join(root, "cpu-hook.js");
  fs.writeFileSync(
    cpuHook,
    `process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeFileSync(process.env.BENCH_CPU_FILE, String((u.user + u.system) / 1000)); });\n`,
  );
}

/**
 * Builds every project with every variant `RUNS` times, interleaved (the variants' order rotates
 * per run), after one warm-up build each (ts-patch builds its patched-compiler cache on first
 * use; the OS caches the files). Returns the median of a cell.
 */
function timeInterleaved(projects: { dir: string; label: string }[], variants: Variant[]): (label: string, variant: string, measure?: keyof Timing) => number {
  for (const project of projects) for (const variant of variants) build(project.dir, variant);
  const times = new Map<string, Timing[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const project of projects) {
      for (const variant of rotate(variants, run)) {
        const key = `${project.label}|${variant.name}`;
        times.set(key, [...(times.get(key) ?? []), build(project.dir, variant)]);
      }
    }
  }
  return (label, variant, measure = "wall") => {
    const sorted = (times.get(`${label}|${variant}`) ?? []).map((timing) => timing[measure]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
}

/** Wall and CPU time of one build in a fresh process, in milliseconds; fails loudly on diagnostics. */
function build(dir: string, variant: Variant, extraRequire?: string): Timing {
  const cpuFile = path.join(dir, ".cpu-ms");
  const requires = [cpuHook!, ...(extraRequire ? [extraRequire] : [])].map((file) => `--require ${file}`).join(" ");
  const env = { ...process.env, NODE_OPTIONS: requires, BENCH_CPU_FILE: cpuFile };
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...variant.command, "-p", path.join(dir, variant.config)], { cwd: dir, encoding: "utf8", env });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${variant.name} failed in ${dir}:\n${result.stdout}${result.stderr}`);
  return { wall, cpu: Number(fs.readFileSync(cpuFile, "utf8")) };
}

/**
 * Instructions executed by one build under valgrind's cachegrind. `--predictable` keeps V8's
 * collector and compiler on the main thread, so the count is the same from run to run, whatever
 * else the machine is doing.
 */
function instructionsOf(dir: string, variant: Variant): number {
  const result = spawnSync(
    "valgrind",
    ["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", process.execPath, "--predictable", ...variant.command, "-p", path.join(dir, variant.config)],
    { cwd: dir, encoding: "utf8" },
  );
  if (result.error) throw new Error(`valgrind could not run (${result.error.message}): install it (Debian: apt-get install valgrind) or leave out \`instructions\`.`);
  const count = /I\s+refs:\s+([\d,]+)/.exec(result.stderr)?.[1];
  if (result.status !== 0 || !count) throw new Error(`${variant.name} under valgrind failed in ${dir}:\n${result.stdout}${result.stderr}`);
  return Number(count.replace(/,/g, ""));
}

/** Reports how `require("typescript")` from typescript-json-schema resolves during a plugin build. */
function typescriptLoads(root: string, dir: string, variant: Variant): string {
  const hook = path.join(root, "trace-typescript.js");
  fs.writeFileSync(
    hook,
    `const Module = require("module");
const original = Module._load;
const seen = [];
Module._load = function (request, parent, isMain) {
  if (request === "typescript" && parent && /typescript-json-schema/.test(parent.filename)) {
    const file = Module._resolveFilename(request, parent, isMain);
    const cached = Boolean(require.cache[file]);
    const started = process.hrtime.bigint();
    const result = original.apply(this, arguments);
    seen.push(file + (cached ? " (already loaded)" : " (loaded now, " + (Number(process.hrtime.bigint() - started) / 1e6).toFixed(0) + " ms)"));
    return result;
  }
  return original.apply(this, arguments);
};
process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(path.join(root, "trace.txt"))}, seen.join("\\n")));
`,
  );
  build(dir, variant, hook);
  const trace = fs.readFileSync(path.join(root, "trace.txt"), "utf8");
  return trace ? trace.replace(REPO, "<repo>").replace(root, "<tmp>") : "not required (no stubs analysed)";
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function jsSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += jsSize(full);
    else if (entry.name.endsWith(".js")) total += fs.statSync(full).size;
  }
  return total;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
const kilobytes = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
}

main();
