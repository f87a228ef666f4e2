import { ConfigurationError, LLMRequestError } from "../errors";
import type { Completion, CompletionRequest, LanguageModel, ModeFallback } from "../model";
import { redactText } from "../redact";
import { errorMessage } from "../util";

/**
 * A chain of models: each request goes to `primary`; when it fails with a retryable error (after
 * its own retries: 408, 409, 429, 5xx, timeouts, connection errors) the same request goes to the
 * next model, and so on. Each step is listed in `CallInfo.fallbacks` (`{ from, to, reason }`
 * with the models' ids). A request that was aborted, refused as invalid (401, 400, ...), or that
 * already streamed text to the caller is not passed on: the error goes to the caller.
 *
 * The chain's `id` and `options` name all its models (caches and recordings key on them).
 *
 *     configure({ model: fallbackModels(openAI(), anthropic(), openAI({ baseURL: "http://localhost:11434/v1", model: "llama3.1" })) });
 */
export function fallbackModels(primary: LanguageModel, ...others: LanguageModel[]): LanguageModel {
  const models = [primary, ...others];
  models.forEach((model, index) => {
    if (!model || typeof model.complete !== "function") throw new ConfigurationError(`fallbackModels: model ${index + 1} is not a LanguageModel (an object with id, options and complete()).`);
  });
  return {
    id: `fallback(${models.map((model) => model.id).join(", ")})`,
    options: Object.freeze({ models: models.map((model) => ({ id: model.id, options: model.options })) }),
    async complete(request: CompletionRequest): Promise<Completion> {
      const fallbacks: ModeFallback[] = [];
      const failures: string[] = [];
      for (let index = 0; ; index++) {
        const model = models[index]!;
        let streamed = false;
        const asked: CompletionRequest = request.onText
          ? {
              ...request,
              onText: (delta) => {
                streamed = true;
                request.onText!(delta);
              },
            }
          : request;
        try {
          const completion = await model.complete(asked);
          if (fallbacks.length) completion.fallbacks = [...fallbacks, ...(completion.fallbacks ?? [])];
          return completion;
        } catch (error) {
          const next = models[index + 1];
          const message = redactText(errorMessage(error));
          failures.push(`${model.id}: ${message}`);
          if (request.signal?.aborted || streamed || !passesOn(error)) throw index === 0 ? error : allFailed(error, failures, request);
          if (!next) throw allFailed(error, failures, request);
          fallbacks.push({ from: model.id, to: next.id, reason: message });
        }
      }
    },
  };
}

/** Worth asking another model: what the model itself would retry (it already did). */
function passesOn(error: unknown): boolean {
  return error instanceof LLMRequestError && error.retryable;
}

function allFailed(last: unknown, failures: string[], request: CompletionRequest): Error {
  const status = (last as { status?: unknown }).status;
  return new LLMRequestError(
    `${request.spec.id}: every model of the fallback chain failed, in order:\n${failures.map((failure) => `- ${failure}`).join("\n")}`,
    { retryable: last instanceof LLMRequestError && last.retryable, cause: last, stub: request.spec.id, ...(typeof status === "number" ? { status } : {}) },
  );
}
