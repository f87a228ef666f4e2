import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { countTokens } from "gpt-tokenizer/cjs/encoding/o200k_base";
import { compile } from "../helpers/compile";
import { SPEC_VERSION } from "../../runtime/spec";
import { createFakeAnalyser } from "../helpers/fake-analyser";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

const files = {
  "src/lib.ts": `import { stub } from "llm-strategy";
export class Customer { name = ""; }
/** Echoes. */
export function echo<T>(x: T): Promise<T> { return stub(); }
export class Db {
  /** Makes customers. */
  static make(count: number): Promise<Customer[]> { return stub(); }
}
`,
  "src/main.ts": `import { echo } from "./lib";
export const a = () => echo<number>(1);
export const b = () => echo<number>(2);
export const c = () => echo<string>("c");
`,
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-manifest-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Entry {
  id: string;
  file: string;
  line: number;
  kind: string;
  typeArguments?: string;
  callSites?: string[];
  template: string;
  outputTypes: string;
  output: unknown;
  definitions: Record<string, unknown>;
  hash: string;
  tokens: { json: number; structured: number };
}

test("one entry per stub and per specialisation, tokens counted as documented, same source same bytes", () => {
  const manifestPath = path.join(dir, "first", "llm-prompts.json");
  const result = compile({ files, createAnalyser: createFakeAnalyser, plugin: { manifest: manifestPath }, project: "manifest" });
  expect(result.diagnostics).toEqual([]);
  const text = fs.readFileSync(manifestPath, "utf8");
  const manifest = JSON.parse(text) as { specVersion: number; tokens: string; stubs: Entry[] };
  expect(manifest.specVersion).toBe(SPEC_VERSION);
  expect(manifest.tokens).toMatch(/o200k_base/);
  expect(manifest.stubs.map((entry) => [entry.id, entry.file, entry.line, entry.kind, entry.typeArguments, entry.callSites])).toEqual([
    ["src/lib.ts:4 echo", "src/lib.ts", 4, "function", "<number>", ["src/main.ts:2", "src/main.ts:3"]],
    ["src/lib.ts:4 echo", "src/lib.ts", 4, "function", "<string>", ["src/main.ts:4"]],
    ["src/lib.ts:4 echo", "src/lib.ts", 4, "function", "constraints", undefined],
    ["src/lib.ts:7 Db.make", "src/lib.ts", 7, "static", undefined, undefined],
  ]);
  const make = manifest.stubs[3]!;
  expect(make.definitions).toEqual({ Customer: expect.objectContaining({ type: "object" }) });
  expect(make.output).toEqual({ type: "array", items: { $ref: "#/definitions/Customer" } });
  const prompt = make.template.replace("{{outputTypes}}", make.outputTypes).replace("{{input}}", "");
  expect(make.tokens.json).toBe(countTokens(prompt));
  // Keys sorted, as the manifest writes them.
  const replySchema = { additionalProperties: false, definitions: make.definitions, properties: { value: make.output }, required: ["value"], type: "object" };
  const structuredPrompt = make.template.replace("{{outputTypes}}", "").replace("{{input}}", "");
  expect(make.tokens.structured).toBe(countTokens(structuredPrompt) + countTokens(JSON.stringify(replySchema)));

  const again = path.join(dir, "second", "llm-prompts.json");
  compile({ files, createAnalyser: createFakeAnalyser, plugin: { manifest: again }, project: "manifest" });
  expect(fs.readFileSync(again, "utf8")).toBe(text);
});

test("no manifest option, no manifest and no tokenizer", () => {
  const before = Object.keys(require.cache).filter((key) => key.includes("gpt-tokenizer")).length;
  compile({ files, createAnalyser: createFakeAnalyser });
  expect(fs.readdirSync(dir).sort()).toEqual(["first", "second"]);
  // The test file itself loaded the tokenizer; compiling must not load anything more of it.
  expect(Object.keys(require.cache).filter((key) => key.includes("gpt-tokenizer")).length).toBe(before);
});
