import type { CallSpec, JsonSchema } from "./spec";

/**
 * The call's input cut down to what the spec's `input` schema describes. An object whose schema
 * is closed (`additionalProperties: false`, as every class, interface and object type the
 * transformer describes) keeps only the properties the schema names, at any depth. So what the
 * build left out of the types (`private`, `protected`, `#private` and `@llmHidden` fields, and
 * the extra properties of an object passed where a narrower type is declared) reaches neither
 * the model nor `CallInfo`, traces, caches or recordings: the input schema a build writes into
 * its manifest is the whole of what can be sent.
 *
 * Unions keep what any of their members names; open schemas (`{}`, records, unknown
 * references) keep everything. The caller's values are never changed: an object or array that
 * loses something is copied, everything else is passed as it is.
 */
export function projectInput(spec: CallSpec, input: Record<string, unknown>): Record<string, unknown> {
  const definitions = spec.definitions ?? NO_DEFINITIONS;
  const context: Context = { definitions, resolved: resolvedFor(definitions) };
  // The entries themselves (`this`, each input parameter) are the spec's own choice (`thisFields`,
  // `params`); the schema decides only what each of them carries.
  const properties = (spec.input.properties ?? {}) as { [name: string]: unknown };
  const projected: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    projected[key] = Object.prototype.hasOwnProperty.call(properties, key) ? project(input[key], alternativesOf(properties[key], context), key, context) : input[key];
  }
  return projected;
}

interface Context {
  definitions: { [name: string]: JsonSchema };
  /** `alternativesOf` per schema object, for this spec's definitions. */
  resolved: WeakMap<object, readonly JsonSchema[]>;
  /** Objects on the way down: a cycle is left as it is, for `JSON.stringify` to report as it always has. Made at the first object (most inputs are primitives). */
  path?: Set<object>;
}

/** Stands for "anything goes here": nothing below it is cut. */
const OPEN: JsonSchema = Object.freeze({});
const OPEN_ONLY: readonly JsonSchema[] = Object.freeze([OPEN]);
const DEFINITIONS_PREFIX = "#/definitions/";

/** One object for every spec without definitions, so their resolved schemas are kept across calls too. */
const NO_DEFINITIONS: { readonly [name: string]: JsonSchema } = Object.freeze({});

const resolvedByDefinitions = new WeakMap<object, WeakMap<object, readonly JsonSchema[]>>();

function resolvedFor(definitions: object): WeakMap<object, readonly JsonSchema[]> {
  let resolved = resolvedByDefinitions.get(definitions);
  if (!resolved) {
    resolved = new WeakMap();
    resolvedByDefinitions.set(definitions, resolved);
  }
  return resolved;
}

/** The schemas a value at this place may follow: `$ref`s resolved, `anyOf`/`oneOf`/`allOf` flattened. Once per schema object. */
function alternativesOf(schema: unknown, context: Context): readonly JsonSchema[] {
  if (typeof schema !== "object" || schema === null) return schema === false ? [] : OPEN_ONLY;
  let alternatives = context.resolved.get(schema);
  if (!alternatives) {
    const found: JsonSchema[] = [];
    collect(schema as JsonSchema, context, found, new Set());
    alternatives = found.includes(OPEN) ? OPEN_ONLY : found;
    context.resolved.set(schema, alternatives);
  }
  return alternatives;
}

function collect(schema: unknown, context: Context, found: JsonSchema[], following: Set<object>): void {
  if (typeof schema !== "object" || schema === null) {
    if (schema !== false) found.push(OPEN);
    return;
  }
  if (following.has(schema)) return; // a union that refers to itself adds nothing new
  following.add(schema);
  const node = schema as JsonSchema;
  if (typeof node.$ref === "string") {
    const target = node.$ref.startsWith(DEFINITIONS_PREFIX) ? context.definitions[decodeURIComponent(node.$ref.slice(DEFINITIONS_PREFIX.length))] : undefined;
    // A reference this spec cannot resolve cuts nothing: a broken spec must not lose data silently.
    if (target === undefined) found.push(OPEN);
    else collect(target, context, found, following);
    return;
  }
  const members = [node.anyOf, node.oneOf, node.allOf].filter(Array.isArray).flat();
  for (const member of members) collect(member, context, found, following);
  if (members.length === 0 || node.properties !== undefined || node.items !== undefined || node.additionalProperties !== undefined) found.push(node);
}

function allows(schema: JsonSchema, kind: "object" | "array"): boolean {
  const type = schema.type;
  return type === undefined || type === kind || (Array.isArray(type) && type.includes(kind));
}

const objectShapes = new WeakMap<readonly JsonSchema[], readonly JsonSchema[]>();
const arrayShapes = new WeakMap<readonly JsonSchema[], readonly JsonSchema[]>();

/** The alternatives that allow an object (or an array), once per list: a list of 10,000 objects asks 10,000 times. */
function shapesOf(alternatives: readonly JsonSchema[], kind: "object" | "array"): readonly JsonSchema[] {
  const cache = kind === "object" ? objectShapes : arrayShapes;
  let shapes = cache.get(alternatives);
  if (!shapes) {
    shapes = alternatives.filter((schema) => allows(schema, kind));
    cache.set(alternatives, shapes);
  }
  return shapes;
}

function project(value: unknown, alternatives: readonly JsonSchema[], key: string, context: Context): unknown {
  if (typeof value !== "object" || value === null || alternatives === OPEN_ONLY || value instanceof Date) return value;
  // What JSON.stringify would send: a class with `toJSON` is cut in the form it chose (and
  // passed as it is when nothing is cut, as a Date is).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const chosen: unknown = toJSON.call(value, key);
    if (typeof chosen !== "object" || chosen === null) return value;
    const projected = projectStructure(chosen, alternatives, context);
    return projected === chosen ? value : projected;
  }
  return projectStructure(value, alternatives, context);
}

function projectStructure(value: object, alternatives: readonly JsonSchema[], context: Context): unknown {
  const path = (context.path ??= new Set());
  if (path.has(value)) return value;
  path.add(value);
  try {
    return Array.isArray(value) ? projectArray(value, alternatives, context) : projectObject(value as Record<string, unknown>, alternatives, context);
  } finally {
    path.delete(value);
  }
}

function projectObject(value: Record<string, unknown>, alternatives: readonly JsonSchema[], context: Context): unknown {
  const shapes = shapesOf(alternatives, "object");
  if (shapes.length === 0) return value; // not what the type says; sent as it is, as before
  const keys = Object.keys(value);
  // Made at the first property that is cut or changed: an object sent whole is not copied.
  let result: Record<string, unknown> | undefined;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    let alternatives: readonly JsonSchema[] | undefined;
    if (shapes.length === 1) alternatives = propertyAlternatives(shapes[0]!, key, context);
    else {
      const lists = shapes.map((shape) => propertyAlternatives(shape, key, context)).filter((list) => list !== undefined);
      if (lists.length > 0) alternatives = merged(lists);
    }
    if (!alternatives) {
      result ??= copyOfKeys(value, keys, index); // a property no type names: not sent
      continue;
    }
    const inner = value[key];
    const projected = project(inner, alternatives, key, context);
    if (projected !== inner) result ??= copyOfKeys(value, keys, index);
    if (result) setOwn(result, key, projected);
  }
  return result ?? value;
}

/** A copy of `value` with its first `count` keys (those kept unchanged so far). */
function copyOfKeys(value: Record<string, unknown>, keys: string[], count: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let index = 0; index < count; index++) setOwn(copy, keys[index]!, value[keys[index]!]);
  return copy;
}

/** `__proto__` as an own key stays an own key of the copy (assignment would set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function projectArray(value: unknown[], alternatives: readonly JsonSchema[], context: Context): unknown {
  const shapes = shapesOf(alternatives, "array");
  if (shapes.length === 0 || shapes.some((shape) => shape.items === undefined)) return value;
  let result: unknown[] | undefined;
  for (let index = 0; index < value.length; index++) {
    const lists = shapes.map((shape) => itemAlternatives(shape, index, context));
    const inner = value[index];
    const projected = project(inner, merged(lists), String(index), context);
    if (projected !== inner) (result ??= value.slice())[index] = projected;
  }
  return result ?? value;
}

/** The schemas of property `key` in one object shape; undefined when the shape does not allow it. */
function propertyAlternatives(shape: JsonSchema, key: string, context: Context): readonly JsonSchema[] | undefined {
  const properties = shape.properties as { [name: string]: unknown } | undefined;
  if (properties && Object.prototype.hasOwnProperty.call(properties, key)) return alternativesOf(properties[key], context);
  if (shape.patternProperties !== undefined) return OPEN_ONLY;
  return shape.additionalProperties === false ? undefined : alternativesOf(shape.additionalProperties ?? true, context);
}

/** One place reached through several union members: what any of them allows. */
function merged(lists: (readonly JsonSchema[])[]): readonly JsonSchema[] {
  if (lists.length === 1) return lists[0]!;
  return lists.includes(OPEN_ONLY) ? OPEN_ONLY : lists.flat();
}

/** The schemas of one element: `items`, or a tuple's position (then `additionalItems`). */
function itemAlternatives(shape: JsonSchema, index: number, context: Context): readonly JsonSchema[] {
  const items = shape.items;
  if (!Array.isArray(items)) return alternativesOf(items, context);
  return index < items.length ? alternativesOf(items[index], context) : alternativesOf(shape.additionalItems ?? true, context);
}
