/**
 * JSON Schemas of TypeScript types through typescript-json-schema (the project's fixed choice),
 * driven on the compiler's own checker, with its known quirks fixed where they arise:
 *
 * - no declaration scan: the generator is constructed directly (`buildGenerator` walks every
 *   declaration of the Program first, 0.15-0.6 s) and only when a file has stubs;
 * - getters, setters and methods are not data (it made getters required properties, with a
 *   junk `Promise` definition for `get age(): Promise<number>`);
 * - `Record<string, X>` and other index signatures keep their value type (it dropped it);
 * - field initialisers are not `default`s (only JSDoc `@default` is), and print nothing (it
 *   `console.warn`ed into the build output);
 * - definitions are keyed by type identity (`T<id>`), not by `typeToString`, and each file
 *   later gives them readable names of its own (see `names.ts`);
 * - type parameters fall back to their constraint, or any JSON (`{}`) when unconstrained.
 *
 * Types JSON cannot carry never get here: `json-type-check.ts` rejects them first.
 */
import type * as ts from "typescript";
import type { Args, Definition, JsonSchemaGenerator } from "typescript-json-schema";
import type { JsonSchema } from "../../runtime/spec";
import type { TypeClassifier, TypeTools } from "./classify";
import type { DocReader } from "./jsdoc";

/** The prefix of every generated `$ref`; names follow it. */
export const REF_PREFIX = "#/definitions/";

/**
 * typescript-json-schema's internals that are overridden or called below. They are `private`
 * in its .d.ts, so they are reached through this narrow view of the prototype; the signatures
 * are those of version 0.68.0 (pinned).
 */
interface GeneratorInternals {
  args: Args;
  getTypeDefinition(
    type: ts.Type,
    asRef?: boolean,
    unionModifier?: string,
    prop?: ts.Symbol,
    reffedType?: ts.Symbol,
    pairedSymbol?: ts.Symbol,
    forceNotRef?: boolean,
    ignoreUndefined?: boolean,
  ): Definition;
  getClassDefinition(type: ts.Type, definition: Definition): Definition;
  getUnionDefinition(type: ts.UnionType, unionModifier: string, definition: Definition): Definition;
  getDefinitionForProperty(prop: ts.Symbol, node?: ts.Node): Definition | null;
  getDefinitionForRootType(
    type: ts.Type,
    reffedType: ts.Symbol | undefined,
    definition: Definition,
    defaultNumberType?: string,
    ignoreUndefined?: boolean,
  ): Definition;
  parseCommentsIntoDefinition(symbol: ts.Symbol | undefined, definition: Definition, otherAnnotations: object): void;
  getReferencedTypeSymbol(prop: ts.Symbol): ts.Symbol | undefined;
  getTypeName(type: ts.Type): string;
  makeTypeNameUnique(type: ts.Type, baseName: string): string;
  /** Definitions the generator itself decided to reference (only for recursion it guards on its own). */
  reffedDefinitions: { [key: string]: Definition };
}

/** Our additions to the generator instance. */
interface Extensions {
  factory: SchemaFactory;
}

type Generator = GeneratorInternals & Extensions;

/** Settings: strict structured output needs `additionalProperties: false`; single literals as `enum`. */
const GENERATOR_ARGS: Partial<Args> = {
  ref: true,
  aliasRef: false,
  topRef: false,
  titles: false,
  defaultProps: false,
  noExtraProps: true,
  propOrder: false,
  required: true,
  ignoreErrors: true,
  constAsEnum: true,
  defaultNumberType: "number",
  validationKeywords: [],
};

/** The internal key of a type: its checker id, stable within one Program. */
export function typeKey(type: ts.Type): string {
  return `T${(type as ts.Type & { id: number }).id}`;
}

/**
 * One per Program. Every type's schema is computed once; named types are stored as
 * definitions under their `typeKey`, referenced as `#/definitions/T<id>` until a file names them.
 */
export class SchemaFactory {
  /** Bodies of named types, by internal key. */
  readonly named = new Map<string, JsonSchema>();
  /** The type behind each internal key (for naming and rendering). */
  readonly typesByKey = new Map<string, ts.Type>();
  private generator: Generator | undefined;
  /** `schemaOf` of each type used without a doc. */
  private readonly undocumented = new Map<ts.Type, JsonSchema>();

  constructor(
    readonly tools: TypeTools,
    readonly classify: TypeClassifier,
    readonly docs: DocReader,
  ) {}

  /**
   * The schema of `type` (refs point at internal keys). `documented` is the property or
   * parameter whose JSDoc describes this use of the type; `reference` the alias symbol it was
   * written with, whose JSDoc keywords apply too (`type Age = number` with `@minimum 0`).
   */
  schemaOf(type: ts.Type, documented?: ts.Symbol, reference?: ts.Symbol): JsonSchema {
    // Without a doc of its own (most parameters, every receiver) a use of a type has the type's
    // schema, which the stubs of a Program ask for again and again: one per type. Callers copy it
    // (`FileDefinitions.convert`) and never change it.
    if (reference === undefined && !this.docs.hasDoc(documented)) {
      let schema = this.undocumented.get(type);
      if (!schema) {
        schema = this.getGenerator().getTypeDefinition(type, true, "anyOf", undefined, undefined) as JsonSchema;
        this.undocumented.set(type, schema);
      }
      return schema;
    }
    return this.getGenerator().getTypeDefinition(type, true, "anyOf", documented, reference) as JsonSchema;
  }

  /**
   * `schemaOf` for a type as a parameter or the return type annotates it: `reference` finds the
   * alias symbol the annotation names, a name lookup in the checker, made only when the schema
   * reads that alias's JSDoc (see `readsReference`).
   */
  schemaOfAnnotated(type: ts.Type, documented: ts.Symbol | undefined, reference: () => ts.Symbol | undefined): JsonSchema {
    return this.schemaOf(type, documented, this.readsReference(type) ? reference() : undefined);
  }

  /** The alias or interface symbol a parameter or property's type annotation names, if any. */
  referencedTypeSymbol(symbol: ts.Symbol): ts.Symbol | undefined {
    return this.getGenerator().getReferencedTypeSymbol(symbol);
  }

  /**
   * Whether the schema of `type` reads the JSDoc of the alias it was written with: an inline
   * schema does (`type Age = number` with `@minimum 0`); a named type's `$ref` and a type
   * parameter's fallback do not (see `getTypeDefinition` below).
   */
  readsReference(type: ts.Type): boolean {
    const unwrapped = this.classify.unwrapReadonly(type);
    return !this.classify.fallbackOf(unwrapped) && !this.classify.isNamedType(unwrapped);
  }

  /** The body of a definition by internal key (named by us, or by the generator's own recursion guard). */
  definition(key: string): JsonSchema | undefined {
    return this.named.get(key) ?? (this.generator?.reffedDefinitions[key] as JsonSchema | undefined);
  }

  private getGenerator(): Generator {
    if (!this.generator) {
      // Loaded on first use only: a build whose files have no stubs never pays for it.
      const tjs = require("typescript-json-schema") as typeof import("typescript-json-schema");
      const Subclass = defineGenerator(tjs.JsonSchemaGenerator);
      const args = { ...tjs.getDefaultArgs(), ...GENERATOR_ARGS };
      const generator = new Subclass([], {}, {}, {}, this.tools.checker, args) as unknown as Generator;
      generator.factory = this;
      this.generator = generator;
    }
    return this.generator;
  }
}

/** The subclass is defined once per process, on first use (the library is loaded lazily). */
let generatorClass: (new (...args: ConstructorParameters<typeof JsonSchemaGenerator>) => JsonSchemaGenerator) | undefined;

function defineGenerator(
  Base: typeof JsonSchemaGenerator,
): new (...args: ConstructorParameters<typeof JsonSchemaGenerator>) => JsonSchemaGenerator {
  if (generatorClass) return generatorClass;
  class LlmSchemaGenerator extends Base {}
  const base = Base.prototype as unknown as GeneratorInternals;
  const proto = LlmSchemaGenerator.prototype as unknown as Generator;

  proto.getTypeName = function (this: Generator, type) {
    const key = typeKey(type);
    this.factory.typesByKey.set(key, type);
    return key;
  };
  proto.makeTypeNameUnique = function (this: Generator, type) {
    return this.getTypeName(type);
  };

  proto.parseCommentsIntoDefinition = function (this: Generator, symbol, definition) {
    this.factory.docs.apply(symbol, definition as JsonSchema);
  };

  proto.getTypeDefinition = function (this: Generator, type, _asRef, unionModifier = "anyOf", prop, reffedType, pairedSymbol, forceNotRef = false, ignoreUndefined = false) {
    const { classify, tools } = this.factory;
    const { TypeFlags } = tools.ts;
    type = classify.unwrapReadonly(type);
    // Neither a fallback nor a named type reads `reffedType` (`readsReference` relies on it).
    const fallback = classify.fallbackOf(type);
    if (fallback && typeof fallback !== "string") {
      return this.getTypeDefinition(fallback, true, unionModifier, prop, undefined, pairedSymbol, forceNotRef, ignoreUndefined);
    }
    if (fallback) {
      const definition: Definition = fallback === "string" ? { type: "string" } : {};
      this.parseCommentsIntoDefinition(prop, definition, {});
      return definition;
    }
    // The generator asks for a member of an intersection it merges: it needs the body, not a ref.
    if (!forceNotRef && classify.isNamedType(type)) {
      const key = this.getTypeName(type);
      const named = this.factory.named;
      if (!named.has(key)) {
        const body: JsonSchema = {};
        named.set(key, body); // set before computing: a recursive use finds it and becomes a `$ref`
        Object.assign(body, base.getTypeDefinition.call(this, type, false, unionModifier, undefined, undefined, undefined, true, ignoreUndefined));
      }
      const reference: Definition = { $ref: REF_PREFIX + key };
      this.parseCommentsIntoDefinition(prop, reference, {});
      return reference;
    }
    // Arrays and Dates are the most common inline types: built here without the library's two
    // `getFullyQualifiedName` calls per type (a third of the generator's time in a 800-stub build).
    // So are plain `string` and `number`, for which the library's path comes to the same.
    const plainLeaf = !!(type.flags & (TypeFlags.String | TypeFlags.Number)) && !type.aliasSymbol && !pairedSymbol;
    if (plainLeaf || tools.checker.isArrayType(type) || classify.isDate(type)) {
      const definition: Definition = {};
      this.parseCommentsIntoDefinition(reffedType, definition, {});
      this.parseCommentsIntoDefinition(prop, definition, {});
      return this.getDefinitionForRootType(type, reffedType, definition);
    }
    return base.getTypeDefinition.call(this, type, false, unionModifier, prop, reffedType, pairedSymbol, forceNotRef, ignoreUndefined);
  };

  proto.getClassDefinition = function (this: Generator, type, definition) {
    const { classify, tools } = this.factory;
    const { TypeFlags } = tools.ts;
    const properties: { [name: string]: Definition } = {};
    const required: string[] = [];
    for (const property of classify.dataProperties(type)) {
      const propertyType = tools.checker.getTypeOfSymbol(property);
      // Behaviour held in a field (`onChange = () => ...`) is skipped like a method; where it
      // matters (data crossing the model boundary), json-type-check has already reported it.
      if (propertyType.flags & (TypeFlags.Never | TypeFlags.Undefined) || classify.isCallable(propertyType)) continue;
      const schema = this.getDefinitionForProperty(property);
      if (!schema) continue;
      properties[property.name] = schema;
      if (!classify.isOptionalProperty(property)) required.push(property.name);
    }
    definition.type = "object";
    if (Object.keys(properties).length > 0) definition.properties = properties;
    if (required.length > 0) definition.required = required;
    const index = tools.checker.getIndexInfosOfType(type).find((info) => !!(info.keyType.flags & (TypeFlags.String | TypeFlags.Number)));
    definition.additionalProperties = index ? this.getTypeDefinition(index.type) : false;
    return definition;
  };

  proto.getUnionDefinition = function (this: Generator, type, unionModifier, definition) {
    // A union of string (or number) literals keeps the order TypeScript shows it in; the
    // library sorted the values alphabetically.
    const { TypeFlags } = this.factory.tools.ts;
    const members = type.types.filter((member) => !(member.flags & (TypeFlags.Undefined | TypeFlags.Void)));
    for (const [flag, typeName] of [[TypeFlags.StringLiteral, "string"], [TypeFlags.NumberLiteral, "number"]] as const) {
      if (members.length > 1 && members.every((member) => member.flags & flag && !(member.flags & TypeFlags.EnumLiteral))) {
        definition.type = typeName;
        definition.enum = members.map((member) => (member as ts.LiteralType).value as string | number);
        return definition;
      }
    }
    return base.getUnionDefinition.call(this, type, unionModifier, definition);
  };

  proto.getDefinitionForProperty = function (this: Generator, property) {
    if (this.factory.classify.propertyRole(property) !== "data") return null;
    const type = this.factory.tools.checker.getTypeOfSymbol(property);
    return this.getTypeDefinition(type, true, "anyOf", property, this.factory.readsReference(type) ? this.getReferencedTypeSymbol(property) : undefined);
  };

  proto.getDefinitionForRootType = function (this: Generator, type, reffedType, definition, defaultNumberType, ignoreUndefined) {
    // The common leaves without the library's `typeToString` call per leaf.
    const { classify, tools } = this.factory;
    const { TypeFlags } = tools.ts;
    const flags = type.flags;
    if (flags & TypeFlags.String) definition.type = "string";
    else if (flags & TypeFlags.Number) definition.type = "number";
    else if (flags & TypeFlags.Boolean) definition.type = "boolean";
    else if (flags & TypeFlags.Null) definition.type = "null";
    else if (flags & (TypeFlags.Any | TypeFlags.Unknown)) return definition;
    else if (flags & TypeFlags.NonPrimitive) definition.type = "object"; // `object`: any object
    else if (flags & TypeFlags.StringLiteral) Object.assign(definition, { type: "string", enum: [(type as ts.StringLiteralType).value] });
    else if (flags & TypeFlags.NumberLiteral) Object.assign(definition, { type: "number", enum: [(type as ts.NumberLiteralType).value] });
    else if (flags & TypeFlags.BooleanLiteral) Object.assign(definition, { type: "boolean", enum: [type === tools.checker.getTrueType()] });
    else if (classify.isDate(type)) Object.assign(definition, { type: "string", format: (definition.format as string | undefined) ?? "date-time" });
    else if (tools.checker.isArrayType(type)) {
      definition.type = "array";
      if (!definition.items) definition.items = this.getTypeDefinition(tools.checker.getTypeArguments(type as ts.TypeReference)[0]!);
    } else return base.getDefinitionForRootType.call(this, type, reffedType, definition, defaultNumberType, ignoreUndefined);
    return definition;
  };

  generatorClass = LlmSchemaGenerator as unknown as typeof generatorClass;
  return generatorClass!;
}
