import { createHash } from "node:crypto";
import type { ChatMessage, CompletionRequest, LanguageModel } from "../model";

/**
 * What identifies one request for `recording()` and `cached()`: the same identity asks the
 * same model the same thing, so its reply can be reused.
 *
 * - `hash`: the stub's build-time content hash (template, output types, schemas): a changed
 *   JSDoc or type is a different request.
 * - `model`, `modelOptions`: `LanguageModel.id` and `.options` (temperature, token limit, mode...).
 * - `input`: the call's inputs in canonical form (keys sorted, Dates as ISO strings).
 * - `turns`: the conversation after the first message, i.e. the failed reply and its errors of a
 *   repair request, so each round of a repair conversation is its own entry. The first message
 *   itself is a function of `hash` and `input`. `messages` (the rendering with output types) is
 *   used: its repair turns hold everything the other rendering's can.
 */
export interface RequestIdentity {
  stub: string;
  hash: string;
  /** A generic stub's call-site type arguments: recordings of other specialisations are not stale. */
  typeArguments?: string;
  model: string;
  modelOptions: Record<string, unknown>;
  input: Record<string, unknown>;
  turns: ChatMessage[];
}

type Stringify = (value: unknown) => string | undefined;
let stringify: Stringify | undefined;

/**
 * Canonical JSON: sorted keys, circular references and BigInts made harmless, so the same value
 * always gives the same text. safe-stable-stringify is loaded at the first use, not at import
 * (the runtime's cold start stays free of what only recordings and caches need).
 */
export function canonicalJson(value: unknown): string | undefined {
  if (!stringify) {
    const { configure } = require("safe-stable-stringify") as typeof import("safe-stable-stringify");
    stringify = configure({ deterministic: true, bigint: true, circularValue: "[Circular]" }) as Stringify;
  }
  return stringify(value);
}

/** Option names whose values never reach a file or a key, should a custom model put a secret there. */
const SECRET_OPTION = /api[-_]?key|authori[sz]ation|secret|password|bearer|access[-_]?token|credential/i;

/** The identity of a request, as plain canonical JSON values. */
export function identify(model: LanguageModel, request: CompletionRequest): RequestIdentity {
  const identity: RequestIdentity = {
    stub: request.spec.id,
    hash: request.spec.hash,
    model: model.id,
    modelOptions: canonical(redactSecrets(model.options)) as Record<string, unknown>,
    input: canonical(request.input) as Record<string, unknown>,
    turns: request.messages.slice(1).map((message) => ({ role: message.role, content: message.content })),
  };
  if (request.spec.typeArguments !== undefined) identity.typeArguments = request.spec.typeArguments;
  return identity;
}

/** The lookup key of an identity: SHA-256 (hex) of its canonical JSON, without the stub id (the hash already names the stub's content). */
export function keyOf(identity: Pick<RequestIdentity, "hash" | "model" | "modelOptions" | "input" | "turns">): string {
  return sha256(canonicalJson([identity.hash, identity.model, identity.modelOptions, identity.input, identity.turns]));
}

/** `keyOf(identify(model, request))` without building the canonical copies (the cache's hot path). */
export function requestKey(model: LanguageModel, request: CompletionRequest): string {
  const turns = request.messages.length > 1 ? request.messages.slice(1).map((message) => ({ role: message.role, content: message.content })) : [];
  return sha256(canonicalJson([request.spec.hash, model.id, redactSecrets(model.options), request.input, turns]));
}

/**
 * A stub id without its line number (`src/customer.ts:12 Customer.age` -> `src/customer.ts Customer.age`):
 * the same stub after lines were added above it. Lookups key on the content hash, not the id,
 * so a moved stub still replays; this name finds a stub's older recordings for messages and pruning.
 */
export function stubName(id: string): string {
  const match = /^(.*):\d+ (.*)$/s.exec(id);
  return match ? `${match[1]} ${match[2]}` : id;
}

/** A value as JSON would carry it, keys sorted: Dates become ISO strings, `undefined` properties disappear. */
export function canonical(value: unknown): unknown {
  const text = canonicalJson(value);
  return text === undefined ? null : JSON.parse(text);
}

function redactSecrets(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  let redacted: Record<string, unknown> | undefined;
  for (const name of Object.keys(options)) {
    if (SECRET_OPTION.test(name)) (redacted ??= { ...options })[name] = "[redacted]";
  }
  return redacted ?? options;
}

function sha256(text: string | undefined): string {
  return createHash("sha256")
    .update(text ?? "")
    .digest("hex");
}
