/**
 * Every code block of README.md is compiled or run here, so the README cannot rot:
 * - `ts`: compiled together through the transformer (a block whose first line is `// src/x.ts`
 *   is that file; other blocks get their own file); no compiler or plugin diagnostics; the
 *   blocks that can run offline are run against a scripted model.
 * - `js`: a build-output excerpt must appear byte for byte in what the build of the README's
 *   example emits; a jest config must load and point at the transformer.
 * - `json`: parsed as tsconfig text; every plugin entry has options the plugin accepts.
 * - `sh`: every command refers to something that exists (npm scripts, files, CLI commands,
 *   package versions), and `llm-strategy` commands run with `--help`.
 * - `text`: the `prompts --diff` output shown is what the command prints for the README's example
 *   before and after the edit the README describes.
 * - bundler configurations (a `ts` or `js` block whose first line names `vite.config.ts`,
 *   `build.mjs` or `webpack.config.js`): each builds the README's example as written, and the
 *   built program prints a customer against a local OpenAI-compatible server.
 * - the set-up table: each route names a test that exists and runs that route, with the package
 *   versions the row tells users to install.
 */
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import * as ts from "typescript";
import { scriptedModel, withCallOptions, type CompletionRequest } from "../../runtime";
import { readPluginOptions } from "../../transformer/options";
import { compile, REPO_ROOT, type CompileResult } from "../helpers/compile";
import { lastUserText, replyJson, startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";

interface Block {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[index]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) body.push(lines[end++]!.slice(indent));
    blocks.push({ lang: open[2]!, text: body.join("\n"), line: index + 1 });
    index = end;
  }
  return blocks;
}

const blocks = codeBlocks(readme);
/** A bundler configuration block names its file on its first line: `// vite.config.ts`. */
const BUNDLER_CONFIG = /^\/\/ (vite\.config\.ts|build\.mjs|webpack\.config\.js)\b/;
const configBlocks = blocks.filter((block) => BUNDLER_CONFIG.test(block.text));
const ofLang = (lang: string) => blocks.filter((block) => block.lang === lang && !BUNDLER_CONFIG.test(block.text));
const customerExample = () => ofLang("ts").find((block) => block.text.startsWith("// src/customer.ts\n"))!.text;
const CLI = path.join(REPO_ROOT, "dist", "cli", "index.js");

test("the README's code blocks are all of a kind this test checks", () => {
  expect(blocks.length).toBeGreaterThan(10);
  expect(blocks.filter((block) => !["ts", "js", "json", "sh", "text"].includes(block.lang)).map((block) => `line ${block.line}: \`\`\`${block.lang}`)).toEqual([]);
});

describe("ts blocks", () => {
  let built: CompileResult;
  const files: Record<string, string> = {};
  beforeAll(() => {
    ofLang("ts").forEach((block, index) => {
      const named = /^\/\/ (src\/[\w./-]+\.ts)\n/.exec(block.text);
      files[named ? named[1]! : `src/readme-${index + 1}.ts`] = block.text;
    });
    built = compile({ files, compilerOptions: { types: ["node"] }, project: "readme" });
  });

  test("compile through the transformer without a diagnostic", () => {
    expect(Object.keys(files).length).toBe(ofLang("ts").length);
    expect(built.compilerErrors.map((error) => `${error.file}:${error.line} ${error.message}`)).toEqual([]);
    expect(built.diagnostics.map((diagnostic) => `${diagnostic.file}:${diagnostic.line} ${diagnostic.message}`)).toEqual([]);
  });

  test("the 20-line example runs: customers created and revived, their age asked of the model", async () => {
    const model = scriptedModel((request: CompletionRequest) =>
      request.spec.id.endsWith("Customer.createMockCustomers")
        ? { value: [{ key: "c1", firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-04-12" }] }
        : { value: 2022 - Number((request.input.this as { birthdate: string }).birthdate.slice(0, 4)) },
    );
    const printed: unknown[][] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      // src/main.ts calls main() as it loads: load it inside the scope that gives its stubs the model.
      await withCallOptions({ model }, async () => {
        built.load("src/main.ts");
        for (let waited = 0; printed.length === 0 && waited < 10_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      });
    } finally {
      console.log = log;
    }
    expect(printed).toEqual([["Aiko", 32]]);
    expect(model.requests.map((request) => request.spec.id)).toEqual(["src/customer.ts:17 Customer.createMockCustomers", "src/customer.ts:14 Customer.age"]);
  });

  test("the scripted-model block answers from its queue", async () => {
    const block = Object.keys(files).find((file) => files[file]!.includes("scriptedModel(["))!;
    const { bonjour, model } = built.load<{ bonjour: () => Promise<string>; model: { requests: CompletionRequest[] } }>(block);
    await expect(bonjour()).resolves.toBe("Bonjour");
    expect(model.requests[0]!.messages[0]!.content).toContain('"language":"French"');
  });
});

describe("js blocks", () => {
  test("build-output excerpts appear byte for byte in the build of the README's example", () => {
    const excerpts = ofLang("js").filter((block) => !block.text.includes("module.exports"));
    expect(excerpts.length).toBeGreaterThanOrEqual(2);
    const emitted = compile({ files: { "src/customer.ts": customerExample() }, compilerOptions: { types: ["node"] }, project: "readme-excerpt" }).js("src/customer.ts");
    for (const excerpt of excerpts) expect({ line: excerpt.line, found: emitted.includes(excerpt.text) }).toEqual({ line: excerpt.line, found: true });
  });

  test("the jest config loads and runs the transformer through ts-jest", () => {
    const configs = ofLang("js").filter((block) => block.text.includes("module.exports"));
    expect(configs).toHaveLength(1);
    const sandbox = { module: { exports: {} as Record<string, unknown> }, require };
    vm.runInNewContext(configs[0]!.text, sandbox);
    const transform = (sandbox.module.exports.transform as Record<string, [string, { astTransformers: { before: { path: string }[] } }]>)["^.+\\.ts$"]!;
    expect(transform[0]).toBe("ts-jest");
    const transformer = require(transform[1].astTransformers.before[0]!.path) as { name: string; factory: unknown; version: number };
    expect(transformer.name).toBe("llm-strategy");
    expect(typeof transformer.factory).toBe("function");
  });
});

test("json blocks parse, and their plugin entries have options the plugin accepts", () => {
  const jsons = ofLang("json");
  expect(jsons.length).toBeGreaterThanOrEqual(2);
  for (const block of jsons) {
    const parsed = ts.parseConfigFileTextToJson("README.json", block.text);
    expect({ line: block.line, error: parsed.error && ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n") }).toEqual({ line: block.line, error: undefined });
    const config = parsed.config as { compilerOptions?: { plugins?: Record<string, unknown>[] }; transform?: string };
    const entries = config.compilerOptions?.plugins ?? [config];
    for (const entry of entries) {
      expect(entry.transform).toBe("llm-strategy/transformer");
      expect(() => readPluginOptions(entry)).not.toThrow();
    }
  }
});

describe("sh blocks", () => {
  const commands = ofLang("sh").flatMap((block) =>
    block.text
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => ({ line: block.line, command: line.replace(/^(\w+=\S+\s+)+/, "") })),
  );

  test("each command refers to something that exists", () => {
    const problems: string[] = [];
    const exists = (file: string) => fs.existsSync(path.join(REPO_ROOT, file));
    for (const { line, command } of commands) {
      const words = command.split(/\s+/);
      const problem = (text: string) => problems.push(`line ${line}: ${command}: ${text}`);
      if (words[0] === "npm" && words[1] === "run") {
        if (!packageJson.scripts[words[2]!]) problem("no such npm script");
      } else if (words[0] === "npm" && (words[1] === "test" || words[1] === "start" || words[1] === "ci")) {
        if (words[1] !== "ci" && !packageJson.scripts[words[1]!]) problem(`no ${words[1]} script`);
      } else if (words[0] === "npm" && words[1] === "install") {
        for (const spec of words.slice(2).filter((word) => !word.startsWith("-"))) {
          const [name, version] = spec.split(/(?<=.)@/);
          if (name === packageJson.name) continue;
          const pinned = packageJson.devDependencies[name!];
          if (!pinned) problem(`${name} is not a dev dependency of this repo, so its version is unchecked`);
          else if (version && !pinned.replace(/^[\^~]/, "").startsWith(version)) problem(`${name}@${version} but the repo uses ${pinned}`);
        }
      } else if (words[0] === "node_modules/.bin/tspc" || words[0] === "./scripts/setup.sh") {
        if (!exists(words[0]!)) problem("missing");
        const project = words.indexOf("-p") >= 0 ? words[words.indexOf("-p") + 1]! : undefined;
        if (project && project !== "." && !exists(path.join(project, "tsconfig.json"))) problem("no tsconfig.json there");
      } else if (words[0] === "node") {
        // `dist/<x>.js` is built from `src/<x>.ts` (the README's example, an example folder) or `<x>.ts` (this repo).
        const script = words[1]!;
        const sources = [script.replace(/(^|\/)dist\//, "$1src/"), script.replace(/^dist\//, "")].map((file) => file.replace(/\.js$/, ".ts"));
        const inReadme = ofLang("ts").some((block) => sources.some((source) => block.text.startsWith(`// ${source}\n`)));
        if (!inReadme && !sources.some(exists)) problem(`none of ${sources.join(", ")} exists`);
      } else if (words[0] === "npx" && words[1] === "tsc") {
        // The project's own TypeScript.
      } else if (words[0] === "llm-strategy" || (words[0] === "npx" && words[1] === "llm-strategy")) {
        // Checked by running it below.
      } else problem("a command this test does not know how to check");
    }
    expect(problems).toEqual([]);
  });

  test("llm-strategy commands exist (each answers --help)", () => {
    const subcommands = new Set(
      commands
        .map(({ command }) => command.replace(/^npx\s+/, "").split(/\s+/))
        .filter((words) => words[0] === "llm-strategy")
        .map((words) => words[1]!),
    );
    expect(subcommands.size).toBeGreaterThan(0);
    for (const subcommand of subcommands) {
      const result = spawnSync(process.execPath, [CLI, subcommand, "--help"], { encoding: "utf8" });
      expect({ subcommand, status: result.status, stderr: result.stderr }).toEqual({ subcommand, status: 0, stderr: "" });
    }
  });
});

test("the prompts --diff output shown is what the command prints for the edit the README describes", () => {
  const shown = ofLang("text");
  expect(shown).toHaveLength(1);
  expect(readme).toContain("after changing the year in `age`'s JSDoc from 2022 to 2026");
  const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "llm-strategy-readme-"));
  try {
    const build = (source: string, manifest: string, project: string) =>
      compile({ files: { "src/customer.ts": source }, compilerOptions: { types: ["node"] }, plugin: { manifest: path.join(dir, manifest) }, project });
    build(customerExample(), "before.json", "readme-before");
    build(customerExample().replace("current year (2022)", "current year (2026)"), "after.json", "readme-after");
    const result = spawnSync(process.execPath, [CLI, "prompts", "--diff", "before.json", "after.json"], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(result.status).toBe(1); // something changed
    expect(result.stdout.trimEnd()).toBe(shown[0]!.text.trimEnd());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs a program without blocking this process (whose local server it talks to). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe("bundler configurations build the README's example as written, and it runs", () => {
  const exampleFiles = () =>
    Object.fromEntries(
      ofLang("ts")
        .map((block) => /^\/\/ (src\/(?:customer|main)\.ts)\n/.exec(block.text))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1]!, match.input]),
    );
  const tsconfig = () => ofLang("json").find((block) => block.text.includes('"compilerOptions"'))!.text;
  /**
   * How each configuration is built for Node, and where the program lands. vite logs errors
   * only: under load its bundler reports slow plugins on stderr, which says nothing about the build.
   */
  const builds: Record<string, { type?: "module"; build: string[]; output: string }> = {
    "vite.config.ts": { type: "module", build: [path.join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--ssr", "src/main.ts", "--outDir", "dist", "--logLevel", "error"], output: "dist/main.js" },
    "build.mjs": { type: "module", build: ["build.mjs"], output: "dist/main.js" },
    "webpack.config.js": {
      build: ["-e", `require("webpack")(require("./webpack.config.js"), (error, stats) => { if (error || stats.hasErrors()) { console.error(error ?? stats.toString("errors-only")); process.exitCode = 1; } })`],
      output: "dist/main.js",
    },
  };
  let server: OpenAIServer;
  let root: string;

  beforeAll(async () => {
    // The model: mock customers on request; an age computed from the birthdate the prompt carries.
    server = await startOpenAIServer((request) => {
      const prompt = lastUserText(request);
      if (prompt.includes("Create mock customers")) return replyJson(request, { value: [{ key: "c1", firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-04-12" }] });
      const birthYear = /"birthdate":"(\d{4})/.exec(prompt);
      return birthYear ? replyJson(request, { value: 2022 - Number(birthYear[1]) }) : { status: 400, body: { error: { message: "unexpected prompt" } } };
    });
    root = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "llm-strategy-readme-bundlers-"));
  });

  afterAll(async () => {
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test("there is one for each of vite, esbuild and webpack", () => {
    expect(configBlocks.map((block) => BUNDLER_CONFIG.exec(block.text)![1]).sort()).toEqual(Object.keys(builds).sort());
  });

  test.each(Object.keys(builds))("%s", async (name) => {
    const block = configBlocks.find((candidate) => BUNDLER_CONFIG.exec(candidate.text)![1] === name)!;
    const { type, build, output } = builds[name]!;
    const dir = path.join(root, name.replace(/\W/g, "-"));
    fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
    fs.symlinkSync(REPO_ROOT, path.join(dir, "node_modules", "llm-strategy")); // found through its package.json "exports", as installed
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
      if (!entry.startsWith(".") && entry !== "llm-strategy") fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(dir, "node_modules", entry));
    }
    for (const [file, text] of Object.entries(exampleFiles())) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    fs.writeFileSync(path.join(dir, "tsconfig.json"), tsconfig());
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "readme-app", private: true, ...(type ? { type } : {}) }));
    fs.writeFileSync(path.join(dir, name), block.text);

    const built = spawnSync(process.execPath, build, { cwd: dir, encoding: "utf8", timeout: 180_000 });
    expect({ status: built.status, stderr: built.stderr.replace(/^.*(warning|Warning|WARNING).*$/gm, "").trim() }).toEqual({ status: 0, stderr: "" });
    // Asynchronously: the local server answers from this process.
    const ran = await run(process.execPath, [output], { cwd: dir, env: { ...process.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key" } });
    expect(ran).toEqual({ status: 0, stdout: "Aiko 32\n", stderr: "" });
  }, 300_000);
});

test("the set-up table: each route names a test that runs it, with the versions the row installs", () => {
  const section = readme.slice(readme.indexOf("## Your set-up"), readme.indexOf("\n## ", readme.indexOf("## Your set-up") + 1));
  const rows = section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| your set-up") && !line.startsWith("|---"))
    .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| |\s*\|$/g, "")));
  expect(rows.map((row) => row[0])).toEqual([
    "TypeScript 5.9 and `tspc`",
    "TypeScript 6.x and `tspc` (Node 22.15 or later)",
    "TypeScript 7 (`tsc` is the native compiler)",
    "vite, vitest",
    "esbuild",
    "webpack, rspack",
    "rollup",
    "jest with ts-jest",
  ]);
  const exported = Object.keys((packageJson as unknown as { exports: Record<string, unknown> }).exports);
  const problems: string[] = [];
  for (const [setUp, install, buildWith, testedBy] of rows) {
    const testFile = /`(tests\/[\w/.-]+\.test\.ts)`/.exec(testedBy!)?.[1];
    if (!testFile || !fs.existsSync(path.join(REPO_ROOT, testFile))) {
      problems.push(`${setUp}: no test file (${testedBy})`);
      continue;
    }
    const test = fs.readFileSync(path.join(REPO_ROOT, testFile), "utf8");
    // Every version the row tells users to install is one its test installs.
    for (const spec of install!.match(/\b[\w-]+@[\d.]+/g) ?? []) {
      const [name, version] = spec.split("@");
      if (!new RegExp(`${name}@${version!.replace(/\./g, "\\.")}`).test(test)) problems.push(`${setUp}: ${testFile} does not install ${spec}`);
    }
    // Every entry point the row names is exported by the package and used by its test.
    for (const entry of buildWith!.match(/llm-strategy\/\w+/g) ?? []) {
      if (!exported.includes(`./${entry.slice("llm-strategy/".length)}`)) problems.push(`${setUp}: ${entry} is not in package.json "exports"`);
      if (!test.includes(entry) && !fs.readFileSync(path.join(REPO_ROOT, "tests", "bundlers", "configs.ts"), "utf8").includes(entry)) problems.push(`${setUp}: ${testFile} does not use ${entry}`);
    }
    for (const command of ["tspc", "llm-strategy build", "astTransformers"]) {
      if (buildWith!.includes(command) && !test.includes(command.replace("llm-strategy build", '"build"'))) problems.push(`${setUp}: ${testFile} does not run ${command}`);
    }
  }
  expect(problems).toEqual([]);
});
