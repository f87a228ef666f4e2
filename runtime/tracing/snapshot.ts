import { isSecretName, redactKnown, REDACTED } from "../redact";
import type { TraceValue } from "./format";

/** Deeper parts of a value are cut (`"[…]"`): a trace is for reading, not for reproducing values. */
const MAX_DEPTH = 32;

/**
 * A JSON copy of any value, taken when a span ends (later changes to the value do not reach the
 * trace): what `JSON.stringify` would keep (`toJSON`, own enumerable fields, Dates as ISO
 * strings), with cycles as `"[Circular]"`, functions as `"[Function name]"`, BigInts as strings,
 * Maps as objects and Sets as arrays, non-finite numbers as strings, and a language model as its id.
 * No secrets: a value under a secret-looking name (`apiKey`, `token`, `password`, ...) is
 * `"[redacted]"`, and known secret values (`registerSecret`) are replaced in strings.
 */
export function snapshot(value: unknown): TraceValue | undefined {
  return copy(value, new Set(), 0);
}

function copy(value: unknown, ancestors: Set<object>, depth: number): TraceValue | undefined {
  switch (typeof value) {
    case "string":
      return redactKnown(value);
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
    case "symbol":
      return undefined;
    case "function":
      return `[Function ${value.name || "anonymous"}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[…]";
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
    return copy((object as { toJSON(): unknown }).toJSON(), ancestors, depth);
  }
  if (isLanguageModel(object)) return `[LanguageModel ${redactKnown(object.id)}]`;
  ancestors.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => copy(item, ancestors, depth + 1) ?? null);
    if (object instanceof Map) return copyEntries([...object.entries()].map(([key, item]) => [String(key), item]), ancestors, depth);
    if (object instanceof Set) return [...object].map((item) => copy(item, ancestors, depth + 1) ?? null);
    if (ArrayBuffer.isView(object)) return `[${object.constructor.name} ${object.byteLength} bytes]`;
    if (object instanceof Error) return { name: object.name, message: redactKnown(object.message) };
    return copyEntries(Object.entries(object), ancestors, depth);
  } finally {
    ancestors.delete(object);
  }
}

function copyEntries(entries: [string, unknown][], ancestors: Set<object>, depth: number): { [key: string]: TraceValue } {
  const result: { [key: string]: TraceValue } = {};
  for (const [key, item] of entries) {
    const copied = isSecretName(key) && item !== undefined && item !== null && typeof item !== "function" ? REDACTED : copy(item, ancestors, depth + 1);
    if (copied === undefined) continue;
    // `__proto__` as an own data property, never as the prototype setter. (Only there: defining
    // every key costs several times an assignment, on copies of replies with 100k objects.)
    if (key === "__proto__") Object.defineProperty(result, key, { value: copied, enumerable: true, writable: true, configurable: true });
    else result[key] = copied;
  }
  return result;
}

function isLanguageModel(value: object): value is { id: string } {
  const candidate = value as { id?: unknown; complete?: unknown; options?: unknown };
  return typeof candidate.complete === "function" && typeof candidate.id === "string" && typeof candidate.options === "object";
}
