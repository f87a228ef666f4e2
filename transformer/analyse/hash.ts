/**
 * The spec's content hash: what the model is asked (both templates, output types, schemas and the
 * definitions they use). Caches and recordings key on it, so it changes exactly when the
 * request a stub makes changes. Canonical JSON: key order does not matter.
 */
import { stringify } from "safe-stable-stringify";
import type { JsonSchema } from "../../runtime/spec";
import { shortHash } from "../../runtime/util";

export interface HashedContent {
  template: string;
  templateIfSchemaSent: { shared: number; rest: string };
  outputTypes: string;
  input: JsonSchema;
  output: JsonSchema;
  wrapper?: string;
  /** The definitions the schemas use (exactly their closure), as `definitionsText` writes them. */
  definitions: string;
}

/** Key-sorted JSON, the same for equal values whatever their key order. */
export function canonicalJson(value: unknown): string {
  return stringify(value)!;
}

/** 16 hex digits (64 bits) of SHA-256 over the canonical JSON of `content`. */
export function specHash(content: HashedContent): string {
  const spec = canonicalJson({
    template: content.template,
    templateIfSchemaSent: content.templateIfSchemaSent,
    outputTypes: content.outputTypes,
    input: content.input,
    output: content.output,
    wrapper: content.wrapper ?? null,
  });
  return shortHash(spec + content.definitions);
}

/**
 * The definitions' part of the hashed text: each name with the canonical JSON of its schema
 * (`canonicalJson`, computed once per definition per file), by name. The specs of a file use a
 * few sets of definitions, so the analyser writes each set once rather than once per spec.
 */
export function definitionsText(definitions: ReadonlyMap<string, string>): string {
  return [...definitions.keys()]
    .sort()
    .map((name) => `\n${JSON.stringify(name)}:${definitions.get(name)}`)
    .join("");
}
