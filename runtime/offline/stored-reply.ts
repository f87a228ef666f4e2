import type { Completion, Usage } from "../model";
import { redactKnown } from "../redact";

/**
 * A model's reply as recordings and caches keep it: what the runtime needs to treat it exactly
 * as the original (text, finish reason, refusal, strict-mode null mapping, mode) and the usage.
 * Never the request's credentials, never call metadata such as fallbacks; a known secret value
 * (see `registerSecret`) in the reply text is kept as `[redacted]`.
 *
 * `json` replaces `text` when the text is exactly the compact JSON of a value (as structured
 * output and tool calls send it), so a reviewer reads the reply as JSON rather than as one
 * escaped string; `JSON.stringify(json)` gives the original text back byte for byte.
 */
export interface StoredReply {
  text?: string;
  json?: unknown;
  finishReason?: string;
  refusal?: string;
  usage?: Usage;
  mode?: string;
  /** `Completion.schemaSent`, written only where the mode does not imply it (see `schemaSentByMode`). */
  schemaSent?: boolean;
  nullMeansAbsent?: boolean;
  /**
   * A streamed reply (recordings only): the lengths of the pieces it came in, in characters, so
   * a streamed replay hands them out the same way (and a UI test sees the same partials). Runs
   * of equal lengths are written `length x count`: `"12x114,7"` is 114 pieces of 12, then 7.
   */
  chunks?: string;
}

export function toStoredReply(completion: Completion, options: { readable: boolean; usage: boolean; chunks?: number[] }): StoredReply {
  const stored: StoredReply = {};
  const text = redactKnown(completion.text);
  const json = options.readable ? exactJson(text) : undefined;
  if (json) stored.json = json.value;
  else stored.text = text;
  if (completion.finishReason !== undefined) stored.finishReason = completion.finishReason;
  if (completion.refusal !== undefined) stored.refusal = redactKnown(completion.refusal);
  if (options.usage && completion.usage) stored.usage = { ...completion.usage };
  if (completion.mode !== undefined) stored.mode = completion.mode;
  if (Boolean(completion.schemaSent) !== schemaSentByMode(completion.mode)) stored.schemaSent = Boolean(completion.schemaSent);
  if (completion.nullMeansAbsent) stored.nullMeansAbsent = true;
  // Only when the pieces still add up to the stored text (redaction may have changed its length).
  if (options.chunks?.length && options.chunks.reduce((sum, length) => sum + length, 0) === text.length) stored.chunks = encodeChunks(options.chunks);
  return stored;
}

export function fromStoredReply(stored: StoredReply, source: "cache" | "replay"): Completion {
  const completion: Completion = { text: stored.text ?? JSON.stringify(stored.json), source };
  if (stored.finishReason !== undefined) completion.finishReason = stored.finishReason;
  if (stored.refusal !== undefined) completion.refusal = stored.refusal;
  if (stored.usage) completion.usage = { ...stored.usage };
  if (stored.mode !== undefined) completion.mode = stored.mode;
  if (stored.schemaSent ?? schemaSentByMode(stored.mode)) completion.schemaSent = true;
  if (stored.nullMeansAbsent) completion.nullMeansAbsent = true;
  return completion;
}

/**
 * What a stored reply without `schemaSent` means: replies stored before the field existed came
 * from `openAI()`, whose schema-sending modes are these two; so files stay as they were for it.
 */
function schemaSentByMode(mode: string | undefined): boolean {
  return mode === "structured" || mode === "tools";
}

/**
 * Hands a stored reply to a streamed request piece by piece (by its recorded lengths, else as
 * one piece), with a turn of the event loop before each, so a consumer sees the partials.
 */
export async function replayPieces(stored: StoredReply, text: string, onText: (delta: string) => void, signal: AbortSignal | undefined): Promise<void> {
  const lengths = stored.chunks === undefined ? [text.length] : decodeChunks(stored.chunks);
  let offset = 0;
  for (const length of lengths) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    onText(text.slice(offset, (offset += length)));
  }
  if (offset < text.length) onText(text.slice(offset));
}

const CHUNKS = /^[1-9]\d*(x[1-9]\d*)?(,[1-9]\d*(x[1-9]\d*)?)*$/;

/** `[12, 12, 12, 7]` -> `"12x3,7"`. */
function encodeChunks(lengths: number[]): string {
  const runs: string[] = [];
  for (let index = 0; index < lengths.length; ) {
    let end = index + 1;
    while (end < lengths.length && lengths[end] === lengths[index]) end++;
    runs.push(end - index > 1 ? `${lengths[index]}x${end - index}` : String(lengths[index]));
    index = end;
  }
  return runs.join(",");
}

function decodeChunks(text: string): number[] {
  const lengths: number[] = [];
  for (const run of text.split(",")) {
    const [length, count = "1"] = run.split("x");
    for (let index = 0; index < Number(count); index++) lengths.push(Number(length));
  }
  return lengths;
}

/** The parsed value when `text` is exactly its compact JSON (a cheap first-character test skips prose). */
function exactJson(text: string): { value: unknown } | undefined {
  const first = text[0];
  if (first !== "{" && first !== "[" && first !== '"') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return JSON.stringify(value) === text ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/** A problem with a stored reply's shape, or undefined when it is usable. */
export function storedReplyProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not an object";
  const reply = value as Record<string, unknown>;
  const hasText = typeof reply.text === "string";
  if (hasText === "json" in reply) return 'must have exactly one of "text" (a string) and "json"';
  for (const field of ["finishReason", "refusal", "mode"] as const) {
    if (reply[field] !== undefined && typeof reply[field] !== "string") return `"${field}" must be a string`;
  }
  if (reply.nullMeansAbsent !== undefined && typeof reply.nullMeansAbsent !== "boolean") return '"nullMeansAbsent" must be true or false';
  if (reply.chunks !== undefined && !(typeof reply.chunks === "string" && CHUNKS.test(reply.chunks))) {
    return '"chunks" must be piece lengths such as "12x114,7" (114 pieces of 12 characters, then one of 7)';
  }
  if (reply.usage !== undefined) {
    const usage = reply.usage as Record<string, unknown> | null;
    if (typeof usage !== "object" || usage === null || !["promptTokens", "completionTokens", "totalTokens"].every((name) => typeof usage[name] === "number")) {
      return '"usage" must have numeric promptTokens, completionTokens and totalTokens';
    }
  }
  return undefined;
}
