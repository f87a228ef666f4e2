import type * as ts from "typescript";

/** An expression to place as is inside a literal (a definition's const, a class thunk). */
export class RawExpression {
  constructor(readonly expression: ts.Expression) {}
}

/** A JSON value, possibly holding expressions. `undefined` properties are left out. */
export type LiteralValue = null | boolean | number | string | RawExpression | LiteralValue[] | { [key: string]: LiteralValue | undefined };

/** Objects and arrays wider than this (in characters of compact JSON) are written one entry per line. */
const WRAP_WIDTH = 100;
/** Below this nesting depth only: deeper literals stay on one line, so indentation never grows with the type's depth. */
const WRAP_DEPTH = 3;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JSON value as an AST literal, in the manner of typia's LiteralFactory. Strings that span
 * lines become template literals so prompts read as written; non-ASCII text is kept as is.
 */
export function literal(tsi: typeof ts, value: LiteralValue): ts.Expression {
  return build(tsi, value, 0).node;
}

function build(tsi: typeof ts, value: LiteralValue, depth: number): { node: ts.Expression; width: number } {
  const f = tsi.factory;
  if (value === null) return { node: f.createNull(), width: 4 };
  if (value instanceof RawExpression) return { node: value.expression, width: 20 };
  switch (typeof value) {
    case "boolean":
      return { node: value ? f.createTrue() : f.createFalse(), width: 5 };
    case "number": {
      if (!Number.isFinite(value)) throw new Error(`llm-strategy/transformer: ${value} is not a JSON number`);
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

function propertyName(tsi: typeof ts, key: string): ts.PropertyName {
  const f = tsi.factory;
  // `{ __proto__: x }` would set the prototype; a computed key makes it an own property like JSON.parse does.
  const quoted = (): ts.StringLiteral => tsi.setEmitFlags(f.createStringLiteral(key), tsi.EmitFlags.NoAsciiEscaping);
  if (key === "__proto__") return f.createComputedPropertyName(quoted());
  return IDENTIFIER.test(key) ? f.createIdentifier(key) : quoted();
}

/** A string literal, or a template literal when the text spans lines. */
function stringLiteral(tsi: typeof ts, text: string): ts.Expression {
  const node = text.includes("\n") ? templateLiteral(tsi, text) : tsi.factory.createStringLiteral(text);
  return tsi.setEmitFlags(node, tsi.EmitFlags.NoAsciiEscaping);
}

/** A multi-line template literal whose raw text reads like the string: only `\`, backticks, `${` and CR are escaped. */
function templateLiteral(tsi: typeof ts, text: string): ts.NoSubstitutionTemplateLiteral {
  const raw = text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${").replace(/\r/g, "\\r");
  return tsi.factory.createNoSubstitutionTemplateLiteral(text, raw);
}
