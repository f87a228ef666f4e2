/**
 * JSDoc parsed on demand. Since TypeScript 5.3, `tsc` (and so `tspc`) parses a `.ts` file's
 * JSDoc only where type errors need it. Asking the compiler for all of it would cost every file
 * of every Program, the standard library and node_modules included, stubs or not. Instead the
 * doc comments of the files the analysis reads are parsed when first read, and attached where
 * the parser puts them in a fully parsed file, so TypeScript's own doc APIs (and
 * typescript-json-schema through them) read the same docs as if the compiler had parsed them.
 *
 * It uses three TypeScript internals, present in 5.3 through 6.x (every compiler API
 * llm-strategy analyses with): the isolated JSDoc parser, the parser's rule for which comments
 * belong to a node, and which nodes can carry JSDoc. A TypeScript without them stops the build
 * with a message naming its version, and only when a file actually needs parsing.
 */
import type * as ts from "typescript";

interface ParserInternals {
  parseIsolatedJSDocComment(text: string, start: number, length: number): { jsDoc: ts.JSDoc } | undefined;
  getJSDocCommentRanges(node: ts.Node, text: string): readonly ts.CommentRange[] | undefined;
  canHaveJSDoc(node: ts.Node): boolean;
}

/**
 * Where the parser keeps a node's JSDoc. `ts.getJSDocTags` on an undocumented node leaves an
 * empty array there, holding its cache of (no) tags; attaching replaces that array.
 */
type DocumentedNode = ts.Node & { jsDoc?: ts.JSDoc[] };

/**
 * Files whose docs are complete: parsed by the compiler, or by `attach` below. Not per Program:
 * watch builds reuse a SourceFile across Programs.
 */
const complete = new WeakSet<ts.SourceFile>();

/** The parse mode the compiler used for a file; `undefined` means the API default, which parses all JSDoc. */
function jsDocParsingModeOf(file: ts.SourceFile): ts.JSDocParsingMode | undefined {
  // Internal field, stable since TypeScript 5.3 (the release that made tsc skip JSDoc).
  return (file as ts.SourceFile & { jsDocParsingMode?: ts.JSDocParsingMode }).jsDocParsingMode;
}

/** Makes the docs of symbols readable, per Program (inherited docs are found through its checker). */
export class DocParsing {
  /** Declarations whose inherited docs are already made readable (guards cycles in heritage). */
  private readonly basesDone = new Set<ts.Declaration>();

  constructor(
    private readonly t: typeof ts,
    private readonly checker: ts.TypeChecker,
  ) {}

  /**
   * Makes the docs TypeScript will read for `symbol` available: those of its declarations, and,
   * because an undocumented class or interface member takes its doc from the base types' member
   * of the same name, those of the base members as well.
   */
  ensureSymbol(symbol: ts.Symbol): void {
    for (const declaration of symbol.declarations ?? []) this.ensureDeclaration(declaration);
  }

  private ensureDeclaration(declaration: ts.Declaration): void {
    ensureDocsParsed(this.t, declaration);
    if (this.basesDone.has(declaration)) return;
    this.basesDone.add(declaration);
    const t = this.t;
    // TypeScript's own search for an inherited doc (`findBaseOfDeclaration` in its services).
    const owner = t.isConstructorDeclaration(declaration.parent) ? declaration.parent.parent : declaration.parent;
    if (!owner || !(t.isClassLike(owner) || t.isInterfaceDeclaration(owner)) || !owner.heritageClauses) return;
    const name = (declaration as ts.Declaration & { symbol?: ts.Symbol }).symbol?.name;
    if (name === undefined) return;
    const isStatic = t.canHaveModifiers(declaration) && (t.getModifiers(declaration) ?? []).some((m) => m.kind === t.SyntaxKind.StaticKeyword);
    for (const clause of owner.heritageClauses) {
      for (const superType of clause.types) {
        const baseType = this.checker.getTypeAtLocation(superType);
        const type = isStatic && baseType.symbol ? this.checker.getTypeOfSymbol(baseType.symbol) : baseType;
        const member = this.checker.getPropertyOfType(type, name);
        if (member) this.ensureSymbol(member);
      }
    }
  }
}

/** Makes the docs of the file holding `node` readable through TypeScript's JSDoc APIs (a node's doc may sit on an ancestor: `const f = () => ...`). */
export function ensureDocsParsed(t: typeof ts, node: ts.Node): void {
  const file = node.getSourceFile();
  if (complete.has(file)) return;
  if (!parsedByCompiler(t, file)) attach(t, internals(t), file);
  complete.add(file);
}

/**
 * Whether the compiler already parsed the file's JSDoc: all of it (the API default, or
 * `ParseAll`), or a JavaScript file's in the modes that skip only TypeScript files' docs.
 */
function parsedByCompiler(t: typeof ts, file: ts.SourceFile): boolean {
  const mode = jsDocParsingModeOf(file);
  if (mode === undefined || mode === t.JSDocParsingMode.ParseAll) return true;
  return mode !== t.JSDocParsingMode.ParseNone && (file.flags & t.NodeFlags.JavaScriptFile) !== 0;
}

/**
 * Parses and attaches every doc comment of `file` the parser would have attached. Nodes that
 * already have theirs keep them. Every node is visited, because `ts.getJSDocTags` may already
 * have cached "no tags" on nodes whose tags come from an ancestor's comment (an arrow's
 * `@param`s are on its `const` statement): those caches are dropped.
 */
function attach(t: typeof ts, parser: ParserInternals, file: ts.SourceFile): void {
  const text = file.text;
  const starts = docCommentStarts(text);
  if (starts.length === 0) return;
  let next = 0; // index of the first comment start at or after the node being visited
  const visit = (node: ts.Node): void => {
    while (next < starts.length && starts[next]! < node.pos) next++;
    const documented = node as DocumentedNode;
    if (documented.jsDoc?.length === 0) documented.jsDoc = undefined;
    // The parser never gives a name its declaration's doc, though the two start at the same place.
    if (!documented.jsDoc && next < starts.length && starts[next]! < node.end && node.kind !== t.SyntaxKind.Identifier && parser.canHaveJSDoc(node)) {
      const docs: ts.JSDoc[] = [];
      for (const range of parser.getJSDocCommentRanges(node, text) ?? []) {
        const doc = parser.parseIsolatedJSDocComment(text, range.pos, range.end - range.pos)?.jsDoc;
        if (!doc) continue;
        (doc as { parent: ts.Node }).parent = node;
        docs.push(doc);
      }
      if (docs.length > 0) documented.jsDoc = docs;
    }
    t.forEachChild(node, visit);
  };
  visit(file);
}

/** Where `/**` comments may start (a superset: the text search also finds them inside strings and comments). */
function docCommentStarts(text: string): number[] {
  const starts: number[] = [];
  for (let at = text.indexOf("/**"); at !== -1; at = text.indexOf("/**", at + 3)) {
    if (text.charCodeAt(at + 3) !== 0x2f /* "/**\/" is an empty comment, not a doc */) starts.push(at);
  }
  return starts;
}

function internals(t: typeof ts): ParserInternals {
  const candidate = t as unknown as Partial<ParserInternals>;
  if (typeof candidate.parseIsolatedJSDocComment !== "function" || typeof candidate.getJSDocCommentRanges !== "function" || typeof candidate.canHaveJSDoc !== "function") {
    throw new Error(
      `llm-strategy/transformer: this build skipped JSDoc (tsc's default since TypeScript 5.3), and reading doc comments on demand needs the JSDoc parser of TypeScript 5.x/6.x, ` +
        `which this TypeScript (${t.version}) does not expose. Please report this with the TypeScript version.`,
    );
  }
  return candidate as ParserInternals;
}
