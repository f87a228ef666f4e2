/**
 * Can JSON carry this type? Walks a `ts.Type` the way the schema will, and returns every
 * place it cannot (functions, symbols, bigint, Map/Set/Promise, method-only objects, void,
 * never), plus the places where the schema would accept anything (`any`/`unknown`).
 *
 * Results are relative routes, cached per type, so a type shared by many stubs is walked
 * once per Program; the analyser prefixes them with the parameter (or `this`/`return`).
 */
import type * as ts from "typescript";
import type { TypeClassifier } from "./classify";

/** One step from a type into a part of it. */
export interface Step {
  /** `.orders`, `[]`, `[0]`, `[string]` */
  label: string;
  /** The name of the type this step reaches, when it is a named type (`Order`). */
  typeName?: string;
  /** The property this step goes through, for pointing at its declaration. */
  property?: ts.Symbol;
}

export interface TypeIssue {
  /** `error`: JSON cannot carry it (TypeNotJson). `loose`: `any`/`unknown` (LooseType warning). */
  severity: "error" | "loose";
  /** From the checked type down to the offending part. */
  route: readonly Step[];
  /** The offending part's type. */
  type: ts.Type;
  /** Why JSON cannot carry it (errors only). */
  reason: string;
}

/** A runaway instantiation (`Box<T> { inner: Box<Box<T>> }`) stops here instead of overflowing the stack. */
const MAX_DEPTH = 500;

export class JsonTypeChecker {
  private readonly memo = new Map<ts.Type, readonly TypeIssue[]>();
  /** `checkReceiverFields` by receiver type: every stub of a class sends the same fields. */
  private readonly receiverMemo = new Map<ts.Type, readonly TypeIssue[]>();
  /** Types being walked, with their depth on the walk (recursion guard). */
  private readonly active = new Map<ts.Type, number>();
  /** Per frame: the shallowest active type a subtree ran into (a cycle back to it). */
  private readonly cycleHits: number[] = [];

  constructor(private readonly classify: TypeClassifier) {}

  /** Every issue inside `type`, routes relative to it. */
  check(type: ts.Type): readonly TypeIssue[] {
    type = this.classify.unwrapReadonly(type);
    const cached = this.memo.get(type);
    if (cached) return cached;
    const activeDepth = this.active.get(type);
    if (activeDepth !== undefined) {
      // A cycle: the type's issues are reported where the walk first entered it.
      this.noteCycle(activeDepth);
      return [];
    }
    const depth = this.active.size;
    if (depth > MAX_DEPTH) return [];
    this.active.set(type, depth);
    this.cycleHits.push(Infinity);
    let issues: readonly TypeIssue[];
    try {
      issues = this.walk(type);
    } finally {
      this.active.delete(type);
    }
    const shallowestHit = this.cycleHits.pop()!;
    this.noteCycle(shallowestHit);
    // Only a result that does not depend on an enclosing, unfinished type is complete on its own.
    if (shallowestHit >= depth) this.memo.set(type, issues);
    return issues;
  }

  /**
   * The receiver's fields as `this`: behaviour held in fields (`onClick = () => ...`) is not
   * sent and not an error there; every other field must be data.
   */
  checkReceiverFields(receiverType: ts.Type): readonly TypeIssue[] {
    let issues = this.receiverMemo.get(receiverType);
    if (!issues) {
      const found: TypeIssue[] = [];
      for (const property of this.classify.dataProperties(receiverType)) {
        const type = this.classify.tools.checker.getTypeOfSymbol(property);
        if (this.classify.isCallable(type)) continue;
        found.push(...this.under(this.propertyStep(property, type), this.check(type)));
      }
      this.receiverMemo.set(receiverType, (issues = found));
    }
    return issues;
  }

  private noteCycle(depth: number): void {
    const top = this.cycleHits.length - 1;
    if (top >= 0 && depth < this.cycleHits[top]!) this.cycleHits[top] = depth;
  }

  private walk(type: ts.Type): readonly TypeIssue[] {
    const { ts: t, checker } = this.classify.tools;
    const { TypeFlags } = t;
    const flags = type.flags;
    const error = (reason: string): TypeIssue[] => [{ severity: "error", route: [], type, reason }];

    if (flags & (TypeFlags.Any | TypeFlags.Unknown)) return [{ severity: "loose", route: [], type, reason: "" }];
    const fallback = this.classify.fallbackOf(type);
    if (fallback) return typeof fallback === "string" ? [] : this.check(fallback);
    if (flags & TypeFlags.Void) return error("void has no value to send or receive");
    if (flags & TypeFlags.Never) return error("never has no value");
    if (flags & TypeFlags.Undefined) return error("JSON has no undefined");
    if (flags & TypeFlags.ESSymbolLike) return error("symbols have no JSON form");
    if (flags & TypeFlags.BigIntLike) return error("JSON.stringify throws on a bigint; use number or a decimal string");
    if (flags & TypeFlags.Union) {
      const issues: TypeIssue[] = [];
      for (const member of (type as ts.UnionType).types) {
        // `x?: T` and `T | undefined` mean "may be absent", which JSON can say.
        if (member.flags & (TypeFlags.Undefined | TypeFlags.Void)) continue;
        issues.push(...this.check(member));
      }
      return dedupe(issues);
    }
    if (flags & TypeFlags.Intersection) {
      const members = (type as ts.IntersectionType).types;
      if (!members.every((m) => m.flags & TypeFlags.Object)) return dedupe(members.flatMap((m) => this.check(m)));
      return this.walkObject(type);
    }
    if (!(flags & TypeFlags.Object)) return []; // string, number, boolean, literals, enums, null, template literals

    if (this.classify.isDate(type)) return [];
    const libraryReason = this.classify.notJsonLibraryReason(type);
    if (libraryReason) return error(libraryReason);
    if (this.classify.isCallable(type)) return error("functions are behaviour, not data");
    if (checker.isArrayType(type)) {
      const element = checker.getTypeArguments(type as ts.TypeReference)[0];
      return element ? this.under(this.elementStep("[]", element), this.check(element)) : [];
    }
    if (checker.isTupleType(type)) {
      const elements = checker.getTypeArguments(type as ts.TypeReference);
      return elements.flatMap((element, index) => this.under(this.elementStep(`[${index}]`, element), this.check(element)));
    }
    return this.walkObject(type);
  }

  private walkObject(type: ts.Type): readonly TypeIssue[] {
    const { ts: t, checker } = this.classify.tools;
    const issues: TypeIssue[] = [];
    const properties = this.classify.dataProperties(type);
    for (const property of properties) {
      const propertyType = checker.getTypeOfSymbol(property);
      // The schema leaves out a property that can only be undefined or never; so does JSON.
      if (propertyType.flags & (t.TypeFlags.Undefined | t.TypeFlags.Never)) continue;
      issues.push(...this.under(this.propertyStep(property, propertyType), this.check(propertyType)));
    }
    const indexInfos = checker.getIndexInfosOfType(type);
    for (const info of indexInfos) {
      const label = info.keyType.flags & t.TypeFlags.NumberLike ? "[number]" : "[string]";
      issues.push(...this.under(this.elementStep(label, info.type), this.check(info.type)));
    }
    if (properties.length === 0 && indexInfos.length === 0) {
      const members = checker.getPropertiesOfType(type);
      const isClass = !!this.classify.classDeclarationOf(type);
      if (members.some((p) => this.classify.hiddenReason(p))) {
        const what = isClass ? "an instance of a class whose fields are all private, protected or @llmHidden" : "an object whose fields are all @llmHidden";
        issues.push({ severity: "error", route: [], type, reason: `${what} carries no data the model may see` });
      } else if (members.some((p) => this.classify.propertyRole(p) !== "data")) {
        const what = isClass ? "an instance of a class with only methods" : "an object with only methods";
        issues.push({ severity: "error", route: [], type, reason: `${what} carries no data` });
      }
    }
    return dedupe(issues);
  }

  private propertyStep(property: ts.Symbol, type: ts.Type): Step {
    const step: Step = { label: `.${property.name}`, property };
    const name = this.namedTypeName(type);
    if (name) step.typeName = name;
    return step;
  }

  private elementStep(label: string, type: ts.Type): Step {
    const name = this.namedTypeName(type);
    return name ? { label, typeName: name } : { label };
  }

  private namedTypeName(type: ts.Type): string | undefined {
    type = this.classify.unwrapReadonly(type);
    return this.classify.isNamedType(type) ? this.classify.declaredName(type) : undefined;
  }

  private under(step: Step, issues: readonly TypeIssue[]): TypeIssue[] {
    return issues.map((issue) => ({ ...issue, route: [step, ...issue.route] }));
  }
}

function dedupe(issues: TypeIssue[]): TypeIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.severity}|${issue.route.map((s) => s.label).join("")}|${issue.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The path a person reads: from the first named type on the route (`Customer.orders[].callback`),
 * or from `rootLabel` (the parameter name, `this` or `return`) when there is none.
 */
export function renderPath(rootLabel: string, rootTypeName: string | undefined, route: readonly Step[]): string {
  const labels = route.map((step) => step.label);
  if (rootTypeName && route.length > 0) return rootTypeName + labels.join("");
  // A named type where the route ends is the offending type itself, not a place to start from.
  for (let index = 0; index < route.length - 1; index++) {
    const name = route[index]!.typeName;
    if (name) return name + labels.slice(index + 1).join("");
  }
  return rootLabel + labels.join("");
}

/** The declaration of the last property on the route, for `related` information. */
export function offendingProperty(route: readonly Step[]): ts.Symbol | undefined {
  for (let index = route.length - 1; index >= 0; index--) {
    const property = route[index]!.property;
    if (property) return property;
  }
  return undefined;
}
