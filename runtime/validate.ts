import type { ErrorObject, ValidateFunction } from "ajv";
import { compileSchema } from "./ajv";
import { reachableDefinitions } from "./schema-refs";
import type { CallSpec, JsonSchema } from "./spec";

/**
 * Validation of replies with ajv. Validators are compiled once per spec object (specs are
 * module-scope constants in the emitted code) and kept in a WeakMap; nothing is coerced:
 * what the schema does not accept is an error sent back to the model.
 */

const replySchemas = new WeakMap<CallSpec, JsonSchema>();
const validators = new WeakMap<CallSpec, ValidateFunction>();

/**
 * The schema a reply must match: the output itself, or `{ [wrapper]: output }` when the stub
 * has a wrapper; at its root the definitions the output reaches (not those only the input
 * uses: providers are sent this schema, and every definition costs tokens).
 */
export function replySchemaOf(spec: CallSpec): JsonSchema {
  let schema = replySchemas.get(spec);
  if (!schema) {
    const body: JsonSchema = spec.wrapper
      ? { type: "object", properties: { [spec.wrapper]: spec.output }, required: [spec.wrapper], additionalProperties: false }
      : spec.output;
    const definitions = reachableDefinitions(body, spec.definitions, definitionName);
    schema = Object.keys(definitions).length ? { ...body, definitions } : body;
    replySchemas.set(spec, schema);
  }
  return schema;
}

/** `#/definitions/<name>` (JSON Pointer escaped) -> `<name>`. */
function definitionName(ref: string): string | undefined {
  if (!ref.startsWith("#/definitions/")) return undefined;
  return decodeURIComponent(ref.slice("#/definitions/".length)).replace(/~1/g, "/").replace(/~0/g, "~");
}

export type Validation = { ok: true } | { ok: false; errors: string[] };

/** The spec's reply validator, compiled at its first use and kept for the spec object's lifetime. */
export function replyValidator(spec: CallSpec): ValidateFunction {
  let validate = validators.get(spec);
  if (!validate) {
    validate = compileSchema(replySchemaOf(spec), spec.id);
    validators.set(spec, validate);
  }
  return validate;
}

/** Checks a parsed reply against the spec's reply schema; errors are worded for the model. */
export function validateReply(spec: CallSpec, reply: unknown): Validation {
  const validate = replyValidator(spec);
  if (validate(reply)) return { ok: true };
  return { ok: false, errors: describeErrors(validate.errors ?? [], spec.definitions) };
}

/** At most this many errors go back to the model: enough to fix, bounded in size. */
const MAX_ERRORS = 10;
const MAX_PREVIEW = 60;

/**
 * Turns ajv errors into lines a model can act on: a path in the user's property names
 * (`value[0].address`), what is wrong and what was sent. For a union (`anyOf`) that matched no
 * member, reports the errors of the closest member instead of every member's.
 */
export function describeErrors(errors: readonly ErrorObject[], definitions: JsonSchema): string[] {
  const unionPaths = errors.filter((error) => error.keyword === "anyOf" || error.keyword === "oneOf").map((error) => error.instancePath);
  const lines: string[] = [];
  for (const error of errors) {
    if (error.keyword === "if") continue;
    // Errors inside a failed union are replaced by the closest member's errors below.
    if (unionPaths.some((path) => isInside(error.instancePath, path) && error.keyword !== "anyOf" && error.keyword !== "oneOf")) continue;
    if (error.keyword === "anyOf" || error.keyword === "oneOf") lines.push(...describeUnion(error, definitions));
    else lines.push(describeError(error));
  }
  const grouped = groupByIndex(lines);
  if (grouped.length <= MAX_ERRORS) return grouped;
  return [...grouped.slice(0, MAX_ERRORS), `(${grouped.length - MAX_ERRORS} more errors of the same kind)`];
}

/**
 * Merges lines that differ only in array indices, so a field forgotten in every element is
 * one line: `value[0], value[1], value[2]: missing required property "address"`.
 */
function groupByIndex(lines: readonly string[]): string[] {
  const groups = new Map<string, { paths: string[]; problem: string }>();
  for (const line of lines) {
    const split = line.indexOf(": ");
    const path = line.slice(0, split);
    const problem = line.slice(split + 2);
    const key = `${path.replace(/\[\d+\]/g, "[]")}\u0000${problem}`;
    const group = groups.get(key);
    if (!group) groups.set(key, { paths: [path], problem });
    else if (!group.paths.includes(path)) group.paths.push(path);
  }
  return [...groups.values()].map(({ paths, problem }) => {
    const shown = paths.length > 5 ? `${paths.slice(0, 5).join(", ")} and ${paths.length - 5} more` : paths.join(", ");
    return `${shown}: ${problem}`;
  });
}

function isInside(path: string, unionPath: string): boolean {
  return path === unionPath || path.startsWith(unionPath + "/");
}

function describeError(error: ErrorObject): string {
  const where = readablePath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `${where}: missing required property "${String(params.missingProperty)}"`;
    case "additionalProperties": {
      const allowed = Object.keys(((error.parentSchema as JsonSchema | undefined)?.properties as object | undefined) ?? {});
      const list = allowed.length ? ` (allowed: ${allowed.slice(0, 12).join(", ")})` : "";
      return `${where}: unexpected property "${String(params.additionalProperty)}"${list}`;
    }
    case "type":
      return `${where}: must be ${String(params.type).replace(",", " or ")}, got ${preview(error.data)}`;
    case "enum":
      return `${where}: must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}, got ${preview(error.data)}`;
    case "const":
      return `${where}: must be ${JSON.stringify(params.allowedValue)}, got ${preview(error.data)}`;
    case "format":
      return `${where}: must be a ${String(params.format)} string${formatHint(String(params.format))}, got ${preview(error.data)}`;
    default:
      return `${where}: ${error.message ?? error.keyword}, got ${preview(error.data)}`;
  }
}

/** For a union no member accepted: which members there are, and the closest member's errors. */
function describeUnion(error: ErrorObject, definitions: JsonSchema): string[] {
  const members = ((error.schema as JsonSchema[] | undefined) ?? []).filter((member) => typeof member === "object");
  const names = members.map(describeSchema).join(" | ");
  const summary = `${readablePath(error.instancePath)}: must match one of: ${names}; got ${preview(error.data)}`;
  let closest: string[] | undefined;
  for (const member of members) {
    const validate = memberValidator(member, definitions);
    if (validate(error.data)) continue;
    const memberErrors = validate.errors ?? [];
    // A member whose root already fails (wrong type, wrong tag) is not the one the model meant.
    if (memberErrors.some((inner) => inner.instancePath === "" && inner.keyword !== "required" && inner.keyword !== "additionalProperties")) continue;
    const lines = describeErrors(memberErrors, definitions).map((line) => prefixPath(line, error.instancePath));
    if (!closest || lines.length < closest.length) closest = lines;
  }
  return closest ? [summary, ...closest] : [summary];
}

const memberValidators = new WeakMap<JsonSchema, WeakMap<JsonSchema, ValidateFunction>>();

function memberValidator(member: JsonSchema, definitions: JsonSchema): ValidateFunction {
  let byDefinitions = memberValidators.get(member);
  if (!byDefinitions) memberValidators.set(member, (byDefinitions = new WeakMap()));
  let validate = byDefinitions.get(definitions);
  if (!validate) {
    validate = compileSchema({ ...member, definitions }, "a union member");
    byDefinitions.set(definitions, validate);
  }
  return validate;
}

function describeSchema(schema: JsonSchema): string {
  if (typeof schema.$ref === "string") return schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1);
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (typeof schema.type === "string") return schema.type === "array" ? "array" : schema.type;
  return "a value of another shape";
}

/** `/value/0/first name` -> `value[0]["first name"]`; the root is "the reply". */
export function readablePath(pointer: string): string {
  if (!pointer) return "the reply";
  let path = "";
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Rewrites a line about a member's root/paths to sit under the union's own path. */
function prefixPath(line: string, pointer: string): string {
  if (!pointer) return line;
  const base = readablePath(pointer);
  if (line.startsWith("the reply")) return base + line.slice("the reply".length);
  return line.startsWith("[") ? base + line : `${base}.${line}`;
}

function formatHint(format: string): string {
  switch (format) {
    case "date-time":
      return " (RFC 3339 with time zone, e.g. 2024-01-31T09:30:00Z)";
    case "date":
      return " (YYYY-MM-DD)";
    case "time":
      return " (HH:MM:SS with time zone, e.g. 09:30:00Z)";
    default:
      return "";
  }
}

/** What the model sent, short: `string "42"`, `array [1,2]`, `null`. */
function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  const kind = Array.isArray(value) ? "array" : typeof value;
  let text = JSON.stringify(value) ?? String(value);
  if (text.length > MAX_PREVIEW) text = text.slice(0, MAX_PREVIEW - 3) + "...";
  return `${kind} ${text}`;
}
