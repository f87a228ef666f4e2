import type * as ts from "typescript";
import type { Problem, StubSite } from "../analyse/types";
import type { TransformerContext } from "../context";
import { qualifiedNameOf, stubId } from "./names";

/** A declaration whose whole body is `stub()`, as find hands it to analysis and emit. */
export interface FoundStub {
  site: StubSite;
  /** The `stub()` call that becomes `__llmStrategy.invoke(...)`. */
  call: ts.CallExpression;
  /** Whether the runtime gets `this` (class members) or `undefined` (functions, arrows, object literal members). */
  passesThis: boolean;
  /** Parameter names in declaration order, passed as the call's argument array. */
  parameterNames: string[];
  /** The declaration has type parameters of its own, or is an instance member of a generic class: call sites get specialised. */
  generic: boolean;
  /** Problems find can see without analysis (return type, parameter names). Analysis runs only when there are none. */
  problems: Problem[];
}

type StubDeclaration =
  | ts.MethodDeclaration
  | ts.GetAccessorDeclaration
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction;

/**
 * The declaration a `stub()` call is the whole body of, or undefined when the call stands
 * anywhere else (which is `StubOutsideStubBody`).
 */
export function stubDeclarationOf(tsi: typeof ts, call: ts.CallExpression): StubDeclaration | undefined {
  let node: ts.Node = call;
  while (tsi.isParenthesizedExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  let candidate: ts.Node | undefined;
  if (tsi.isArrowFunction(parent) && parent.body === node) {
    candidate = parent;
  } else if (tsi.isReturnStatement(parent) && tsi.isBlock(parent.parent) && parent.parent.statements.length === 1) {
    candidate = parent.parent.parent;
    if (candidate && (candidate as ts.FunctionLikeDeclaration).body !== parent.parent) candidate = undefined;
  }
  if (!candidate) return undefined;
  if (
    tsi.isMethodDeclaration(candidate) ||
    tsi.isGetAccessorDeclaration(candidate) ||
    tsi.isFunctionDeclaration(candidate) ||
    tsi.isFunctionExpression(candidate) ||
    tsi.isArrowFunction(candidate)
  ) {
    return candidate;
  }
  return undefined; // constructors and setters cannot be stubs
}

/** Classifies a stub declaration and collects the problems find can see. */
export function describeStub(
  context: TransformerContext,
  declaration: StubDeclaration,
  call: ts.CallExpression,
  isPromiseType: (type: ts.Type) => boolean,
): FoundStub {
  const tsi = context.ts;
  const classMember = (tsi.isMethodDeclaration(declaration) || tsi.isGetAccessorDeclaration(declaration)) && tsi.isClassLike(declaration.parent);
  const isStatic = classMember && (tsi.getCombinedModifierFlags(declaration) & tsi.ModifierFlags.Static) !== 0;
  const kind: StubSite["kind"] = !classMember ? "function" : isStatic ? "static" : tsi.isGetAccessorDeclaration(declaration) ? "getter" : "method";
  const qualifiedName = qualifiedNameOf(tsi, declaration);
  const receiverClass = kind === "method" || kind === "getter" ? (declaration.parent as ts.ClassLikeDeclaration) : undefined;
  const site: StubSite = {
    declaration,
    kind,
    qualifiedName,
    id: stubId(context, declaration, qualifiedName),
    ...(receiverClass ? { receiverClass } : {}),
  };

  const { parameterNames, problems } = checkSignature(context, declaration, qualifiedName, isPromiseType);

  const ownTypeParameters = (declaration.typeParameters?.length ?? 0) > 0;
  const classTypeParameters = receiverClass !== undefined && (receiverClass.typeParameters?.length ?? 0) > 0;
  return {
    site,
    call,
    passesThis: classMember,
    parameterNames,
    generic: ownTypeParameters || classTypeParameters,
    problems,
  };
}

/**
 * What a stub's signature must satisfy before analysis: a declared `Promise<T>` return type and
 * plainly named parameters. Returns the parameter names (without a `this` parameter) and every problem.
 */
export function checkSignature(
  context: TransformerContext,
  declaration: ts.SignatureDeclaration,
  qualifiedName: string,
  isPromiseType: (type: ts.Type) => boolean,
): { parameterNames: string[]; problems: Problem[] } {
  const { ts: tsi, checker } = context;
  const problems: Problem[] = [];
  const parameterNames: string[] = [];
  for (const parameter of declaration.parameters) {
    if (tsi.isIdentifier(parameter.name)) {
      if (parameter.name.text !== "this") parameterNames.push(parameter.name.text);
    } else {
      problems.push({ kind: "ParameterNeedsName", args: { stub: qualifiedName }, node: parameter });
    }
  }
  if (!declaration.type) {
    problems.push({
      kind: "StubWithoutDeclaredReturnType",
      args: { stub: qualifiedName },
      node: tsi.getNameOfDeclaration(declaration) ?? declaration,
    });
  } else if (!isPromiseType(checker.getTypeFromTypeNode(declaration.type))) {
    problems.push({
      kind: "StubMustReturnPromise",
      args: { stub: qualifiedName, returnType: declaration.type.getText() },
      node: declaration.type,
    });
  }
  return { parameterNames, problems };
}

/** `type` is the global `Promise<T>` (also through aliases). */
export function createPromiseTypeTest(context: TransformerContext): (type: ts.Type) => boolean {
  const { ts: tsi, checker } = context;
  let promiseSymbol: ts.Symbol | undefined | null = null;
  return (type) => {
    if (promiseSymbol === null) {
      promiseSymbol = checker.resolveName("Promise", undefined, tsi.SymbolFlags.Type, false);
    }
    return type.getSymbol() !== undefined && type.getSymbol() === promiseSymbol;
  };
}
