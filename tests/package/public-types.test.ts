/**
 * The runtime's public types as a user's build loads them: a small project compiled against the
 * built `dist/runtime/index.d.ts`. Importing anything from the package must not load a provider
 * SDK's or an optional peer's type declarations (the `openai` types alone are about 2 MB, parsed
 * by every build; `@anthropic-ai/sdk` and the AI SDK packages are optional peers a project may
 * not have), while real SDK clients still fit the `client` options. Needs `npm run build` first (`npm test` does it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../helpers/compile";

jest.setTimeout(120_000);

const RUNTIME_TYPES = path.join(REPO_ROOT, "dist", "runtime", "index.d.ts");
/** Provider SDKs and the package's optional peers: the runtime may load them when it runs; its public types never name them. */
const SDKS_AND_PEERS = /[\\/]node_modules[\\/](openai|ai|@anthropic-ai[\\/][^\\/]+|@ai-sdk[\\/][^\\/]+|@opentelemetry[\\/][^\\/]+|better-sqlite3|@types[\\/]better-sqlite3|ts-patch)[\\/]/;

let root: string;
beforeAll(() => {
  if (!fs.existsSync(RUNTIME_TYPES)) throw new Error("dist/runtime/index.d.ts is missing: run `npm run build` first (npm test does).");
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-public-types-"));
  // The project's own dependencies (the SDKs a user would install to make a client) are this repository's.
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Compiles `source` as a user's strict project would (the package imported by the path of its built types); its program's files and diagnostics. */
function compile(name: string, source: string): { files: string[]; diagnostics: string[] } {
  const file = path.join(root, `${name}.ts`);
  fs.writeFileSync(file, source.replaceAll("llm-strategy", RUNTIME_TYPES.replace(/\.d\.ts$/, "").replace(/\\/g, "/")));
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    types: ["node"],
    typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
  return { files: program.getSourceFiles().map((sourceFile) => sourceFile.fileName), diagnostics };
}

test("importing the runtime loads no provider SDK's or optional peer's types", () => {
  const { files, diagnostics } = compile(
    "imports-all",
    `import * as runtime from "llm-strategy";
import { openAI, stub, type OpenAIOptions } from "llm-strategy";
export class Greeter {
  /** A short greeting for the person named. */
  greet(name: string): Promise<string> {
    return stub();
  }
}
const options: OpenAIOptions = { model: "gpt-4o-mini" };
export const models = [openAI(options), runtime.anthropic(), runtime.fromAISDK];
`,
  );
  expect(diagnostics).toEqual([]);
  // The package's own declarations are in the program (so their imports were followed) ...
  expect(files.filter((file) => file.includes("/dist/runtime/models/")).map((file) => path.basename(file)).sort()).toEqual(
    expect.arrayContaining(["ai-sdk.d.ts", "anthropic.d.ts", "openai.d.ts"]),
  );
  // ... and none of a provider SDK or optional peer, though this repository has all of them installed.
  expect(files.filter((file) => SDKS_AND_PEERS.test(file))).toEqual([]);
});

test("a real OpenAI client is an OpenAIClient and a real Anthropic client an AnthropicClient; a look-alike without the batch methods is not", () => {
  const { files, diagnostics } = compile(
    "real-clients",
    `import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { anthropic, openAI, type AnthropicClient, type OpenAIClient } from "llm-strategy";
const openaiClient: OpenAIClient = new OpenAI({ apiKey: "k", baseURL: "http://127.0.0.1:1/v1" });
const anthropicClient: AnthropicClient = new Anthropic({ apiKey: "k" });
export const models = [openAI({ client: new OpenAI({ apiKey: "k" }) }), openAI({ client: openaiClient }), anthropic({ client: anthropicClient })];
`,
  );
  expect(diagnostics).toEqual([]);
  // The SDKs' own types were checked against ours here.
  expect(files.some((file) => /[\\/]node_modules[\\/]openai[\\/]/.test(file))).toBe(true);

  const lookAlike = compile(
    "look-alike",
    `import { openAI } from "llm-strategy";
const create = () => Object.assign(Promise.resolve({}), { withResponse: () => Promise.resolve({}) });
export const model = openAI({ client: { baseURL: "http://127.0.0.1:1/v1", chat: { completions: { create } } } });
`,
  );
  // What batch() calls is part of the type too.
  expect(lookAlike.diagnostics).toEqual([expect.stringMatching(/missing the following properties .*: files, batches/)]);
});
