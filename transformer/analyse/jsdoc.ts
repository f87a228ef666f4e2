/**
 * JSDoc -> schema annotations: a symbol's comment text becomes `description`, and the tags of
 * the README lists become the JSON Schema keywords of the same name. Read once per symbol.
 */
import type * as ts from "typescript";
import type { JsonSchema } from "../../runtime/spec";
import type { TypeClassifier, TypeTools } from "./classify";

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
 * A tag whose text does not parse (`@minimum ten`) is left out rather than emitted invalid.
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

/** What a stub declaration's own JSDoc says. */
export interface DeclarationDoc {
  /** The comment text ("" when there is none). */
  text: string;
  returns?: string;
  /** Keyword tags that constrain the returned value. */
  keywords: DocAnnotations["keywords"];
  /** Keyword tags written after a `@param name` tag, by parameter name. */
  parameterKeywords: { [parameter: string]: DocAnnotations["keywords"] };
  hasJsDoc: boolean;
}

const NONE: DocAnnotations = Object.freeze({ keywords: Object.freeze({}) }) as DocAnnotations;

export class DocReader {
  private readonly annotations = new Map<ts.Symbol, DocAnnotations>();

  private readonly checker: ts.TypeChecker;
  private readonly t: typeof ts;

  constructor(tools: TypeTools, private readonly classify: TypeClassifier) {
    this.checker = tools.checker;
    this.t = tools.ts;
  }

  /** Description and keywords of one symbol (a property, parameter, type, alias). */
  of(symbol: ts.Symbol | undefined): DocAnnotations {
    if (!symbol) return NONE;
    let found = this.annotations.get(symbol);
    if (!found) {
      found = this.read(symbol);
      this.annotations.set(symbol, found);
    }
    return found;
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
    const symbol = this.documentedSymbol(declaration);
    const doc: DeclarationDoc = { text: "", keywords: {}, parameterKeywords: {}, hasJsDoc: false };
    if (!symbol) return doc;
    doc.text = this.t.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim();
    const tags = symbol.getJsDocTags(this.checker);
    doc.hasJsDoc = doc.text !== "" || tags.length > 0;
    let target = doc.keywords;
    for (const tag of tags) {
      if (tag.name === "param") {
        const name = tag.text?.find((part) => part.kind === "parameterName")?.text;
        target = name ? (doc.parameterKeywords[name] ??= {}) : doc.keywords;
      } else if (tag.name === "returns" || tag.name === "return") {
        target = doc.keywords;
        doc.returns ??= tagText(tag) || undefined;
      } else {
        const parse = KEYWORD_TAGS.get(tag.name);
        const value = parse?.(tagText(tag));
        if (value !== undefined) target[tag.name] = value;
      }
    }
    if (doc.returns === undefined) delete doc.returns;
    return doc;
  }

  /** The `@check` tags of a stub's JSDoc, in order (see `transformer/analyse/checks.ts`). */
  checkTags(declaration: ts.SignatureDeclaration): ts.JSDocTag[] {
    return this.t.getJSDocTags(documentedNode(this.t, declaration)).filter((tag) => tag.tagName.text === CHECK_TAG);
  }

  /**
   * The symbol whose JSDoc describes a stub: its own for methods, getters and functions;
   * for an arrow or function expression, the variable or property it is assigned to.
   */
  private documentedSymbol(declaration: ts.SignatureDeclaration): ts.Symbol | undefined {
    const name = (documentedNode(this.t, declaration) as { name?: ts.Node }).name;
    return name ? this.checker.getSymbolAtLocation(name) : undefined;
  }

  private read(symbol: ts.Symbol): DocAnnotations {
    const result: DocAnnotations = { keywords: {} };
    // Library docs ("Enables basic storage and retrieval of dates and times.") are not the user's words.
    if (!this.classify.isDefaultLibSymbol(symbol)) {
      const text = this.t.displayPartsToString(symbol.getDocumentationComment(this.checker)).replace(/\r\n/g, "\n").trim();
      if (text) result.description = text;
    }
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

function tagText(tag: ts.JSDocTagInfo): string {
  return (tag.text ?? []).map((part) => part.text).join("").trim();
}
