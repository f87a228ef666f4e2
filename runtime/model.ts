import type { CallSpec, JsonSchema } from "./spec";

/** One chat message as OpenAI-compatible endpoints take it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What a stub call asks of a model. (First draft: the runtime issue owns this shape.) */
export interface CompletionRequest {
  /** The stub being called: id, hash, schemas. */
  spec: CallSpec;
  /** The call's inputs: `this` (data fields) and arguments by parameter name. */
  input: Record<string, unknown>;
  /** The conversation to send. */
  messages: ChatMessage[];
  /** Schema the reply must match (object root). */
  replySchema: JsonSchema;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** A model's reply. */
export interface Completion {
  /** The raw reply text (for tool calls: the arguments JSON). */
  text: string;
}

/** Every model implements this; write your own to use another provider. */
export interface LanguageModel {
  /** Identity for caches and recordings, e.g. `openai:gpt-4o-mini`. */
  readonly id: string;
  complete(request: CompletionRequest): Promise<Completion>;
}
