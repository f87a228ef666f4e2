import type * as ts from "typescript";
import type { TransformerContext } from "../context";
import type { ProgramScan } from "./scan-program";
import type { FoundStub } from "./stub-sites";

/** A call, or a `new` expression (of a class whose constructor is a generic helper). */
export type CallLike = ts.CallExpression | ts.NewExpression;

/** A call of a generic stub that can be rewritten into `callSpecialized(...)`. */
export interface SpecialisableCall {
  call: ts.CallExpression;
  stub: FoundStub;
  /** The call's resolved signature: parameter and return types instantiated with this call's type arguments. */
  signature: ts.Signature;
}

/**
 * The generic stub a call invokes, with its instantiated signature; undefined for every other
 * call. Optional calls (`a?.b()`, `a.b?.()`, `f?.()`) count too: emit writes their chain out so
 * the specialised call still short-circuits.
 */
export function specialisableCall(context: TransformerContext, scan: ProgramScan, call: ts.CallExpression): SpecialisableCall | undefined {
  const { ts: tsi, checker } = context;
  const callee = call.expression;
  let nameMatches: boolean;
  if (tsi.isIdentifier(callee)) {
    nameMatches = scan.genericStubNames.has(callee.text) || isAliasReference(tsi, scan, callee);
  } else if (tsi.isPropertyAccessExpression(callee)) {
    // `obj.#method()` is left alone: a temporary receiver cannot name a private member outside its class body reliably.
    nameMatches = tsi.isIdentifier(callee.name) && scan.genericStubNames.has(callee.name.text);
  } else if (tsi.isElementAccessExpression(callee)) {
    const key = callee.argumentExpression;
    nameMatches = tsi.isStringLiteralLike(key) && scan.genericStubNames.has(key.text);
  } else {
    return undefined;
  }
  if (!nameMatches) return undefined;
  const signature = checker.getResolvedSignature(call);
  const declaration = signature?.getDeclaration();
  const stub = declaration ? scan.genericStubs.get(declaration) : undefined;
  // The stub's own `stub()` call is never a call site (it is not generic, but be explicit).
  if (!signature || !stub || stub.call === call) return undefined;
  return { call, stub, signature };
}

/** `import { reflect as think }`: the callee's name differs from the declaration's. */
export function isAliasReference(tsi: typeof ts, scan: ProgramScan, identifier: ts.Identifier): boolean {
  if (scan.aliasNames && !scan.aliasNames.has(identifier.text)) return false;
  const symbol = scan.calleeSymbol(identifier);
  return symbol !== undefined && (symbol.flags & tsi.SymbolFlags.Alias) !== 0;
}

/** The type of a call's receiver; for `box?.pick()` without the `null`/`undefined` the `?.` skips. */
export function receiverTypeAt(checker: ts.TypeChecker, receiver: ts.Expression): ts.Type {
  const type = checker.getTypeAtLocation(receiver);
  return type.isUnion() ? checker.getNonNullableType(type) : type;
}

/** What the called signature returns; for an optional call without the `undefined` the checker adds for the short-circuit. */
export function returnTypeAt(checker: ts.TypeChecker, tsi: typeof ts, call: CallLike, signature: ts.Signature): ts.Type {
  const type = checker.getReturnTypeOfSignature(signature);
  return tsi.isOptionalChain(call) && type.isUnion() ? checker.getNonNullableType(type) : type;
}
