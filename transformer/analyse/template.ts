/**
 * The prompt template a person reviews in the build output, in reading order: what the stub
 * does (its JSDoc), the types its inputs use, `{{outputTypes}}` (types only the output uses;
 * the runtime fills them in only when the schema is not sent through the provider), the
 * signature as the model should "implement" it, the inputs, and the shape of the answer.
 *
 *     Create mock customers with believable data (our customers are world citizens).
 *
 *     {{outputTypes}}
 *     static createMockCustomers(numCustomers?: number): Customer[]
 *
 *     Input: {{input}}
 *     Reply with JSON of type { value: Customer[] }
 *
 * When the reply's schema travels with the request (structured output, tools), the schema
 * states the output's types, the return type and the reply's shape; that request's prompt,
 * `templateIfSchemaSent`, keeps only what the schema cannot carry: the doc text, the types
 * the inputs use, the parameters' docs and the inputs.
 *
 *     Create mock customers with believable data (our customers are world citizens).
 *
 *     Input: {{input}}
 */
import { neutralisePlaceholders, type CallSpec, type JsonSchema } from "../../runtime/spec";
import { propertyKey, renderMemberComment, renderMemberType, renderType } from "./render-types";

export interface TemplateParts {
  /** The declaration's JSDoc text ("" when it has none). */
  doc: string;
  /** Its `@returns` text. */
  returns?: string;
  kind: CallSpec["kind"];
  /** The member or function name, e.g. `createMockCustomers`. */
  name: string;
  /** The input object's schema: `this` first, then the input parameters, by name. */
  input: JsonSchema;
  output: JsonSchema;
  wrapper?: string;
  /** The stub's `@check`s: rules the reply must satisfy, listed after the signature. */
  checks?: { expression: string; message?: string }[];
  /** Rendered declarations the inputs use (shown always), in first-use order. */
  inputDeclarations: string[];
  /** Rendered declarations only the output uses (become `outputTypes`). */
  outputDeclarations: string[];
  /**
   * For a method of `implement<I>()`: the interface it belongs to, so the model reads the
   * method as a member of `interface I { ... }` under the interface's own doc comment.
   */
  owner?: { name: string; doc: string };
}

/**
 * `doc` is the template's leading doc section (absent when there is none): the runtime can swap
 * it for a tuned doc text (the hyperparameter `prompt:<file> <Name>`) and keep the rest.
 */
export function buildTemplate(parts: TemplateParts): {
  template: string;
  templateIfSchemaSent: NonNullable<CallSpec["templateIfSchemaSent"]>;
  outputTypes: string;
  doc?: string;
} {
  // In small steps: a build runs this once per spec, and small functions stay in the interpreter
  // rather than costing an optimising compile each.
  const outputTypes = parts.outputDeclarations.length > 0 ? `${neutralisePlaceholders(parts.outputDeclarations.join("\n\n"))}\n` : "";
  const { sections, doc } = leadingSections(parts);
  // The prompt that goes with the schema shares these first sections with the template.
  const shared = sections.join("\n\n").length;
  const rest = answerSections(parts, sections, outputTypes, doc);
  const templateIfSchemaSent = { shared, rest: (shared > 0 && rest.length > 0 ? "\n\n" : "") + rest.join("\n\n") };
  return { template: sections.join("\n\n"), templateIfSchemaSent, outputTypes, ...(doc ? { doc } : {}) };
}

/** What the stub does (its doc text, `@returns`) and the types its inputs use. */
function leadingSections(parts: TemplateParts): { sections: string[]; doc: string | undefined } {
  const sections: string[] = [];
  const about = [parts.doc, parts.returns ? `Returns: ${parts.returns}` : ""].filter(Boolean).join("\n");
  const doc = about ? neutralisePlaceholders(about) : undefined;
  if (doc) sections.push(doc);
  if (parts.inputDeclarations.length > 0) sections.push(neutralisePlaceholders(parts.inputDeclarations.join("\n\n")));
  return { sections, doc };
}

/**
 * Adds the signature, the checks and the answer's shape to `sections`; returns the sections of
 * the prompt that goes with the schema after those it shares.
 */
function answerSections(parts: TemplateParts, sections: string[], outputTypes: string, doc: string | undefined): string[] {
  const rest: string[] = [];
  const parameters = neutralisePlaceholders(renderSignature(parts, false));
  const outputType = renderType(parts.output, "");
  // Filled in, outputTypes ends with a newline, so its declarations stand apart from the signature.
  // A method of `implement<I>()` stands in its interface, under the interface's doc.
  const member = (signature: string) => (parts.owner ? neutralisePlaceholders(renderInterfaceMember(parts.owner, signature)) : signature);
  sections.push(`${outputTypes ? "{{outputTypes}}\n" : ""}${member(`${parameters}: ${neutralisePlaceholders(outputType)}`)}`);
  const checks = parts.checks?.length ? neutralisePlaceholders(renderChecks(parts.checks)) : undefined;
  if (checks) sections.push(checks);
  // Without the schema's types the signature says little the inputs do not, unless it is all
  // there is to say what the stub does (no doc text), its parameters carry docs, or it stands in
  // the interface whose doc gives it its context.
  if (!doc || parameters.includes("/**") || parts.owner) rest.push(member(parameters));
  // The schema cannot state the checks.
  if (checks) rest.push(checks);
  const hasInput = Object.keys((parts.input.properties ?? {}) as object).length > 0;
  sections.push(replyLine(parts, outputType, hasInput));
  if (hasInput) rest.push("Input: {{input}}");
  return rest;
}

/** `Input: {{input}}` (when there are inputs) and the shape of the answer. */
function replyLine(parts: TemplateParts, outputType: string, hasInput: boolean): string {
  return [hasInput ? "Input: {{input}}" : "", `Reply with JSON of type ${parts.wrapper ? `{ ${propertyKey(parts.wrapper)}: ${outputType} }` : outputType}`].filter(Boolean).join("\n");
}

/**
 * `static createMockCustomers(numCustomers?: number): Customer[]`; `this` is written as the
 * first parameter of instance stubs (`get age(this: Customer): number`), since the input
 * sends it. No `Promise<>`: the model returns the value itself. Without `returnType`, the
 * signature ends at its parameters (the schema sent with the request states the rest).
 */
export function renderSignature(parts: Pick<TemplateParts, "kind" | "name" | "input" | "output" | "owner">, returnType = true): string {
  const prefix = parts.kind === "static" ? "static " : parts.kind === "getter" ? "get " : parts.kind === "function" && !parts.owner ? "function " : "";
  const properties = (parts.input.properties ?? {}) as { [name: string]: JsonSchema };
  const required = new Set((parts.input.required ?? []) as string[]);
  const params = Object.keys(properties).map((name) => {
    const schema = properties[name]!;
    const optional = required.has(name) ? "" : "?";
    return { comment: renderMemberComment(schema, "  "), text: `${name === "this" ? "this" : propertyKey(name)}${optional}: ${renderMemberType(schema, "  ")}` };
  });
  const returns = returnType ? `: ${renderType(parts.output, "")}` : "";
  const head = `${prefix}${parts.name}(`;
  if (params.every((p) => !p.comment && !p.text.includes("\n"))) return `${head}${params.map((p) => p.text).join(", ")})${returns}`;
  const lines = params.map((p) => (p.comment ? `${p.comment}\n  ${p.text},` : `  ${p.text},`));
  return `${head}\n${lines.join("\n")}\n)${returns}`;
}

/**
 * The checks as rules, each its TypeScript then its message:
 * "- `value.length === numCustomers`: exactly as many customers as asked for".
 */
function renderChecks(checks: { expression: string; message?: string }[]): string {
  const lines = checks.map((check) => `- \`${check.expression.replace(/\s*\n\s*/g, " ")}\`${check.message ? `: ${check.message.replace(/\s*\n\s*/g, " ")}` : ""}`);
  return [`The returned value (\`value\` below) must pass these checks:`, ...lines].join("\n");
}

/**
 * `interface WineExpert { pairWine(dish: string): string }` under the interface's doc comment:
 * the method as the model should implement it, in the interface that gives it its context.
 */
function renderInterfaceMember(owner: { name: string; doc: string }, signature: string): string {
  const comment = renderMemberComment(owner.doc ? { description: owner.doc } : {}, "");
  const member = signature.split("\n").map((line) => `  ${line}`).join("\n");
  return `${comment ? `${comment}\n` : ""}interface ${owner.name} {\n${member}\n}`;
}
