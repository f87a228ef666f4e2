/**
 * `@check <expression> [-- message]`: rules over the reply that a schema cannot say, type-checked
 * here in the stub's own scope and turned into JavaScript text for emit.
 *
 * TypeScript has no public way to type-check an expression that is not in a file, so each file
 * with checks is checked once more as a copy with every check written into the stub it belongs
 * to: inside the stub's body as `((value: Awaited<R>) => { (check); })` (so the parameters,
 * `this` and the names in scope are exactly the stub's), or for an interface member (an
 * `implement<I>()` method) as a function after the interface with the member's parameters. The
 * copy joins a second Program that reuses every other file of the first, and only the
 * diagnostics inside the checks are read.
 *
 * What a check may use is decided by what it can see at run time: it is emitted as a function
 * beside the spec (which for a generic stub or an interface method may sit in another file), so it
 * gets `value`, the arguments, the receiver and the globals, never the module's own bindings.
 */
import type * as ts from "typescript";
import type { TypeTools } from "./classify";
import type { DocReader } from "./jsdoc";

/** One check of a declaration after type-checking: what emit needs, and what the occasion must allow. */
export interface CompiledCheck {
  /** Where its problems are reported. */
  tag: ts.JSDocTag;
  expression: string;
  message?: string;
  /** The expression as JavaScript (types stripped), to return from the emitted test. */
  js: string;
  /** Parameters of the stub the check reads, by name. */
  parameters: string[];
  /** Fields it reads as `this.<field>`. */
  thisFields: string[];
}

/** Something wrong with one check, before the stub's name is known. */
export type CheckIssue = { tag: ts.JSDocTag; expression: string } & (
  | { kind: "CheckSyntax"; reason: string }
  | { kind: "CheckTypeError"; error: string }
  | { kind: "CheckNotBoolean"; type: string }
  | { kind: "CheckCannotSee"; name: string; reason: string }
);

export interface DeclarationChecks {
  checks: CompiledCheck[];
  issues: CheckIssue[];
}

const NONE: DeclarationChecks = Object.freeze({ checks: [], issues: [] }) as unknown as DeclarationChecks;

/** The text of a check tag split at its first ` -- `. */
export function splitCheckText(text: string): { expression: string; message?: string } {
  const match = /^([\s\S]*?)\s--(?:\s+([\s\S]*))?$/.exec(text);
  const expression = (match ? match[1]! : text).trim();
  const message = match?.[2]?.trim();
  return message ? { expression, message } : { expression };
}

/** A check written into the copy of its file. */
interface Placed {
  declaration: ts.SignatureDeclaration;
  tag: ts.JSDocTag;
  expression: string;
  message?: string;
  js: string;
  /** Where `(expression\n)` starts in the copy. */
  start: number;
}

/** Text to write into the copy at `at`; `offsets` are where its checks start in `text`. */
interface Insertion {
  at: number;
  text: string;
  checks: Omit<Placed, "start">[];
  offsets: number[];
}

export class CheckCompiler {
  private readonly byDeclaration = new Map<ts.SignatureDeclaration, DeclarationChecks>();
  private readonly doneFiles = new Set<ts.SourceFile>();
  private programFiles: ReturnType<typeof filesOf> | undefined;

  constructor(
    private readonly tools: TypeTools,
    private readonly docs: DocReader,
  ) {}

  /** The checks of a stub declaration (compiled with every other check of its file, once). */
  of(declaration: ts.SignatureDeclaration): DeclarationChecks {
    const file = declaration.getSourceFile();
    if (!this.doneFiles.has(file)) {
      this.doneFiles.add(file);
      if (file.text.includes(`@check`)) this.compileFile(file);
    }
    return this.byDeclaration.get(declaration) ?? NONE;
  }

  private entry(declaration: ts.SignatureDeclaration): DeclarationChecks {
    let found = this.byDeclaration.get(declaration);
    if (!found) this.byDeclaration.set(declaration, (found = { checks: [], issues: [] }));
    return found;
  }

  private compileFile(file: ts.SourceFile): void {
    const t = this.tools.ts;
    const insertions: Insertion[] = [];
    const visit = (node: ts.Node): void => {
      if (t.isFunctionLike(node) && node.type && (hasBody(t, node) || t.isMethodSignature(node))) {
        const tags = this.docs.checkTags(node);
        if (tags.length > 0) this.place(file, node, tags, insertions);
      }
      t.forEachChild(node, visit);
    };
    visit(file);
    if (insertions.length === 0) return;

    // The copy: every insertion in source order, each check's position in it noted.
    insertions.sort((a, b) => a.at - b.at);
    let text = "";
    let from = 0;
    const placed: Placed[] = [];
    for (const insertion of insertions) {
      text += file.text.slice(from, insertion.at);
      insertion.checks.forEach((check, index) => placed.push({ ...check, start: text.length + insertion.offsets[index]! }));
      text += insertion.text;
      from = insertion.at;
    }
    text += file.text.slice(from);

    const copy = t.createSourceFile(file.fileName, text, { languageVersion: file.languageVersion, impliedNodeFormat: file.impliedNodeFormat }, true, scriptKindOf(t, file));
    const program = this.programWith(file, copy);
    const checker = program.getTypeChecker();
    const diagnostics = program.getSemanticDiagnostics(program.getSourceFile(file.fileName) ?? copy);
    for (const check of placed) {
      const end = check.start + check.expression.length + 3; // `(`, the expression, a newline, `)`
      const found = findParenthesized(t, copy, check.start, end);
      const base = { tag: check.tag, expression: check.expression };
      const entry = this.entry(check.declaration);
      if (!found) {
        entry.issues.push({ ...base, kind: "CheckSyntax", reason: "it does not stand alone in the stub's scope" });
        continue;
      }
      const seen = readsOf(t, checker, found, check.start, end);
      if (seen.unseen) {
        entry.issues.push({ ...base, kind: "CheckCannotSee", ...seen.unseen });
        continue;
      }
      // Errors only: not `noUnusedParameters` and its kind (an unread `(c, i) =>` parameter is fine in a check).
      const error = diagnostics.find(
        (diagnostic) =>
          diagnostic.category === t.DiagnosticCategory.Error && !diagnostic.reportsUnnecessary && diagnostic.start !== undefined && diagnostic.start >= check.start && diagnostic.start < end,
      );
      if (error) {
        entry.issues.push({ ...base, kind: "CheckTypeError", error: withStop(t.flattenDiagnosticMessageText(error.messageText, " ")) });
        continue;
      }
      const type = checker.getTypeAtLocation(found);
      if (!isBoolean(t, type)) {
        entry.issues.push({ ...base, kind: "CheckNotBoolean", type: checker.typeToString(type) });
        continue;
      }
      entry.checks.push({
        tag: check.tag,
        expression: check.expression,
        ...(check.message !== undefined ? { message: check.message } : {}),
        js: check.js,
        parameters: seen.parameters,
        thisFields: seen.thisFields,
      });
    }
  }

  /** Plans the insertion of one declaration's checks; a check that does not parse is an issue now and left out of the copy. */
  private place(
    file: ts.SourceFile,
    declaration: ts.SignatureDeclaration,
    tags: ts.JSDocTag[],
    insertions: Insertion[],
  ): void {
    const t = this.tools.ts;
    const entry = this.entry(declaration);
    const checks: Omit<Placed, "start">[] = [];
    for (const tag of tags) {
      const { expression, message } = splitCheckText(t.getTextOfJSDocComment(tag.comment) ?? "");
      const parsed = parseExpression(t, expression);
      if (!parsed.ok) {
        entry.issues.push({ tag, expression, kind: "CheckSyntax", reason: parsed.reason });
        continue;
      }
      checks.push({ declaration, tag, expression, ...(message !== undefined ? { message } : {}), js: parsed.js });
    }
    if (checks.length === 0) return;
    const returnType = declaration.type!.getText(file);
    const offsets: number[] = [];
    let statements = "";
    for (const check of checks) {
      offsets.push(statements.length);
      statements += `(${check.expression}\n);`;
    }
    const shift = (prefix: string): number[] => offsets.map((offset) => offset + prefix.length);
    const body = (declaration as ts.FunctionLikeDeclaration).body;
    if (body && t.isBlock(body)) {
      const prefix = `;((value: Awaited<${returnType}>) => {`;
      insertions.push({ at: body.getStart(file) + 1, text: `${prefix}${statements}});`, checks, offsets: shift(prefix) });
    } else if (body) {
      const prefix = `(void ((value: Awaited<${returnType}>) => {`;
      insertions.push({ at: body.getStart(file), text: `${prefix}${statements}}), `, checks, offsets: shift(prefix) });
      insertions.push({ at: body.end, text: ")", checks: [], offsets: [] });
    } else {
      // An interface member: a function after the statement declaring the interface, with its type parameters and the member's parameters.
      let statement: ts.Node = declaration;
      while (statement.parent && !t.isSourceFile(statement.parent) && !t.isModuleBlock(statement.parent)) statement = statement.parent;
      const typeParameters = [
        ...((statement as { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> }).typeParameters ?? []),
        ...(declaration.typeParameters ?? []),
      ].map((parameter) => parameter.getText(file));
      const parameters = file.text.slice(declaration.parameters.pos, declaration.parameters.end).trim();
      const prefix =
        `\nfunction __llmStrategyCheck${typeParameters.length ? `<${typeParameters.join(", ")}>` : ""}(this: void${parameters ? `, ${parameters}` : ""}): void {` +
        `const value = null! as Awaited<${returnType}>;`;
      insertions.push({ at: statement.end, text: `${prefix}${statements}}`, checks, offsets: shift(prefix) });
    }
  }

  /** A Program like the compiler's, with `copy` for `file`; every other file is the one already parsed. */
  private programWith(file: ts.SourceFile, copy: ts.SourceFile): ts.Program {
    const t = this.tools.ts;
    const original = this.tools.program;
    const options = original.getCompilerOptions();
    const host = t.createCompilerHost(options, true);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
      fileName === file.fileName ? copy : (original.getSourceFile(fileName) ?? getSourceFile(fileName, languageVersion, onError, shouldCreate));
    const { known, folders } = (this.programFiles ??= filesOf(original));
    const fileExists = host.fileExists.bind(host);
    const readFile = host.readFile.bind(host);
    const directoryExists = host.directoryExists?.bind(host);
    host.fileExists = (name) => known.has(name) || fileExists(name);
    host.readFile = (name) => known.get(name) ?? readFile(name);
    host.directoryExists = (dir) => folders.has(dir.replace(/\/$/, "")) || (directoryExists ? directoryExists(dir) : true);
    return t.createProgram({
      rootNames: original.getRootFileNames(),
      options,
      host,
      oldProgram: original,
      ...(original.getProjectReferences() ? { projectReferences: original.getProjectReferences() } : {}),
    });
  }
}

/** The Program's files and their folders: they resolve for the second Program as they did for the compiler (in memory or on disk). */
function filesOf(program: ts.Program): { known: Map<string, string>; folders: Set<string> } {
  const known = new Map(program.getSourceFiles().map((source) => [source.fileName, source.text]));
  const folders = new Set<string>();
  for (const name of known.keys()) for (let dir = name.slice(0, name.lastIndexOf("/")); dir.includes("/"); dir = dir.slice(0, dir.lastIndexOf("/"))) folders.add(dir);
  return { known, folders };
}

function hasBody(t: typeof ts, node: ts.SignatureDeclaration): boolean {
  return (t.isMethodDeclaration(node) || t.isGetAccessorDeclaration(node) || t.isFunctionDeclaration(node) || t.isArrowFunction(node) || t.isFunctionExpression(node)) && !!node.body;
}

function scriptKindOf(t: typeof ts, file: ts.SourceFile): ts.ScriptKind {
  return /\.[cm]?tsx$/.test(file.fileName) ? t.ScriptKind.TSX : t.ScriptKind.TS;
}

/**
 * One expression, alone: no statement separators, nothing that closes the parentheses around
 * it. Its JavaScript is TypeScript's own output for it (ES2022: the runtime needs Node 20).
 */
function parseExpression(t: typeof ts, expression: string): { ok: true; js: string } | { ok: false; reason: string } {
  if (expression === "") return { ok: false, reason: "the tag is empty" };
  const text = `(${expression}\n);`;
  const output = t.transpileModule(text, { reportDiagnostics: true, compilerOptions: { target: t.ScriptTarget.ES2022, module: t.ModuleKind.ESNext, removeComments: true, alwaysStrict: false } });
  const syntax = output.diagnostics?.find((diagnostic) => diagnostic.category === t.DiagnosticCategory.Error);
  if (syntax) return { ok: false, reason: t.flattenDiagnosticMessageText(syntax.messageText, " ") };
  const parsed = t.createSourceFile("check.ts", text, t.ScriptTarget.ES2022, true);
  const statement = parsed.statements[0];
  const whole =
    parsed.statements.length === 1 &&
    statement !== undefined &&
    t.isExpressionStatement(statement) &&
    t.isParenthesizedExpression(statement.expression) &&
    statement.expression.getStart(parsed) === 0 &&
    statement.expression.end === text.length - 1;
  if (!whole) return { ok: false, reason: "it reads as more than one expression" };
  // The output's one expression statement; TypeScript may put a "use strict" prologue before it.
  const emitted = t.createSourceFile("check.js", output.outputText, t.ScriptTarget.ES2022, true, t.ScriptKind.JS);
  const result = emitted.statements.find((each): each is ts.ExpressionStatement => t.isExpressionStatement(each) && !t.isStringLiteral(each.expression));
  if (!result) return { ok: false, reason: "it compiles to no JavaScript expression" };
  return { ok: true, js: result.expression.getText(emitted) };
}

function findParenthesized(t: typeof ts, file: ts.SourceFile, start: number, end: number): ts.ParenthesizedExpression | undefined {
  let found: ts.ParenthesizedExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || node.end < end || node.pos > start) return;
    if (t.isParenthesizedExpression(node) && node.getStart(file) === start && node.end === end) found = node;
    else t.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * What a check reads: stub parameters and `this` fields, or the first thing it cannot see at
 * run time. Names inside type annotations are erased from the JavaScript and need nothing.
 */
function readsOf(
  t: typeof ts,
  checker: ts.TypeChecker,
  check: ts.ParenthesizedExpression,
  start: number,
  end: number,
): { parameters: string[]; thisFields: string[]; unseen?: { name: string; reason: string } } {
  const parameters = new Set<string>();
  const thisFields = new Set<string>();
  let unseen: { name: string; reason: string } | undefined;
  // The synthetic function the check stands in: its `value`, and for an interface member its parameters.
  let synthetic: ts.Node = check;
  while (!t.isFunctionLike(synthetic)) synthetic = synthetic.parent;
  let stub: ts.Node | undefined = synthetic.parent;
  while (stub && !t.isFunctionLike(stub)) stub = stub.parent;

  const reference = (identifier: ts.Identifier, symbol: ts.Symbol | undefined): void => {
    const name = identifier.text;
    if (!symbol) return; // An unknown name: the compiler's diagnostic says so.
    if (symbol.flags & t.SymbolFlags.Alias) {
      unseen = { name, reason: "an import, bound in its module only" };
      return;
    }
    const declarations = symbol.declarations ?? [];
    if (declarations.length === 0) return; // `undefined`, `globalThis`
    const declaration = declarations[0]!;
    if (declaration.getSourceFile() === check.getSourceFile() && declaration.pos >= start && declaration.end <= end) return;
    // `value` is the synthetic function's (a stub parameter of that name is hidden; analysis reports it).
    if (name === "value" && declaration.pos >= synthetic.pos && declaration.end <= synthetic.end) return;
    if (t.isParameter(declaration) && (declaration.parent === stub || declaration.parent === synthetic)) {
      parameters.add(name);
      return;
    }
    if (declarations.every((d) => d.getSourceFile().isDeclarationFile && !t.isExternalModule(d.getSourceFile()))) return;
    if (declarations.every((d) => d.getSourceFile().isDeclarationFile) && isGlobalAugmentation(t, declaration)) return;
    unseen = {
      name,
      reason: t.isSourceFile(containerOf(t, declaration))
        ? "declared at module scope; the check runs outside the module's bindings, and a generic stub's or an interface's spec may be emitted in another file"
        : "a local of an enclosing function or block",
    };
  };

  const visit = (node: ts.Node): void => {
    if (unseen) return;
    if (t.isTypeNode(node)) return;
    if (node.kind === t.SyntaxKind.ThisKeyword) {
      const parent = node.parent;
      if (t.isPropertyAccessExpression(parent) && parent.expression === node && t.isIdentifier(parent.name)) thisFields.add(parent.name.text);
      else unseen = { name: t.isPropertyAccessExpression(parent) ? `this.${parent.name.getText()}` : "this", reason: "a check reads `this` only as `this.<field>` of a data field" };
      return;
    }
    if (t.isPropertyAccessExpression(node)) {
      visit(node.expression);
      return;
    }
    if (t.isPropertyAssignment(node)) {
      if (t.isComputedPropertyName(node.name)) visit(node.name);
      visit(node.initializer);
      return;
    }
    if (t.isShorthandPropertyAssignment(node)) {
      reference(node.name, checker.getShorthandAssignmentValueSymbol(node));
      return;
    }
    if (t.isIdentifier(node)) {
      if (isDeclarationName(t, node)) return;
      reference(node, checker.getSymbolAtLocation(node));
      return;
    }
    t.forEachChild(node, visit);
  };
  visit(check.expression);
  return { parameters: [...parameters], thisFields: [...thisFields], ...(unseen ? { unseen } : {}) };
}

function isDeclarationName(t: typeof ts, identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  return (t.isParameter(parent) || t.isVariableDeclaration(parent) || t.isBindingElement(parent) || t.isFunctionExpression(parent) || t.isMethodDeclaration(parent)) && (parent as { name?: ts.Node }).name === identifier;
}

function containerOf(t: typeof ts, node: ts.Node): ts.Node {
  let current = node.parent;
  while (current && !t.isSourceFile(current) && !t.isFunctionLike(current) && !t.isBlock(current) && !t.isModuleBlock(current) && !t.isClassLike(current)) current = current.parent;
  return current ?? node.getSourceFile();
}

function isGlobalAugmentation(t: typeof ts, node: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (t.isModuleDeclaration(current) && current.name.kind === t.SyntaxKind.Identifier && current.name.text === "global") return true;
  }
  return false;
}

function isBoolean(t: typeof ts, type: ts.Type): boolean {
  const types = type.isUnion() ? type.types : [type];
  return types.every((member) => (member.flags & t.TypeFlags.BooleanLike) !== 0);
}

function withStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
