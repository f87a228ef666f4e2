import type * as ts from "typescript";

/**
 * An expression to place as is inside a literal (a definition's const, a class thunk): its
 * JavaScript text, and the node for the routes that build the AST.
 */
export class RawExpression {
  constructor(
    readonly text: string,
    readonly node: () => ts.Expression,
  ) {}
}

/** A JSON value, possibly holding expressions. `undefined` properties are left out. */
export type LiteralValue = null | boolean | number | string | RawExpression | LiteralValue[] | { [key: string]: LiteralValue | undefined };

/** A statement a file adds at module scope: `const name = value;`, or a `RawExpression` as an expression statement. */
export type ModuleStatement = { name: string; value: LiteralValue } | RawExpression;

/** Writes a file's module-scope statements, in order (see `moduleScopeWriter`). */
export type ModuleScopeWriter = (statements: readonly ModuleStatement[]) => ts.Statement[];

/** Objects and arrays wider than this (in characters of compact JSON) are written one entry per line. */
const WRAP_WIDTH = 100;
/** Below this nesting depth only: deeper literals stay on one line, so indentation never grows with the type's depth. */
const WRAP_DEPTH = 3;
/** What the printer indents a nested line by. */
const INDENT = "    ";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * How module-scope statements are written for one output. Where the printer would write their
 * AST out unchanged (ES2015 or later, a module format without a wrapping function), all of a
 * file's statements go in as their text straight away, the text the printer would print, in one
 * node: transforming and printing a spec's thousand nodes was most of what a stub cost the
 * build, and then the statements around them. Otherwise (template literals and arrows to lower
 * for ES5, indentation inside an AMD/UMD/System wrapper) the AST goes through the compiler's
 * transforms as usual.
 */
export function moduleScopeWriter(tsi: typeof ts, options: ts.CompilerOptions): ModuleScopeWriter {
  const f = tsi.factory;
  if (!writesText(tsi, options)) {
    return (statements) =>
      statements.map((statement) =>
        statement instanceof RawExpression
          ? f.createExpressionStatement(statement.node())
          : f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(statement.name, undefined, undefined, literal(tsi, statement.value))], tsi.NodeFlags.Const)),
      );
  }
  const newLine = options.newLine === tsi.NewLineKind.CarriageReturnLineFeed ? "\r\n" : "\n";
  return (statements) => {
    if (statements.length === 0) return [];
    const texts = statements.map((statement) => (statement instanceof RawExpression ? statement.text : `const ${statement.name} = ${literalText(statement.value, newLine)}`));
    // One expression statement holding every statement's text: the printer writes the last `;`.
    return [f.createExpressionStatement(textNode(tsi, texts.join(";" + newLine)))];
  };
}

/**
 * Whether the printer writes what emit adds unchanged, so it may go in as text (`textNode`):
 * ES2015 or later (nothing to lower) and a module format without a wrapping function.
 */
export function writesText(tsi: typeof ts, options: ts.CompilerOptions): boolean {
  const target = options.target ?? tsi.ScriptTarget.ES5;
  const wrapped = options.module === tsi.ModuleKind.AMD || options.module === tsi.ModuleKind.UMD || options.module === tsi.ModuleKind.System;
  return target >= tsi.ScriptTarget.ES2015 && !wrapped;
}

/**
 * Text the printer writes as it is, as an identifier. Its kind goes in the factory's internal
 * second parameter (`originalKeywordKind`), so the factory does not look a keyword up by the
 * whole text (hashing every literal's text); a TypeScript that ignores it only does that lookup.
 */
export function textNode(tsi: typeof ts, text: string): ts.Identifier {
  const createIdentifier = tsi.factory.createIdentifier as (text: string, originalKeywordKind?: ts.SyntaxKind) => ts.Identifier;
  const node = createIdentifier(text, tsi.SyntaxKind.Identifier);
  const escaped = node.escapedText as string;
  // The factory escapes a text starting with `__` by prefixing `_`, a concatenation V8 keeps
  // unflattened. Re-read through JSON, the same text made the 800-stub build about 290 M
  // instructions cheaper (V8 compiles the printer's string handling differently); flattening it
  // with a join did not.
  if (escaped.length !== text.length) (node as { escapedText: string }).escapedText = JSON.parse(JSON.stringify(escaped)) as string;
  return node;
}

/**
 * A JSON value as an AST literal, in the manner of typia's LiteralFactory. Strings that span
 * lines become template literals so prompts read as written; non-ASCII text is kept as is.
 */
export function literal(tsi: typeof ts, value: LiteralValue): ts.Expression {
  return build(tsi, value, 0).node;
}

/** The text TypeScript's printer writes for `literal(value)` at module scope, with `newLine` between lines. */
export function literalText(value: LiteralValue, newLine = "\n"): string {
  return write(value, 0, "", newLine).text;
}

function build(tsi: typeof ts, value: LiteralValue, depth: number): { node: ts.Expression; width: number } {
  const f = tsi.factory;
  if (value === null) return { node: f.createNull(), width: 4 };
  if (value instanceof RawExpression) return { node: value.node(), width: 20 };
  switch (typeof value) {
    case "boolean":
      return { node: value ? f.createTrue() : f.createFalse(), width: 5 };
    case "number": {
      checkNumber(value);
      const digits = f.createNumericLiteral(Math.abs(value));
      const node = value < 0 || Object.is(value, -0) ? f.createPrefixUnaryExpression(tsi.SyntaxKind.MinusToken, digits) : digits;
      return { node, width: String(value).length };
    }
    case "string":
      return { node: stringLiteral(tsi, value), width: value.length + 2 };
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => build(tsi, item, depth + 1));
    const width = items.reduce((sum, item) => sum + item.width + 1, 2);
    return { node: f.createArrayLiteralExpression(items.map((item) => item.node), depth < WRAP_DEPTH && width > WRAP_WIDTH), width };
  }
  const properties: ts.ObjectLiteralElementLike[] = [];
  let width = 2;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const built = build(tsi, item, depth + 1);
    width += key.length + built.width + 4;
    properties.push(f.createPropertyAssignment(propertyName(tsi, key), built.node));
  }
  return { node: f.createObjectLiteralExpression(properties, depth < WRAP_DEPTH && width > WRAP_WIDTH), width };
}

/** `build` as text: the same widths decide the same wrapping; `indent` is the enclosing lines' indentation. */
function write(value: LiteralValue, depth: number, indent: string, newLine: string): { text: string; width: number } {
  if (value === null) return { text: "null", width: 4 };
  if (value instanceof RawExpression) return { text: value.text, width: 20 };
  switch (typeof value) {
    case "boolean":
      return { text: String(value), width: 5 };
    case "number":
      checkNumber(value);
      return { text: (Object.is(value, -0) ? "-" : "") + String(value), width: String(value).length };
    case "string":
      return { text: stringText(value), width: value.length + 2 };
  }
  const inner = indent + INDENT;
  const texts: string[] = [];
  let width = 2;
  const isArray = Array.isArray(value);
  if (isArray) {
    for (const item of value) {
      const written = write(item, depth + 1, inner, newLine);
      width += written.width + 1;
      texts.push(written.text);
    }
  } else {
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      const written = write(item, depth + 1, inner, newLine);
      width += key.length + written.width + 4;
      texts.push(propertyNameText(key) + ": " + written.text);
    }
  }
  if (texts.length === 0) return { text: isArray ? "[]" : "{}", width };
  if (depth < WRAP_DEPTH && width > WRAP_WIDTH) return { text: (isArray ? "[" : "{") + newLine + inner + texts.join("," + newLine + inner) + newLine + indent + (isArray ? "]" : "}"), width };
  return { text: isArray ? "[" + texts.join(", ") + "]" : "{ " + texts.join(", ") + " }", width };
}

function checkNumber(value: number): void {
  if (!Number.isFinite(value)) throw new Error(`llm-strategy/transformer: ${value} is not a JSON number`);
}

function propertyName(tsi: typeof ts, key: string): ts.PropertyName {
  const f = tsi.factory;
  // `{ __proto__: x }` would set the prototype; a computed key makes it an own property like JSON.parse does.
  const quoted = (): ts.StringLiteral => tsi.setEmitFlags(f.createStringLiteral(key), tsi.EmitFlags.NoAsciiEscaping);
  if (key === "__proto__") return f.createComputedPropertyName(quoted());
  return IDENTIFIER.test(key) ? f.createIdentifier(key) : quoted();
}

function propertyNameText(key: string): string {
  if (key === "__proto__") return `[${quotedText(key)}]`;
  return IDENTIFIER.test(key) ? key : quotedText(key);
}

/** A string literal, or a template literal when the text spans lines. */
function stringLiteral(tsi: typeof ts, text: string): ts.Expression {
  const node = text.includes("\n") ? tsi.factory.createNoSubstitutionTemplateLiteral(text, templateRaw(text)) : tsi.factory.createStringLiteral(text);
  return tsi.setEmitFlags(node, tsi.EmitFlags.NoAsciiEscaping);
}

function stringText(text: string): string {
  return text.includes("\n") ? "`" + templateRaw(text) + "`" : quotedText(text);
}

/** The raw text of a multi-line template literal that reads like the string: only `\`, backticks, `${` and CR are escaped. */
function templateRaw(text: string): string {
  return TEMPLATE_ESCAPED.test(text) ? text.replace(TEMPLATE_ESCAPED_ALL, (found) => (found === "\r" ? "\\r" : "\\" + found)) : text;
}

const TEMPLATE_ESCAPED = /[\\`\r]|\$\{/;
const TEMPLATE_ESCAPED_ALL = new RegExp(TEMPLATE_ESCAPED.source, "g");

/** A double-quoted string as the printer writes one that keeps non-ASCII text (its escapes, its `\0` before a digit). */
function quotedText(text: string): string {
  return '"' + (QUOTE_ESCAPED.test(text) ? text.replace(QUOTE_ESCAPED_ALL, escapeCharacter) : text) + '"';
}

const QUOTE_ESCAPED = /[\\"\u0000-\u001f\u2028\u2029\u0085]/;
const QUOTE_ESCAPED_ALL = new RegExp(QUOTE_ESCAPED.source, "g");

const ESCAPES: Record<string, string> = { "\t": "\\t", "\v": "\\v", "\f": "\\f", "\b": "\\b", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"' };

function escapeCharacter(character: string, offset: number, input: string): string {
  if (character === "\0") return /[0-9]/.test(input.charAt(offset + 1)) ? "\\x00" : "\\0";
  return ESCAPES[character] ?? "\\u" + character.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
}
