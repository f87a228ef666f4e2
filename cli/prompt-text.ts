/** A manifest entry as text a person reviews: the prompt the model reads, and its schemas pretty-printed. */
import { stringify } from "safe-stable-stringify";
import { renderPrompt } from "../runtime/prompt";
import type { CallSpec } from "../runtime/spec";
import type { ManifestStub } from "./manifest";

const INPUT_PLACEHOLDER = "{{input}}";
const INPUT_MARKER = { __llmStrategyInputPlaceholder__: 0 };

/**
 * The user message the model reads in JSON mode (`{{outputTypes}}` filled in), with `{{input}}`
 * left as a placeholder for the call's input values. Rendered by the runtime's own code, so it
 * is exactly what is sent (trimmed the same way).
 */
export function jsonModePrompt(stub: Pick<ManifestStub, "template" | "outputTypes">): string {
  const spec = { template: stub.template, outputTypes: stub.outputTypes } as CallSpec;
  const content = renderPrompt(spec, INPUT_MARKER).messages[0]!.content;
  return content.replace(JSON.stringify(INPUT_MARKER), () => INPUT_PLACEHOLDER);
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
