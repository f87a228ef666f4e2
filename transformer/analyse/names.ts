/**
 * Readable definition names: `Customer`, `OptimizationStep_EssayParams_Essay_EssayHyper`.
 * Valid as OpenAI `$defs` keys (`^[A-Za-z0-9_-]+$`), derived from the type alone, so the
 * same source gives the same names; a file disambiguates its own collisions.
 */
import type * as ts from "typescript";
import type { TypeClassifier } from "./classify";

const MAX_NAME_LENGTH = 64;

/** Base names per type, one table per Program. */
export class TypeNamer {
  private readonly baseNames = new Map<ts.Type, string>();

  constructor(private readonly classify: TypeClassifier) {}

  /** The name a definition of `type` would like to have (before a file disambiguates). */
  baseName(type: ts.Type): string {
    let name = this.baseNames.get(type);
    if (name === undefined) {
      name = sanitize(this.describe(type, 0)) || "Type";
      this.baseNames.set(type, name);
    }
    return name;
  }

  private describe(type: ts.Type, depth: number): string {
    const { ts: t, checker } = this.classify.tools;
    const { TypeFlags } = t;
    if (depth > 3) return "T";
    const declared = this.classify.declaredName(type);
    if (declared) {
      const args = this.classify.typeArgumentsOf(type);
      return [declared, ...args.map((arg) => this.describe(arg, depth + 1))].join("_");
    }
    if (type.flags & TypeFlags.Boolean) return "boolean";
    if (type.flags & TypeFlags.StringLiteral) return (type as ts.StringLiteralType).value;
    if (type.flags & TypeFlags.NumberLiteral) return String((type as ts.NumberLiteralType).value);
    const intrinsic = (type as ts.Type & { intrinsicName?: string }).intrinsicName;
    if (intrinsic) return intrinsic;
    if (type.flags & TypeFlags.TypeParameter) return type.getSymbol()?.name ?? "T";
    if (type.flags & TypeFlags.Union) return (type as ts.UnionType).types.map((m) => this.describe(m, depth + 1)).join("_or_");
    if (type.flags & TypeFlags.Object && checker.isArrayType(type)) {
      return `${this.describe(checker.getTypeArguments(type as ts.TypeReference)[0]!, depth + 1)}Array`;
    }
    if (type.aliasSymbol) {
      // A library alias over a user type: `Partial<Customer>` -> Partial_Customer.
      return [type.aliasSymbol.name, ...(type.aliasTypeArguments ?? []).map((arg) => this.describe(arg, depth + 1))].join("_");
    }
    const symbol = type.getSymbol();
    if (symbol && symbol.name !== "__type" && symbol.name !== "__object") return symbol.name;
    return "Object";
  }
}

function sanitize(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/_+/g, "_").replace(/^_+|_+$/g, "");
  return clean.length > MAX_NAME_LENGTH ? clean.slice(0, MAX_NAME_LENGTH).replace(/_+$/, "") : clean;
}

/**
 * One file's names: the first type to claim a base name gets it, later ones with the same
 * base name get `_2`, `_3`, ... in the order the file's stubs are analysed (source order), so
 * names depend only on this file's source and the types it uses.
 */
export class FileNames {
  private readonly nameByKey = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly namer: TypeNamer) {}

  nameOf(key: string, type: ts.Type): string {
    let name = this.nameByKey.get(key);
    if (name === undefined) {
      const base = this.namer.baseName(type);
      name = base;
      for (let n = 2; this.taken.has(name); n++) name = `${base}_${n}`;
      this.nameByKey.set(key, name);
      this.taken.add(name);
    }
    return name;
  }
}
