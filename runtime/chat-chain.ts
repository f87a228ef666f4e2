import { chainConversation, runInConversation, type Conversation } from "./conversation";
import { ConfigurationError } from "./errors";
import { invoke } from "./invoke";
import type { ChatMessage, LanguageModel } from "./model";
import { CHAIN_QUERY_ID, SPEC_VERSION, type CallSpec, type JsonSchema } from "./spec";
import { chainSpan } from "./tracing/context";
import { shortHash } from "./util";

/**
 * Chat chains (the seed's `ChatChain`): an immutable conversation with a model. Every model call
 * goes through `invoke`, so replies are validated and repaired, and calls are traced, recorded
 * and cached like stub calls. Inside a chain (`continueWith`), stub calls continue its
 * conversation: the chain's messages come before the stub's prompt.
 */

let nextChainId = 1;

/**
 * An immutable conversation with a model. Each operation returns a new chain and leaves this
 * one as it was, so a chain can be continued several ways (`branch`).
 * ```ts
 * const chain = chatChain(openAI(), { system: "You are a terse research assistant." });
 * const [answer, next] = await chain.query("Which essay topics suit a 300-word limit?");
 * const outline = await next.structuredQuery<Outline>("Outline an essay on the first one.");
 * ```
 */
export class ChatChain {
  /** Unique in the process; traces name chains by it (`chain#3`). */
  readonly id = nextChainId++;
  readonly messages: readonly ChatMessage[];

  /**
   * @param model The model of every query; default: the model a stub would get (`withCallOptions({ model })`, `configure({ model })`).
   * @param messages The conversation so far.
   */
  constructor(
    readonly model?: LanguageModel,
    messages: readonly ChatMessage[] = [],
  ) {
    this.messages = Object.freeze(messages.map(checkMessage));
  }

  /** The last reply of the model, if any. */
  get response(): string | undefined {
    for (let index = this.messages.length - 1; index >= 0; index--) if (this.messages[index]!.role === "assistant") return this.messages[index]!.content;
    return undefined;
  }

  /** A new chain with `messages` added. */
  append(...messages: ChatMessage[]): ChatChain {
    return new ChatChain(this.model, [...this.messages, ...messages]);
  }

  /** A new chain with the same history (a separate conversation from here on, with its own id). */
  branch(): ChatChain {
    return new ChatChain(this.model, this.messages);
  }

  /**
   * Asks `question` and returns the model's reply with the chain that continues after it.
   * Rejects with an `LLMStrategyError` as a stub call does.
   */
  query(question: string): Promise<[reply: string, chain: ChatChain]> {
    checkQuestion(question, "query");
    return chainSpan(
      { name: `chain#${this.id}.query`, chainId: this.id, input: { question }, returnsChain: true },
      async (): Promise<[string, ChatChain]> => {
        const conversation = this.conversation();
        const asking: Conversation = { chain: this, messages: conversation.messages.slice(), model: this.model, pendingUser: question };
        const reply = await runInConversation(asking, () => invoke<string>(CHAT_REPLY_SPEC, this, []));
        // The history keeps the question and the reply as said, not the JSON envelope they travelled in.
        conversation.messages.push({ role: "user", content: question }, { role: "assistant", content: reply });
        return [reply, new ChatChain(this.model, conversation.messages)];
      },
    );
  }

  /**
   * Answer the question in the input, taking our conversation so far into account.
   * @param question The question, in natural language.
   * @remarks The line above is the prompt the model gets (with the type `T` and the question).
   * Asks `question` and returns the answer as a validated value of type `T`: the transformer
   * builds `T`'s schema at each call site (`chain.structuredQuery<Plan>("...")`), as for a call of
   * a generic stub; a call it did not compile accepts any JSON and warns once. Replies are
   * repaired like a stub's. To continue the chain after it, call it inside `continueWith`.
   */
  structuredQuery<T>(question: string): Promise<T> {
    checkQuestion(question, "structuredQuery");
    return chainSpan(
      { name: `chain#${this.id}.structuredQuery`, chainId: this.id, input: { question }, returnsChain: false },
      // `invoke` runs before the first await: it reads the call site's specialisation synchronously.
      () => runInConversation(this.conversation(), () => invoke<T>(CHAIN_QUERY_SPEC, this, [question])),
    );
  }

  /**
   * Runs `fn` inside this conversation: every stub call and query it makes (also through
   * promises and timers) is sent after the chain's messages, and each accepted exchange is
   * added, so later calls in `fn` see earlier ones. Returns `fn`'s value and the chain with
   * every exchange, in the order they finished (this chain itself when there was none).
   * The chain's model answers the calls that name no model of their own as an argument.
   */
  continueWith<T>(fn: () => T | Promise<T>): Promise<[value: T, chain: ChatChain]> {
    return chainSpan(
      { name: `chain#${this.id}.continueWith`, chainId: this.id, returnsChain: true },
      async (): Promise<[T, ChatChain]> => {
        const conversation = this.conversation();
        const value = await runInConversation(conversation, fn);
        const next = conversation.messages.length === this.messages.length ? this : new ChatChain(this.model, conversation.messages);
        return [value, next];
      },
    );
  }

  /** Inside `continueWith` of this same chain, its running conversation; else a new one. */
  private conversation(): Conversation {
    return chainConversation(this, this.messages, this.model);
  }

  toJSON(): { id: number; model?: string; messages: readonly ChatMessage[] } {
    return { id: this.id, ...(this.model ? { model: this.model.id } : {}), messages: this.messages };
  }
}

/**
 * A new chat chain.
 * @param model The model of its queries; default: the model a stub would get.
 * @param options.system A system message to start with.
 * @param options.messages The conversation so far (after the system message).
 */
export function chatChain(model?: LanguageModel, options: { system?: string; messages?: readonly ChatMessage[] } = {}): ChatChain {
  const messages: ChatMessage[] = options.system !== undefined ? [{ role: "system", content: options.system }] : [];
  return new ChatChain(model, [...messages, ...(options.messages ?? [])]);
}

function checkQuestion(question: unknown, method: string): void {
  if (typeof question !== "string" || question.trim() === "") {
    throw new ConfigurationError(`ChatChain.${method}(question): the question must be a non-empty string, got ${JSON.stringify(question)}.`);
  }
}

function checkMessage(message: ChatMessage): ChatMessage {
  if (!message || !["system", "user", "assistant"].includes(message.role) || typeof message.content !== "string") {
    throw new ConfigurationError(`ChatChain: a message is { role: "system" | "user" | "assistant", content: string }, got ${JSON.stringify(message)}.`);
  }
  return Object.freeze({ role: message.role, content: message.content });
}

// ---------------------------------------------------------------------------------------------
// The runtime's own specs

function hashOf(content: unknown): string {
  return shortHash(JSON.stringify(content));
}

function ownSpec(spec: Omit<CallSpec, "version" | "hash">): CallSpec {
  return { version: SPEC_VERSION, ...spec, hash: hashOf(spec) };
}

const EMPTY_INPUT: JsonSchema = { type: "object", properties: {}, additionalProperties: false };

/** `query`: a plain reply, carried as `{ "value": string }` so every mode of every model can answer it. */
const CHAT_REPLY_SPEC: CallSpec = ownSpec({
  id: "llm-strategy ChatChain.query",
  kind: "function",
  template: "Reply with JSON of type { value: string }",
  outputTypes: "",
  params: [],
  input: EMPTY_INPUT,
  output: { type: "string" },
  wrapper: "value",
  definitions: {},
});

const CHAIN_QUERY_DOC = "Answer the question in the input, taking our conversation so far into account.";

/**
 * `structuredQuery` called from code the transformer did not compile: the type `T` is unknown,
 * so any JSON is accepted (the runtime warns once, as for any uncompiled call of a generic stub).
 */
const CHAIN_QUERY_SPEC: CallSpec = ownSpec({
  id: CHAIN_QUERY_ID,
  kind: "function",
  typeArguments: "constraints",
  template: `${CHAIN_QUERY_DOC}\n\nstructuredQuery(question: string): unknown\n\nInput: {{input}}\nReply with JSON of type { value: unknown }`,
  doc: CHAIN_QUERY_DOC,
  outputTypes: "",
  params: [{ name: "question", role: "input" }],
  input: { type: "object", properties: { question: { type: "string", description: "The question, in natural language." } }, required: ["question"], additionalProperties: false },
  output: {},
  wrapper: "value",
  definitions: {},
});
