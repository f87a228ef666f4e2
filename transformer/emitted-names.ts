/**
 * The one owner of the names the transformer writes into emitted code: module-scope consts and
 * imports (`EmittedNames`), and the keys of a generic helper's table (`UniqueNames`).
 */

/** The runtime's namespace import in emitted code; every name the transformer adds starts with it, so none can meet the user's names. */
export const RUNTIME_NAMESPACE = "__llmStrategy";

/** What a name the transformer adds holds: `__llmStrategySpec_Customer_age`, `__llmStrategy_customer` (a module import). */
export type EmittedNameKind = "Spec" | "Interface" | "Types" | "Helper" | "Def" | "";

/**
 * The names the transformer adds to one file (consts and imports): `RUNTIME_NAMESPACE`, the
 * kind, and the readable part with what an identifier cannot hold replaced; `_2`, `_3`, ... on a
 * repeat. The planner takes the names of specs and tables, emit those of definitions and
 * imports from a `copy()`, so emitting a file again writes the same names.
 */
export class EmittedNames {
  private constructor(private readonly names: UniqueNames) {}

  static create(): EmittedNames {
    return new EmittedNames(new UniqueNames());
  }

  /** A new name, unique in this file: `take("Spec", "Customer.age")` is `__llmStrategySpec_Customer_age`. */
  take(kind: EmittedNameKind, readable: string): string {
    return this.names.take(`${RUNTIME_NAMESPACE}${kind}_${identifierPart(readable)}`);
  }

  /** Further names, unique among these and each other, without changing these. */
  copy(): EmittedNames {
    return new EmittedNames(this.names.copy());
  }
}

/** Names unique within one scope: the wanted name, or it with `_2`, `_3`, ... once taken. */
export class UniqueNames {
  constructor(private readonly used = new Set<string>()) {}

  take(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.used.has(name); n++) name = `${wanted}_${n}`;
    this.used.add(name);
    return name;
  }

  copy(): UniqueNames {
    return new UniqueNames(new Set(this.used));
  }
}

/** `text` with every character an identifier cannot hold replaced by `_` (a leading digit stays). */
export function identifierPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_$]/g, "_");
}
