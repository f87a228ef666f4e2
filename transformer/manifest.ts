import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "safe-stable-stringify";
import { fillSpecPlaceholders, placeholderNames, type JsonValue } from "../runtime/hyperparameters";
import { renderPromptAround } from "../runtime/prompt";
import { SPEC_VERSION, templateIfSchemaSent, type CallSpec, type JsonSchema } from "../runtime/spec";
import { sentSchemaOf, type SentSchema } from "../runtime/strict-schema";
import { replySchemaOf } from "../runtime/validate";
import type { HiddenFields } from "./analyse/types";
import { assertBuildTools } from "./engine";
import type { PlannedCallSpec } from "./plan";

/** One spec as the manifest lists it, before token counting. */
export interface ManifestRecord {
  spec: PlannedCallSpec;
  /** Project-relative file of the declaration. */
  file: string;
  /** 1-based line of the declaration. */
  line: number;
  /** The named schemas the spec uses (its closure). */
  definitions: { [name: string]: JsonSchema };
  /** For a generic specialisation: the call site, `src/main.ts:40`. */
  callSite?: string;
}

/** One entry of the manifest: a stub, or one generic specialisation of it with every call site that uses it. */
export interface ManifestEntry {
  id: string;
  file: string;
  line: number;
  kind: PlannedCallSpec["kind"];
  typeArguments?: string;
  callSites?: string[];
  template: string;
  outputTypes: string;
  /**
   * The template of a request that sends the reply schema (structured output, tools): the
   * doc text, the types the inputs use, the parameters' docs, checks and inputs, without output
   * types, return type or answer line. Absent when the spec has none (then `template` with
   * `{{outputTypes}}` left empty is sent).
   */
  templateIfSchemaSent?: string;
  /**
   * The reply schema as `openAI()` sends it with that prompt: `response_format.json_schema` in
   * structured mode, the function's `name`, `parameters` and `strict` in tools mode (strict form
   * when the schema allows it; the replies are still validated against `output`).
   */
  schemaSent: SentSchema;
  input: JsonSchema;
  output: JsonSchema;
  wrapper?: string;
  definitions: { [name: string]: JsonSchema };
  /**
   * Fields of these definitions' types that are never sent to the model nor asked of it
   * (`private`, `protected`, `#private`, `@llmHidden`), with the reason; absent when none.
   */
  hiddenFields?: HiddenFields;
  /** The stub's `@check`s (expression and message), in order; also in `template`. Absent when it has none. */
  checks?: { expression: string; message?: string }[];
  hash: string;
  /**
   * The hyperparameters its prompt names (`{{hp:name}}`), with the default a call sends outside
   * any `withHyperparameters` scope; no `default` when the build cannot know it (computed, or
   * declared outside the program). Absent when the prompt names none.
   */
  hyperparameters?: { [name: string]: { default?: JsonValue } };
  /** Estimated prompt tokens (o200k_base), without the call's input values; see `TOKENS_COUNTED`. */
  tokens: { json: number; structured: number };
}

/** What `tokens` counts, written into the manifest so a reader need not look it up. */
const TOKENS_COUNTED =
  "Estimated prompt tokens with the o200k_base tokenizer, excluding the call's input values ({{input}} left empty). " +
  "json: the user message in JSON mode (the template with {{outputTypes}} filled in; prompt mode sends it alone, JSON mode adds {\"type\":\"json_object\"}, 6 tokens). " +
  "structured: the user message for a request that carries the schema (templateIfSchemaSent: no output types, return type or answer line) plus the response_format openAI() sends in structured mode (compact JSON of {type, json_schema: schemaSent}). " +
  "Hyperparameters ({{hp:name}}) count at their defaults where the build knows them. " +
  "Providers add a few tokens of message framing, and render a structured-output schema in their own way.";

/** Builds the manifest document: entries sorted by id, type arguments and hash; identical specialisations merged. */
function buildManifest(
  records: ManifestRecord[],
  countTokens: (text: string) => number,
  hyperparameterDefaults: ReadonlyMap<string, JsonValue> = new Map(),
): object {
  const entries = new Map<string, ManifestEntry>();
  for (const record of records) {
    const { spec } = record;
    const key = `${spec.id}\u0000${spec.typeArguments ?? ""}\u0000${spec.hash}`;
    const existing = entries.get(key);
    if (existing) {
      if (record.callSite && existing.callSites && !existing.callSites.includes(record.callSite)) existing.callSites.push(record.callSite);
      continue;
    }
    const hyperparameters = usedHyperparameters(spec, hyperparameterDefaults);
    const full = { ...spec, version: SPEC_VERSION, definitions: record.definitions } as unknown as CallSpec;
    const schemaSentTemplate = templateIfSchemaSent(spec);
    entries.set(key, {
      id: spec.id,
      file: record.file,
      line: record.line,
      kind: spec.kind,
      ...(spec.typeArguments !== undefined ? { typeArguments: spec.typeArguments } : {}),
      ...(record.callSite ? { callSites: [record.callSite] } : {}),
      template: spec.template,
      outputTypes: spec.outputTypes,
      ...(schemaSentTemplate !== undefined ? { templateIfSchemaSent: schemaSentTemplate } : {}),
      schemaSent: sentSchemaOf(full, replySchemaOf(full)),
      input: spec.input,
      output: spec.output,
      ...(spec.wrapper !== undefined ? { wrapper: spec.wrapper } : {}),
      definitions: record.definitions,
      ...(spec.hiddenFields ? { hiddenFields: spec.hiddenFields } : {}),
      ...(spec.checks ? { checks: spec.checks.map(({ expression, message }) => ({ expression, ...(message !== undefined ? { message } : {}) })) } : {}),
      hash: spec.hash,
      ...(hyperparameters ? { hyperparameters } : {}),
      tokens: tokenEstimate(full, countTokens, hyperparameterDefaults),
    });
  }
  const stubs = [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
  for (const entry of stubs) entry.callSites?.sort();
  return { about: "llm-strategy prompt manifest: one entry per stub and per generic specialisation.", specVersion: SPEC_VERSION, tokens: TOKENS_COUNTED, stubs };
}

/**
 * Tokens of the request the runtime builds for one call, without the call's input values: its
 * own prompt rendering and, in structured mode, the `response_format` `openAI()` sends.
 */
function tokenEstimate(full: CallSpec, countTokens: (text: string) => number, defaults: ReadonlyMap<string, JsonValue>): ManifestEntry["tokens"] {
  // Hyperparameters at their defaults, as a call outside any scope sends them.
  const spec = fillSpecPlaceholders(full, defaults);
  const prompt = renderPromptAround(spec, "");
  // The schema does not change with hyperparameters: the unfilled spec's is the one cached for calls.
  const responseFormat = { type: "json_schema", json_schema: sentSchemaOf(full, replySchemaOf(full)) };
  return {
    json: countTokens(prompt.messages[0]!.content),
    structured: countTokens(prompt.messagesIfSchemaSent[0]!.content) + countTokens(JSON.stringify(responseFormat)),
  };
}

function usedHyperparameters(spec: PlannedCallSpec, defaults: ReadonlyMap<string, JsonValue>): ManifestEntry["hyperparameters"] {
  const names = [...new Set([...placeholderNames(spec.template), ...placeholderNames(spec.outputTypes)])];
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, defaults.has(name) ? { default: defaults.get(name)! } : {}]));
}

/** Same records, same bytes: keys sorted, two-space indentation, a final newline. */
function serializeManifest(manifest: object): string {
  return `${stringify(manifest, null, 2)}\n`;
}

/** Writes the manifest, creating its folder; `manifestPath` is relative to `projectDir` unless absolute. */
export function writeManifest(projectDir: string, manifestPath: string, records: ManifestRecord[], hyperparameterDefaults?: ReadonlyMap<string, JsonValue>): string {
  // Loaded only when a manifest is asked for: the o200k tables take a while to load.
  assertBuildTools(["gpt-tokenizer"]);
  const { countTokens } = require("gpt-tokenizer/encoding/o200k_base") as { countTokens(text: string): number };
  const target = path.resolve(projectDir, manifestPath);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, serializeManifest(buildManifest(records, countTokens, hyperparameterDefaults)));
  return target;
}
