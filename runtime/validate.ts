import type { ErrorObject, ValidateFunction } from "ajv";
import { compileSchema } from "./ajv";
import { ErrorLines, RESERVED_KEYS, unionSummary, type Place } from "./error-lines";
import { reachableDefinitions } from "./schema-refs";
import type { CallSpec, JsonSchema } from "./spec";

export { readablePath } from "./error-lines";

/**
 * Validation of replies with ajv. Nothing is coerced: what the schema does not accept is an
 * error the model repairs (worded in `error-lines.ts`).
 *
 * Judging a reply takes time in proportion to its size, whatever it holds: a valid reply is
 * one fail-fast ajv pass; an invalid one is described from at most `DETAIL_BUDGET` errors, and
 * large values (a wrong array of a million items) are taken apart along the schema and checked
 * piece by piece, so `judgeReply` can hand the event loop back between pieces (timeouts and
 * aborts fire on time). Validators are compiled once per schema object (specs are module-scope
 * constants in the emitted code) and kept in WeakMaps.
 */

/**
 * Replies may nest arrays and objects this deep, no deeper: every recursive walk over reply
 * data (ajv on a recursive type, revival) then stays far from the stack's limit.
 */
const MAX_REPLY_DEPTH = 256;
/** A value of at most this many nodes (arrays, objects, primitives) is checked by one ajv call. */
const LIGHT_NODES = 2000;
/** Work between two chances for the event loop to run, in milliseconds. */
const SLICE_MS = 8;

const replySchemas = new WeakMap<CallSpec, JsonSchema>();

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

export type Validation = { ok: true } | { ok: false; errors: string[]; tooDeep?: true };

/** What judging a spec's replies needs, made once per spec. */
interface Rules {
  stub: string;
  /** The reply schema with the reserved-key guard (see `guardKeys`); its definitions at its root. */
  schema: JsonSchema;
  definitions: { [name: string]: JsonSchema };
  /** A definition reaches itself: ajv then recurses as deep as the reply nests. */
  recursive: boolean;
}

const rulesBySpec = new WeakMap<CallSpec, Rules>();

function rulesOf(spec: CallSpec): Rules {
  let rules = rulesBySpec.get(spec);
  if (!rules) {
    const schema = guardKeys(replySchemaOf(spec)) as JsonSchema;
    const definitions = (schema.definitions ?? {}) as { [name: string]: JsonSchema };
    rules = { stub: spec.id, schema, definitions, recursive: hasCycle(definitions) };
    rulesBySpec.set(spec, rules);
  }
  return rules;
}

/** The spec's reply validator (fail-fast), compiled at its first use and kept for the spec object's lifetime. */
export function replyValidator(spec: CallSpec): ValidateFunction {
  const rules = rulesOf(spec);
  return validatorOf(rules.schema, rules, "first");
}

/** Checks a parsed reply against the spec's reply schema, in one go; errors are worded for the model. */
export function validateReply(spec: CallSpec, reply: unknown): Validation {
  const run = judge(rulesOf(spec), reply);
  let step = run.next();
  while (!step.done) step = run.next();
  return step.value;
}

/**
 * As `validateReply`, handing the event loop back every few milliseconds on a large reply;
 * stops with the signal's reason when it aborts. Returns the verdict itself, not a promise, when
 * judging took one slice (most replies: no promise to wait for).
 */
export function judgeReply(spec: CallSpec, reply: unknown, signal?: AbortSignal, textLength?: number): Validation | Promise<Validation> {
  const rules = rulesOf(spec);
  // A text of n characters nests at most n/2 deep and holds fewer than n values: a short one
  // can be neither too deep nor heavy, and one fail-fast pass accepts it.
  if (textLength !== undefined && textLength <= 2 * MAX_REPLY_DEPTH && validatorOf(rules.schema, rules, "first")(reply)) return { ok: true };
  const run = judge(rules, reply);
  const step = run.next();
  return step.done ? step.value : finishJudging(run, signal);
}

async function finishJudging(run: Generator<void, Validation, void>, signal: AbortSignal | undefined): Promise<Validation> {
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    const step = run.next();
    if (step.done) return step.value;
  }
}

// ---------------------------------------------------------------------------------------------
// Judging

/** Says when a slice of work is used up; checks the time only every 256 steps. */
class Clock {
  private steps = 0;
  private start = performance.now();
  due(): boolean {
    if (++this.steps & 255) return false;
    return performance.now() - this.start > SLICE_MS;
  }
  restart(): void {
    this.start = performance.now();
  }
}

interface Judging {
  rules: Rules;
  /** The containers `walk` takes apart, with their keys (objects) as `measure` read them. */
  heavy: Map<object, string[] | null>;
  lines: ErrorLines;
  clock: Clock;
}

/** Yields whenever the event loop should get a turn; returns the verdict. */
function* judge(rules: Rules, value: unknown): Generator<void, Validation, void> {
  const clock = new Clock();
  const shape = yield* measure(value, clock);
  const lines = new ErrorLines((schema) => validatorOf(schema, rules, "all"));
  const judging: Judging = { rules, heavy: shape.heavy, lines, clock };
  const root: Place = { pointer: "", pattern: "" };
  if (shape.deepPointer !== undefined) {
    lines.add(
      { pointer: shape.deepPointer, pattern: "(depth)" },
      "",
      `nested more than ${MAX_REPLY_DEPTH} levels deep (arrays and objects inside each other); no reply needs that: send a flat value of the type asked for`,
    );
    // ajv on a recursive schema would recurse as deep as the reply: only the depth is reported.
    // Otherwise ajv's recursion follows the schema, and its errors say what the value should be.
    if (!rules.recursive) yield* walk(rules.schema, value, root, judging);
    return { ok: false, errors: lines.lines(), tooDeep: true };
  }
  // A small reply: one fail-fast pass decides. A large one is checked piece by piece, which decides too.
  if (!shape.heavy.has(value as object) && validatorOf(rules.schema, rules, "first")(value)) return { ok: true };
  yield* walk(rules.schema, value, root, judging);
  return lines.found ? { ok: false, errors: lines.lines() } : { ok: true };
}

/**
 * One iterative pass over a reply (no recursion, so any depth is fine): the containers holding
 * more than `LIGHT_NODES` nodes, and the path to the first one nested deeper than `MAX_REPLY_DEPTH`.
 */
function* measure(root: unknown, clock: Clock): Generator<void, { heavy: Map<object, string[] | null>; deepPointer?: string }, void> {
  const heavy = new Map<object, string[] | null>();
  if (typeof root !== "object" || root === null) return { heavy };
  let deepPointer: string | undefined;
  const nodes: object[] = [root];
  const keys: (string[] | null)[] = [Array.isArray(root) ? null : Object.keys(root)];
  const next: number[] = [0];
  const sizes: number[] = [1];
  while (nodes.length) {
    const top = nodes.length - 1;
    const node = nodes[top]!;
    const nodeKeys = keys[top]!;
    const length = nodeKeys ? nodeKeys.length : (node as unknown[]).length;
    let index = next[top]!;
    let child: unknown;
    let descend = false;
    let pause = false;
    while (index < length) {
      child = nodeKeys ? (node as Record<string, unknown>)[nodeKeys[index]!] : (node as unknown[])[index];
      index++;
      if (typeof child === "object" && child !== null) {
        descend = true;
        break;
      }
      sizes[top]!++;
      if (clock.due()) {
        pause = true;
        break;
      }
    }
    next[top] = index;
    if (descend) {
      nodes.push(child as object);
      keys.push(Array.isArray(child) ? null : Object.keys(child as object));
      next.push(0);
      sizes.push(1);
      if (nodes.length === MAX_REPLY_DEPTH + 1 && deepPointer === undefined) deepPointer = stackPointer(keys, next);
      pause = clock.due();
    }
    if (pause) {
      yield;
      clock.restart();
    }
    if (descend || pause) continue;
    const size = sizes[top]!;
    if (size > LIGHT_NODES) heavy.set(node, nodeKeys);
    nodes.pop();
    keys.pop();
    next.pop();
    sizes.pop();
    if (top > 0) sizes[top - 1]! += size;
  }
  return deepPointer === undefined ? { heavy } : { heavy, deepPointer };
}

/** The pointer of the node on top of `measure`'s stack. */
function stackPointer(keys: (string[] | null)[], next: number[]): string {
  let pointer = "";
  for (let level = 0; level < keys.length - 1; level++) {
    const index = next[level]! - 1;
    pointer += "/" + (keys[level] ? escapeKey(keys[level]![index]!) : String(index));
  }
  return pointer;
}

/**
 * Checks `value` against `schema` and adds what is wrong to `judging.lines`. A light value is one
 * ajv call. A heavy one is taken apart where the schema allows (objects, arrays, tuples, `$ref`s,
 * a union whose members differ in JSON type): its own keywords are checked by a "shell" of the
 * schema, then each child in turn, yielding between slices of work. Anything else (a union of
 * two array types, `allOf`) is one ajv call, bounded by the reply size limit.
 */
function* walk(schema: JsonSchema, value: unknown, place: Place, judging: Judging): Generator<void, void, void> {
  const { rules, lines, clock } = judging;
  if (!isHeavy(value, judging)) return checkWhole(schema, value, place, judging);
  const node = resolveRef(schema, rules.definitions);
  if (!node) return checkWhole(schema, value, place, judging);
  const members = unionMembers(node);
  if (members) {
    const member = onlyMemberOfType(members, value as object, rules.definitions);
    if (!member) return checkWhole(node, value, place, judging);
    if (validatorOf(node, rules, "first")(value)) return;
    lines.add(place, "", unionSummary(members, value));
    yield* walk(member, value, place, judging);
    return;
  }
  if (!isTakeApart(node)) return checkWhole(node, value, place, judging);

  const shell = shellOf(node);
  if (!validatorOf(shell, rules, "first")(value)) {
    const all = validatorOf(shell, rules, "all");
    all(value);
    lines.addErrors(all.errors ?? [], place);
  }
  if (Array.isArray(value)) {
    // A tuple's own members are in the shell; the items after them, or all items, are walked.
    const start = Array.isArray(node.items) ? node.items.length : 0;
    const rest = Array.isArray(node.items) ? node.additionalItems : node.items;
    if (!isSchemaObject(rest)) return; // any items, or none (then the shell said so)
    const first = validatorOf(rest, rules, "first");
    const pattern = `${place.pattern}/[]`;
    for (let index = start; index < value.length; index++) {
      const item = value[index];
      if (isHeavy(item, judging)) yield* walk(rest, item, { pointer: `${place.pointer}/${index}`, pattern }, judging);
      else if (!first(item)) lines.invalid(rest, item, { pointer: `${place.pointer}/${index}`, pattern });
      if (clock.due()) {
        yield;
        clock.restart();
      }
    }
    return;
  }
  const object = value as Record<string, unknown>;
  const properties = (node.properties ?? {}) as { [name: string]: JsonSchema };
  const additional = node.additionalProperties;
  const reserved = guardedKeys.get(node.propertyNames as object);
  // ajv's order: keys it does not declare (in the reply's order), then the declared ones (in the schema's).
  if (additional === false || isSchemaObject(additional) || reserved) {
    const first = isSchemaObject(additional) ? validatorOf(additional, rules, "first") : undefined;
    for (const key of judging.heavy.get(object) ?? Object.keys(object)) {
      if (Object.prototype.hasOwnProperty.call(properties, key)) continue;
      if (reserved?.includes(key)) lines.addErrors([reservedKey(key, node, object)], place);
      if (additional === false) lines.addErrors([unexpectedProperty(key, node, object)], place);
      else if (first) {
        const item = object[key];
        if (isHeavy(item, judging)) yield* walk(additional as JsonSchema, item, childPlace(place, key), judging);
        else if (!first(item)) lines.invalid(additional as JsonSchema, item, childPlace(place, key));
      }
      if (clock.due()) {
        yield;
        clock.restart();
      }
    }
  }
  for (const name of Object.keys(properties)) {
    if (!Object.prototype.hasOwnProperty.call(object, name)) continue;
    const property = properties[name]!;
    const item = object[name];
    if (isHeavy(item, judging)) yield* walk(property, item, childPlace(place, name), judging);
    else if (!validatorOf(property, rules, "first")(item)) lines.invalid(property, item, childPlace(place, name));
  }
}

function isHeavy(value: unknown, judging: Judging): value is object {
  return typeof value === "object" && value !== null && judging.heavy.has(value);
}

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One ajv call over the whole value (fail-fast first: a valid value costs no error objects). */
function checkWhole(schema: JsonSchema, value: unknown, place: Place, judging: Judging): void {
  if (validatorOf(schema, judging.rules, "first")(value)) return;
  judging.lines.invalid(schema, value, place);
}

function childPlace(place: Place, key: string): Place {
  return { pointer: `${place.pointer}/${escapeKey(key)}`, pattern: `${place.pattern}/${patternSegment(key)}` };
}

function escapeKey(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** A key as part of a grouping key: indices alike, long keys cut (grouping must not copy a 10 MB key per error). */
function patternSegment(key: string): string {
  if (/^\d+$/.test(key)) return "[]";
  return key.length > 64 ? `${escapeKey(key.slice(0, 64))}…${key.length}` : escapeKey(key);
}

/** The error ajv reports for a property `additionalProperties: false` does not allow. */
function unexpectedProperty(key: string, parentSchema: JsonSchema, data: unknown): ErrorObject {
  return {
    keyword: "additionalProperties",
    instancePath: "",
    schemaPath: "#/additionalProperties",
    params: { additionalProperty: key },
    message: "must NOT have additional properties",
    schema: false,
    parentSchema,
    data,
  };
}

/** The error ajv reports for a key the reserved-key guard refuses. */
function reservedKey(key: string, parentSchema: JsonSchema, data: unknown): ErrorObject {
  return {
    keyword: "propertyNames",
    instancePath: "",
    schemaPath: "#/propertyNames",
    params: { propertyName: key },
    message: "property name must be valid",
    schema: parentSchema.propertyNames,
    parentSchema,
    data,
  };
}

const ANNOTATIONS = new Set(["description", "title", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"]);

/** The schema a `$ref` chain ends at; undefined when a `$ref` has keywords beside it (then ajv checks both). */
function resolveRef(schema: JsonSchema, definitions: { [name: string]: JsonSchema }): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string"; hops++) {
    if (hops > 32 || Object.keys(current).some((key) => key !== "$ref" && !ANNOTATIONS.has(key))) return undefined;
    const name = definitionName(current.$ref as string);
    const target = name === undefined ? undefined : definitions[name];
    if (!target) return undefined;
    current = target;
  }
  return current;
}

/** The members of a schema that is only a union (`anyOf`/`oneOf` and annotations). */
function unionMembers(schema: JsonSchema): JsonSchema[] | undefined {
  const members = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!Array.isArray(members)) return undefined;
  const only = Object.keys(schema).every((key) => key === "anyOf" || key === "oneOf" || ANNOTATIONS.has(key));
  return only && !(schema.anyOf && schema.oneOf) ? members.filter((member) => typeof member === "object" && member !== null) : undefined;
}

/** The one member whose JSON type fits the value (an array or object), if exactly one does. */
function onlyMemberOfType(members: JsonSchema[], value: object, definitions: { [name: string]: JsonSchema }): JsonSchema | undefined {
  const kind = Array.isArray(value) ? "array" : "object";
  const fitting = members.filter((member) => {
    const resolved = resolveRef(member, definitions);
    return !resolved || typeFits(resolved, kind);
  });
  return fitting.length === 1 ? fitting[0] : undefined;
}

function typeFits(schema: JsonSchema, kind: "array" | "object"): boolean {
  if (schema.type !== undefined) return Array.isArray(schema.type) ? schema.type.includes(kind) : schema.type === kind;
  if ("const" in schema) return jsonKind(schema.const) === kind;
  if (Array.isArray(schema.enum)) return schema.enum.some((option) => jsonKind(option) === kind);
  if (schema.properties || schema.additionalProperties !== undefined || schema.required) return kind === "object";
  if (schema.items) return kind === "array";
  return true;
}

function jsonKind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** Keywords `walk` can check child by child; any other keyword makes it hand the value to ajv whole. */
const TAKE_APART = new Set([
  "type", "properties", "required", "additionalProperties", "items", "additionalItems", "minItems", "maxItems", "minProperties", "maxProperties",
  "propertyNames", "definitions", "$defs", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
  "exclusiveMinimum", "exclusiveMaximum", "multipleOf", ...ANNOTATIONS,
]);

function isTakeApart(schema: JsonSchema): boolean {
  if (!Object.keys(schema).every((key) => TAKE_APART.has(key))) return false;
  // Declared properties are walked one by one: each must be a schema object (not `true`/`false`).
  return Object.values((schema.properties ?? {}) as object).every(isSchemaObject);
}

const shells = new WeakMap<JsonSchema, JsonSchema>();

/**
 * The schema without what `walk` checks child by child: declared properties, the schema of
 * other keys (and `additionalProperties: false`, and the reserved-key guard, checked per key),
 * the schema of (further) items. What stays is checked on the container in one ajv call.
 */
function shellOf(schema: JsonSchema): JsonSchema {
  let shell = shells.get(schema);
  if (!shell) {
    shell = {};
    for (const key of Object.keys(schema)) {
      const value = schema[key];
      if (key === "properties" || key === "additionalProperties" || key === "definitions" || key === "$defs") continue;
      if (key === "items" && isSchemaObject(value)) continue;
      if (key === "additionalItems" && Array.isArray(schema.items) && isSchemaObject(value)) continue;
      if (key === "propertyNames" && guardedKeys.has(value as object)) continue;
      shell[key] = value;
    }
    shells.set(schema, shell);
  }
  return shell;
}

const validators = new WeakMap<JsonSchema, { first?: ValidateFunction; all?: ValidateFunction }>();

/** The validator of a schema inside a spec's reply schema (or of the whole of it), once per schema object. */
function validatorOf(schema: JsonSchema, rules: Rules, mode: "first" | "all"): ValidateFunction {
  let compiled = validators.get(schema);
  if (!compiled) validators.set(schema, (compiled = {}));
  let validate = compiled[mode];
  if (!validate) {
    const standalone = schema === rules.schema || !Object.keys(rules.definitions).length ? schema : { ...schema, definitions: rules.definitions };
    validate = compiled[mode] = compileSchema(standalone, rules.stub, mode);
  }
  return validate;
}

// ---------------------------------------------------------------------------------------------
// Reserved keys, recursion

/**
 * A copy of a reply schema in which every object that may hold keys its type does not declare
 * (records, `additionalProperties` not false) refuses `__proto__`, `constructor` and `prototype`
 * as keys: `JSON.parse` makes them own properties, and an own `__proto__` swaps the prototype of
 * any object it is later copied into (`Object.assign({}, reply)`). Refused by the schema, they
 * are errors the model repairs, like any other.
 */
function guardKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(guardKeys);
  if (typeof node !== "object" || node === null) return node;
  const schema = node as JsonSchema;
  const out: JsonSchema = {};
  for (const key of Object.keys(schema)) {
    const value = schema[key];
    if (key === "properties" || key === "definitions" || key === "$defs" || key === "patternProperties") {
      const map: JsonSchema = {};
      for (const name of Object.keys(value as object)) map[name] = guardKeys((value as JsonSchema)[name]);
      out[key] = map;
    } else if (SUBSCHEMA_KEYWORDS.has(key)) out[key] = guardKeys(value);
    else out[key] = value; // enum, const, required, examples, `not`/`if` (a guard there would invert): as they are
  }
  const types = Array.isArray(out.type) ? (out.type as string[]) : [out.type];
  const isObject = types.includes("object") || (out.type === undefined && (out.properties !== undefined || out.additionalProperties !== undefined));
  if (isObject && out.additionalProperties !== false) {
    const declared = (out.properties ?? {}) as object;
    const reserved = RESERVED_KEYS.filter((key) => !Object.prototype.hasOwnProperty.call(declared, key));
    if (reserved.length) {
      const guard = { not: { enum: reserved } };
      guardedKeys.set(guard, reserved);
      out.propertyNames = out.propertyNames === undefined ? guard : { allOf: [out.propertyNames, guard] };
    }
  }
  return out;
}

/** The guards `guardKeys` made, with the keys each refuses (`walk` checks them key by key). */
const guardedKeys = new WeakMap<object, string[]>();

const SUBSCHEMA_KEYWORDS = new Set(["items", "additionalItems", "additionalProperties", "contains", "propertyNames", "anyOf", "oneOf", "allOf", "then", "else", "prefixItems", "unevaluatedItems", "unevaluatedProperties"]);

/** True when a definition reaches itself through `$ref`s. */
function hasCycle(definitions: { [name: string]: JsonSchema }): boolean {
  const names = Object.keys(definitions);
  const state = new Map<string, "open" | "done">();
  const refsOf = (name: string) => directRefs(definitions[name]!);
  const visit = (name: string): boolean => {
    if (state.get(name) === "done") return false;
    if (state.get(name) === "open") return true;
    state.set(name, "open");
    for (const next of refsOf(name)) if (definitions[next] && visit(next)) return true;
    state.set(name, "done");
    return false;
  };
  return names.some(visit);
}

/** The definition names a schema refers to directly (not through other definitions). */
function directRefs(schema: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [schema];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) stack.push(...node);
    else
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string") {
          const name = definitionName(value);
          if (name !== undefined) found.push(name);
        } else stack.push(value);
      }
  }
  return found;
}
