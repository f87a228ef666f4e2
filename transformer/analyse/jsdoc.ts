/**
 * JSDoc -> schema annotations: a symbol's comment text becomes `description`, and the tags of
 * the README lists become the JSON Schema keywords of the same name. Read once per declaration.
 */
import type * as ts from "typescript";
import type { JsonSchema } from "../../runtime/spec";
import type { TypeClassifier, TypeTools } from "./classify";
import { DocParsing, ensureDocsParsed } from "./doc-parsing";

type KeywordParser = (text: string) => unknown;

const number: KeywordParser = (text) => {
  const value = Number(text);
  return text !== "" && Number.isFinite(value) ? value : undefined;
};
const nonNegativeInteger: KeywordParser = (text) => {
  const value = number(text);
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
};
const string: KeywordParser = (text) => (text === "" ? undefined : text);
const json: KeywordParser = (text) => {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // `@default hello` means the string "hello"
  }
};

/**
 * The tags users write and the keyword each becomes. The README lists the first ten;
 * the rest are the remaining draft-07 validation keywords a TypeScript user might reach for.
 * A tag whose text does not parse (`@minimum ten`) is left out of a property's schema rather
 * than emitted invalid; on a stub's own JSDoc it is reported (LLM1017).
 */
const KEYWORD_TAGS: ReadonlyMap<string, KeywordParser> = new Map([
  ["minItems", nonNegativeInteger],
  ["maxItems", nonNegativeInteger],
  ["minimum", number],
  ["maximum", number],
  ["minLength", nonNegativeInteger],
  ["maxLength", nonNegativeInteger],
  ["pattern", string],
  ["format", string],
  ["default", json],
  ["examples", (text) => {
    const value = json(text);
    return value === undefined || Array.isArray(value) ? value : [value];
  }],
  ["exclusiveMinimum", number],
  ["exclusiveMaximum", number],
  ["multipleOf", number],
  ["uniqueItems", (text) => (text === "" || text === "true" ? true : text === "false" ? false : undefined)],
  ["minProperties", nonNegativeInteger],
  ["maxProperties", nonNegativeInteger],
]);

/** What a symbol's JSDoc contributes to a schema. */
export interface DocAnnotations {
  description?: string;
  keywords: { [keyword: string]: unknown };
}

/** A keyword tag of a stub's JSDoc, and what it stands under. */
export interface KeywordTag {
  /** `minItems` */
  name: string;
  /** The keyword's value; undefined when the tag's text is not one (`@minimum ten`). */
  value: unknown;
  /** The tag's text as written. */
  text: string;
  /** The `@param` line it follows; absent for a tag before any `@param`, or after `@returns` (it constrains the result). */
  parameter?: string;
  /** The tag in the source, for diagnostics (absent when the doc is inherited from another declaration). */
  node?: ts.Node;
}

/** What a stub declaration's own JSDoc says. */
export interface DeclarationDoc {
  /** The comment text ("" when there is none). */
  text: string;
  returns?: string;
  /** Keyword tags in order; analysis applies each where it stands, or reports it when it cannot apply there. */
  keywordTags: KeywordTag[];
  hasJsDoc: boolean;
}

const ARRAY = ["array"];
const NUMBER = ["number", "integer"];
const STRING = ["string"];
const OBJECT = ["object"];
/** The JSON types each keyword constrains; `default` and `examples` fit any. */
const KEYWORD_TYPES: ReadonlyMap<string, readonly string[]> = new Map([
  ["minItems", ARRAY],
  ["maxItems", ARRAY],
  ["uniqueItems", ARRAY],
  ["minimum", NUMBER],
  ["maximum", NUMBER],
  ["exclusiveMinimum", NUMBER],
  ["exclusiveMaximum", NUMBER],
  ["multipleOf", NUMBER],
  ["minLength", STRING],
  ["maxLength", STRING],
  ["pattern", STRING],
  // ajv-formats has number formats (int32, float) as well as string ones.
  ["format", [...STRING, ...NUMBER]],
  ["minProperties", OBJECT],
  ["maxProperties", OBJECT],
]);

/**
 * Whether `keyword` constrains any value `schema` admits: `@minItems` on a `number` does not,
 * on `string[] | undefined` it does. `resolve` looks up a `$ref`'s definition.
 */
export function keywordApplies(keyword: string, schema: JsonSchema, resolve: (ref: string) => JsonSchema | undefined): boolean {
  const wanted = KEYWORD_TYPES.get(keyword);
  if (!wanted) return true;
  const types = jsonTypesOf(schema, resolve, new Set());
  return types === "any" || wanted.some((type) => types.has(type));
}

/** The JSON types a schema admits ("any" when it does not narrow them). */
function jsonTypesOf(schema: unknown, resolve: (ref: string) => JsonSchema | undefined, seen: Set<string>): Set<string> | "any" {
  if (typeof schema !== "object" || schema === null) return schema === false ? new Set() : "any";
  const s = schema as JsonSchema;
  if (typeof s.$ref === "string") {
    if (seen.has(s.$ref)) return new Set();
    seen.add(s.$ref);
    const target = resolve(s.$ref);
    return target ? jsonTypesOf(target, resolve, seen) : "any";
  }
  const members = [s.anyOf, s.oneOf].find(Array.isArray) as unknown[] | undefined;
  if (members) {
    const union = new Set<string>();
    for (const member of members) {
      const types = jsonTypesOf(member, resolve, seen);
      if (types === "any") return "any";
      for (const type of types) union.add(type);
    }
    return union;
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return jsonTypesOf(s.allOf[0], resolve, seen);
  if (typeof s.type === "string") return new Set([s.type]);
  if (Array.isArray(s.type)) return new Set(s.type as string[]);
  const values = Array.isArray(s.enum) ? s.enum : "const" in s ? [s.const] : undefined;
  if (values) return new Set(values.map((value) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value)));
  return "any";
}

const NONE: DocAnnotations = Object.freeze({ keywords: Object.freeze({}) }) as DocAnnotations;

export class DocReader {
  /** By the symbol's declarations (see `of`). */
  private readonly annotations = new Map<object, DocAnnotations>();
  /** By declaration: each call site of a generic stub reads its declaration's doc again. */
  private readonly declarationDocs = new Map<ts.SignatureDeclaration, DeclarationDoc>();

  private readonly checker: ts.TypeChecker;
  private readonly t: typeof ts;
  /** Every read below goes through TypeScript's doc APIs, so it first makes sure the docs they read were parsed. */
  private readonly parsing: DocParsing;

  constructor(tools: TypeTools, private readonly classify: TypeClassifier) {
    this.checker = tools.checker;
    this.t = tools.ts;
    this.parsing = new DocParsing(tools.ts, tools.checker);
  }

  /** Description and keywords of one symbol (a property, parameter, type, alias). */
  of(symbol: ts.Symbol | undefined): DocAnnotations {
    if (!symbol) return NONE;
    // What TypeScript reads for a symbol depends only on its declarations, and an instantiated
    // symbol (a property of `Page<Order>`, a parameter of `pick<Customer>` at a call) shares them
    // with the original: one read serves them all. A symbol without declarations keys itself.
    const key = symbol.declarations ?? symbol;
    let found = this.annotations.get(key);
    if (!found) {
      found = this.read(symbol);
      this.annotations.set(key, found);
    }
    return found;
  }

  /** Whether `of(symbol)` has anything to write onto a schema. */
  hasDoc(symbol: ts.Symbol | undefined): boolean {
    const found = this.of(symbol);
    return found !== NONE && (found.description !== undefined || Object.keys(found.keywords).length > 0);
  }

  /** Writes `of(symbol)` onto `schema` (later calls win, as a property's doc wins over its type's). */
  apply(symbol: ts.Symbol | undefined, schema: JsonSchema): void {
    const { description, keywords } = this.of(symbol);
    if (description !== undefined) schema.description = description;
    for (const keyword in keywords) schema[keyword] = keywords[keyword];
  }

  /**
   * A stub's JSDoc: its text, its `@returns` text, and where its keyword tags apply. A keyword
   * tag belongs to the `@param` it follows (`@param count How many.` then `@minimum 1`); one
   * before any `@param`, or after `@returns`, constrains the returned value.
   */
  declarationDoc(declaration: ts.SignatureDeclaration): DeclarationDoc {
    let doc = this.declarationDocs.get(declaration);
    if (!doc) {
      doc = this.readDeclarationDoc(declaration);
      this.declarationDocs.set(declaration, doc);
    }
    return doc;
  }

  private readDeclarationDoc(declaration: ts.SignatureDeclaration): DeclarationDoc {
    const symbol = this.documentedSymbol(declaration);
    const doc: DeclarationDoc = { text: "", keywordTags: [], hasJsDoc: false };
    if (!symbol) return doc;
    this.parsing.ensureSymbol(symbol);
    doc.text = this.t.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim();
    const tags = symbol.getJsDocTags(this.checker);
    doc.hasJsDoc = doc.text !== "" || tags.length > 0;
    // The tags as written in this declaration's own comment, to point diagnostics at them.
    const written = this.t.getJSDocTags(documentedNode(this.t, declaration));
    const seen = new Map<string, number>();
    let parameter: string | undefined;
    for (const tag of tags) {
      if (tag.name === "param") {
        parameter = tag.text?.find((part) => part.kind === "parameterName")?.text;
      } else if (tag.name === "returns" || tag.name === "return") {
        parameter = undefined;
        doc.returns ??= tagText(tag) || undefined;
      } else {
        const parse = KEYWORD_TAGS.get(tag.name);
        const occurrence = seen.get(tag.name) ?? 0;
        seen.set(tag.name, occurrence + 1);
        if (!parse) continue;
        const text = tagText(tag);
        const node = written.filter((w) => w.tagName.text === tag.name)[occurrence];
        doc.keywordTags.push({ name: tag.name, value: parse(text), text, ...(parameter !== undefined ? { parameter } : {}), ...(node ? { node } : {}) });
      }
    }
    if (doc.returns === undefined) delete doc.returns;
    return doc;
  }

  /** The `@check` tags of a stub's JSDoc, in order (see `transformer/analyse/checks.ts`). */
  checkTags(declaration: ts.SignatureDeclaration): ts.JSDocTag[] {
    ensureDocsParsed(this.t, declaration);
    return this.t.getJSDocTags(documentedNode(this.t, declaration)).filter((tag) => tag.tagName.text === CHECK_TAG);
  }

  /**
   * The interface a method of `implement<I>()` belongs to (`interface I`, or `type I = { ... }`),
   * with its doc text; undefined for any other declaration.
   */
  ownerOf(declaration: ts.SignatureDeclaration): { name: string; doc: string } | undefined {
    const t = this.t;
    if (!t.isMethodSignature(declaration)) return undefined;
    const parent = declaration.parent;
    const named = t.isInterfaceDeclaration(parent) ? parent : t.isTypeLiteralNode(parent) && t.isTypeAliasDeclaration(parent.parent) ? parent.parent : undefined;
    if (!named) return undefined;
    const symbol = this.checker.getSymbolAtLocation(named.name);
    if (symbol) this.parsing.ensureSymbol(symbol);
    const doc = symbol ? this.t.displayPartsToString(symbol.getDocumentationComment(this.checker)).replace(/\r\n/g, "\n").trim() : "";
    return { name: named.name.text, doc };
  }

  /**
   * The symbol whose JSDoc describes a stub: its own for methods, getters and functions;
   * for an arrow or function expression, the variable or property it is assigned to.
   */
  private documentedSymbol(declaration: ts.SignatureDeclaration): ts.Symbol | undefined {
    const name = (documentedNode(this.t, declaration) as { name?: ts.Node }).name;
    return name ? this.checker.getSymbolAtLocation(name) : undefined;
  }

  /**
   * A `/** ... *\/` comment TypeScript does not attach to the stub: one that shares its line
   * with the code before the stub (`class A { /** doc *\/ m() ...`, or `{ /** doc *\/` over
   * it). TypeScript reads it as a trailing comment of that code, so the stub has no JSDoc.
   */
  detachedDocComment(declaration: ts.SignatureDeclaration): { pos: number; end: number } | undefined {
    const t = this.t;
    let node = documentedNode(t, declaration);
    // JSDoc of `const f = () => ...` belongs to the variable statement.
    if (t.isVariableDeclaration(node) && t.isVariableDeclarationList(node.parent) && t.isVariableStatement(node.parent.parent)) node = node.parent.parent;
    const text = node.getSourceFile().text;
    return t.getTrailingCommentRanges(text, node.pos)?.find((range) => text.startsWith("/**", range.pos) && !text.startsWith("/**/", range.pos));
  }

  private read(symbol: ts.Symbol): DocAnnotations {
    // Library docs ("Enables basic storage and retrieval of dates and times.") are not the user's
    // words, and the standard library has no keyword tags: its files are never parsed for docs.
    if (this.classify.isDefaultLibSymbol(symbol)) return NONE;
    this.parsing.ensureSymbol(symbol);
    if (isUndocumentedParameter(this.t, symbol)) return NONE;
    const result: DocAnnotations = { keywords: {} };
    const text = this.t.displayPartsToString(symbol.getDocumentationComment(this.checker)).replace(/\r\n/g, "\n").trim();
    if (text) result.description = text;
    for (const tag of symbol.getJsDocTags(this.checker)) {
      const parse = KEYWORD_TAGS.get(tag.name);
      if (!parse) continue;
      const value = parse(tagText(tag));
      if (value !== undefined) result.keywords[tag.name] = value;
    }
    return result;
  }
}

/** The JSDoc tag of a rule the reply must satisfy: `@check value.length === count -- as many as asked for`. */
export const CHECK_TAG = "check";

/** The node carrying a stub's JSDoc: the declaration, or for an arrow or function expression the variable or property it is assigned to. */
function documentedNode(t: typeof ts, declaration: ts.SignatureDeclaration): ts.Node {
  if ((t.isArrowFunction(declaration) || t.isFunctionExpression(declaration)) && !declaration.name) {
    let parent = declaration.parent;
    while (parent && (t.isParenthesizedExpression(parent) || t.isAsExpression(parent) || t.isSatisfiesExpression(parent))) parent = parent.parent;
    if (parent && (t.isVariableDeclaration(parent) || t.isPropertyDeclaration(parent) || t.isPropertyAssignment(parent))) return parent;
  }
  return declaration;
}

/**
 * A parameter no JSDoc speaks of: no `@param` line names it, no comment stands in it or its
 * default. TypeScript's doc services look at exactly these and, but for a constructor's parameter
 * (a parameter property inherits its base class's doc), nowhere else: they would find nothing,
 * so the many undocumented parameters skip them.
 */
function isUndocumentedParameter(t: typeof ts, symbol: ts.Symbol): boolean {
  const declaration = symbol.declarations?.length === 1 ? symbol.declarations[0]! : undefined;
  return !!declaration && t.isParameter(declaration) && !t.isConstructorDeclaration(declaration.parent) && t.getJSDocCommentsAndTags(declaration).length === 0;
}

function tagText(tag: ts.JSDocTagInfo): string {
  return (tag.text ?? []).map((part) => part.text).join("").trim();
}
