/**
 * Prompt size: the requests our stubs make for the seed's customer tasks, counted with the
 * o200k tokenizer the same way as the reference requests of TypeChat, the raw openai SDK and the
 * Python original were counted (message text + the `response_format` JSON; their totals are in
 * `REFERENCES`), and the ratio to every reference row.
 *
 * The specs come from the real analyser over `tests/transformer/analyse-fixtures/customer.ts`;
 * the requests from the runtime's own functions (`renderPrompt`, `replySchemaOf`,
 * `sentSchemaOf`), so the figures are what `openAI()` would send:
 * - json:       the template with `{{outputTypes}}` filled in + `{"type":"json_object"}`;
 * - structured: the template without output types + `response_format` with the strict reply schema;
 * - tools:      the same message + `tools` (one function, the schema as its parameters) + `tool_choice`.
 * No reference request was measured in tools mode, so tools rows have no ratio.
 *
 * Run: `npm run bench:prompts` (also prints each prompt with `--print`).
 */
import * as path from "node:path";
import * as ts from "typescript";
import { createAnalyser } from "../transformer/analyse";
import type { AnalysedSpec } from "../transformer/analyse/types";
import { renderPrompt } from "../runtime/prompt";
import { replySchemaOf } from "../runtime/validate";
import { sentSchemaOf } from "../runtime/strict-schema";
import { SPEC_VERSION, type CallSpec, type JsonSchema } from "../runtime/spec";
import { findStubs } from "../tests/transformer/analyse/stub-walker";

const REPO_ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(REPO_ROOT, "tests", "transformer", "analyse-fixtures", "customer.ts");

/** Token totals of the reference requests, counted once from what each library sent for the same task. */
const REFERENCES = {
  typeChatCreate: { label: "TypeChat create 3", tokens: 153 },
  openaiStrictCreate: { label: "openai strict create 3", tokens: 155 },
  pythonCreate: { label: "Python create_mock_customers(3)", tokens: 303 },
  pythonAge: { label: "Python Customer.age", tokens: 358 },
  pythonFind: { label: "Python find_customer_key", tokens: 577 },
  pythonAdd: { label: "Python add(a, b)", tokens: 208 },
} as const;
type ReferenceKey = keyof typeof REFERENCES;

/** The customers of the Python reference requests. */
const CUSTOMERS = [
  { key: "c1", firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-04-12", address: "3-1 Shibuya, Tokyo, Japan" },
  { key: "c2", firstName: "Lucas", lastName: "Silva", birthdate: "1985-09-30", address: "Rua Augusta 500, São Paulo, Brazil" },
  { key: "c3", firstName: "Amara", lastName: "Okafor", birthdate: "1978-01-05", address: "12 Allen Ave, Lagos, Nigeria" },
];

interface Task {
  stub: string;
  label: string;
  input: Record<string, unknown>;
  compareWith: ReferenceKey[];
}

const TASKS: Task[] = [
  {
    stub: "MockCustomerDatabase.createMockCustomers",
    label: "createMockCustomers(3)",
    input: { numCustomers: 3 },
    compareWith: ["typeChatCreate", "openaiStrictCreate", "pythonCreate"],
  },
  { stub: "Customer.age", label: "Customer.age", input: { this: CUSTOMERS[0] }, compareWith: ["pythonAge"] },
  {
    stub: "CustomerDatabase.findCustomerKey",
    label: "findCustomerKey (3 customers)",
    input: { this: { customers: CUSTOMERS }, query: "the customer that was born in 1990" },
    compareWith: ["pythonFind"],
  },
  { stub: "add", label: "add(1, 2)", input: { a: 1, b: 2 }, compareWith: ["pythonAdd"] },
];


// The package's subpath types resolve only under node16/bundler resolution; the repository uses node10.
const { countTokens } = require("gpt-tokenizer/encoding/o200k_base") as { countTokens(text: string): number };

function tokens(text: string): number {
  return countTokens(text);
}

function main(): void {
  const print = process.argv.includes("--print");
  const started = process.hrtime.bigint();
  const program = ts.createProgram([FIXTURE], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  });
  const source = program.getSourceFile(FIXTURE)!;
  const analyser = createAnalyser({ ts, program, projectDir: REPO_ROOT, warnings: false });
  const specs = new Map<string, CallSpec>();
  for (const site of findStubs(source, REPO_ROOT)) {
    const result = analyser.analyseDeclaration(site);
    if (!result.ok) throw new Error(`${site.qualifiedName}: analysis failed (${result.problems.map((p) => p.kind).join(", ")})`);
    specs.set(site.qualifiedName, toCallSpec(result.value, analyser.definitions));
  }
  const analysedMs = Number(process.hrtime.bigint() - started) / 1e6;

  const rows: string[][] = [["task", "mode", "tokens", "reference", "ref tokens", "ratio"]];
  let failures = 0;
  const parts: string[] = [];
  /** create 3 customers: tokens per mode, for the summary. */
  const createTokens = new Map<string, { total: number; message: number; schema: number }>();
  for (const task of TASKS) {
    const spec = specs.get(task.stub)!;
    const { messages, messagesIfSchemaSent } = renderPrompt(spec, task.input);
    // As `openAI()` builds the request body for each mode.
    const sent = sentSchemaOf(spec, replySchemaOf(spec));
    const responseFormat = { type: "json_schema", json_schema: { name: sent.name, schema: sent.schema, strict: sent.strict } };
    const tools = [{ type: "function", function: { name: sent.name, parameters: sent.schema, strict: sent.strict } }];
    const toolChoice = { type: "function", function: { name: sent.name } };
    const schemaSentText = messagesIfSchemaSent.map((m) => m.content).join("");
    const modes = [
      { mode: "json", text: messages.map((m) => m.content).join(""), extra: JSON.stringify({ type: "json_object" }), carrier: "json_object" },
      { mode: "structured", text: schemaSentText, extra: JSON.stringify(responseFormat), carrier: "response_format" },
      { mode: "tools", text: schemaSentText, extra: JSON.stringify(tools) + JSON.stringify(toolChoice), carrier: "tools + tool_choice" },
    ];
    for (const { mode, text, extra, carrier } of modes) {
      const count = tokens(text) + tokens(extra);
      if (task === TASKS[0]) createTokens.set(mode, { total: count, message: tokens(text), schema: tokens(extra) });
      parts.push(`${task.label} [${mode}]: message ${tokens(text)} + ${carrier} ${tokens(extra)}`);
      if (print) console.log(`\n===== ${task.label} [${mode}] ${count} tokens =====\n${text}\n----- ${extra}`);
      if (mode === "tools") {
        rows.push([task.label, mode, String(count), "(no tools-mode reference)", "", ""]);
        continue;
      }
      for (const key of task.compareWith) {
        const reference = REFERENCES[key];
        const ratio = count / reference.tokens;
        if (ratio >= 1) failures++;
        rows.push([task.label, mode, String(count), reference.label, String(reference.tokens), `${ratio.toFixed(2)}x${ratio >= 1 ? "  (not fewer)" : ""}`]);
      }
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log(`Prompt tokens (o200k; message text + the JSON of response_format, or of tools and tool_choice), specs analysed in ${analysedMs.toFixed(0)} ms incl. Program\n`);
  for (const row of rows) console.log(row.map((cell, column) => (column === 2 || column === 4 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join("  "));
  console.log(`\nWhere the tokens go (the openai strict reference: message 15 + response_format 140):`);
  for (const part of parts) console.log(`  ${part}`);
  const peers = (["typeChatCreate", "openaiStrictCreate", "pythonCreate"] as const).map((key) => REFERENCES[key]);
  const structured = createTokens.get("structured")!;
  const json = createTokens.get("json")!;
  const tools = createTokens.get("tools")!;
  const below = (total: number) => peers.filter((peer) => total >= peer.tokens).map((peer) => peer.label);
  console.log(`\nThe issue's rows, create 3 customers (${peers.map((peer) => `${peer.label} ${peer.tokens}`).join(", ")}):`);
  console.log(
    `  structured mode: ${structured.total} tokens (${structured.message} in the message, ${structured.schema} in response_format); ` +
      `target <= ${REFERENCES.openaiStrictCreate.tokens}: ${structured.total <= REFERENCES.openaiStrictCreate.tokens ? "met" : "NOT met"}` +
      `${below(structured.total).length ? `; not below ${below(structured.total).join(", ")}` : "; below every peer"}`,
  );
  console.log(`  tools mode:      ${tools.total} tokens (${tools.message} in the message, ${tools.schema} in tools + tool_choice)`);
  console.log(`  json mode:       ${json.total} tokens (${json.message} in the message, ${json.schema} in response_format); below every peer: ${below(json.total).length ? "NO" : "yes"}`);
  console.log(`\n${failures === 0 ? "Every request is smaller than its reference rows." : `${failures} comparison(s) not below the reference.`}`);
}

/** The spec as emitted code would hold it (class references are irrelevant to prompt size). */
function toCallSpec(analysed: AnalysedSpec, definitions: ReadonlyMap<string, JsonSchema>): CallSpec {
  const { definitionNames, revive: _revive, checks: _checks, ...rest } = analysed;
  return {
    ...rest,
    version: SPEC_VERSION,
    definitions: Object.fromEntries(definitionNames.map((name) => [name, definitions.get(name)!])),
  };
}

main();
