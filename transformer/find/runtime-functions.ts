import type * as ts from "typescript";
import { isPackageRuntimeFile } from "../package-files";
import type { TransformerContext } from "../context";
import type { CalleeSymbols } from "./scan-program";

/** The runtime functions whose calls the transformer rewrites. */
export type RuntimeFunction = "stub" | "implement" | "hyperparameter";

const NAMES = new Set<string>(["stub", "implement", "hyperparameter"]);

/**
 * Recognises calls of the package's own `stub()` and `implement<I>()` by resolving the called
 * symbol to its declaration (through aliased and namespace imports and re-exports) and checking
 * that the declaration lives in the `llm-strategy` package: `runtime/stub.ts` in this repository,
 * `dist/runtime/stub.d.ts` once installed. A user's own function named `stub` is not ours.
 */
export function createRuntimeFunctionFinder(context: TransformerContext, calleeSymbol: CalleeSymbols): (call: ts.CallExpression) => RuntimeFunction | undefined {
  const { ts, checker } = context;
  const bySymbol = new Map<ts.Symbol, RuntimeFunction | undefined>();

  function classify(symbol: ts.Symbol): RuntimeFunction | undefined {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const name = target.getName();
    if (!NAMES.has(name)) return undefined;
    const declaration = target.declarations?.find(ts.isFunctionDeclaration);
    if (!declaration || !isPackageRuntimeFile(declaration.getSourceFile().fileName)) return undefined;
    return name as RuntimeFunction;
  }

  return (call) => {
    // `stub()` takes no argument, `implement<I>(model?)` at most one, `hyperparameter(name, default, options?)` two or three: a cheap filter before asking the checker.
    if (call.arguments.length > 3) return undefined;
    const callee = call.expression;
    const nameNode = ts.isIdentifier(callee)
      ? callee
      : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)
        ? callee.name
        : undefined;
    if (!nameNode) return undefined;
    const symbol = calleeSymbol(nameNode);
    if (!symbol) return undefined;
    // Without an alias the declared name must already be ours; skips the map for ordinary calls.
    if (!(symbol.flags & ts.SymbolFlags.Alias) && !NAMES.has(symbol.getName())) return undefined;
    if (!bySymbol.has(symbol)) bySymbol.set(symbol, classify(symbol));
    return bySymbol.get(symbol);
  };
}

