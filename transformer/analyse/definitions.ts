/**
 * One file's named definitions: internal schemas (refs to `T<id>` keys, shared by the whole
 * Program) become the file's readable, standard-only schemas (refs to `#/definitions/Customer`),
 * each named type converted once per file; closures and rendered declarations are cached too.
 */
import type * as ts from "typescript";
import type { JsonSchema } from "../../runtime/spec";
import type { FileNames } from "./names";
import { canonicalJson } from "./hash";
import { renderDeclaration } from "./render-types";
import { REF_PREFIX, type SchemaFactory } from "./schema";

/** Draft-07 keywords kept in emitted schemas; everything else (titles, library extras) is dropped. */
const KEPT_KEYWORDS = new Set([
  "$ref",
  "type",
  "description",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "items",
  "additionalItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "contains",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "default",
  "examples",
]);
/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set(["additionalProperties", "propertyNames", "additionalItems", "contains", "not"]);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties"]);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(["anyOf", "oneOf", "allOf"]);

interface ConvertedDefinition {
  name: string;
  schema: JsonSchema;
  /** Names this definition refers to directly, in order of first use. */
  refs: string[];
}

export class FileDefinitions {
  /** Every definition the file's specs use, by name (what `Analyser.definitions` exposes). */
  readonly byName = new Map<string, JsonSchema>();
  private readonly byKey = new Map<string, ConvertedDefinition>();
  private readonly keyByName = new Map<string, string>();
  private readonly declarations = new Map<string, string>();
  private readonly canonical = new Map<string, string>();

  constructor(
    private readonly schemas: SchemaFactory,
    private readonly names: FileNames,
  ) {}

  /**
   * A schema as emitted: only standard keywords, refs to this file's names. Returns the names
   * it refers to directly, in order of first use.
   */
  convert(internal: JsonSchema): { schema: JsonSchema; refs: string[] } {
    const refs: string[] = [];
    const schema = this.copy(internal, refs);
    return { schema, refs };
  }

  /** `roots` and every name they reach, depth first, each once, in order of first use. */
  closure(roots: readonly string[]): string[] {
    const seen = new Set<string>();
    const order: string[] = [];
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      order.push(name);
      for (const ref of this.byKey.get(this.keyByName.get(name)!)!.refs) visit(ref);
    };
    for (const root of roots) visit(root);
    return order;
  }

  /** The type a definition was generated from (after `convert` has met it). */
  typeOf(name: string): ts.Type {
    return this.schemas.typesByKey.get(this.keyByName.get(name)!)!;
  }

  /** The definition's schema by name (after `convert` has met it). */
  schema(name: string): JsonSchema {
    return this.byName.get(name)!;
  }

  /** The definition's canonical JSON (for hashing), computed once per file. */
  canonicalJson(name: string): string {
    let text = this.canonical.get(name);
    if (text === undefined) {
      text = canonicalJson(this.schema(name));
      this.canonical.set(name, text);
    }
    return text;
  }

  /** `interface Customer { ... }`, rendered once per file. */
  declaration(name: string): string {
    let text = this.declarations.get(name);
    if (text === undefined) {
      text = renderDeclaration(name, this.schema(name));
      this.declarations.set(name, text);
    }
    return text;
  }

  private copy(value: unknown, refs: string[]): JsonSchema {
    if (typeof value !== "object" || value === null) return value as JsonSchema;
    const source = value as JsonSchema;
    const result: JsonSchema = {};
    for (const keyword of Object.keys(source)) {
      if (!KEPT_KEYWORDS.has(keyword)) continue;
      const inner = source[keyword];
      if (keyword === "$ref") {
        const name = this.nameForRef(inner as string);
        if (!refs.includes(name)) refs.push(name);
        result.$ref = REF_PREFIX + name;
      } else if (SCHEMA_KEYWORDS.has(keyword)) {
        result[keyword] = typeof inner === "object" && inner !== null ? this.copy(inner, refs) : inner;
      } else if (SCHEMA_MAP_KEYWORDS.has(keyword)) {
        const map: { [name: string]: JsonSchema } = {};
        for (const [name, schema] of Object.entries(inner as object)) map[name] = this.copy(schema, refs);
        result[keyword] = map;
      } else if (SCHEMA_LIST_KEYWORDS.has(keyword)) {
        result[keyword] = (inner as unknown[]).map((schema) => this.copy(schema, refs));
      } else if (keyword === "items") {
        result.items = Array.isArray(inner) ? inner.map((schema) => this.copy(schema, refs)) : this.copy(inner, refs);
      } else {
        result[keyword] = inner; // values (enum, const, default, examples, numbers, strings), copied as they are
      }
    }
    return result;
  }

  /** The file's name for an internal `#/definitions/T<id>` ref, converting its definition on first use. */
  private nameForRef(ref: string): string {
    const key = decodeURIComponent(ref.slice(REF_PREFIX.length));
    const known = this.byKey.get(key);
    if (known) return known.name;
    const type = this.schemas.typesByKey.get(key) as ts.Type;
    const body = this.schemas.definition(key);
    if (!type || !body) throw new Error(`llm-strategy/transformer: no schema was generated for ${ref}`);
    const name = this.names.nameOf(key, type);
    // Registered before converting the body, so a recursive reference finds the name.
    const entry: ConvertedDefinition = { name, schema: {}, refs: [] };
    this.byKey.set(key, entry);
    this.keyByName.set(name, key);
    Object.assign(entry.schema, this.copy(body, entry.refs));
    this.byName.set(name, entry.schema);
    return name;
  }
}
