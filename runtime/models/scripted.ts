import { ConfigurationError, LLMAbortError } from "../errors";
import type { Completion, CompletionRequest, LanguageModel } from "../model";

/**
 * One scripted reply. A string is the raw reply text, exactly as a model would send it (so a
 * test can send fenced or broken JSON); anything else is the reply object, JSON-encoded.
 * Remember that stubs returning a non-object reply `{ value: ... }` (see `CallSpec.wrapper`):
 * `scriptedModel([{ value: 42 }])` answers a `Promise<number>` stub with 42.
 */
export type ScriptedReply = string | number | boolean | null | object;

/** A reply sent in pieces (see `scriptedChunks`). */
export interface ScriptedChunks {
  readonly pieces: readonly string[];
  readonly delayMs: number;
}

const CHUNKS = Symbol("llm-strategy.scriptedChunks");

/**
 * A scripted reply that streams: a streamed call (`streamed()`, `onPartial`) receives `pieces`
 * one by one, with a turn of the event loop (or `delayMs`) before each, so partials can be
 * seen between them; the whole reply is `pieces.join("")`. Other scripted replies stream as
 * one piece.
 * ```ts
 * scriptedModel([scriptedChunks(['{"value":[{"na', 'me":"Ada"}', "]}"])])
 * ```
 * @param options.delayMs Wait before each piece, in milliseconds. Default 0 (one event-loop turn).
 */
export function scriptedChunks(pieces: readonly string[], options: { delayMs?: number } = {}): ScriptedChunks {
  if (!Array.isArray(pieces) || !pieces.every((piece) => typeof piece === "string")) {
    throw new ConfigurationError("scriptedChunks(pieces): pieces must be an array of strings.");
  }
  return Object.defineProperty({ pieces: [...pieces], delayMs: options.delayMs ?? 0 }, CHUNKS, { value: true });
}

function isChunks(reply: ScriptedReply): reply is ScriptedChunks {
  return typeof reply === "object" && reply !== null && (reply as { [CHUNKS]?: boolean })[CHUNKS] === true;
}

/** A `LanguageModel` for tests: answers from a script and records every request. */
export interface ScriptedModel extends LanguageModel {
  /** Every request the model was asked, in order (repairs included). */
  readonly requests: CompletionRequest[];
}

/**
 * A model for tests, with no network (the Python library's FakeLLM): answers from a queue of
 * replies, in order, or from a function of the request (e.g. reading `request.input`).
 * Scripted models see the prompt with output types (`request.messages`), like a model in
 * JSON mode.
 * @param answer The replies, or a function computing one per request.
 * @param options.id Identity for caches and recordings. Default `"scripted"`.
 */
export function scriptedModel(
  answer: readonly ScriptedReply[] | ((request: CompletionRequest) => ScriptedReply | Promise<ScriptedReply>),
  options: { id?: string } = {},
): ScriptedModel {
  const requests: CompletionRequest[] = [];
  let next = 0;
  return {
    id: options.id ?? "scripted",
    options: {},
    requests,
    async complete(request: CompletionRequest): Promise<Completion> {
      requests.push(request);
      if (request.signal?.aborted) throw new LLMAbortError("The request was aborted.", { cause: request.signal.reason });
      let reply: ScriptedReply;
      if (typeof answer === "function") reply = await answer(request);
      else {
        if (next >= answer.length) throw noReplyLeft(request, answer.length);
        reply = answer[next++]!;
      }
      if (isChunks(reply)) {
        for (const piece of reply.pieces) {
          if (request.onText) {
            await new Promise<void>((resolve) => (reply.delayMs ? setTimeout(resolve, reply.delayMs) : setImmediate(resolve)));
            if (request.signal?.aborted) throw new LLMAbortError("The request was aborted.", { cause: request.signal.reason });
            request.onText(piece);
          }
        }
        return { text: reply.pieces.join(""), finishReason: "stop", mode: "scripted" };
      }
      const text = typeof reply === "string" ? reply : JSON.stringify(reply);
      request.onText?.(text);
      return { text, finishReason: "stop", mode: "scripted" };
    },
  };
}

function noReplyLeft(request: CompletionRequest, given: number): ConfigurationError {
  const prompt = request.messages.map((message) => `[${message.role}] ${message.content}`).join("\n");
  const shown = prompt.length > 2000 ? prompt.slice(0, 2000) + "\n..." : prompt;
  return new ConfigurationError(
    `scriptedModel has no reply left for ${request.spec.id} (attempt ${request.attempt}): it was given ${given} ` +
      `${given === 1 ? "reply" : "replies"} and all were used. Add a reply to the script. The prompt was:\n${shown}`,
    { stub: request.spec.id },
  );
}
