/**
 * Fixture projects built as a user builds them (the real `node_modules/.bin/tspc`, the plugin
 * writing `dist/llm-prompts.json`), and the built `llm-strategy` bin run as a process.
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");
const TSPC = path.join(REPO, "node_modules", ".bin", "tspc");
export const BIN = path.join(REPO, "dist", "cli", "index.js");

export function requireBuild(): void {
  for (const built of ["dist/cli/index.js", "dist/cli/commands/prompts.js", "dist/transformer/index.js", "dist/runtime/index.js"]) {
    if (!fs.existsSync(path.join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does).`);
  }
}

export const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    lib: ["es2022"],
    module: "commonjs",
    moduleResolution: "node10",
    types: [],
    strict: true,
    skipLibCheck: true,
    rootDir: "src",
    outDir: "dist",
    plugins: [{ transform: "llm-strategy/transformer", manifest: "dist/llm-prompts.json" }],
  },
  include: ["src"],
};

/**
 * Writes `files` into `dir` with the tsconfig above and `llm-strategy` linked to this repository
 * (so `llm-strategy/transformer` is the built plugin), builds with tspc, returns the manifest's path.
 */
export function buildProject(dir: string, files: Record<string, string>): string {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.writeFileSync(path.join(dir, "tsconfig.json"), `// the plugin writes the manifest the CLI reads\n${JSON.stringify(TSCONFIG, null, 2)}\n`);
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, "node_modules", "llm-strategy"), "dir");
  const build = spawnSync(TSPC, ["-p", dir], { cwd: dir, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`tspc failed in ${dir}:\n${build.stdout}${build.stderr}`);
  return path.join(dir, "dist", "llm-prompts.json");
}

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin as a user does: `node dist/cli/index.js ...` in `cwd`, stdout a pipe. */
export function runBin(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): BinRun {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What a manifest holds, for checking output against it. */
export interface Entry {
  id: string;
  file: string;
  line: number;
  kind: string;
  typeArguments?: string;
  callSites?: string[];
  template: string;
  outputTypes: string;
  templateIfSchemaSent?: string;
  schemaSent: { name: string; strict: boolean; schema: Record<string, unknown> };
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  wrapper?: string;
  definitions: Record<string, Record<string, unknown>>;
  hash: string;
  tokens: { json: number; structured: number };
}

export function readEntries(manifest: string): Entry[] {
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { stubs: Entry[] }).stubs;
}

export function entry(entries: Entry[], id: string, typeArguments?: string): Entry {
  const found = entries.find((each) => each.id === id && each.typeArguments === typeArguments);
  if (!found) throw new Error(`no entry ${id} ${typeArguments ?? ""} among ${entries.map((each) => `${each.id} ${each.typeArguments ?? ""}`).join(", ")}`);
  return found;
}

/** The fixture: stubs in three files (two functions of one name), a generic stub specialised at a call site. */
export const SOURCES_V1: Record<string, string> = {
  "src/catalogue.ts": `import { stub } from "llm-strategy";

/** A product in the catalogue. */
export interface Product {
  name: string;
  /** Price in euros. */
  price: number;
}

/** A price the model guesses. */
export interface PriceGuess {
  amount: number;
  currency: string;
}

/**
 * Describe a product for the shop window, in one sentence.
 * @param product The product to describe
 */
export function describeProduct(product: Product): Promise<string> { return stub(); }

/** Guess the price of a product from its name alone. */
export function guessPrice(name: string): Promise<PriceGuess> { return stub(); }
`,
  "src/shop.ts": `import { stub } from "llm-strategy";

export class Shop {
  name = "";

  /**
   * Suggest a product name for a customer's wish.
   * @param wish What the customer is looking for
   */
  suggest(wish: string): Promise<string> { return stub(); }
}

/** Write a one-line slogan for the shop. */
export function slogan(topic: string): Promise<string> { return stub(); }

/** Shorten a text to a headline. */
export function legacyHeadline(text: string): Promise<string> { return stub(); }
`,
  // A second \`slogan\`: stubs are matched by file and name, not by name alone.
  "src/banner.ts": `import { stub } from "llm-strategy";

/** Write a slogan for a banner, at most five words. */
export function slogan(topic: string): Promise<string> { return stub(); }
`,
  "src/generic.ts": `import { stub } from "llm-strategy";

/** Answer with the value the input describes. */
export function echo<T>(described: string): Promise<T> { return stub(); }
`,
  "src/main.ts": `import { echo } from "./generic";
export const count = () => echo<number>("three");
`,
};

/**
 * The next version: one JSDoc changed (`Shop.suggest`), one property type changed (`Product.price`,
 * used by `describeProduct` only), `slogan` moved down by a helper added above it, `legacyHeadline`
 * removed, `tagline` added in a new file.
 */
export const SOURCES_V2: Record<string, string> = {
  ...SOURCES_V1,
  "src/catalogue.ts": SOURCES_V1["src/catalogue.ts"]!.replace("  price: number;", "  price: string;"),
  "src/shop.ts": SOURCES_V1["src/shop.ts"]!
    .replace("Suggest a product name for a customer's wish.", "Suggest the one product name that fits a customer's wish best.")
    .replace("/** Write a one-line slogan", "export function shout(text: string): string {\n  return text.toUpperCase();\n}\n\n/** Write a one-line slogan")
    .replace(/\n\/\*\* Shorten a text to a headline\. \*\/\n.*\n/, "\n"),
  "src/extra.ts": `import { stub } from "llm-strategy";

/** Write a tagline for a product name. */
export function tagline(name: string): Promise<string> { return stub(); }
`,
};
