import { createHash } from "node:crypto";
import type { ChatMessage, CompletionRequest, LanguageModel } from "../model";
import { redactKnown, redactValue, registerSecretsIn } from "../redact";
import { specIdWithoutLine } from "../spec";

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

/**
 * The identity of a request, as plain canonical JSON values, with no secret in it: options under
 * secret-looking names (at any depth) and known secret values anywhere are `[redacted]`.
 */
export function identify(model: LanguageModel, request: CompletionRequest): RequestIdentity {
  const identity: RequestIdentity = {
    stub: request.spec.id,
    hash: request.spec.hash,
    model: redactKnown(model.id),
    modelOptions: redactValue(canonical(redactOptions(model.options))) as Record<string, unknown>,
    input: redactValue(canonical(request.input), { names: false }) as Record<string, unknown>,
    turns: request.messages.slice(1).map((message) => ({ role: message.role, content: redactKnown(message.content) })),
  };
  if (request.spec.typeArguments !== undefined) identity.typeArguments = request.spec.typeArguments;
  return identity;
}

/**
 * The lookup key of an identity: SHA-256 (hex) of its canonical JSON, without the stub id (the
 * hash already names the stub's content). Known secrets are replaced in the text first, so an
 * identity and its redacted copy (as a recording file keeps it) have the same key.
 */
export function keyOf(identity: Pick<RequestIdentity, "hash" | "model" | "modelOptions" | "input" | "turns">): string {
  return sha256(redactKnownJson(canonicalJson([identity.hash, identity.model, identity.modelOptions, identity.input, identity.turns])));
}

/** `keyOf(identify(model, request))` without building the canonical copies (the cache's hot path). */
export function requestKey(model: LanguageModel, request: CompletionRequest): string {
  const turns = request.messages.length > 1 ? request.messages.slice(1).map((message) => ({ role: message.role, content: message.content })) : [];
  return sha256(redactKnownJson(canonicalJson([request.spec.hash, model.id, redactOptions(model.options), request.input, turns])));
}

/**
 * A stub id without its line number (`src/customer.ts:12 Customer.age` -> `src/customer.ts Customer.age`):
 * the same stub after lines were added above it. Lookups key on the content hash, not the id,
 * so a moved stub still replays; this name finds a stub's older recordings for messages and pruning.
 */
export function stubName(id: string): string {
  return specIdWithoutLine(id);
}

/** A value as JSON would carry it, keys sorted: Dates become ISO strings, `undefined` properties disappear. */
export function canonical(value: unknown): unknown {
  const text = canonicalJson(value);
  return text === undefined ? null : JSON.parse(text);
}

/**
 * Model options without secrets: values under secret-looking names, at any depth, are
 * `[redacted]` (and registered, so they are redacted as text elsewhere too), should a custom
 * model put a secret there.
 */
function redactOptions(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const known = redactedOptions.get(options);
  if (known) return known;
  registerSecretsIn(options);
  const redacted = redactValue(options as Record<string, unknown>);
  // Frozen options (`openAI()`'s, made once per model) cannot change: walked at the first lookup only.
  // Secrets registered later are still replaced, in the key's text and the identity's copy.
  if (Object.isFrozen(options)) redactedOptions.set(options, redacted);
  return redacted;
}

const redactedOptions = new WeakMap<object, Record<string, unknown>>();

function redactKnownJson(text: string | undefined): string | undefined {
  return text === undefined ? undefined : redactKnown(text);
}

function sha256(text: string | undefined): string {
  return createHash("sha256")
    .update(text ?? "")
    .digest("hex");
}
