/** A manifest entry as text a person reviews: the prompt the model reads, and its schemas pretty-printed. */
import { stringify } from "safe-stable-stringify";
import { fillSpecPlaceholders, formatValue, type JsonValue } from "../runtime/hyperparameters";
import { renderPromptAround } from "../runtime/prompt";
import type { CallSpec } from "../runtime/spec";
import type { ManifestStub } from "./manifest";

/** A stub's prompt texts, as the manifest holds them. */
type PromptTexts = Pick<ManifestStub, "template" | "outputTypes" | "templateIfSchemaSent">;

/**
 * Which of a stub's two prompts: `"json"`, the user message in JSON and prompt mode (the output
 * types and the reply's shape written in it); `"schemaSent"`, the one in structured and tools
 * mode, which goes with the reply schema (`schemaSent`) instead.
 */
export type PromptKind = "json" | "schemaSent";

/**
 * The user message the model reads, with `{{input}}` left as a placeholder for the call's input
 * values. Rendered by the runtime's own code, so it is exactly what is sent (trimmed the same way).
 */
export function renderedPrompt(stub: PromptTexts, kind: PromptKind = "json"): string {
  return render(specTexts(stub), kind);
}

function render(texts: Pick<CallSpec, "template" | "outputTypes" | "templateIfSchemaSent">, kind: PromptKind): string {
  const rendered = renderPromptAround(texts, "{{input}}");
  return (kind === "json" ? rendered.messages : rendered.messagesIfSchemaSent)[0]!.content;
}

/** The manifest's texts as the spec fields the runtime renders (the schema-sent template as one part). */
function specTexts(stub: PromptTexts): Pick<CallSpec, "template" | "outputTypes" | "templateIfSchemaSent"> {
  const { template, outputTypes, templateIfSchemaSent } = stub;
  return { template, outputTypes, ...(templateIfSchemaSent !== undefined ? { templateIfSchemaSent: { shared: 0, rest: templateIfSchemaSent } } : {}) };
}

/**
 * `renderedPrompt` with each `{{hp:name}}` filled in with its default, as a call outside any
 * `withHyperparameters` scope sends it; one whose default the build did not know stays a placeholder.
 * `mark` wraps each filled-in value (a terminal shows them in colour).
 */
export function promptAtDefaults(stub: PromptTexts & Pick<ManifestStub, "hyperparameters">, mark: (text: string) => string = (text) => text, kind: PromptKind = "json"): string {
  const defaults = new Map<string, JsonValue>();
  for (const [name, { default: value }] of Object.entries(stub.hyperparameters ?? {})) if (value !== undefined) defaults.set(name, mark(formatValue(value)));
  return render(fillSpecPlaceholders(specTexts(stub), defaults), kind);
}

/** Compact JSON with keys sorted, one line. */
export function compactJson(value: unknown): string {
  return stringify(value) ?? "null";
}

/** Two-space JSON with keys sorted: the same value always prints the same lines. */
function prettyJson(value: unknown): string {
  return stringify(value, null, 2) ?? "null";
}

/** What a reviewer compares between two builds of a stub, section by section. */
export interface ReviewSections {
  /** The JSON-mode prompt. */
  prompt: string;
  /** The structured- and tools-mode prompt. */
  promptIfSchemaSent: string;
  input: string;
  output: string;
  definitions: string;
  /** The schema that goes with `promptIfSchemaSent` ("" when the manifest does not record it). */
  schemaSent: string;
}

/** The sections in the order a reviewer reads them: what is sent in each mode, then the schemas. */
export const REVIEWED_SECTIONS = ["prompt", "promptIfSchemaSent", "schemaSent", "input", "output", "definitions"] as const satisfies readonly (keyof ReviewSections)[];

export function reviewSections(stub: ManifestStub): ReviewSections {
  return {
    prompt: renderedPrompt(stub),
    promptIfSchemaSent: renderedPrompt(stub, "schemaSent"),
    input: prettyJson(stub.input),
    // The wrapper is part of what the reply must look like, so a change to it shows here.
    output: (stub.wrapper ? `// the reply is {"${stub.wrapper}": <this>}\n` : "") + prettyJson(stub.output),
    definitions: prettyJson(stub.definitions),
    schemaSent: stub.schemaSent ? prettyJson(stub.schemaSent) : "",
  };
}

/**
 * Everything the spec hash covers (both templates, output types, schemas, wrapper, definitions)
 * and the schema sent, canonical: two stubs ask the model the same thing exactly when these are equal.
 */
export function contentKey(stub: ManifestStub): string {
  return compactJson([stub.template, stub.templateIfSchemaSent ?? null, stub.outputTypes, stub.input, stub.output, stub.wrapper ?? null, stub.definitions, stub.schemaSent ?? null]);
}
