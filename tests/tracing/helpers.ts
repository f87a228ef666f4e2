import type { Completion, CompletionRequest, LanguageModel } from "../../runtime";

/** One scripted completion: the reply text, and what a real endpoint reports with it. */
export type Scripted = string | (Partial<Completion> & { text: string });

/**
 * A model for trace tests: answers from a queue (or a function) with full `Completion`s, so
 * usage, modes and fallbacks reach the trace as a real endpoint's would; records requests.
 */
export function completionModel(
  script: Scripted[] | ((request: CompletionRequest) => Scripted),
  options: { id?: string; options?: Record<string, unknown>; model?: string } = {},
): LanguageModel & { requests: CompletionRequest[] } {
  const requests: CompletionRequest[] = [];
  let next = 0;
  return {
    id: options.id ?? "test:model-a",
    options: options.options ?? {},
    ...(options.model ? { model: options.model } : {}),
    requests,
    async complete(request) {
      requests.push(request);
      const item = typeof script === "function" ? script(request) : script[next++];
      if (item === undefined) throw new Error(`no scripted completion left for ${request.spec.id}`);
      const completion = typeof item === "string" ? { text: item } : item;
      return { finishReason: "stop", ...completion };
    },
  };
}

export const usage = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens, totalTokens: promptTokens + completionTokens });

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
