/**
 * Small helpers several runtime modules need. A leaf: imports nothing of the runtime, so any
 * module (and the transformer) may use it.
 */
import * as crypto from "node:crypto";

/** Whether `value` is a promise or any object with a `then` method: what `await` treats as one. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** The message of a thrown value: an `Error`'s `message`, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A content hash as specs carry it: the first 16 hex digits (64 bits) of the SHA-256 of `text`. */
export function shortHash(text: string): string {
  return sha256Hex(text).slice(0, 16);
}

/** `crypto.hash` (Node 20.12 and later) hashes in one call, without a Hash object per hash: a third faster for a spec's text. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function" ? (text) => crypto.hash("sha256", text, "hex") : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** The HTTP status an error carries (`status`, as the SDKs' errors and batch lines have it), if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null | undefined)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * An object literal's kind of object (prototype `Object.prototype` or none): what JSON parsing
 * makes. Class instances, arrays, `Date`s and `Map`s are not.
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The options under `keys` that are set (not undefined), as a new object. */
export function definedOf<T extends object, K extends keyof T>(options: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (options[key] !== undefined) picked[key] = options[key];
  return picked;
}
