import { reachableDefinitions } from "./schema-refs";
import { qualifiedNameOfSpecId, type CallSpec, type JsonSchema } from "./spec";

/**
 * OpenAI's strict structured output (and strict tools) accept a subset of JSON Schema:
 * object root, `additionalProperties: false` everywhere, every property required (optional
 * ones as `T | null`), `$defs` for named types, and a limited keyword set. This adapts a reply
 * schema to that subset when it can; the runtime still validates replies against the
 * original schema, so keywords dropped here (minLength, ...) are enforced by the repair loop.
 */

export interface ProviderSchema {
  /** The schema to send. */
  schema: JsonSchema;
  /**
   * True when `schema` meets the strict rules. False when the original has something strict
   * mode cannot express (records, tuples, "any JSON", allOf, a union root): then `schema` is
   * the original, sent without `strict`.
   */
  strict: boolean;
}

const cache = new WeakMap<JsonSchema, ProviderSchema>();

/** Adapts a reply schema (with `definitions` at its root) for strict mode; cached per schema object. */
export function toStrictSchema(replySchema: JsonSchema): ProviderSchema {
  let result = cache.get(replySchema);
  if (!result) {
    result = convertRoot(replySchema);
    cache.set(replySchema, result);
  }
  return result;
}

const bySpec = new WeakMap<JsonSchema, ProviderSchema>();

/**
 * What a provider is sent as a spec's reply schema (structured output, tool parameters): the
 * reply schema adapted for strict mode, without the descriptions of the named types the prompt
 * already declares with their docs (those the inputs use), so no doc text is sent twice.
 * Cached per reply schema object (`replySchemaOf` makes one per spec).
 */
export function providerSchemaOf(spec: Pick<CallSpec, "input" | "definitions">, replySchema: JsonSchema): ProviderSchema {
  let result = bySpec.get(replySchema);
  if (!result) {
    const declared = Object.keys(reachableDefinitions(spec.input, spec.definitions, refName));
    const definitions = replySchema.definitions as Record<string, JsonSchema> | undefined;
    const described = definitions && declared.filter((name) => name in definitions);
    if (!described?.length) result = toStrictSchema(replySchema);
    else {
      const undescribed = { ...definitions };
      for (const name of described) undescribed[name] = withoutDescriptions(undescribed[name]!) as JsonSchema;
      result = convertRoot({ ...replySchema, definitions: undescribed });
      // Not strict: the original goes as it is (descriptions and all), like `toStrictSchema` does.
      if (!result.strict) result = { schema: replySchema, strict: false };
    }
    bySpec.set(replySchema, result);
  }
  return result;
}

/**
 * The reply schema as `openAI()` sends it: `response_format.json_schema` in structured mode,
 * and in tools mode the one function's `name`, `parameters` (`schema`) and `strict`.
 */
export interface SentSchema {
  name: string;
  schema: JsonSchema;
  strict: boolean;
}

const sentBySchema = new WeakMap<JsonSchema, SentSchema>();

/**
 * `providerSchemaOf` under the stub's name (`schemaName`), the fields in the order the request
 * carries them; cached per reply schema object (a reply schema without wrapper or definitions is
 * the output schema itself, which copies of a spec share, so the name is checked).
 */
export function sentSchemaOf(spec: Pick<CallSpec, "id" | "input" | "definitions">, replySchema: JsonSchema): SentSchema {
  const name = schemaName(spec.id);
  let sent = sentBySchema.get(replySchema);
  if (!sent || sent.name !== name) {
    const { schema, strict } = providerSchemaOf(spec, replySchema);
    sent = { name, schema, strict };
    sentBySchema.set(replySchema, sent);
  }
  return sent;
}

const schemaNames = new Map<string, string>();

/**
 * `src/customer.ts:12 Customer.age` -> `age` (OpenAI names: `^[a-zA-Z0-9_-]{1,64}$`): the member's
 * own name, which says what the reply is; the class name would cost tokens in every request.
 */
export function schemaName(specId: string): string {
  let name = schemaNames.get(specId);
  if (name === undefined) {
    const qualified = qualifiedNameOfSpecId(specId);
    name = qualified.slice(qualified.lastIndexOf(".") + 1).replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 64) || "reply";
    schemaNames.set(specId, name);
  }
  return name;
}

/** A schema without `description` keywords, at any depth (property names are kept whatever they are). */
function withoutDescriptions(node: unknown, propertyMap = false): unknown {
  if (typeof node !== "object" || node === null) return node;
  if (Array.isArray(node)) return node.map((item) => withoutDescriptions(item));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "description" && !propertyMap && typeof value === "string") continue;
    out[key] = withoutDescriptions(value, !propertyMap && (key === "properties" || key === "definitions" || key === "$defs"));
  }
  return out;
}

/** Keywords strict mode accepts besides the structural ones handled below. */
const KEPT = new Set(["type", "description", "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems"]);

class NotStrict extends Error {}

function convertRoot(replySchema: JsonSchema): ProviderSchema {
  const definitions = (replySchema.definitions ?? {}) as Record<string, JsonSchema>;
  const convert = converter(definitions);
  try {
    let root: JsonSchema = replySchema;
    // A root `$ref` is replaced by the definition it names: strict mode wants an object root.
    for (let hops = 0; typeof root.$ref === "string" && hops < 32; hops++) root = definitions[refName(root.$ref)] ?? {};
    const converted = convert(root);
    if (converted.type !== "object") throw new NotStrict();
    const $defs: Record<string, JsonSchema> = {};
    for (const name of Object.keys(definitions)) $defs[name] = convert(definitions[name]!);
    const reached = usedDefinitions(converted, $defs);
    // The definitions kept are rewritten in `reached` too (what they used to refer to may now be in place).
    const inlined = inlineDefinitions(converted, reached);
    const used = usedDefinitions(inlined, reached);
    return { schema: Object.keys(used).length ? { ...inlined, $defs: used } : inlined, strict: true };
  } catch (error) {
    if (error instanceof NotStrict) return { schema: replySchema, strict: false };
    throw error;
  }
}

function converter(definitions: Record<string, JsonSchema>): (schema: JsonSchema) => JsonSchema {
  const convert = (schema: JsonSchema): JsonSchema => {
    if (typeof schema !== "object" || schema === null) throw new NotStrict();
    if (typeof schema.$ref === "string") {
      const name = refName(schema.$ref);
      // Strict mode takes no keywords beside `$ref`: a described reference is inlined one level,
      // as the openai SDKs' own strict-schema helpers do, so its description is kept.
      if (typeof schema.description === "string" && definitions[name]) return { ...convert(definitions[name]), description: schema.description };
      return { $ref: `#/$defs/${name}` };
    }
    if (schema.allOf || schema.not || schema.if || schema.patternProperties) throw new NotStrict();
    const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (union) {
      const out: JsonSchema = { anyOf: union.map(convert) };
      if (typeof schema.description === "string") out.description = schema.description;
      return out;
    }
    const out: JsonSchema = {};
    for (const key of Object.keys(schema)) if (KEPT.has(key)) out[key] = schema[key];
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
    if (schema.type === undefined && out.enum === undefined && out.const === undefined && !schema.properties) throw new NotStrict(); // "any JSON"
    if (types.includes("object") || schema.properties) {
      if (typeof schema.additionalProperties === "object" || schema.additionalProperties === true) throw new NotStrict(); // a record
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const convertedProps: Record<string, JsonSchema> = {};
      for (const name of Object.keys(properties)) {
        const property = convert(properties[name]!);
        convertedProps[name] = required.has(name) ? property : nullable(property);
      }
      out.type = types.includes("null") ? ["object", "null"] : "object";
      out.properties = convertedProps;
      out.required = Object.keys(properties);
      out.additionalProperties = false;
    }
    if (types.includes("array")) {
      if (Array.isArray(schema.items) || schema.items === undefined || schema.additionalItems !== undefined) throw new NotStrict(); // tuple or any[]
      out.items = convert(schema.items as JsonSchema);
    }
    return out;
  };
  return convert;
}

/** The `$defs` the converted root still refers to (inlining and a dereferenced root leave some unused). */
function usedDefinitions(root: JsonSchema, $defs: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return reachableDefinitions(root, $defs, refName);
}

/**
 * Writes a definition that is not recursive in place of its `$ref`s when that is shorter: always
 * when it is used once (as a hand-written schema would have it), and when a small one (an enum,
 * a short object) is used a few times. The `$defs` entry and each reference cost tokens in every
 * request. Recursive definitions, and shared ones longer than their references, stay in `$defs`.
 */
function inlineDefinitions(root: JsonSchema, $defs: Record<string, JsonSchema>): JsonSchema {
  const uses = new Map<string, number>();
  const references = new Map<string, Set<string>>();
  const collect = (node: unknown, into: Set<string>): void => {
    if (typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) return node.forEach((item) => collect(item, into));
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        const name = refName(value);
        uses.set(name, (uses.get(name) ?? 0) + 1);
        into.add(name);
      } else collect(value, into);
    }
  };
  collect(root, new Set());
  for (const name of Object.keys($defs)) {
    const into = new Set<string>();
    collect($defs[name], into);
    references.set(name, into);
  }
  const reachesItself = (name: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(references.get(name) ?? [])];
    while (stack.length) {
      const next = stack.pop()!;
      if (next === name) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(references.get(next) ?? []));
    }
    return false;
  };
  const inlinable = new Set(Object.keys($defs).filter((name) => !reachesItself(name) && shorterInPlace(name, $defs[name]!, uses.get(name) ?? 0)));
  if (!inlinable.size) return root;
  const expand = (node: unknown): unknown => {
    if (typeof node !== "object" || node === null) return node;
    if (Array.isArray(node)) return node.map(expand);
    const record = node as JsonSchema;
    if (typeof record.$ref === "string" && inlinable.has(refName(record.$ref))) return expand($defs[refName(record.$ref)]);
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(record)) out[key] = expand(value);
    return out;
  };
  const expanded = expand(root) as JsonSchema;
  for (const name of Object.keys($defs)) if (!inlinable.has(name)) $defs[name] = expand($defs[name]) as JsonSchema;
  return expanded;
}

/**
 * Whether `uses` copies of a definition are no longer than `uses` references to it plus its
 * `$defs` entry, counted in JSON characters (what the provider reads, and about what its
 * tokens follow).
 */
function shorterInPlace(name: string, definition: JsonSchema, uses: number): boolean {
  if (uses <= 1) return uses === 1;
  const size = JSON.stringify(definition).length;
  const reference = JSON.stringify({ $ref: `#/$defs/${name}` }).length;
  const entry = JSON.stringify(name).length + 2 + size;
  return uses * size <= uses * reference + entry;
}

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string" && !("const" in schema)) {
    const out: JsonSchema = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    return out;
  }
  if (Array.isArray(schema.type)) return schema.type.includes("null") ? schema : { ...schema, type: [...schema.type, "null"] };
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: "null" }] };
  return { anyOf: [schema, { type: "null" }] };
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/**
 * Removes `null` from properties the original schema declares optional and not nullable:
 * in a strict reply such a `null` stands for "absent" (see `Completion.nullMeansAbsent`).
 * Walks the value along the ORIGINAL reply schema; a union member is chosen by the keys
 * present and any `const` tags. Whatever it gets wrong, validation afterwards still catches.
 */
export function dropNullsForAbsent(value: unknown, replySchema: JsonSchema): void {
  const definitions = (replySchema.definitions ?? {}) as Record<string, JsonSchema>;
  walk(value, replySchema, definitions, 0);
}

function walk(value: unknown, schema: JsonSchema, definitions: Record<string, JsonSchema>, depth: number): void {
  if (depth > 100 || typeof value !== "object" || value === null) return;
  const resolved = resolve(schema, definitions);
  const union = (resolved.anyOf ?? resolved.oneOf) as JsonSchema[] | undefined;
  if (union) {
    const member = pickMember(value, union, definitions);
    if (member) walk(value, member, definitions, depth + 1);
    return;
  }
  if (Array.isArray(value)) {
    if (Array.isArray(resolved.items)) (resolved.items as JsonSchema[]).forEach((item, index) => walk(value[index], item, definitions, depth + 1));
    else if (typeof resolved.items === "object") for (const element of value) walk(element, resolved.items as JsonSchema, definitions, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  const properties = (resolved.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((resolved.required as string[] | undefined) ?? []);
  for (const key of Object.keys(record)) {
    // Own properties only: `properties.constructor` must not find Object's.
    const property = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
    if (!property) continue;
    if (record[key] === null && !required.has(key) && !acceptsNull(property, definitions, 0)) delete record[key];
    else walk(record[key], property, definitions, depth + 1);
  }
}

function resolve(schema: JsonSchema, definitions: Record<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string" && hops < 32; hops++) current = definitions[refName(current.$ref)] ?? {};
  return current;
}

function pickMember(value: object, members: JsonSchema[], definitions: Record<string, JsonSchema>): JsonSchema | undefined {
  const isArray = Array.isArray(value);
  for (const member of members) {
    const resolved = resolve(member, definitions);
    if (isArray) {
      if (resolved.type === "array" || resolved.items) return resolved;
      continue;
    }
    const properties = resolved.properties as Record<string, JsonSchema> | undefined;
    if (!properties) continue;
    const record = value as Record<string, unknown>;
    const fits = Object.keys(record).every((key) => Object.prototype.hasOwnProperty.call(properties, key)) &&
      Object.keys(properties).every((key) => {
        const tag = resolve(properties[key]!, definitions);
        return !("const" in tag) || record[key] === tag.const;
      });
    if (fits) return resolved;
  }
  return undefined;
}

function acceptsNull(schema: JsonSchema, definitions: Record<string, JsonSchema>, depth: number): boolean {
  if (depth > 32) return false;
  const resolved = resolve(schema, definitions);
  if (resolved.type === "null" || (Array.isArray(resolved.type) && resolved.type.includes("null"))) return true;
  if (resolved.const === null || (Array.isArray(resolved.enum) && resolved.enum.includes(null))) return true;
  const union = (resolved.anyOf ?? resolved.oneOf) as JsonSchema[] | undefined;
  if (union) return union.some((member) => acceptsNull(member, definitions, depth + 1));
  return Object.keys(resolved).every((key) => key === "description"); // {} accepts anything
}
