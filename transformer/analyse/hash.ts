/**
 * The spec's content hash: what the model is asked (both templates, output types, schemas and the
 * definitions they use). Caches and recordings key on it, so it changes exactly when the
 * request a stub makes changes. Canonical JSON: key order does not matter.
 */
import type { JsonSchema } from "../../runtime/spec";
import { shortHash } from "../../runtime/util";

export interface HashedContent {
  template: string;
  templateIfSchemaSent: { shared: number; rest: string };
  outputTypes: string;
  input: JsonSchema;
  output: JsonSchema;
  wrapper?: string;
  /**
   * The definitions the schemas use (exactly their closure): name -> canonical JSON of the
   * schema (`canonicalJson`), computed once per definition per file rather than once per spec.
   */
  definitions: ReadonlyMap<string, string>;
}

/**
 * Key-sorted JSON, the same for equal values whatever their key order: the text
 * safe-stable-stringify writes for JSON data (what schemas and templates are), in a few lines
 * that run fast in a cold build rather than a general stringifier's.
 */
export function canonicalJson(value: unknown): string {
  return jsonOf(value) ?? "null";
}

/** As `JSON.stringify` with sorted keys (a BigInt as its digits): undefined for what JSON leaves out (`undefined`, functions). */
function jsonOf(value: unknown): string | undefined {
  if (typeof value === "bigint") return String(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === "function") return jsonOf(json.call(value));
  if (Array.isArray(value)) {
    let text = "";
    for (let index = 0; index < value.length; index++) text += (index === 0 ? "" : ",") + (jsonOf(value[index]) ?? "null");
    return "[" + text + "]";
  }
  let text = "";
  for (const key of Object.keys(value).sort()) {
    const item = jsonOf((value as Record<string, unknown>)[key]);
    if (item !== undefined) text += (text === "" ? "" : ",") + JSON.stringify(key) + ":" + item;
  }
  return "{" + text + "}";
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
  const definitions = [...content.definitions.keys()].sort().map((name) => `\n${JSON.stringify(name)}:${content.definitions.get(name)}`);
  return shortHash(spec + definitions.join(""));
}
