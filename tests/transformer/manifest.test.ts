import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { countTokens } from "gpt-tokenizer/cjs/encoding/o200k_base";
import { configure, openAI } from "../../runtime";
import { compile } from "../helpers/compile";
import { replyJson, startOpenAIServer, type ChatBody } from "../helpers/openai-server";
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
  templateIfSchemaSent?: string;
  schemaSent?: { name: string; schema: Record<string, unknown>; strict: boolean };
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
  // What each count covers is checked against real requests in the next test.
  expect(make.tokens.json).toBeGreaterThan(0);
  expect(make.tokens.structured).toBeGreaterThan(0);

  const again = path.join(dir, "second", "llm-prompts.json");
  compile({ files, createAnalyser: createFakeAnalyser, plugin: { manifest: again }, project: "manifest" });
  expect(fs.readFileSync(again, "utf8")).toBe(text);
});

/**
 * The counts are of the request a call sends, as the local server receives it through the real
 * SDK, less the call's input values: the user message (JSON mode: output types in it; structured
 * mode: without them) plus, in structured mode, the `response_format` carrying the schema. A
 * getter's input is its class, whose definition the reply schema does not carry.
 */
test("tokens count what a call sends in JSON and structured mode, input values aside", async () => {
  const manifestPath = path.join(dir, "sent", "llm-prompts.json");
  const result = compile({
    files: {
      "src/customer.ts": `import { stub } from "llm-strategy";
/** A customer of ours. */
export class Customer {
  firstName = "";
  lastName = "";
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate = "";
  /** Notes from the last call. */
  notes: string[] = [];
  /** Return the current age of the customer, from \`birthdate\` and the current year (2022). */
  get age(): Promise<number> { return stub(); }
  /** Create mock customers with believable data. */
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> { return stub(); }
}
`,
    },
    plugin: { manifest: manifestPath },
    project: "manifest-sent",
  });
  expect(result.diagnostics).toEqual([]);
  const entries = (JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { stubs: Entry[] }).stubs;
  const byName = new Map(entries.map((entry) => [entry.id.split(" ")[1]!, entry]));
  const customer = { firstName: "Ada", lastName: "Lovelace", birthdate: "1990-12-10", notes: [] };
  const server = await startOpenAIServer((request) =>
    replyJson(request, request.body.messages[0]!.content.includes("current age") ? { value: 32 } : { value: [customer] }),
  );
  const restore = configure({});
  try {
    const { Customer } = result.load<{ Customer: { createMockCustomers(n: number): Promise<{ age: Promise<number> }[]> } }>("src/customer.ts");
    for (const mode of ["json", "structured"] as const) {
      configure({ model: openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "m", mode }) });
      const [made] = await Customer.createMockCustomers(1);
      await made!.age;
    }
  } finally {
    configure(restore);
    await server.close();
  }
  const [makeJson, ageJson, makeStructured, ageStructured] = server.requests.map((request) => request.body);
  /** The request's tokens without the call's input values (the compact JSON in the message). */
  const sent = (body: ChatBody, input: unknown): number =>
    countTokens(body.messages[0]!.content.replace(JSON.stringify(input), "")) +
    (body.response_format?.json_schema ? countTokens(JSON.stringify(body.response_format)) : 0);
  expect(makeJson!.response_format).toEqual({ type: "json_object" });
  expect(byName.get("Customer.createMockCustomers")!.tokens).toEqual({
    json: sent(makeJson!, { numCustomers: 1 }),
    structured: sent(makeStructured!, { numCustomers: 1 }),
  });
  const ageInput = { this: customer };
  expect(byName.get("Customer.age")!.tokens).toEqual({ json: sent(ageJson!, ageInput), structured: sent(ageStructured!, ageInput) });
  // The getter's structured request carries no Customer definition: its reply is a number.
  expect(JSON.stringify(ageStructured!.response_format!.json_schema!.schema)).not.toContain("Customer");
  expect(byName.get("Customer.age")!.definitions).toHaveProperty("Customer");
  // The manifest carries the schema sent, and the prompt that goes with it (input values aside).
  expect(byName.get("Customer.createMockCustomers")!.schemaSent).toEqual(makeStructured!.response_format!.json_schema);
  expect(byName.get("Customer.age")!.schemaSent).toEqual(ageStructured!.response_format!.json_schema);
  expect(byName.get("Customer.createMockCustomers")!.templateIfSchemaSent!.replace("{{input}}", JSON.stringify({ numCustomers: 1 }))).toBe(makeStructured!.messages[0]!.content);
});

test("no manifest option, no manifest and no tokenizer", () => {
  const before = Object.keys(require.cache).filter((key) => key.includes("gpt-tokenizer")).length;
  compile({ files, createAnalyser: createFakeAnalyser });
  expect(fs.readdirSync(dir).sort()).toEqual(["first", "second", "sent"]);
  // The test file itself loaded the tokenizer; compiling must not load anything more of it.
  expect(Object.keys(require.cache).filter((key) => key.includes("gpt-tokenizer")).length).toBe(before);
});
