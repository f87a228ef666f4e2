import type { ErrorObject, ValidateFunction } from "ajv";
import { jsonExcerpt, quoted } from "./excerpt";
import type { JsonSchema } from "./spec";

/**
 * The error lines sent back to the model about an invalid reply, bounded whatever the reply
 * holds: at most `MAX_ERROR_LINES` lines (then counts) of at most `MAX_LINE` characters, with
 * keys and values quoted as short marked excerpts, from at most `DETAIL_BUDGET` errors.
 */

/** At most this many error lines go back to the model (then a count): enough to fix, bounded in size. */
const MAX_ERROR_LINES = 10;
/** Longest error line, in characters (paths and quoted data are excerpts well within it). */
const MAX_LINE = 600;
/** Errors described in detail; later invalid values are only counted. */
const DETAIL_BUDGET = 1000;
const MAX_PREVIEW = 60;
/** Paths listed on one grouped line; the rest are counted. */
const MAX_PATHS = 5;
/** Keys that would change what an object is in JavaScript; never accepted where a type does not declare them. */
export const RESERVED_KEYS = ["__proto__", "constructor", "prototype"];

/** Where a value sits: its JSON Pointer, and the key errors there are grouped by (indices as `[]`, long keys cut). */
export interface Place {
  pointer: string;
  pattern: string;
}

interface Group {
  paths: string[];
  count: number;
  problem: string;
}

/**
 * Collects errors as lines a model can act on: a path in the user's property names
 * (`value[0].address`), what is wrong and what was sent. Errors that differ only in array
 * indices share a line (`value[0], value[1], value[2]: missing required property "address"`).
 * For a union (`anyOf`) that matched no member, reports the errors of the closest member
 * instead of every member's. Holds at most `MAX_ERROR_LINES` lines and describes at most
 * `DETAIL_BUDGET` errors; the rest are counted.
 */
export class ErrorLines {
  private readonly groups = new Map<string, Group>();
  /** Errors and invalid values seen, described or not: zero means the value was valid. */
  found = 0;
  /** Errors on lines past `MAX_ERROR_LINES`, or past the detail budget. */
  private hidden = 0;
  private described = 0;
  /** Invalid values found after the detail budget was spent, and where the first of them is. */
  private unlisted = 0;
  private firstUnlisted?: string;
  /** For union members: every line added, in order, to replay into the outer collector. */
  readonly added: [Place, string, string][] = [];

  constructor(
    /** The collecting (`allErrors`) validator of a schema inside the reply schema. */
    private readonly describer: (schema: JsonSchema) => ValidateFunction,
    private readonly budget = DETAIL_BUDGET,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /** `value` at `place` does not match `schema`: describe why, or count it once the budget is spent. */
  invalid(schema: JsonSchema, value: unknown, place: Place): void {
    this.found++;
    if (this.described >= this.budget) {
      if (!this.unlisted++) this.firstUnlisted = place.pointer;
      return;
    }
    const all = this.describer(schema);
    all(value);
    this.addErrors(all.errors ?? [], place);
  }

  /** ajv errors of a value at `place` (their paths relative to it). */
  addErrors(errors: readonly ErrorObject[], place: Place): void {
    this.found += errors.length;
    let unions: Set<string> | undefined;
    for (const error of errors) {
      if (error.keyword === "anyOf" || error.keyword === "oneOf") (unions ??= new Set()).add(error.instancePath);
    }
    for (const error of errors) {
      if (error.keyword === "if") continue;
      // The failing check inside `propertyNames`: the propertyNames error itself says it.
      if (error.propertyName !== undefined) continue;
      const isUnion = error.keyword === "anyOf" || error.keyword === "oneOf";
      // Errors inside a failed union are replaced by the closest member's errors.
      if (unions && !isUnion && insideAny(error.instancePath, unions)) continue;
      if (this.described >= this.budget) {
        this.hidden++;
        continue;
      }
      this.described++;
      if (isUnion) this.addUnion(error, place);
      else this.add(place, error.instancePath, describeProblem(error), error.schemaPath);
    }
  }

  /** One problem at `place` + `relative` (a JSON Pointer below it). */
  add(place: Place, relative: string, problem: string, schemaPath = ""): void {
    this.found++;
    this.added.push([place, relative, problem]);
    // A long relative path (long keys) groups by where in the schema it failed: reading it would copy it per error.
    const pattern = relative.length > 512 ? `/(long)${schemaPath}` : relative.replace(/\/\d+(?=\/|$)/g, "/[]");
    const key = `${place.pattern}${pattern}\u0000${problem}`;
    let group = this.groups.get(key);
    if (!group) {
      if (this.groups.size >= MAX_ERROR_LINES) {
        this.hidden++;
        return;
      }
      this.groups.set(key, (group = { paths: [], count: 0, problem }));
    }
    if (group.paths.length < MAX_PATHS) {
      const path = readablePath(place.pointer + relative);
      if (group.paths.includes(path)) return;
      group.paths.push(path);
    }
    group.count++;
  }

  /** A union no member accepted: which members there are, and the closest member's errors. */
  private addUnion(error: ErrorObject, place: Place): void {
    const members = ((error.schema as JsonSchema[] | undefined) ?? []).filter((member) => typeof member === "object" && member !== null);
    this.add(place, error.instancePath, unionSummary(members, error.data), error.schemaPath);
    const at: Place = { pointer: place.pointer + error.instancePath, pattern: place.pattern + error.instancePath.replace(/\/\d+(?=\/|$)/g, "/[]") };
    let closest: ErrorLines | undefined;
    for (const member of members) {
      const validate = this.describer(member);
      if (validate(error.data)) continue;
      const memberErrors = validate.errors ?? [];
      // A member whose root already fails (wrong type, wrong tag) is not the one the model meant.
      if (memberErrors.some((inner) => inner.instancePath === "" && inner.keyword !== "required" && inner.keyword !== "additionalProperties")) continue;
      const lines = new ErrorLines(this.describer, Math.max(1, this.budget - this.described));
      lines.addErrors(memberErrors, at);
      if (!closest || lines.size < closest.size) closest = lines;
    }
    for (const [memberPlace, relative, problem] of closest?.added ?? []) this.add(memberPlace, relative, problem);
  }

  lines(): string[] {
    const lines = [...this.groups.values()].map(({ paths, count, problem }) => {
      const more = count - paths.length;
      return cut(`${paths.join(", ")}${more > 0 ? ` and ${more} more` : ""}: ${problem}`, MAX_LINE);
    });
    if (this.hidden) lines.push(`(${this.hidden} more errors of the same kind)`);
    // Only errors that stand for others were seen (an `if`, a check inside `propertyNames`): say something.
    if (!lines.length && this.found) lines.push("the reply: does not match the schema");
    if (this.unlisted) {
      lines.push(`(${this.unlisted} more ${this.unlisted === 1 ? "value" : "values"} from ${readablePath(this.firstUnlisted!)} on ${this.unlisted === 1 ? "is" : "are"} invalid too, not described one by one)`);
    }
    return lines;
  }
}

function insideAny(path: string, unions: Set<string>): boolean {
  for (let current = path; ; ) {
    if (unions.has(current)) return true;
    const cutAt = current.lastIndexOf("/");
    if (cutAt < 0) return false;
    current = current.slice(0, cutAt);
  }
}

export function unionSummary(members: JsonSchema[], data: unknown): string {
  return `must match one of: ${cut(members.map(describeSchema).join(" | "), 200)}; got ${preview(data)}`;
}

const allowedNames = new WeakMap<object, string>();

/** What is wrong, without the path. */
function describeProblem(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `missing required property ${quoted(String(params.missingProperty))}`;
    case "additionalProperties": {
      const properties = (error.parentSchema as JsonSchema | undefined)?.properties as object | undefined;
      let list = properties ? allowedNames.get(properties) : "";
      if (list === undefined) {
        const allowed = Object.keys(properties!);
        allowedNames.set(properties!, (list = allowed.length ? ` (allowed: ${cut(allowed.slice(0, 12).join(", "), 300)})` : ""));
      }
      return `unexpected property ${quoted(String(params.additionalProperty))}${list}`;
    }
    case "propertyNames": {
      const name = String(params.propertyName);
      return RESERVED_KEYS.includes(name)
        ? `the key ${quoted(name)} is not allowed: it is reserved in JavaScript (it would change the object's prototype or constructor); use another key`
        : `the key ${quoted(name)} is not a valid property name here`;
    }
    case "type":
      return `must be ${String(params.type).replace(",", " or ")}, got ${preview(error.data)}`;
    case "enum":
      return `must be one of ${cut((params.allowedValues as unknown[]).map((value) => jsonExcerpt(value, MAX_PREVIEW)).join(", "), 300)}, got ${preview(error.data)}`;
    case "const":
      return `must be ${jsonExcerpt(params.allowedValue, 100)}, got ${preview(error.data)}`;
    case "format":
      return `must be a ${String(params.format)} string${formatHint(String(params.format))}, got ${preview(error.data)}`;
    default:
      return `${cut(error.message ?? error.keyword, 200)}, got ${preview(error.data)}`;
  }
}

function describeSchema(schema: JsonSchema): string {
  if (typeof schema.$ref === "string") return schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1);
  if ("const" in schema) return jsonExcerpt(schema.const, MAX_PREVIEW);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => jsonExcerpt(value, MAX_PREVIEW)).join(" | ");
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (typeof schema.type === "string") return schema.type === "array" ? "array" : schema.type;
  return "a value of another shape";
}

/** Paths longer than this many steps show their first and last steps only. */
const MAX_PATH_STEPS = 10;

/**
 * `/value/0/first name` -> `value[0]["first name"]`; the root is "the reply". Long keys are cut
 * (`["aaaa…" (10485760 characters)]`), and a very deep path shows its ends:
 * `value[0][0][0][0][0]…(247 more)…[0][0][0][0]`.
 */
export function readablePath(pointer: string): string {
  if (!pointer) return "the reply";
  const raw = pointer.slice(1).split("/");
  const steps = raw.length > MAX_PATH_STEPS ? [...raw.slice(0, 6), undefined, ...raw.slice(-4)] : raw;
  let path = "";
  for (const step of steps) {
    if (step === undefined) {
      path += `…(${raw.length - 10} more)…`;
      continue;
    }
    const segment = step.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment) && segment.length <= 40) path += path ? `.${segment}` : segment;
    else path += `[${quoted(segment)}]`;
  }
  return path;
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

/** What the model sent, short: `string "42"`, `array [1,2]`, `null`; at most 60 characters of it. */
function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  const kind = Array.isArray(value) ? "array" : typeof value;
  return `${kind} ${jsonExcerpt(value, MAX_PREVIEW)}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
