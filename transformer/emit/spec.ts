import type * as ts from "typescript";
import { SPEC_VERSION, type RevivalPlan } from "../../runtime/spec";
import { mapRevivalClasses } from "../revival-classes";
import type { ClassAccess } from "../find/class-references";
import type { PlannedCallSpec, PlannedInterfaceConst } from "../plan";
import { literal, RawExpression, type LiteralValue } from "./literal";

/** How emit refers to things outside the spec literal. */
export interface SpecReferences {
  /** The const holding a named definition. */
  definitionConst(name: string): string;
  /** The expression a class thunk returns (`Customer`, `__llmStrategy_customer.Customer`). */
  classExpression(access: ClassAccess): ts.Expression;
}

/**
 * A `CallSpec` object literal. Keys in the contract's order with the prompt first, so the
 * compiled file reads top-down: what is asked, then the schemas.
 */
export function specLiteral(tsi: typeof ts, spec: PlannedCallSpec, references: SpecReferences): ts.Expression {
  const f = tsi.factory;
  const definitions: { [name: string]: LiteralValue } = {};
  for (const name of spec.definitionNames) definitions[name] = new RawExpression(f.createIdentifier(references.definitionConst(name)));
  const value: { [key: string]: LiteralValue | undefined } = {
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
      test: new RawExpression(checkFunction(tsi, spec.params.map((param) => param.name), check.test)),
    })),
    hash: spec.hash,
  };
  return literal(tsi, value);
}

/** An `InterfaceSpec` literal whose methods refer to their spec consts. */
export function interfaceLiteral(tsi: typeof ts, planned: PlannedInterfaceConst): ts.Expression {
  const methods: { [name: string]: LiteralValue } = {};
  for (const method of planned.methods) methods[method.name] = new RawExpression(tsi.factory.createIdentifier(method.specConst));
  return literal(tsi, { version: SPEC_VERSION, id: planned.id, name: planned.name, methods });
}

function revivalPlanValue(tsi: typeof ts, plan: RevivalPlan<ClassAccess>, references: SpecReferences): LiteralValue {
  const emitted = mapRevivalClasses(plan, (access) => new RawExpression(classThunk(tsi, references.classExpression(access))));
  // Plain JSON but for the thunks (the union options' `match` schemas are JSON too).
  return emitted as unknown as LiteralValue;
}

/** `() => Customer`: classes are read when a reply is revived, never while the module initialises (TypeScript 5 compiles a decorated class to `let C = (() => {...})()`, so a direct reference at module scope would hit its temporal dead zone). */
function classThunk(tsi: typeof ts, target: ts.Expression): ts.ArrowFunction {
  const f = tsi.factory;
  return f.createArrowFunction(undefined, undefined, [], undefined, f.createToken(tsi.SyntaxKind.EqualsGreaterThanToken), target);
}

/**
 * `function (value, numCustomers) { return value.length === numCustomers; }`: the runtime calls it
 * with the receiver as `this`, the value, then the stub's arguments in order. The expression is
 * JavaScript text already (analysis transpiled it); it is written out as it is, since it belongs
 * to no node of this file and holds no binding the module transforms could rename.
 */
function checkFunction(tsi: typeof ts, parameterNames: string[], js: string): ts.FunctionExpression {
  const f = tsi.factory;
  const parameters = ["value", ...parameterNames].map((name) => f.createParameterDeclaration(undefined, undefined, name));
  const body = f.createBlock([f.createReturnStatement(f.createIdentifier(js))], false);
  return f.createFunctionExpression(undefined, undefined, undefined, undefined, parameters, undefined, body);
}
