/** A manifest entry as text a person reviews: the prompt the model reads, and its schemas pretty-printed. */
import { stringify } from "safe-stable-stringify";
import { fillPlaceholders, formatValue, type JsonValue } from "../runtime/hyperparameters";
import { renderPromptAround } from "../runtime/prompt";
import type { ManifestStub } from "./manifest";

/**
 * The user message the model reads in JSON mode (`{{outputTypes}}` filled in), with `{{input}}`
 * left as a placeholder for the call's input values. Rendered by the runtime's own code, so it
 * is exactly what is sent (trimmed the same way).
 */
export function jsonModePrompt(stub: Pick<ManifestStub, "template" | "outputTypes">): string {
  return renderPromptAround(stub, "{{input}}").messages[0]!.content;
}

/**
 * `jsonModePrompt` with each `{{hp:name}}` filled in with its default, as a call outside any
 * `withHyperparameters` scope sends it; one whose default the build did not know stays a placeholder.
 * `mark` wraps each filled-in value (a terminal shows them in colour).
 */
export function promptAtDefaults(stub: Pick<ManifestStub, "template" | "outputTypes" | "hyperparameters">, mark: (text: string) => string = (text) => text): string {
  const defaults = new Map<string, JsonValue>();
  for (const [name, { default: value }] of Object.entries(stub.hyperparameters ?? {})) if (value !== undefined) defaults.set(name, mark(formatValue(value)));
  return jsonModePrompt({ template: fillPlaceholders(stub.template, defaults), outputTypes: fillPlaceholders(stub.outputTypes, defaults) });
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
  prompt: string;
  input: string;
  output: string;
  definitions: string;
}

export function reviewSections(stub: ManifestStub): ReviewSections {
  return {
    prompt: jsonModePrompt(stub),
    input: prettyJson(stub.input),
    // The wrapper is part of what the reply must look like, so a change to it shows here.
    output: (stub.wrapper ? `// the reply is {"${stub.wrapper}": <this>}\n` : "") + prettyJson(stub.output),
    definitions: prettyJson(stub.definitions),
  };
}

/**
 * Everything the spec hash covers (template, output types, schemas, wrapper, definitions),
 * canonical: two stubs ask the model the same thing exactly when these are equal.
 */
export function contentKey(stub: ManifestStub): string {
  return compactJson([stub.template, stub.outputTypes, stub.input, stub.output, stub.wrapper ?? null, stub.definitions]);
}
