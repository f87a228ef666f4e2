import type * as ts from "typescript";
import { SPEC_VERSION, type RevivalPlan } from "../../runtime/spec";
import { mapRevivalClasses } from "../revival-classes";
import type { ClassAccess } from "../find/class-references";
import type { PlannedCallSpec, PlannedInterfaceConst } from "../plan";
import { RawExpression, type LiteralValue } from "./literal";

/** How emit refers to things outside the spec literal. */
export interface SpecReferences {
  /** The const holding a named definition. */
  definitionConst(name: string): string;
  /** What a class thunk returns: `Customer` (no `object`), or `__llmStrategy_customer.Customer`. */
  classReference(access: ClassAccess): { object?: string; name: string };
}

/** A reference to a module-scope const. */
export function constReference(tsi: typeof ts, name: string): RawExpression {
  return new RawExpression(name, () => tsi.factory.createIdentifier(name));
}

/**
 * A `CallSpec` as a literal's value. Keys in the contract's order with the prompt first, so the
 * compiled file reads top-down: what is asked, then the schemas.
 */
export function specValue(tsi: typeof ts, spec: PlannedCallSpec, references: SpecReferences): LiteralValue {
  const definitions: { [name: string]: LiteralValue } = {};
  for (const name of spec.definitionNames) definitions[name] = constReference(tsi, references.definitionConst(name));
  return {
    version: SPEC_VERSION,
    id: spec.id,
    kind: spec.kind,
    typeArguments: spec.typeArguments,
    template: spec.template,
    doc: spec.doc,
    templateIfSchemaSent: spec.templateIfSchemaSent,
    outputTypes: spec.outputTypes,
    params: spec.params.map((param) => ({ name: param.name, role: param.role })),
    thisFields: spec.thisFields,
    input: spec.input as LiteralValue,
    output: spec.output as LiteralValue,
    wrapper: spec.wrapper,
    definitions,
    revive: spec.revive ? revivalPlanValue(tsi, spec.revive, references) : undefined,
    checks: spec.checks?.map((check) => ({
      expression: check.expression,
      message: check.message,
      test: checkFunction(tsi, spec.params.map((param) => param.name), check.test),
    })),
    hash: spec.hash,
  };
}

/** An `InterfaceSpec` as a literal's value, its methods referring to their spec consts. */
export function interfaceValue(tsi: typeof ts, planned: PlannedInterfaceConst): LiteralValue {
  const methods: { [name: string]: LiteralValue } = {};
  for (const method of planned.methods) methods[method.name] = constReference(tsi, method.specConst);
  return { version: SPEC_VERSION, id: planned.id, name: planned.name, methods };
}

function revivalPlanValue(tsi: typeof ts, plan: RevivalPlan<ClassAccess>, references: SpecReferences): LiteralValue {
  const emitted = mapRevivalClasses(plan, (access) => classThunk(tsi, references.classReference(access)));
  // Plain JSON but for the thunks (the union options' `match` schemas are JSON too).
  return emitted as unknown as LiteralValue;
}

/** `() => Customer`: classes are read when a reply is revived, never while the module initialises (TypeScript 5 compiles a decorated class to `let C = (() => {...})()`, so a direct reference at module scope would hit its temporal dead zone). */
function classThunk(tsi: typeof ts, target: { object?: string; name: string }): RawExpression {
  const f = tsi.factory;
  const text = target.object === undefined ? target.name : `${target.object}.${target.name}`;
  return new RawExpression(`() => ${text}`, () => {
    const expression = target.object === undefined ? f.createIdentifier(target.name) : f.createPropertyAccessExpression(f.createIdentifier(target.object), target.name);
    return f.createArrowFunction(undefined, undefined, [], undefined, f.createToken(tsi.SyntaxKind.EqualsGreaterThanToken), expression);
  });
}

/**
 * `function (value, numCustomers) { return value.length === numCustomers; }`: the runtime calls it
 * with the receiver as `this`, the value, then the stub's arguments in order. The expression is
 * JavaScript text already (analysis transpiled it); it is written out as it is, since it belongs
 * to no node of this file and holds no binding the module transforms could rename.
 */
function checkFunction(tsi: typeof ts, parameterNames: string[], js: string): RawExpression {
  const f = tsi.factory;
  const names = ["value", ...parameterNames];
  return new RawExpression(`function (${names.join(", ")}) { return ${js}; }`, () => {
    const parameters = names.map((name) => f.createParameterDeclaration(undefined, undefined, name));
    const body = f.createBlock([f.createReturnStatement(f.createIdentifier(js))], false);
    return f.createFunctionExpression(undefined, undefined, undefined, undefined, parameters, undefined, body);
  });
}
