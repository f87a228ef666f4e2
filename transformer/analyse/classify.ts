/**
 * Questions about a `ts.Type` that the checker, the schema generator, the revival planner
 * and the namer all ask the same way: is it a Date, a class, a named type, data at all?
 * Everything here is cached per type or symbol: it runs once per type per Program.
 */
import type * as ts from "typescript";

/** The compiler pieces every part of analysis needs; one per Program. */
export interface TypeTools {
  ts: typeof ts;
  checker: ts.TypeChecker;
  program: ts.Program;
}

/**
 * Library types JSON cannot carry (JSON.stringify turns them into `{}` or throws), with the
 * reason shown in the diagnostic. Matched by name AND by being declared in the default
 * library or `@types/node`, so a user's own `Map` interface is left alone.
 */
const NOT_JSON_LIBRARY_TYPES: ReadonlyMap<string, string> = new Map([
  ["Map", "a Map serialises as {}; use Record<string, V> or an array of entries"],
  ["ReadonlyMap", "a Map serialises as {}; use Record<string, V> or an array of entries"],
  ["Set", "a Set serialises as {}; use an array"],
  ["ReadonlySet", "a Set serialises as {}; use an array"],
  ["WeakMap", "a WeakMap cannot be serialised"],
  ["WeakSet", "a WeakSet cannot be serialised"],
  ["WeakRef", "a WeakRef cannot be serialised"],
  ["Promise", "a Promise is not data; await it before the call, or return the awaited type"],
  ["PromiseLike", "a Promise is not data; await it before the call, or return the awaited type"],
  ["RegExp", "a RegExp serialises as {}; use its source string"],
  ["ArrayBuffer", "binary data serialises as {}; encode it as a base64 string"],
  ["SharedArrayBuffer", "binary data serialises as {}; encode it as a base64 string"],
  ["DataView", "binary data serialises as {}; encode it as a base64 string"],
  ["Int8Array", "a typed array serialises as an object of indices; use number[]"],
  ["Uint8Array", "a typed array serialises as an object of indices; use number[]"],
  ["Uint8ClampedArray", "a typed array serialises as an object of indices; use number[]"],
  ["Int16Array", "a typed array serialises as an object of indices; use number[]"],
  ["Uint16Array", "a typed array serialises as an object of indices; use number[]"],
  ["Int32Array", "a typed array serialises as an object of indices; use number[]"],
  ["Uint32Array", "a typed array serialises as an object of indices; use number[]"],
  ["Float32Array", "a typed array serialises as an object of indices; use number[]"],
  ["Float64Array", "a typed array serialises as an object of indices; use number[]"],
  ["BigInt64Array", "a typed array serialises as an object of indices; use number[]"],
  ["BigUint64Array", "a typed array serialises as an object of indices; use number[]"],
  ["Buffer", "binary data; encode it as a base64 string"],
  ["Function", "functions are behaviour, not data"],
  ["CallableFunction", "functions are behaviour, not data"],
  ["NewableFunction", "functions are behaviour, not data"],
]);

/** What one object property is, as far as JSON data goes. */
export type PropertyRole = "data" | "method" | "accessor" | "hidden";

/** The JSDoc tag that keeps a public field out of the prompt's types, the schemas and the input sent. */
const HIDDEN_TAG = "llmHidden";

/** Why a field is never sent to the model nor asked of it. */
export type HiddenReason = "private" | "protected" | "#private" | `@${typeof HIDDEN_TAG}`;

/** `@llmHidden` as a whole tag in a doc comment (not `@llmHiddenX`). */
const HIDDEN_TAG_PATTERN = new RegExp(`(^|[\\s*])@${HIDDEN_TAG}(?![\\w$])`);

export class TypeClassifier {
  private readonly defaultLibSymbols = new Map<ts.Symbol, boolean>();
  private readonly nodeTypesSymbols = new Map<ts.Symbol, boolean>();
  private readonly propertyLists = new Map<ts.Type, ts.Symbol[]>();
  private readonly roles = new Map<ts.Symbol, PropertyRole>();
  private readonly hiddenReasons = new Map<ts.Symbol, HiddenReason | undefined>();
  private readonly namedTypes = new Map<ts.Type, boolean>();

  constructor(readonly tools: TypeTools) {}

  /**
   * Declared in a default library file (`lib.*.d.ts`): Array, Date, Partial, Record, ...
   * (`@types/node` and users may augment these interfaces; they stay library types.)
   */
  isDefaultLibSymbol(symbol: ts.Symbol | undefined): boolean {
    if (!symbol) return false;
    let known = this.defaultLibSymbols.get(symbol);
    if (known === undefined) {
      const declarations = symbol.declarations ?? [];
      known = declarations.some((d) => this.tools.program.isSourceFileDefaultLibrary(d.getSourceFile()));
      this.defaultLibSymbols.set(symbol, known);
    }
    return known;
  }

  /** Declared in the default library or in `@types/node` (where Buffer, AbortSignal, ... live). */
  isPlatformSymbol(symbol: ts.Symbol | undefined): boolean {
    if (!symbol) return false;
    if (this.isDefaultLibSymbol(symbol)) return true;
    let known = this.nodeTypesSymbols.get(symbol);
    if (known === undefined) {
      const declarations = symbol.declarations ?? [];
      known = declarations.some((d) => /[\\/]node_modules[\\/]@types[\\/]node[\\/]/.test(d.getSourceFile().fileName));
      this.nodeTypesSymbols.set(symbol, known);
    }
    return known;
  }

  isDate(type: ts.Type): boolean {
    const symbol = type.getSymbol();
    return !!symbol && symbol.escapedName === "Date" && (type.flags & this.tools.ts.TypeFlags.Object) !== 0 && this.isDefaultLibSymbol(symbol);
  }

  /** The reason a library type cannot be JSON (see `NOT_JSON_LIBRARY_TYPES`), if it is one. */
  notJsonLibraryReason(type: ts.Type): string | undefined {
    const symbol = type.aliasSymbol && this.isPlatformSymbol(type.aliasSymbol) ? type.aliasSymbol : type.getSymbol();
    if (!symbol || !this.isPlatformSymbol(symbol)) return undefined;
    return NOT_JSON_LIBRARY_TYPES.get(symbol.name);
  }

  /**
   * A type that only a call site can make concrete (`T`, `T["key"]`, `T extends X ? A : B`,
   * `keyof T`), as the declaration's fallback sees it: its constraint, `"any"` (any JSON) when
   * it has none, `"string"` for keys. Undefined for every concrete type.
   */
  fallbackOf(type: ts.Type): ts.Type | "any" | "string" | undefined {
    const { TypeFlags } = this.tools.ts;
    if (type.flags & (TypeFlags.Index | TypeFlags.StringMapping)) return "string"; // JSON keys are strings
    if (!(type.flags & (TypeFlags.TypeParameter | TypeFlags.IndexedAccess | TypeFlags.Conditional | TypeFlags.Substitution))) return undefined;
    const constraint = this.tools.checker.getBaseConstraintOfType(type);
    if (!constraint || constraint === type || constraint.flags & (TypeFlags.Unknown | TypeFlags.Any)) return "any";
    // `T extends {}` says nothing about the JSON either.
    const emptyObject =
      !!(constraint.flags & TypeFlags.Object) &&
      this.tools.checker.getPropertiesOfType(constraint).length === 0 &&
      this.tools.checker.getIndexInfosOfType(constraint).length === 0 &&
      !this.isCallable(constraint);
    return emptyObject ? "any" : constraint;
  }

  /** `Readonly<T>` and `Mutable<T>` change nothing JSON sees. */
  unwrapReadonly(type: ts.Type): ts.Type {
    while (
      type.aliasSymbol &&
      (type.aliasSymbol.escapedName === "Readonly" || type.aliasSymbol.escapedName === "Mutable") &&
      type.aliasTypeArguments?.[0]
    ) {
      type = type.aliasTypeArguments[0];
    }
    return type;
  }

  /** A class instance type (not the constructor): its properties come from a class declaration. */
  classDeclarationOf(type: ts.Type): ts.ClassLikeDeclaration | undefined {
    const { ts: t } = this.tools;
    const symbol = type.getSymbol();
    if (!symbol || !(symbol.flags & t.SymbolFlags.Class) || !(type.flags & t.TypeFlags.Object)) return undefined;
    // The constructor type `typeof Customer` has the same symbol but construct signatures.
    if (type.getConstructSignatures().length > 0) return undefined;
    return symbol.declarations?.find((d): d is ts.ClassLikeDeclaration => t.isClassLike(d));
  }

  /**
   * Called like a function: call or construct signatures. An instantiation of a generic class or
   * interface (`Customer[]`, `Page<Order>`) has them exactly when its declared type does, which
   * answers without resolving every member of each instantiation (all of `Array`'s methods for
   * each element type).
   */
  isCallable(type: ts.Type): boolean {
    const { TypeFlags, ObjectFlags } = this.tools.ts;
    if (!(type.flags & TypeFlags.Object)) return false;
    const declared = (type as ts.ObjectType).objectFlags & ObjectFlags.Reference ? (type as ts.TypeReference).target : type;
    return declared.getCallSignatures().length > 0 || declared.getConstructSignatures().length > 0;
  }

  /**
   * Whether a property is data that JSON carries to and from the model: not a method, not a
   * getter/setter (they live on the prototype; JSON.stringify skips them), not a symbol-keyed
   * member, and not a field the class keeps to itself (see `hiddenReason`).
   */
  propertyRole(property: ts.Symbol): PropertyRole {
    let role = this.roles.get(property);
    if (role === undefined) {
      role = this.readRole(property);
      this.roles.set(property, role);
    }
    return role;
  }

  /**
   * Why a field is not part of the data the model sees: `private`, `protected` and `#private`
   * fields belong to the class, not to its data contract; `@llmHidden` hides a public one.
   * Undefined for every other property (methods and accessors included).
   */
  hiddenReason(property: ts.Symbol): HiddenReason | undefined {
    if (this.hiddenReasons.has(property)) return this.hiddenReasons.get(property);
    const reason = this.readHiddenReason(property);
    this.hiddenReasons.set(property, reason);
    return reason;
  }

  private readRole(property: ts.Symbol): PropertyRole {
    const { SymbolFlags } = this.tools.ts;
    const name = property.escapedName as string;
    if (name.startsWith("__@")) return "hidden";
    if (property.flags & SymbolFlags.Method) return "method";
    if (property.flags & SymbolFlags.Accessor) return "accessor";
    // A mapped type (`Omit<Customer, "key">`, `Partial<Customer>`) turns methods and getters into
    // properties; their declarations still say what they are.
    const declarations = property.declarations;
    if (declarations?.length) {
      const t = this.tools.ts;
      if (declarations.every((d) => t.isMethodDeclaration(d) || t.isMethodSignature(d))) return "method";
      if (declarations.every((d) => t.isGetAccessorDeclaration(d) || t.isSetAccessorDeclaration(d))) return "accessor";
    }
    return this.hiddenReason(property) ? "hidden" : "data";
  }

  private readHiddenReason(property: ts.Symbol): HiddenReason | undefined {
    const t = this.tools.ts;
    if ((property.escapedName as string).startsWith("__#")) return "#private";
    if (property.flags & (t.SymbolFlags.Method | t.SymbolFlags.Accessor)) return undefined;
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const modifiers = declaration ? t.getCombinedModifierFlags(declaration) : t.ModifierFlags.None;
    if (modifiers & t.ModifierFlags.Private) return "private";
    if (modifiers & t.ModifierFlags.Protected) return "protected";
    // Read from the comment text itself, not the parsed JSDoc: a build with JSDoc parsing off
    // (plain `tsc` since 5.3) must still hide the field, whatever happens to descriptions.
    return property.declarations?.some((declaration) => this.hasHiddenTag(declaration)) ? `@${HIDDEN_TAG}` : undefined;
  }

  /** A doc comment right before the declaration carries `@llmHidden`. */
  private hasHiddenTag(declaration: ts.Declaration): boolean {
    const t = this.tools.ts;
    if (declaration.pos < 0) return false; // synthesized: no source text
    const text = declaration.getSourceFile().text;
    const ranges = t.getLeadingCommentRanges(text, declaration.pos) ?? [];
    return ranges.some((range) => text.startsWith("/**", range.pos) && HIDDEN_TAG_PATTERN.test(text.slice(range.pos, range.end)));
  }

  /** Data properties of an object type, in declaration order (own and inherited). */
  dataProperties(type: ts.Type): ts.Symbol[] {
    let list = this.propertyLists.get(type);
    if (!list) {
      list = this.tools.checker.getPropertiesOfType(type).filter((p) => this.propertyRole(p) === "data");
      this.propertyLists.set(type, list);
    }
    return list;
  }

  /** Optional in JSON: `x?: T`, or a type that includes `undefined` (JSON cannot carry undefined). */
  isOptionalProperty(property: ts.Symbol): boolean {
    const { SymbolFlags, TypeFlags } = this.tools.ts;
    if (property.flags & SymbolFlags.Optional) return true;
    const type = this.tools.checker.getTypeOfSymbol(property);
    if (type.flags & (TypeFlags.Undefined | TypeFlags.Void)) return true;
    return !!(type.flags & TypeFlags.Union) && (type as ts.UnionType).types.some((t) => !!(t.flags & (TypeFlags.Undefined | TypeFlags.Void)));
  }

  /**
   * Types the schema names (a `definitions` entry, referenced by `$ref`) rather than inlines:
   * the user's classes, interfaces and enums, and the user's type aliases of object, union
   * and intersection types. Library types (arrays, `Record`, `Partial`, `Pick`, ...) are
   * written inline. Naming is what keeps a deep chain of types small and recursion finite.
   */
  isNamedType(type: ts.Type): boolean {
    let named = this.namedTypes.get(type);
    if (named === undefined) {
      named = this.readNamedType(type);
      this.namedTypes.set(type, named);
    }
    return named;
  }

  private readNamedType(type: ts.Type): boolean {
    const { TypeFlags, SymbolFlags } = this.tools.ts;
    if (type.aliasSymbol && !this.isDefaultLibSymbol(type.aliasSymbol)) {
      return !!(type.flags & (TypeFlags.Object | TypeFlags.Union | TypeFlags.Intersection));
    }
    const symbol = type.getSymbol();
    if (!symbol || this.isDefaultLibSymbol(symbol)) return false;
    if (type.flags & TypeFlags.Object) {
      if (!(symbol.flags & (SymbolFlags.Class | SymbolFlags.Interface))) return false;
      return !this.isCallable(type);
    }
    // An enum as a whole (a union of its members), not one member's literal type.
    return !!(type.flags & TypeFlags.Union) && !!(symbol.flags & SymbolFlags.Enum);
  }

  /** The name a person wrote for a named type (alias, class, interface or enum name). */
  declaredName(type: ts.Type): string | undefined {
    if (type.aliasSymbol && !this.isDefaultLibSymbol(type.aliasSymbol)) return type.aliasSymbol.name;
    const symbol = type.getSymbol();
    return symbol && !this.isDefaultLibSymbol(symbol) && symbol.name !== "__type" && symbol.name !== "__object" ? symbol.name : undefined;
  }

  /** Type arguments a named type was instantiated with (`OptimizationStep<A, B, C>` -> A, B, C). */
  typeArgumentsOf(type: ts.Type): readonly ts.Type[] {
    const { TypeFlags, ObjectFlags } = this.tools.ts;
    if (type.aliasSymbol && !this.isDefaultLibSymbol(type.aliasSymbol)) return type.aliasTypeArguments ?? [];
    if (!(type.flags & TypeFlags.Object) || !((type as ts.ObjectType).objectFlags & ObjectFlags.Reference)) return [];
    const reference = type as ts.TypeReference;
    const declared = (reference.target as ts.InterfaceType).typeParameters?.length ?? 0;
    // A class reference carries its `this` type as a last, implicit argument.
    return this.tools.checker.getTypeArguments(reference).slice(0, declared);
  }
}
