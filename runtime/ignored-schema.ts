import type { JsonSchema } from "./spec";

/**
 * Why a reply shows that the endpoint did not enforce the schema it was sent, or undefined when
 * it does not. Only failures an enforced schema rules out count: the reply is not JSON, not a
 * JSON object where the schema's root is one, or lacks a required top-level key (the wrapper,
 * say). Anything else (a wrong value deep inside, a broken constraint such as `minimum`, which
 * not every provider enforces) is an ordinary repair. A forced tool call that was never made
 * shows up the same way: its message text comes back instead of the arguments.
 * @param parsed The reply's JSON, or undefined when it did not parse.
 */
export function schemaIgnoredReason(replySchema: JsonSchema, parsed: unknown, parsedOk: boolean): string | undefined {
  if (!parsedOk) return "the reply was not JSON";
  const root = resolveRoot(replySchema);
  if (root.type !== "object") return undefined;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return `the reply was ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`}, not the JSON object the schema asks for`;
  const required = Array.isArray(root.required) ? (root.required as string[]) : [];
  const missing = required.filter((key) => !Object.prototype.hasOwnProperty.call(parsed, key));
  if (missing.length) return `the reply lacks the required top-level ${missing.length === 1 ? "key" : "keys"} ${missing.map((key) => JSON.stringify(key)).join(", ")}`;
  return undefined;
}

/** The root schema, through one `$ref` into its own `definitions` (a class's reply: `{ $ref: "#/definitions/Customer" }`). */
function resolveRoot(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/definitions/")) return schema;
  const name = decodeURIComponent(ref.slice("#/definitions/".length)).replace(/~1/g, "/").replace(/~0/g, "~");
  const definitions = (schema.definitions ?? {}) as { [name: string]: JsonSchema };
  return definitions[name] ?? schema;
}
