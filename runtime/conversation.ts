/**
 * The conversation of a running chat chain operation, as stub calls see it: `invoke` continues
 * it (its messages come before the stub's prompt) and adds each accepted exchange. Kept apart
 * from `chat-chain.ts`, whose operations call `invoke`, so neither imports the other.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CallInfo } from "./call-info";
import type { ChatMessage, LanguageModel } from "./model";
import type { RenderedPrompt } from "./prompt";
import type { CallSpec } from "./spec";
import { shortHash } from "./util";

/** The conversation stub calls continue, while a chain operation runs. */
export interface Conversation {
  /** The chain whose operation runs (told apart by identity). */
  readonly chain: object;
  /** The chain's messages, then each exchange accepted so far in this operation. */
  readonly messages: ChatMessage[];
  readonly model: LanguageModel | undefined;
  /** A question the next prompt is appended to (one user message, not two in a row). */
  pendingUser?: string;
}

const conversations = new AsyncLocalStorage<Conversation>();
/** Until a chain first runs an operation, no context holds a conversation: stub calls skip the lookup. */
let conversationsEverStarted = false;

/** Runs `fn` with `conversation` as the conversation of its async context (and of what it starts). */
export function runInConversation<T>(conversation: Conversation, fn: () => T): T {
  conversationsEverStarted = true;
  return conversations.run(conversation, fn);
}

/** Inside an operation of `chain` (`continueWith`), its running conversation; else a new one from `messages`. */
export function chainConversation(chain: object, messages: readonly ChatMessage[], model: LanguageModel | undefined): Conversation {
  const current = currentConversation();
  if (current?.chain === chain && current.pendingUser === undefined) return current;
  return { chain, messages: [...messages], model };
}

/** The conversation of the current async context, if a chain operation is running. */
export function currentConversation(): Conversation | undefined {
  return conversationsEverStarted ? conversations.getStore() : undefined;
}

/**
 * The prompt of a stub call inside a conversation: the conversation's messages first; a pending
 * question and the stub's prompt become one user message.
 */
export function continueConversation(conversation: Conversation | undefined, prompt: RenderedPrompt): RenderedPrompt {
  if (!conversation) return prompt;
  const prefix = conversation.messages.slice();
  const continued = (messages: ChatMessage[]): ChatMessage[] => {
    const [first, ...rest] = messages;
    const opening = conversation.pendingUser === undefined ? first! : { role: "user" as const, content: `${conversation.pendingUser}\n\n${first!.content}` };
    return [...prefix, opening, ...rest];
  };
  const messages = continued(prompt.messages);
  return { messages, messagesIfSchemaSent: prompt.messagesIfSchemaSent === prompt.messages ? messages : continued(prompt.messagesIfSchemaSent) };
}

/**
 * The spec a request inside a conversation is made with: its `hash` also covers the messages
 * before the prompt (and a pending question), because caches and recordings key on the hash,
 * the inputs and the turns after the first message; two conversations that differ only before
 * the prompt must not share a cached reply. Schemas are the spec's own.
 */
export function conversationSpec(conversation: Conversation | undefined, spec: CallSpec): CallSpec {
  if (!conversation) return spec;
  const context = JSON.stringify([conversation.messages, conversation.pendingUser ?? null]);
  return { ...spec, hash: shortHash(`${spec.hash}\n${context}`) };
}

/** After an accepted reply: the prompt as sent and the reply join the conversation. */
export function recordExchange(conversation: Conversation | undefined, prompt: RenderedPrompt, info: CallInfo): void {
  if (!conversation) return;
  const last = info.attempts[info.attempts.length - 1];
  if (last === undefined) return;
  const sent = last.schemaSent ? prompt.messagesIfSchemaSent : prompt.messages;
  const reply = last.reply;
  conversation.messages.push(sent[sent.length - 1]!, { role: "assistant", content: reply });
}
