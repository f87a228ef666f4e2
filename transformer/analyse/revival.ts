/**
 * Where a reply holds class instances and Dates, and how to get there: the `RevivalPlan` the
 * runtime follows after validation. Interfaces and type literals are plain objects already;
 * they appear only as the way to a class or a Date further down. Recursive types (a tree of
 * class nodes) are named revivals referenced by `{ kind: "ref" }`, keyed like the schema's
 * definitions.
 */
import type * as ts from "typescript";
import type { JsonSchema, Revival, RevivalPlan } from "../../runtime/spec";
import type { ClassReference } from "./types";
import type { TypeClassifier } from "./classify";

type Plan = Revival<ClassReference>;

export interface RevivalNaming {
  /** The file's definition name for a (recursive) type. */
  nameOf(type: ts.Type): string;
  /** The schema of one union member, for `{ kind: "union" }` options. */
  matchSchema(type: ts.Type): JsonSchema;
}

/** Does any value of the type hold a class instance or a Date? Cached per type, cycle-safe. */
class RevivalNeeds {
  private readonly memo = new Map<ts.Type, boolean>();
  private readonly active = new Map<ts.Type, number>();
  private readonly cycleHits: number[] = [];

  constructor(private readonly classify: TypeClassifier) {}

  needs(type: ts.Type): boolean {
    type = this.classify.unwrapReadonly(type);
    const cached = this.memo.get(type);
    if (cached !== undefined) return cached;
    const activeDepth = this.active.get(type);
    if (activeDepth !== undefined) {
      this.noteCycle(activeDepth);
      return false; // a cycle adds nothing by itself; other branches decide
    }
    const depth = this.active.size;
    this.active.set(type, depth);
    this.cycleHits.push(Infinity);
    let result = false;
    try {
      result = partsOf(this.classify, type).some((part) => part === "self" || this.needs(part.type));
    } finally {
      this.active.delete(type);
    }
    const shallowestHit = this.cycleHits.pop()!;
    this.noteCycle(shallowestHit);
    // A "no" reached through an unfinished enclosing type may turn into "yes" later; a "yes" is final.
    if (result || shallowestHit >= depth) this.memo.set(type, result);
    return result;
  }

  private noteCycle(depth: number): void {
    const top = this.cycleHits.length - 1;
    if (top >= 0 && depth < this.cycleHits[top]!) this.cycleHits[top] = depth;
  }
}

/** One planner per file (plans name recursive types with the file's names). */
export class RevivalPlanner {
  private readonly needs: RevivalNeeds;
  private readonly memo = new Map<ts.Type, Plan>();
  private readonly active = new Set<ts.Type>();
  private readonly recursive = new Set<ts.Type>();
  /** Named revivals of recursive types, for every plan of the file. */
  private readonly named = new Map<string, Plan>();
  /** Plans by output type: the stubs of a file that return one type share its plan (planning resolves its classes once). */
  private readonly plans = new Map<ts.Type, RevivalPlan<ClassReference> | undefined>();

  constructor(
    private readonly classify: TypeClassifier,
    private readonly naming: RevivalNaming,
  ) {
    this.needs = new RevivalNeeds(classify);
  }

  /** The plan for a stub's output type; undefined when nothing in it needs reviving. */
  plan(type: ts.Type): RevivalPlan<ClassReference> | undefined {
    if (this.plans.has(type)) return this.plans.get(type);
    const plan = this.planOf(type);
    this.plans.set(type, plan);
    return plan;
  }

  private planOf(type: ts.Type): RevivalPlan<ClassReference> | undefined {
    if (!this.needs.needs(type)) return undefined;
    const value = this.revive(type);
    const definitions: { [name: string]: Plan } = {};
    const visit = (plan: Plan): void => {
      switch (plan.kind) {
        case "ref":
          if (!(plan.name in definitions)) {
            definitions[plan.name] = this.named.get(plan.name)!;
            visit(definitions[plan.name]!);
          }
          return;
        case "class":
        case "object":
          for (const name in plan.props ?? {}) visit(plan.props![name]!);
          return;
        case "array":
          return visit(plan.items);
        case "tuple":
          for (const item of plan.items) if (item) visit(item);
          return;
        case "record":
          return visit(plan.values);
        case "union":
          for (const option of plan.options) visit(option.revive);
          return;
        case "date":
          return;
      }
    };
    visit(value);
    return Object.keys(definitions).length > 0 ? { value, definitions } : { value };
  }

  /** Every class a plan constructs (for the reachability check). */
  static classesIn(plan: RevivalPlan<ClassReference>): ClassReference[] {
    const found: ClassReference[] = [];
    const visit = (p: Plan): void => {
      if (p.kind === "class") found.push(p.class);
      if (p.kind === "class" || p.kind === "object") for (const name in p.props ?? {}) visit(p.props![name]!);
      else if (p.kind === "array") visit(p.items);
      else if (p.kind === "tuple") for (const item of p.items) item && visit(item);
      else if (p.kind === "record") visit(p.values);
      else if (p.kind === "union") for (const option of p.options) visit(option.revive);
    };
    visit(plan.value);
    for (const name in plan.definitions ?? {}) visit(plan.definitions![name]!);
    return found;
  }

  /** Only called for types that need revival. */
  private revive(type: ts.Type): Plan {
    type = this.classify.unwrapReadonly(type);
    const cached = this.memo.get(type);
    if (cached) return cached;
    if (this.active.has(type)) {
      this.recursive.add(type);
      return { kind: "ref", name: this.naming.nameOf(type) };
    }
    this.active.add(type);
    let plan: Plan;
    try {
      plan = this.build(type);
    } finally {
      this.active.delete(type);
    }
    if (this.recursive.has(type)) {
      const name = this.naming.nameOf(type);
      this.named.set(name, plan);
      plan = { kind: "ref", name };
    }
    this.memo.set(type, plan);
    return plan;
  }

  private build(type: ts.Type): Plan {
    const parts = partsOf(this.classify, type);
    const shape = shapeOf(this.classify, type);
    switch (shape) {
      case "date":
        return { kind: "date" };
      case "union": {
        const revivable = parts.filter((part): part is Part => part !== "self" && this.needs.needs(part.type));
        const others = parts.length - revivable.length;
        if (revivable.length === 1 && others === 0) return this.revive(revivable[0]!.type);
        return {
          kind: "union",
          options: revivable.map((part) => ({ match: this.naming.matchSchema(part.type), revive: this.revive(part.type) })),
        };
      }
      case "array":
        return { kind: "array", items: this.revive((parts[0] as Part).type) };
      case "tuple":
        return { kind: "tuple", items: parts.map((part) => (part !== "self" && this.needs.needs(part.type) ? this.revive(part.type) : null)) };
      case "object":
      case "class": {
        const props: { [name: string]: Plan } = {};
        let indexValue: Plan | undefined;
        for (const part of parts) {
          if (part === "self" || !this.needs.needs(part.type)) continue;
          if (part.property) props[part.property] = this.revive(part.type);
          else indexValue ??= this.revive(part.type);
        }
        const hasProps = Object.keys(props).length > 0;
        if (shape === "class") {
          const declaration = classOf(this.classify, type)! as ts.ClassDeclaration;
          return hasProps ? { kind: "class", class: { declaration }, props } : { kind: "class", class: { declaration } };
        }
        if (!hasProps && indexValue) return { kind: "record", values: indexValue };
        return { kind: "object", props };
      }
      default: {
        // A type parameter revives as its constraint.
        const only = parts.length === 1 ? parts[0] : undefined;
        if (only && only !== "self") return this.revive(only.type);
        throw new Error(`revival of a ${shape} type was requested although it needs none`);
      }
    }
  }
}

interface Part {
  type: ts.Type;
  /** The property name, for object parts; absent for index signature values and elements. */
  property?: string;
}

type Shape = "date" | "union" | "array" | "tuple" | "class" | "object" | "leaf";

function shapeOf(classify: TypeClassifier, type: ts.Type): Shape {
  const { ts: t, checker } = classify.tools;
  const flags = type.flags;
  if (flags & t.TypeFlags.Union) return "union";
  if (classify.fallbackOf(type)) return "leaf";
  if (flags & t.TypeFlags.Intersection) return classesOfIntersection(classify, type) ? "class" : "object";
  if (!(flags & t.TypeFlags.Object)) return "leaf";
  if (classify.isDate(type)) return "date";
  if (classify.isCallable(type) || classify.notJsonLibraryReason(type)) return "leaf";
  if (checker.isArrayType(type)) return "array";
  if (checker.isTupleType(type)) return "tuple";
  return classify.classDeclarationOf(type) ? "class" : "object";
}

/** An intersection with exactly one class member revives as that class. */
function classesOfIntersection(classify: TypeClassifier, type: ts.Type): boolean {
  return (type as ts.IntersectionType).types.filter((member) => classify.classDeclarationOf(member)).length === 1;
}

/** The class a value of `type` is an instance of (for an intersection: its one class member). */
function classOf(classify: TypeClassifier, type: ts.Type): ts.ClassLikeDeclaration | undefined {
  if (type.flags & classify.tools.ts.TypeFlags.Intersection) {
    for (const member of (type as ts.IntersectionType).types) {
      const declaration = classify.classDeclarationOf(member);
      if (declaration) return declaration;
    }
    return undefined;
  }
  return classify.classDeclarationOf(type);
}

/**
 * The parts of a value of `type` that revival may need to descend into; `"self"` marks a
 * type that is revived as a whole (Date, class).
 */
function partsOf(classify: TypeClassifier, type: ts.Type): (Part | "self")[] {
  const { ts: t, checker } = classify.tools;
  const { TypeFlags } = t;
  switch (shapeOf(classify, type)) {
    case "date":
      return ["self"];
    case "union":
      return (type as ts.UnionType).types
        .filter((member) => !(member.flags & (TypeFlags.Undefined | TypeFlags.Null | TypeFlags.Void)))
        .map((member) => ({ type: member }));
    case "array":
      return [{ type: checker.getTypeArguments(type as ts.TypeReference)[0]! }];
    case "tuple":
      return checker.getTypeArguments(type as ts.TypeReference).map((element) => ({ type: element }));
    case "class":
    case "object": {
      const parts: (Part | "self")[] = shapeOf(classify, type) === "class" ? ["self"] : [];
      for (const property of classify.dataProperties(type)) {
        const propertyType = checker.getTypeOfSymbol(property);
        if (classify.isCallable(propertyType)) continue;
        parts.push({ type: propertyType, property: property.name });
      }
      for (const info of checker.getIndexInfosOfType(type)) parts.push({ type: info.type });
      return parts;
    }
    case "leaf": {
      // Only the declaration's fallback sees a type parameter: it revives as its constraint.
      const fallback = classify.fallbackOf(type);
      return fallback && typeof fallback !== "string" ? [{ type: fallback }] : [];
    }
  }
}
