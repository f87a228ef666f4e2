import type { Attempt, LLMStrategyError } from "./errors";
import type { BatchOrigin, ChatMessage, ModeFallback, Usage } from "./model";
import { hasKnownSecrets, mayHoldKnownSecret, redactKnown, redactText, redactValue } from "./redact";

/**
 * What happened in one stub call, success or failure. Read it through an `onCall` hook
 * (`configure({ onCall })` for every call, `withCallOptions({ onCall }, fn)` for the calls
 * inside `fn`). It holds no known secret (`registerSecret`; an `openAI()` model's API key and
 * URL credentials): one that appears in the input, messages, replies or errors is `[redacted]`.
 */
export interface CallInfo {
  /** The stub's spec id, e.g. `src/customer.ts:12 Customer.age`. */
  stub: string;
  /** The spec's content hash (caches and recordings key on it). */
  hash: string;
  /** For a generic stub: the call site's type arguments, or `"constraints"` when it fell back. */
  typeArguments?: string;
  /** `LanguageModel.id` of the model that answered. */
  model: string;
  /** The inputs sent: `this` first, then arguments by name. */
  input: Record<string, unknown>;
  /** The first request's conversation (with the output types; see `CompletionRequest`). */
  messages: ChatMessage[];
  /** Every request/reply round, the accepted one last. */
  attempts: Attempt[];
  /** Tokens summed over all attempts (zero where the model did not report usage). */
  usage: Usage;
  /** Wall time of the whole call, in milliseconds. */
  durationMs: number;
  /** How the model was asked (its `Completion.mode`) on the last attempt. */
  mode?: string;
  /**
   * Steps down during this call: modes the endpoint rejected, or whose schema it ignored (then
   * `to` is a mode with the output types in the prompt); models of a `fallbackModels()` chain that
   * failed (their ids); for a streamed call, `stream` when the model or endpoint could not stream
   * (it gave one final partial).
   */
  fallbacks: ModeFallback[];
  /** True when some reply needed lenient parsing (code fence, surrounding prose, jsonrepair). */
  parseRepaired: boolean;
  /** In a `batch()`: the batch job and round (1: first requests, 2: first repairs, ...) that answered the last attempt. Absent for calls not sent in a batch. */
  batch?: BatchOrigin;
  /** Checks failed over all attempts (`@check`s and `withCallOptions({ check })`); each attempt's are in its `failedChecks`. */
  failedChecks: number;
  /** The returned value (revived), when the call succeeded. */
  value?: unknown;
  /** The error the call rejected with, when it failed. */
  error?: LLMStrategyError;
}

/** Receives the `CallInfo` of each finished stub call. Errors it throws become process warnings. */
export type CallHook = (info: CallInfo) => void;

export function zeroUsage() {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
}

export function addUsage(sum: Usage, add: Usage | undefined): void {
  if (!add) return;
  sum.promptTokens += add.promptTokens;
  sum.completionTokens += add.completionTokens;
  sum.totalTokens += add.totalTokens;
}

/**
 * Replaces known secrets in what a `CallInfo` keeps (inputs, messages, replies, errors, fallback
 * reasons) before anyone sees it. Objects the caller or a chat chain still uses (inputs,
 * messages) are copied when they change, never edited; attempts belong to the call and are
 * edited in place (so `LLMOutputError.attempts` is clean too). Traces take them from here.
 * Free when no secret is registered, but for fallback reasons.
 */
export function redactCallInfo(info: CallInfo): void {
  // Reasons may quote a URL or header of a custom model's error, secrets registered or not.
  for (const fallback of info.fallbacks) fallback.reason = redactText(fallback.reason);
  if (!hasKnownSecrets()) return;
  info.model = redactKnown(info.model);
  // Checked without allocating first: the copying walk runs only for an input that holds a secret.
  if (mayHoldKnownSecret(info.input)) info.input = redactValue(info.input, { names: false });
  // One scan; the messages are copied only from the first one that changes.
  let messages: ChatMessage[] | undefined;
  info.messages.forEach((message, index) => {
    const content = redactKnown(message.content);
    if (content !== message.content) messages ??= info.messages.map(({ role, content }) => ({ role, content }));
    if (messages) messages[index] = { role: message.role, content };
  });
  if (messages) info.messages = messages;
  for (const attempt of info.attempts) {
    attempt.reply = redactKnown(attempt.reply);
    if (attempt.errors.length) attempt.errors = attempt.errors.map(redactKnown);
    if (attempt.failedChecks) attempt.failedChecks = attempt.failedChecks.map(redactKnown);
  }
}
