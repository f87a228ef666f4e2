import type * as ts from "typescript";
import type { TransformerContext } from "../context";

/** Replaces type parameters in a type: `TaskRun<P, R>` with `P -> EssayParams, R -> string` is `TaskRun<EssayParams, string>`. */
export type Instantiate = (type: ts.Type, sources: readonly ts.TypeParameter[], targets: readonly ts.Type[]) => ts.Type;

/**
 * The checker's own type instantiation, which its public API does not expose. A stub called
 * inside a generic helper is resolved once, with the helper's type parameters; its schemas for
 * one caller need those parameters replaced by the caller's types, exactly as the checker would
 * (mapped, conditional and indexed types included), so the checker does it: a transient symbol
 * marked "instantiated" carries the type and a type mapper, and `getTypeOfSymbol` instantiates
 * it (the path the checker takes for members of generic types). Works on TypeScript 5.x and 6.x,
 * the compiler APIs every route of llm-strategy analyses with; the first call checks the pieces
 * exist and that a plain instantiation comes out right, else it throws, naming the version.
 */
export function createInstantiator(context: TransformerContext): Instantiate {
  const { ts: tsi, checker } = context;
  type Internal = ts.TypeChecker & { createSymbol?(flags: ts.SymbolFlags, name: string, checkFlags?: number): ts.Symbol & { links?: Links } };
  type Links = { type?: ts.Type; target?: ts.Symbol; mapper?: unknown };
  const internal = checker as Internal;
  const internals = tsi as unknown as { CheckFlags?: { Instantiated?: number }; TypeMapKind?: { Array?: number } };
  const instantiatedFlag = internals.CheckFlags?.Instantiated;
  const arrayMapper = internals.TypeMapKind?.Array;
  let checked = false;

  const instantiate: Instantiate = (type, sources, targets) => {
    if (sources.length === 0) return type;
    if (typeof internal.createSymbol !== "function" || instantiatedFlag === undefined || arrayMapper === undefined) unsupported();
    const carrier = internal.createSymbol(tsi.SymbolFlags.Property, "__llmStrategyType");
    const instantiated = internal.createSymbol(tsi.SymbolFlags.Property, "__llmStrategyInstantiated", instantiatedFlag);
    if (!carrier.links || !instantiated.links) unsupported();
    carrier.links.type = type;
    instantiated.links.target = carrier;
    instantiated.links.mapper = { kind: arrayMapper, sources, targets };
    return checker.getTypeOfSymbol(instantiated);
  };

  return (type, sources, targets) => {
    if (!checked && sources.length > 0) {
      checked = true;
      // The plainest case must map the parameter itself to its target.
      if (instantiate(sources[0]!, sources, targets) !== targets[0]) unsupported();
    }
    return instantiate(type, sources, targets);
  };

  function unsupported(): never {
    throw new Error(
      `llm-strategy/transformer: specialising generic helpers needs the type instantiation of TypeScript 5.x/6.x, which this TypeScript (${tsi.version}) does not have. ` +
        `Please report this with the TypeScript version.`,
    );
  }
}
