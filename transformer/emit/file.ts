import type * as ts from "typescript";
import type { ClassAccess } from "../find/class-references";
import { RUNTIME_NAMESPACE } from "../emitted-names";
import { isEmptyPlan, type FilePlan, type Rewrite } from "../plan";
import { SPEC_VERSION } from "../../runtime/spec";
import { moduleScopeWriter, RawExpression, textNode, writesText, type LiteralValue, type ModuleStatement } from "./literal";
import { chainLinks, isOutermostOptionalChain, lowerOptionalChain, type SpecialisedCallRewriting } from "./optional-chain";
import type { CallLike } from "../find/generic-calls";
import { constReference, interfaceValue, specValue } from "./spec";

/**
 * Writes a file's plan into its AST: one namespace import of the runtime, namespace imports of
 * the modules declaring revived classes, module-scope consts for named definitions and specs
 * (after the file's leading imports), and each planned call replaced by a runtime call.
 * Everything else is returned as the same nodes, so source maps and comments stay as they were.
 */
export function emitFile(
  tsi: typeof ts,
  transformation: ts.TransformationContext,
  file: ts.SourceFile,
  plan: FilePlan,
  runtimeModule: string,
): ts.SourceFile {
  if (isEmptyPlan(plan)) return file;
  const f = tsi.factory;
  const runtime = (member: string): ts.Expression => f.createPropertyAccessExpression(f.createIdentifier(RUNTIME_NAMESPACE), member);

  const names = plan.names.copy();
  const definitionConsts = new Map<string, string>();
  for (const name of [...plan.definitions.keys()].sort()) definitionConsts.set(name, names.take("Def", name));

  const moduleImports = new Map<string, string>();
  const classReference = (access: ClassAccess): { object?: string; name: string } => {
    if (access.kind === "local") return { name: access.name };
    let alias = moduleImports.get(access.specifier);
    if (!alias) {
      alias = names.take("", access.specifier.replace(/\.[cm]?[jt]sx?$/, "").replace(/.*\//, "") || "module");
      moduleImports.set(access.specifier, alias);
    }
    return { object: alias, name: access.exportName };
  };
  const references = {
    definitionConst: (name: string): string => {
      const constName = definitionConsts.get(name);
      if (!constName) throw new Error(`llm-strategy/transformer: spec refers to definition "${name}" that the analyser did not provide`);
      return constName;
    },
    classReference,
  };

  const moduleScope: ModuleStatement[] = [
    ...[...definitionConsts].map(([name, constName]) => ({ name: constName, value: plan.definitions.get(name) as LiteralValue })),
    ...plan.specs.map((planned) => ({ name: planned.constName, value: specValue(tsi, planned.spec, references) })),
    ...plan.interfaces.map((planned) => ({ name: planned.constName, value: interfaceValue(tsi, planned) })),
    ...helperTableStatements(tsi, plan),
  ];
  const importStatement = (alias: string, specifier: string): ts.Statement =>
    f.createImportDeclaration(undefined, f.createImportClause(undefined, undefined, f.createNamespaceImport(f.createIdentifier(alias))), f.createStringLiteral(specifier));
  const added = [
    importStatement(RUNTIME_NAMESPACE, runtimeModule),
    ...[...moduleImports].map(([specifier, alias]) => importStatement(alias, specifier)),
    ...moduleScopeWriter(tsi, transformation.getCompilerOptions())(moduleScope),
  ];

  const statements = rewriteStatements(tsi, transformation, file, plan.rewrites, runtime);
  // After the prologue and the file's leading imports, so header comments stay on top.
  let insertAt = 0;
  while (insertAt < statements.length && isPrologueOrImport(tsi, statements[insertAt]!, insertAt, statements)) insertAt++;
  return f.updateSourceFile(file, [...statements.slice(0, insertAt), ...added, ...statements.slice(insertAt)]);
}

function isPrologueOrImport(tsi: typeof ts, statement: ts.Statement, index: number, statements: readonly ts.Statement[]): boolean {
  if (tsi.isImportDeclaration(statement) || tsi.isImportEqualsDeclaration(statement)) return true;
  // A directive ("use strict", "use client") only counts in the leading run of string statements.
  return statements.slice(0, index + 1).every((candidate) => tsi.isExpressionStatement(candidate) && tsi.isStringLiteral(candidate.expression));
}

/** Visits only the nodes that contain a planned rewrite; every other subtree is returned untouched. */
function rewriteStatements(
  tsi: typeof ts,
  transformation: ts.TransformationContext,
  file: ts.SourceFile,
  rewrites: Rewrite[],
  runtime: (member: string) => ts.Expression,
): readonly ts.Statement[] {
  if (rewrites.length === 0) return file.statements;
  const f = tsi.factory;
  const asText = writesText(tsi, transformation.getCompilerOptions());
  const byNode = new Map<ts.Node, Rewrite>(rewrites.map((rewrite) => [rewrite.node, rewrite]));
  // The rewritten nodes and their ancestors: one lookup per visited node, not one range test per rewrite.
  const onPath = new Set<ts.Node>();
  for (const rewrite of rewrites) for (let node: ts.Node | undefined = rewrite.node; node && !onPath.has(node); node = node.parent) onPath.add(node);
  const containsRewrite = (node: ts.Node): boolean => onPath.has(node);

  /** The spec a call is specialised with, if its rewrite is `specialise` or `dependent`. */
  const specOf = (call: CallLike): ts.Expression | undefined => {
    const rewrite = byNode.get(call);
    if (rewrite?.kind === "specialise") return f.createIdentifier(rewrite.specConst);
    // `__llmStrategyTypes_step.calls.reflect`: this call's entry in the table the helper took on entry.
    if (rewrite?.kind === "dependent") return f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier(rewrite.typesName), "calls"), rewrite.key);
    return undefined;
  };
  const specialise = (spec: ts.Expression, receiver: ts.Expression, fn: ts.Expression, args: ts.Expression[]): ts.Expression =>
    f.createCallExpression(runtime("callSpecialized"), undefined, [spec, receiver, fn, f.createArrayLiteralExpression(args)]);

  const visitor = (node: ts.Node): ts.Node => {
    if (!containsRewrite(node)) return node;
    // `a?.m(x)`: the whole chain is written out, so the specialised call keeps the short-circuit.
    if (isOutermostOptionalChain(tsi, node) && chainLinks(tsi, node).links.some((link) => tsi.isCallExpression(link) && specOf(link))) {
      const lowered = lowerOptionalChain(rewriting, node, specOf);
      tsi.setOriginalNode(lowered, node);
      return tsi.setTextRange(lowered, node);
    }
    const rewrite = byNode.get(node);
    if (!rewrite) return tsi.visitEachChild(node, visitor, transformation);
    if (rewrite.kind === "helperEntry") return helperWithEntry(tsi, tsi.visitEachChild(rewrite.node, visitor, transformation), rewrite.typesName, rewrite.id, runtime);
    const call = rewrite.node;
    const args = (call.arguments ?? []).map((argument) => tsi.visitNode(argument, visitor, tsi.isExpression));
    let replacement: ts.Expression;
    switch (rewrite.kind) {
      case "invoke":
        // Its parts are the spec const, `this` of a method and the stub's own parameters, which
        // no transform renames where the printer writes what emit adds unchanged: then it is text.
        replacement = asText
          ? textNode(tsi, `${RUNTIME_NAMESPACE}.invoke(${rewrite.specConst}, ${rewrite.passesThis ? "this" : "void 0"}, [${rewrite.parameterNames.join(", ")}])`)
          : f.createCallExpression(runtime("invoke"), undefined, [
              f.createIdentifier(rewrite.specConst),
              rewrite.passesThis ? f.createThis() : f.createVoidZero(),
              f.createArrayLiteralExpression(rewrite.parameterNames.map((name) => f.createIdentifier(name))),
            ]);
        break;
      case "implement":
        replacement = f.createCallExpression(runtime("implementInterface"), undefined, [f.createIdentifier(rewrite.specConst), ...args]);
        break;
      case "specialise":
      case "dependent":
        replacement = tsi.isNewExpression(call)
          ? // `new Box(x)` -> `constructSpecialized(table, Box, [x])`: the class, then the arguments, as `new` evaluates them.
            f.createCallExpression(runtime("constructSpecialized"), undefined, [specOf(call)!, tsi.visitNode(call.expression, visitor, tsi.isExpression), f.createArrayLiteralExpression(args)])
          : specialisedCall(rewriting, call, specOf(call)!, args);
        break;
    }
    tsi.setOriginalNode(replacement, call);
    return tsi.setTextRange(replacement, call);
  };
  const rewriting: SpecialisedCallRewriting = { tsi, transformation, visitor, specialise };
  return tsi.visitLexicalEnvironment(file.statements, visitor, transformation);
}

/**
 * Helper tables as consts, callees first. A cycle (recursion) reaches a table before its const
 * is declared: that entry is assigned once every table exists.
 */
function helperTableStatements(tsi: typeof ts, plan: FilePlan): ModuleStatement[] {
  const f = tsi.factory;
  const declared = new Set(plan.specs.map((spec) => spec.constName));
  const statements: ModuleStatement[] = [];
  const later: ModuleStatement[] = [];
  for (const table of plan.helperTables) {
    const entries: { [key: string]: LiteralValue } = {};
    for (const call of table.calls) {
      if (declared.has(call.constName)) {
        entries[call.key] = constReference(tsi, call.constName);
      } else {
        later.push(
          new RawExpression(`${table.constName}.calls.${call.key} = ${call.constName}`, () =>
            f.createAssignment(f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier(table.constName), "calls"), call.key), f.createIdentifier(call.constName)),
          ),
        );
      }
    }
    statements.push({ name: table.constName, value: { version: SPEC_VERSION, kind: "helper", id: table.id, typeArguments: table.typeArguments, calls: entries } });
    declared.add(table.constName);
  }
  return [...statements, ...later];
}

/**
 * A helper whose first statement takes its table: `const __llmStrategyTypes_x = __llmStrategy.helperTypes("src/x.ts:3 x");`.
 * It runs before anything in the body can `await`, so the table its caller passed is still pending.
 */
function helperWithEntry(tsi: typeof ts, visited: ts.Node, typesName: string, id: string, runtime: (member: string) => ts.Expression): ts.Node {
  const f = tsi.factory;
  const entry = f.createVariableStatement(
    undefined,
    f.createVariableDeclarationList([f.createVariableDeclaration(typesName, undefined, undefined, f.createCallExpression(runtime("helperTypes"), undefined, [f.createStringLiteral(id)]))], tsi.NodeFlags.Const),
  );
  const withEntry = (body: ts.ConciseBody): ts.Block => {
    if (!tsi.isBlock(body)) return f.createBlock([entry, f.createReturnStatement(body)], true);
    let at = 0;
    // After a directive prologue ("use strict").
    while (at < body.statements.length && tsi.isExpressionStatement(body.statements[at]!) && tsi.isStringLiteral((body.statements[at] as ts.ExpressionStatement).expression)) at++;
    return f.updateBlock(body, [...body.statements.slice(0, at), entry, ...body.statements.slice(at)]);
  };
  if (tsi.isFunctionDeclaration(visited) && visited.body) {
    return f.updateFunctionDeclaration(visited, visited.modifiers, visited.asteriskToken, visited.name, visited.typeParameters, visited.parameters, visited.type, withEntry(visited.body));
  }
  if (tsi.isFunctionExpression(visited)) {
    return f.updateFunctionExpression(visited, visited.modifiers, visited.asteriskToken, visited.name, visited.typeParameters, visited.parameters, visited.type, withEntry(visited.body));
  }
  if (tsi.isArrowFunction(visited)) {
    return f.updateArrowFunction(visited, visited.modifiers, visited.typeParameters, visited.parameters, visited.type, visited.equalsGreaterThanToken, withEntry(visited.body));
  }
  if (tsi.isMethodDeclaration(visited) && visited.body) {
    return f.updateMethodDeclaration(visited, visited.modifiers, visited.asteriskToken, visited.name, visited.questionToken, visited.typeParameters, visited.parameters, visited.type, withEntry(visited.body));
  }
  if (tsi.isConstructorDeclaration(visited) && visited.body) {
    // Before `super(...)` too: taking the table reads no `this`.
    return f.updateConstructorDeclaration(visited, visited.modifiers, visited.parameters, withEntry(visited.body));
  }
  return visited;
}

/**
 * `fn(a)` -> `callSpecialized(spec, void 0, fn, [a])`; `obj.m(a)` -> `(_a = obj, callSpecialized(spec, _a, _a.m, [a]))`.
 * JavaScript evaluates the receiver, then the function, then the arguments: the argument list of
 * `callSpecialized` keeps that order, and a temporary evaluates the receiver once. The user's own
 * nodes are kept (not copied), so the module transforms still rename imported bindings in them.
 */
function specialisedCall(rewriting: SpecialisedCallRewriting, call: ts.CallExpression, spec: ts.Expression, args: ts.Expression[]): ts.Expression {
  const { tsi, transformation, visitor, specialise: specialiseWith } = rewriting;
  const f = tsi.factory;
  const callee = tsi.skipPartiallyEmittedExpressions(call.expression);
  const specialise = (receiver: ts.Expression, fn: ts.Expression): ts.Expression => specialiseWith(spec, receiver, fn, args);

  if (tsi.isPropertyAccessExpression(callee) || tsi.isElementAccessExpression(callee)) {
    const object = callee.expression;
    if (object.kind === tsi.SyntaxKind.ThisKeyword || object.kind === tsi.SyntaxKind.SuperKeyword) {
      // `this`/`super` have no side effects: read twice, the method looked up as written.
      return specialise(f.createThis(), tsi.visitNode(callee, visitor, tsi.isExpression));
    }
    const receiver = f.createTempVariable(transformation.hoistVariableDeclaration);
    const visitedObject = tsi.visitNode(object, visitor, tsi.isExpression);
    const fn = tsi.isPropertyAccessExpression(callee)
      ? f.createPropertyAccessExpression(receiver, tsi.idText(callee.name as ts.Identifier))
      : f.createElementAccessExpression(receiver, tsi.visitNode(callee.argumentExpression, visitor, tsi.isExpression));
    return f.createParenthesizedExpression(f.createCommaListExpression([f.createAssignment(receiver, visitedObject), specialise(receiver, fn)]));
  }
  return specialise(f.createVoidZero(), tsi.visitNode(callee, visitor, tsi.isExpression));
}
