import type { ChatMessage } from "./model";
import type { CallSpec } from "./spec";

/**
 * The call's inputs as the model sees them: `this` (only the receiver's data fields the
 * spec lists) first, then each `input` parameter by name. Model and signal parameters are
 * not inputs. Defaulted parameters arrive filled in: emitted code passes the parameter
 * variables themselves.
 */
export function collectInput(spec: CallSpec, receiver: unknown, args: readonly unknown[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (spec.thisFields && (spec.kind === "method" || spec.kind === "getter")) {
    const self: Record<string, unknown> = {};
    const source = (receiver ?? {}) as Record<string, unknown>;
    for (const field of spec.thisFields) self[field] = source[field];
    input.this = self;
  }
  const params = spec.params;
  for (let index = 0; index < params.length; index++) {
    const param = params[index]!;
    if (param.role === "input") input[param.name] = args[index];
  }
  return input;
}

/** Both renderings of the first request's single user message (see `CompletionRequest`). */
export interface RenderedPrompt {
  /** `{{outputTypes}}` filled in: for models that do not send the schema. */
  messages: ChatMessage[];
  /** `{{outputTypes}}` left empty: for models that send the schema through the provider. */
  messagesIfSchemaSent: ChatMessage[];
}

/**
 * Fills the template's placeholders, once each. The input is compact JSON (Dates become
 * ISO strings through `Date.prototype.toJSON`).
 */
export function renderPrompt(spec: CallSpec, input: Record<string, unknown>): RenderedPrompt {
  const withInput = replaceOnce(spec.template, "{{input}}", JSON.stringify(input));
  const withoutTypes: ChatMessage[] = [{ role: "user", content: replaceOnce(withInput, "{{outputTypes}}", "").trim() }];
  if (!spec.outputTypes) return { messages: withoutTypes, messagesIfSchemaSent: withoutTypes };
  const withTypes: ChatMessage[] = [{ role: "user", content: replaceOnce(withInput, "{{outputTypes}}", spec.outputTypes).trim() }];
  return { messages: withTypes, messagesIfSchemaSent: withoutTypes };
}

/**
 * A repair request: the original conversation, then ONLY the latest failed reply and what was
 * wrong with it. Earlier failed attempts are left out, so the request size stays flat.
 */
export function repairMessages(original: readonly ChatMessage[], failedReply: string, errors: readonly string[]): ChatMessage[] {
  return [...original, { role: "assistant", content: failedReply }, { role: "user", content: repairInstruction(errors) }];
}

/** The one replaceable text of the repair request. */
export function repairInstruction(errors: readonly string[]): string {
  return `That reply is not valid:\n${errors.map((error) => `- ${error}`).join("\n")}\nReply again with the corrected JSON only.`;
}

function replaceOnce(text: string, placeholder: string, value: string): string {
  const at = text.indexOf(placeholder);
  if (at < 0) return text;
  // Slicing rather than String.replace: `$&`-style patterns in the value must stay literal.
  const before = text.slice(0, at);
  const after = text.slice(at + placeholder.length);
  if (value) return before + value + after;
  // An emptied placeholder on its own line leaves no extra blank line behind.
  const newlinesBefore = before.length - before.replace(/\n+$/, "").length;
  const trimmedAfter = after.replace(/^\n+/, "");
  const newlinesAfter = after.length - trimmedAfter.length;
  return before + "\n".repeat(Math.max(0, newlinesAfter - newlinesBefore)) + trimmedAfter;
}
