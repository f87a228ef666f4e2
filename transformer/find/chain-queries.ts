import type * as ts from "typescript";
import { CHAIN_QUERY_ID } from "../../runtime/spec";
import type { TransformerContext } from "../context";
import { isPackageRuntimeFile } from "../package-files";
import type { FoundStub } from "./stub-sites";

/** The runtime's structured chain query: `ChatChain.structuredQuery<T>(question)`. */
const CHAIN_CLASS = "ChatChain";
export const CHAIN_QUERY_METHOD = "structuredQuery";

/**
 * Recognises calls of the runtime's own `ChatChain.structuredQuery<T>()` (resolved to its
 * declaration in the `llm-strategy` package, never by name alone) and describes that declaration
 * as a generic stub, so each call site is specialised by the same path as a call of a user's
 * generic stub: analysed at the call with `T` instantiated, rewritten into `callSpecialized`.
 * Its spec id is `CHAIN_QUERY_ID`, under which the runtime's method reads the specialisation.
 */
export function createChainQueryFinder(context: TransformerContext): (call: ts.CallExpression) => FoundStub | undefined {
  const { ts: tsi, checker } = context;
  const byDeclaration = new Map<ts.Node, FoundStub | undefined>();

  return (call) => {
    const callee = call.expression;
    const named =
      (tsi.isPropertyAccessExpression(callee) && tsi.isIdentifier(callee.name) && callee.name.text === CHAIN_QUERY_METHOD) ||
      (tsi.isElementAccessExpression(callee) && tsi.isStringLiteralLike(callee.argumentExpression) && callee.argumentExpression.text === CHAIN_QUERY_METHOD);
    if (!named) return undefined;
    const declaration = checker.getResolvedSignature(call)?.getDeclaration();
    if (!declaration) return undefined;
    if (!byDeclaration.has(declaration)) byDeclaration.set(declaration, describe(declaration));
    return byDeclaration.get(declaration);
  };

  function describe(declaration: ts.SignatureDeclaration | ts.JSDocSignature): FoundStub | undefined {
    if (!tsi.isMethodDeclaration(declaration) || !tsi.isClassDeclaration(declaration.parent) || declaration.parent.name?.text !== CHAIN_CLASS) return undefined;
    if (!isPackageRuntimeFile(declaration.getSourceFile().fileName)) return undefined;
    return {
      // Kind "function": the chain itself is not an input (its conversation is sent as messages).
      site: { declaration, kind: "function", qualifiedName: `${CHAIN_CLASS}.${CHAIN_QUERY_METHOD}`, id: CHAIN_QUERY_ID },
      // There is no `stub()` call in the runtime's method; a node no call site can be.
      call: tsi.factory.createCallExpression(tsi.factory.createIdentifier(CHAIN_QUERY_METHOD), undefined, []),
      passesThis: true,
      parameterNames: declaration.parameters.map((parameter) => (tsi.isIdentifier(parameter.name) ? parameter.name.text : "")),
      generic: true,
      problems: [],
    };
  }
}
