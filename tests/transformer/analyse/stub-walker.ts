/**
 * Test-only stub finder (find's real one lives in transformer/find/): declarations whose body
 * is `return stub()` or `=> stub()`, recognised by the identifier's text, which is enough for
 * fixtures. Also used by bench/prompts.ts.
 */
import * as path from "node:path";
import * as ts from "typescript";
import type { StubSite } from "../../../transformer/analyse/types";

export function findStubs(source: ts.SourceFile, projectDir: string): StubSite[] {
  const found: StubSite[] = [];
  const isStubCall = (node: ts.Node | undefined): boolean =>
    !!node && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "stub";
  const isStubBody = (body: ts.Node | undefined): boolean =>
    !!body &&
    (isStubCall(body) ||
      (ts.isBlock(body) && body.statements.length === 1 && ts.isReturnStatement(body.statements[0]!) && isStubCall(body.statements[0].expression)));
  const visit = (node: ts.Node): void => {
    if (
      (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) &&
      isStubBody(node.body)
    ) {
      found.push(siteOf(node, projectDir));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function siteOf(declaration: ts.SignatureDeclaration, projectDir: string): StubSite {
  const source = declaration.getSourceFile();
  const inClass = (ts.isMethodDeclaration(declaration) || ts.isGetAccessorDeclaration(declaration)) && ts.isClassLike(declaration.parent);
  const isStatic = inClass && !!(ts.getCombinedModifierFlags(declaration as ts.Declaration) & ts.ModifierFlags.Static);
  const kind: StubSite["kind"] = !inClass ? "function" : isStatic ? "static" : ts.isGetAccessorDeclaration(declaration) ? "getter" : "method";
  let name = declaration.name && ts.isIdentifier(declaration.name) ? declaration.name.text : "";
  if (!name && ts.isVariableDeclaration(declaration.parent) && ts.isIdentifier(declaration.parent.name)) name = declaration.parent.name.text;
  const className = inClass ? (declaration.parent as ts.ClassLikeDeclaration).name?.text : undefined;
  const qualifiedName = className ? `${className}.${name}` : name;
  const line = source.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
  return {
    declaration,
    kind,
    qualifiedName,
    id: `${path.relative(projectDir, source.fileName).replace(/\\/g, "/")}:${line} ${qualifiedName}`,
    ...(inClass && (kind === "method" || kind === "getter") ? { receiverClass: declaration.parent as ts.ClassLikeDeclaration } : {}),
  };
}
