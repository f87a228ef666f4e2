/**
 * What emit writes for one file: plain data built by find and analysis, plus the call nodes to
 * replace. Emit turns it into AST without asking the checker.
 */
import type * as ts from "typescript";
import type { CallSpec, JsonSchema } from "../runtime/spec";
import type { HiddenFields } from "./analyse/types";
import type { EmittedNames } from "./emitted-names";
import type { ClassAccess } from "./find/class-references";
import type { CallLike } from "./find/generic-calls";

/** A spec as emit writes it: classes resolved to how this file reaches them; `definitions` by name. */
/** `checks[].test` is the expression's JavaScript text; emit wraps it in a function. */
export type PlannedCallSpec = Omit<CallSpec<ClassAccess, string>, "version" | "definitions"> & { definitionNames: string[]; hiddenFields?: HiddenFields };

export interface PlannedSpecConst {
  /** Name of the module-scope const holding the spec. */
  constName: string;
  spec: PlannedCallSpec;
}

export interface PlannedInterfaceConst {
  constName: string;
  id: string;
  name: string;
  /** Method name -> const name of its spec. */
  methods: { name: string; specConst: string }[];
}

/**
 * The table of one generic helper for one list of type arguments (`HelperSpecialisation`):
 * each dependent call's key -> the const of its spec or of the callee helper's table.
 */
export interface PlannedHelperTable {
  constName: string;
  id: string;
  typeArguments: string;
  calls: { key: string; constName: string }[];
}

/** One node of the source replaced by a runtime call. */
export type Rewrite =
  /** A stub's `stub()` call -> `__llmStrategy.invoke(spec, this | void 0, [params])`. */
  | { kind: "invoke"; node: ts.CallExpression; specConst: string; passesThis: boolean; parameterNames: string[] }
  /** `implement<I>(model?)` -> `__llmStrategy.implementInterface(spec, model?)`. */
  | { kind: "implement"; node: ts.CallExpression; specConst: string }
  /** A call of a generic stub or helper -> `__llmStrategy.callSpecialized(spec, receiver, fn, [args])`; `new` of a helper constructor's class -> `constructSpecialized(table, Class, [args])`. */
  | { kind: "specialise"; node: CallLike; specConst: string }
  /** A generic helper's body starts with `const <typesName> = __llmStrategy.helperTypes(id);` (an arrow's expression body becomes a block). */
  | { kind: "helperEntry"; node: ts.FunctionLikeDeclaration; typesName: string; id: string }
  /** A call inside a helper whose types depend on the helper's -> `callSpecialized(<typesName>.calls.<key>, receiver, fn, [args])`. */
  | { kind: "dependent"; node: CallLike; typesName: string; key: string };

export interface FilePlan {
  /** The names of the consts above, taken from the names emit also takes its own from. */
  names: EmittedNames;
  /** Named schemas the file's specs use, each written once as a const. */
  definitions: Map<string, JsonSchema>;
  specs: PlannedSpecConst[];
  interfaces: PlannedInterfaceConst[];
  /** Helper tables, callees before callers (a table a cycle reaches early is assigned after all are declared). */
  helperTables: PlannedHelperTable[];
  rewrites: Rewrite[];
}

/** Whether a plan leaves its file as it is: nothing to add, nothing to replace. */
export function isEmptyPlan(plan: FilePlan): boolean {
  return plan.rewrites.length === 0 && plan.specs.length === 0 && plan.interfaces.length === 0 && plan.helperTables.length === 0;
}
