import { ConfigurationError, LLMAbortError } from "../errors";
import type { Completion, CompletionRequest, LanguageModel } from "../model";

/**
 * One scripted reply. A string is the raw reply text, exactly as a model would send it (so a
 * test can send fenced or broken JSON); anything else is the reply object, JSON-encoded.
 * Remember that stubs returning a non-object reply `{ value: ... }` (see `CallSpec.wrapper`):
 * `scriptedModel([{ value: 42 }])` answers a `Promise<number>` stub with 42.
 */
export type ScriptedReply = string | number | boolean | null | object;

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
      return { text: typeof reply === "string" ? reply : JSON.stringify(reply), finishReason: "stop", mode: "scripted" };
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
