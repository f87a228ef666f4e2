import { REPAIR_MESSAGE, REPAIR_MESSAGE_OMITTED_REPLY } from "./hyperparameters";
import { projectInput } from "./input-projection";
import type { ChatMessage } from "./model";
import { templateIfSchemaSent, type CallSpec } from "./spec";

/**
 * The call's inputs as the model sees them: `this` (only the receiver's data fields the
 * spec lists) first, then each `input` parameter by name, cut down to what the input schema
 * describes (see `projectInput`). Model and signal parameters are not inputs. Defaulted
 * parameters arrive filled in: emitted code passes the parameter variables themselves.
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
  return projectInput(spec, input);
}

/** Both renderings of the first request's single user message (see `CompletionRequest`). */
export interface RenderedPrompt {
  /** `{{outputTypes}}` filled in: for models that do not send the schema. */
  messages: ChatMessage[];
  /** `templateIfSchemaSent` (else `{{outputTypes}}` left empty): for models that send the schema through the provider. */
  messagesIfSchemaSent: ChatMessage[];
}

/**
 * Fills the template's placeholders, once each. The input is compact JSON (Dates become
 * ISO strings through `Date.prototype.toJSON`).
 */
export function renderPrompt(spec: CallSpec, input: Record<string, unknown>): RenderedPrompt {
  // A template without `{{input}}` (a stub without inputs) gets none.
  return renderPromptAround(spec, splitTemplate(spec).withoutTypes.hasInput ? JSON.stringify(input) : "");
}

/**
 * `renderPrompt` with the input's text given as it is: the prompts and token counts of the
 * manifest and the command line show a call's request without its values (`""`, `{{input}}`).
 */
export function renderPromptAround(spec: Pick<CallSpec, "template" | "outputTypes" | "templateIfSchemaSent">, json: string): RenderedPrompt {
  const { withTypes, withoutTypes } = splitTemplate(spec);
  const untyped: ChatMessage[] = [{ role: "user", content: withoutTypes.before + json + withoutTypes.after }];
  if (withTypes === withoutTypes) return { messages: untyped, messagesIfSchemaSent: untyped };
  return { messages: [{ role: "user", content: withTypes.before + json + withTypes.after }], messagesIfSchemaSent: untyped };
}

/** A template with `{{outputTypes}}` already filled: the text around `{{input}}`, trimmed at the ends. */
interface SplitTemplate {
  before: string;
  after: string;
  hasInput: boolean;
}

const splitTemplates = new WeakMap<object, { withTypes: SplitTemplate; withoutTypes: SplitTemplate }>();

/**
 * The static parts of a spec's prompt, once per spec: only `{{input}}` changes per call. Splitting
 * at `{{input}}` first also keeps placeholders inside the user's input data from being replaced.
 */
function splitTemplate(spec: Pick<CallSpec, "template" | "outputTypes" | "templateIfSchemaSent">): { withTypes: SplitTemplate; withoutTypes: SplitTemplate } {
  let split = splitTemplates.get(spec);
  if (!split) {
    const at = spec.template.indexOf("{{input}}");
    const before = at < 0 ? spec.template : spec.template.slice(0, at);
    const after = at < 0 ? "" : spec.template.slice(at + "{{input}}".length);
    const fill = (outputTypes: string): SplitTemplate => {
      // `{{outputTypes}}` is replaced once: in the text before the input if it is there, else after.
      const typesBefore = before.includes("{{outputTypes}}");
      const filledBefore = typesBefore ? replaceOnce(before, "{{outputTypes}}", outputTypes) : before;
      const filledAfter = typesBefore ? after : replaceOnce(after, "{{outputTypes}}", outputTypes);
      return at < 0
        ? { before: filledBefore.trim(), after: "", hasInput: false }
        : { before: filledBefore.trimStart(), after: filledAfter.trimEnd(), hasInput: true };
    };
    const schemaSent = templateIfSchemaSent(spec);
    const withoutTypes = schemaSent !== undefined ? splitAtInput(schemaSent) : fill("");
    split = { withTypes: spec.outputTypes || schemaSent !== undefined ? fill(spec.outputTypes) : withoutTypes, withoutTypes };
    splitTemplates.set(spec, split);
  }
  return split;
}

/** A template without `{{outputTypes}}`, split at `{{input}}` like the filled ones. */
function splitAtInput(template: string): SplitTemplate {
  const at = template.indexOf("{{input}}");
  if (at < 0) return { before: template.trim(), after: "", hasInput: false };
  return { before: template.slice(0, at).trimStart(), after: template.slice(at + "{{input}}".length).trimEnd(), hasInput: true };
}

/**
 * A repair request: the original conversation, then ONLY the latest failed reply and what was
 * wrong with it. Earlier failed attempts are left out, so the request size stays flat.
 *
 * The failed reply goes back only while it is at most half the size of the original
 * conversation; a longer reply is left out and the errors alone go back. So the reply never
 * makes a repair request more than 1.5x the first one, however long it is (a model asked
 * again with precise errors rewrites a long reply about as well as it edits it). The errors
 * are bounded too, whatever the reply holds: at most 12 lines of at most 600 characters, with
 * keys and values quoted as short excerpts (see `error-lines.ts`).
 */
export function repairMessages(original: readonly ChatMessage[], failedReply: string, errors: readonly string[]): ChatMessage[] {
  const originalLength = original.reduce((sum, message) => sum + message.content.length, 0);
  if (failedReply.length <= originalLength / 2) {
    return [...original, { role: "assistant", content: failedReply }, { role: "user", content: repairInstruction(errors) }];
  }
  return [...original, { role: "user", content: omittedReplyInstruction(failedReply.length, errors) }];
}

/** The one replaceable text of the repair request: the hyperparameter `llm-strategy.repairMessage`. */
function repairInstruction(errors: readonly string[]): string {
  return fillRepairText(REPAIR_MESSAGE.value, { errors: bullets(errors) });
}

/** The repair text when the failed reply itself is too long to send back: `llm-strategy.repairMessageOmittedReply`. */
function omittedReplyInstruction(replyLength: number, errors: readonly string[]): string {
  return fillRepairText(REPAIR_MESSAGE_OMITTED_REPLY.value, { replyLength: String(replyLength), errors: bullets(errors) });
}

/** `{{name}}` -> value, every occurrence; values stay literal (no `$&` patterns), and are not searched again. */
function fillRepairText(text: string, values: { [name: string]: string }): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name]! : whole));
}

function bullets(errors: readonly string[]): string {
  return errors.map((error) => `- ${error}`).join("\n");
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
