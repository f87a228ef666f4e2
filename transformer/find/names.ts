import type * as ts from "typescript";
import { formatSpecId } from "../../runtime/spec";
import type { TransformerContext } from "../context";

/** The file's path relative to the project folder, with forward slashes (`src/customer.ts`). */
export function projectRelativePath(context: TransformerContext, fileName: string): string {
  const normalized = fileName.replace(/\\/g, "/");
  const base = context.projectDir.endsWith("/") ? context.projectDir : context.projectDir + "/";
  if (normalized.startsWith(base)) return normalized.slice(base.length);
  // Outside the project folder: walk up with `..` so ids stay relative (and free of machine paths).
  const from = base.split("/").filter(Boolean);
  const to = normalized.split("/").filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  return [...from.slice(common).map(() => ".."), ...to.slice(common)].join("/");
}

/** 1-based line of a node's first token. */
export function lineOf(node: ts.Node): number {
  const file = node.getSourceFile();
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

/** `src/customer.ts:12 Customer.age`: the project-relative file, the line of the declaration's name, its qualified name. */
export function stubId(context: TransformerContext, declaration: ts.SignatureDeclaration, qualifiedName: string): string {
  const anchor = context.ts.getNameOfDeclaration(declaration) ?? declaration;
  return formatSpecId({ file: projectRelativePath(context, declaration.getSourceFile().fileName), line: lineOf(anchor), name: qualifiedName });
}

/**
 * The name a person knows a stub by: `Customer.age`, `createCustomers`, `Search.find`,
 * `db.lookup` for a method of an object literal assigned to `db`.
 */
export function qualifiedNameOf(tsi: typeof ts, declaration: ts.SignatureDeclaration): string {
  const own = tsi.isConstructorDeclaration(declaration) ? "constructor" : memberName(tsi, declaration.name);
  const parent = declaration.parent;
  if (tsi.isClassLike(parent) || tsi.isInterfaceDeclaration(parent) || tsi.isTypeLiteralNode(parent)) {
    return `${containerName(tsi, parent)}.${own ?? "(anonymous)"}`;
  }
  if (tsi.isObjectLiteralExpression(parent)) {
    const holder = assignedName(tsi, parent);
    return holder ? `${holder}.${own ?? "(anonymous)"}` : own ?? "(anonymous)";
  }
  if (tsi.isFunctionDeclaration(declaration)) {
    return own ?? "default";
  }
  // Function expressions and arrows are known by what they are assigned to.
  return own ?? assignedName(tsi, declaration) ?? "(anonymous)";
}

function containerName(tsi: typeof ts, container: ts.ClassLikeDeclaration | ts.InterfaceDeclaration | ts.TypeLiteralNode): string {
  if (!tsi.isTypeLiteralNode(container) && container.name) return container.name.text;
  return assignedName(tsi, container) ?? "(anonymous class)";
}

/** The name of the variable, property or default export an expression is assigned to. */
function assignedName(tsi: typeof ts, node: ts.Node): string | undefined {
  let current = node;
  while (tsi.isParenthesizedExpression(current.parent) || tsi.isAsExpression(current.parent) || tsi.isSatisfiesExpression(current.parent)) {
    current = current.parent;
  }
  const parent = current.parent;
  if (tsi.isVariableDeclaration(parent) && tsi.isIdentifier(parent.name)) return parent.name.text;
  if (tsi.isPropertyDeclaration(parent) && tsi.isClassLike(parent.parent)) {
    return `${containerName(tsi, parent.parent)}.${memberName(tsi, parent.name) ?? "(anonymous)"}`;
  }
  if (tsi.isPropertyAssignment(parent)) {
    const holder = assignedName(tsi, parent.parent);
    const own = memberName(tsi, parent.name);
    return holder && own ? `${holder}.${own}` : own;
  }
  if (tsi.isExportAssignment(parent)) return "default";
  if (tsi.isTypeAliasDeclaration(parent)) return parent.name.text;
  return undefined;
}

function memberName(tsi: typeof ts, name: ts.Node | undefined): string | undefined {
  if (!name) return undefined;
  if (tsi.isIdentifier(name) || tsi.isPrivateIdentifier(name)) return name.text;
  if (tsi.isStringLiteral(name) || tsi.isNumericLiteral(name) || tsi.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (tsi.isComputedPropertyName(name)) return `[${name.expression.getText()}]`;
  return undefined;
}
