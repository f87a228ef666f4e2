/**
 * JSON Schema -> compact TypeScript-like text for the prompt. Rendered from the emitted
 * schemas (never from the source types), so what the model reads and what ajv checks
 * cannot disagree. Descriptions and keyword hints become `/** *\/` comments, as a
 * TypeScript user would write them.
 */
import type { JsonSchema } from "../../runtime/spec";
import { REF_PREFIX } from "./schema";

/** Keywords shown as `@tag value` hints, in this order. */
const HINT_KEYWORDS = [
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "default",
  "examples",
] as const;

const INDENT = "  ";
/** Inline object types longer than this are written one property per line. */
const MAX_INLINE_OBJECT = 60;

/** `interface Name { ... }` for object schemas, `type Name = ...;` otherwise, with its doc comment. */
export function renderDeclaration(name: string, schema: JsonSchema): string {
  const comment = renderComment(schema.description as string | undefined, hints(schema), "");
  const body = isObjectSchema(schema) ? `interface ${name} ${renderObject(schema, "", true)}` : `type ${name} = ${renderBareType(schema, "")};`;
  return comment ? `${comment}\n${body}` : body;
}

/** The type expression of a schema (`Customer[]`, `"a" | "b"`, `{ x: number }`). */
export function renderType(schema: unknown, indent: string): string {
  if (schema === true || schema === undefined) return "any";
  if (schema === false) return "never";
  const s = schema as JsonSchema;
  const inline = inlineHint(s);
  return inline ? `${renderBareType(s, indent)} ${inline}` : renderBareType(s, indent);
}

/**
 * The comment over a property or parameter: its description and keyword hints, e.g.
 * `/** Date of birth. @format date-time *\/`. Empty when there is nothing to say.
 */
export function renderMemberComment(schema: JsonSchema, indent: string): string {
  return renderComment(schema.description as string | undefined, hints(schema), indent);
}

/** A property or parameter's type, without the hints its comment already shows. */
export function renderMemberType(schema: JsonSchema, indent: string): string {
  return renderBareType(schema, indent);
}

/** Whether `name` can be written bare as a property key. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

export function isObjectSchema(schema: JsonSchema): boolean {
  return schema.type === "object" && !schema.anyOf && !schema.oneOf && !schema.allOf && !schema.$ref;
}

function renderBareType(s: JsonSchema, indent: string): string {
  if (typeof s.$ref === "string") return s.$ref.startsWith(REF_PREFIX) ? decodeURIComponent(s.$ref.slice(REF_PREFIX.length)) : "any";
  if (Array.isArray(s.enum)) return s.enum.map((value) => JSON.stringify(value)).join(" | ");
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return union(s.anyOf, indent);
  if (Array.isArray(s.oneOf)) return union(s.oneOf, indent);
  if (Array.isArray(s.allOf)) return s.allOf.map((member) => wrapCompound(renderType(member, indent), member)).join(" & ");
  if (Array.isArray(s.type)) return nullLast(s.type as string[]).map((name) => renderBareType({ ...s, type: name }, indent)).join(" | ");
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return renderArray(s, indent);
    case "object":
      return renderObject(s, indent, false);
    default:
      return "any";
  }
}

function union(members: unknown[], indent: string): string {
  const rendered = members.map((member) => wrapCompound(renderType(member, indent), member, true));
  return nullLast(rendered).join(" | ");
}

/** `string | null` reads better than `null | string`; the order of a union means nothing. */
function nullLast(members: string[]): string[] {
  return [...members.filter((m) => m !== "null"), ...members.filter((m) => m === "null")];
}

/** Parenthesise a union inside `&` or `[]`. */
function wrapCompound(text: string, schema: unknown, insideUnion = false): string {
  const s = schema as JsonSchema;
  const isUnion = !!(s && (s.anyOf || s.oneOf || (Array.isArray(s.enum) && s.enum.length > 1) || (Array.isArray(s.type) && s.type.length > 1)));
  return isUnion && !insideUnion ? `(${text})` : text;
}

function renderArray(s: JsonSchema, indent: string): string {
  if (Array.isArray(s.items)) {
    const elements = s.items.map((item) => renderType(item, indent));
    if (s.additionalItems && typeof s.additionalItems === "object") elements.push(`...${wrapCompound(renderType(s.additionalItems, indent), s.additionalItems)}[]`);
    return `[${elements.join(", ")}]`;
  }
  if (s.items === undefined) return "any[]";
  const element = renderType(s.items, indent);
  const needsParens = wrapCompound(element, s.items) !== element || / \/\*/.test(element);
  return needsParens ? `(${element})[]` : `${element}[]`;
}

function renderObject(s: JsonSchema, indent: string, declaration: boolean): string {
  const properties = (s.properties ?? {}) as { [name: string]: JsonSchema };
  const required = new Set((s.required ?? []) as string[]);
  const extra = s.additionalProperties;
  const names = Object.keys(properties);
  if (names.length === 0 && extra && typeof extra === "object") return `Record<string, ${renderType(extra, indent)}>`;
  if (names.length === 0 && !declaration) return extra === false ? "{}" : "object";

  const inner = indent + INDENT;
  const members: { comment: string; line: string }[] = names.map((name) => {
    const property = properties[name]!;
    const optional = required.has(name) ? "" : "?";
    return {
      comment: renderMemberComment(property, inner),
      line: `${propertyKey(name)}${optional}: ${renderMemberType(property, inner)};`,
    };
  });
  if (extra && typeof extra === "object") members.push({ comment: "", line: `[key: string]: ${renderType(extra, inner)};` });
  if (members.length === 0) return "{}";

  if (!declaration && members.every((m) => !m.comment && !m.line.includes("\n"))) {
    const flat = `{ ${members.map((m) => m.line).join(" ").replace(/;$/, "")} }`;
    if (flat.length <= MAX_INLINE_OBJECT) return flat;
  }
  const lines = members.map((m) => (m.comment ? `${m.comment}\n${inner}${m.line}` : `${inner}${m.line}`));
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function hints(schema: JsonSchema): string[] {
  const found: string[] = [];
  // `[A, B]` already says how many items a tuple has (`[A, ...B[]]`: at least one).
  const fixed = Array.isArray(schema.items) ? schema.items.length : undefined;
  for (const keyword of HINT_KEYWORDS) {
    if (!(keyword in schema)) continue;
    if (keyword === "minItems" && schema.minItems === fixed) continue;
    if (keyword === "maxItems" && schema.maxItems === fixed && !schema.additionalItems) continue;
    const value = schema[keyword];
    const text = keyword === "default" || keyword === "examples" ? JSON.stringify(value) : String(value);
    found.push(`@${keyword} ${text}`);
  }
  return found;
}

/** Hints of a type in a nested position (an array element, a union member), as an inline comment. */
function inlineHint(schema: JsonSchema): string {
  const found = hints(schema);
  return found.length > 0 ? `/* ${found.join(" ").replace(/\*\//g, "*\\/")} */` : "";
}

/** `/** text *\/` on one line when it fits, else a block; `indent` is the comment's own indentation. */
function renderComment(description: string | undefined, tagLines: string[], indent: string): string {
  const text = (description ?? "").replace(/\*\//g, "*\\/").trim();
  const tags = tagLines.map((tag) => tag.replace(/\*\//g, "*\\/"));
  if (!text && tags.length === 0) return "";
  const oneLine = [text, ...tags].filter(Boolean).join(" ");
  if (!oneLine.includes("\n")) return `${indent}/** ${oneLine} */`;
  const lines = [...(text ? text.split("\n") : []), ...tags].map((line) => (line ? `${indent} * ${line}` : `${indent} *`));
  return `${indent}/**\n${lines.join("\n")}\n${indent} */`;
}
