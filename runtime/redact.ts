/**
 * Keeps secrets out of everything the runtime keeps or shows: error messages, `CallInfo`,
 * traces (JSON and OpenTelemetry), recording files, caches and warnings. Two rules:
 *
 * - **Known values**: every secret a model was configured with (the API key, credentials in
 *   `baseURL`, values of secret-named options and headers, anything given to `registerSecret`)
 *   is replaced wherever it appears as text, e.g. in a server's error body that echoes the key.
 * - **Names**: a value under a secret-looking name (`apiKey`, `api_key`, `authorization`,
 *   `token`, `secret`, `password`, ... at any depth) is replaced in options and traces; in URLs
 *   the user info (`user:pass@`) and key-like query parameters (`?api-key=`, `key=`, `token=`).
 *
 * Both replace with `[redacted]`.
 */
import { isPlainRecord } from "./util";

export const REDACTED = "[redacted]";

/**
 * Shorter values are not replaced as text: they would match ordinary words, and placeholders
 * such as `test-key` or `stand-in` (local servers take any key) would be cut out of model names
 * and prompts. Real keys are far longer. A short value is still redacted where its name marks it
 * (options, headers, URLs).
 */
const MIN_SECRET_LENGTH = 12;

/** Ends of normalised names (lower case, no `-`, `_`, `.`, spaces) that mark a secret: `openaiApiKey`, `x-api-key`, `client_secret`, `githubToken`. */
const SECRET_NAME_END =
  /(apikey|apitoken|token|secret|secretkey|password|passwd|passphrase|credential|credentials|authorization|privatekey|accesskey|sessionkey|cookie)$/;
/** Whole normalised names that mark a secret. */
const SECRET_NAMES = new Set(["auth", "bearer", "pwd", "sig", "signature"]);
/** Query parameters that carry keys besides the names above (`?key=` of Google-style APIs, `?code=` of Azure Functions). */
const SECRET_QUERY_NAMES = new Set(["key", "code"]);

/** Names judged so far: trace snapshots ask for every key of every object, and keys repeat. */
const judged = new Map<string, boolean>();
const MAX_JUDGED = 4096;

/** Whether a property, header or option of this name holds a secret. `maxTokens`, `promptTokens` do not (plural). */
export function isSecretName(name: string): boolean {
  let secret = judged.get(name);
  if (secret === undefined) {
    const normalised = name.toLowerCase().replace(/[-_.\s]/g, "");
    secret = SECRET_NAMES.has(normalised) || SECRET_NAME_END.test(normalised);
    if (judged.size >= MAX_JUDGED) judged.clear();
    judged.set(name, secret);
  }
  return secret;
}

function isSecretQueryName(name: string): boolean {
  return isSecretName(name) || SECRET_QUERY_NAMES.has(name.toLowerCase().replace(/[-_.\s]/g, ""));
}

// ---------------------------------------------------------------------------------------------
// Known secret values

/** Every form in which a known secret may appear in text: raw, JSON-escaped, URL-encoded. */
const known = new Set<string>();
/** `known`, longest first (a secret containing another is replaced whole). */
let ordered: string[] = [];

/**
 * Adds a secret value: from now on it is replaced by `[redacted]` in error messages, `CallInfo`,
 * traces, recording files and caches of this process. `openAI()` registers its API key, the
 * credentials in its `baseURL` and secret-named values of `extraBody` and `headers` itself;
 * call this for secrets a custom model holds. Values shorter than 12 characters are ignored.
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
  const before = known.size;
  known.add(value);
  known.add(JSON.stringify(value).slice(1, -1));
  known.add(encodeURIComponent(value));
  if (known.size !== before) ordered = [...known].sort((a, b) => b.length - a.length);
}

/** Whether any secret is registered (when none is, the redaction of known values costs nothing). */
export function hasKnownSecrets(): boolean {
  return ordered.length > 0;
}

/** `text` with every known secret value replaced (exact matches only; no name rules). */
export function redactKnown(text: string): string {
  if (!ordered.length) return text;
  let result = text;
  for (const secret of ordered) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Text: messages, URLs

// Every scan below stops at the next delimiter, so a long hostile text costs linear time.
/** `scheme://user:pass@` in free text. */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#@"'<>]+@/gi;
/** `?name=value` / `&name=value` in free text. */
const QUERY_PARAMETER = /([?&;])([^=&?;#\s"'<>]+)=([^&?;#\s"'<>]*)/g;
/** An HTTP authorization value in free text: `Bearer sk-...`, `Basic dXNlcjpw...` (16 characters or more, so prose such as "Basic authentication" stays). */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g;

/**
 * Free text (an error message, a provider's reply to a failed request) with known secrets, URL
 * credentials, key-like query parameters and `Bearer`/`Basic` credentials replaced.
 */
export function redactText(text: string): string {
  let result = redactKnown(text);
  if (result.includes("@")) result = result.replace(URL_USER_INFO, `$1${REDACTED}@`);
  if (result.includes("=")) {
    result = result.replace(QUERY_PARAMETER, (whole, separator: string, name: string, value: string) =>
      value && value !== REDACTED && isSecretQueryName(safeDecode(name)) ? `${separator}${name}=${REDACTED}` : whole,
    );
  }
  if (/Bearer|Basic/.test(result)) result = result.replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  return result;
}

/** The secrets a URL carries: its user name and password, the values of key-like query parameters. */
export function secretsOfUrl(url: string): string[] {
  const parsed = parseUrl(url);
  if (!parsed) return [];
  const secrets: string[] = [];
  if (parsed.username) secrets.push(safeDecode(parsed.username));
  if (parsed.password) secrets.push(safeDecode(parsed.password));
  for (const [name, value] of parsed.searchParams) if (value && isSecretQueryName(name)) secrets.push(value);
  return secrets;
}

/** A URL fit to show: user info as `[redacted]@`, key-like query parameters' values as `[redacted]`. */
export function redactUrl(url: string): string {
  return redactText(url);
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Values: options, inputs, trace data

/** Deeper parts are not walked (and, in a copy, cut): options and traces are not that deep. */
const MAX_DEPTH = 64;

/**
 * Registers the values found under secret-looking names anywhere in `value` (options, extra
 * request fields, headers), so they are also redacted where they appear as text.
 */
export function registerSecretsIn(value: unknown): void {
  walkSecrets(value, false, new Set(), 0);
}

function walkSecrets(value: unknown, underSecretName: boolean, seen: Set<object>, depth: number): void {
  if (typeof value === "string") {
    if (underSecretName) registerSecret(value);
    return;
  }
  if (typeof value !== "object" || value === null || seen.has(value) || depth > MAX_DEPTH) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) walkSecrets(item, underSecretName, seen, depth + 1);
    return;
  }
  for (const [name, item] of Object.entries(value)) walkSecrets(item, underSecretName || isSecretName(name), seen, depth + 1);
}

/**
 * A copy of plain JSON-like data with values under secret-looking names replaced by
 * `[redacted]` and known secrets replaced in strings. Returns `value` itself when nothing
 * changed (no copy for the common case). Class instances other than plain objects and arrays
 * are kept as they are.
 */
export function redactValue<T>(value: T, options: { names?: boolean } = {}): T {
  return redactAt(value, options.names ?? true, new Map(), 0) as T;
}

/**
 * Whether `redactValue(value, { names: false })` could change anything: false only when no string
 * it would look at holds a known secret. Walks as it does, without allocating (a stub call's
 * inputs are checked on every call); true, to be safe, for a value too large or deep to tell
 * within a small budget (cycles included).
 */
export function mayHoldKnownSecret(value: unknown): boolean {
  if (!ordered.length) return false;
  const budget = { nodes: 10_000 };
  return holdsKnown(value, 0, budget);
}

function holdsKnown(value: unknown, depth: number, budget: { nodes: number }): boolean {
  if (typeof value === "string") return redactKnown(value) !== value;
  if (typeof value !== "object" || value === null) return false;
  if (--budget.nodes < 0 || depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (holdsKnown(value[index], depth + 1, budget)) return true;
    return false;
  }
  if (!isPlainRecord(value)) return false;
  for (const name in value) if (holdsKnown((value as Record<string, unknown>)[name], depth + 1, budget)) return true;
  return false;
}

function redactAt(value: unknown, names: boolean, copies: Map<object, unknown>, depth: number): unknown {
  if (typeof value === "string") return redactKnown(value);
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  if (copies.has(value)) return copies.get(value);
  if (Array.isArray(value)) {
    copies.set(value, value);
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const redacted = redactAt(item, names, copies, depth + 1);
      if (redacted !== item) (copy ??= value.slice())[index] = redacted;
    });
    if (copy) copies.set(value, copy);
    return copy ?? value;
  }
  if (!isPlainRecord(value)) return value;
  copies.set(value, value);
  let copy: Record<string, unknown> | undefined;
  for (const [name, item] of Object.entries(value)) {
    const redacted = names && isSecretName(name) && item !== undefined && item !== null ? REDACTED : redactAt(item, names, copies, depth + 1);
    if (redacted !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      // `__proto__` as an own data property, never as the prototype setter.
      Object.defineProperty(copy, name, { value: redacted, enumerable: true, writable: true, configurable: true });
    }
  }
  if (copy) copies.set(value, copy);
  return copy ?? value;
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Removes secrets from an error and its causes, in place: messages and stacks (redacted as
 * text), and the fields the `openai` SDK keeps of a failed response (`error`: the parsed body).
 * An error that holds no secret is left untouched.
 */
export function scrubError(error: unknown): void {
  const seen = new Set<unknown>();
  for (let current = error, depth = 0; current instanceof Error && !seen.has(current) && depth < 8; current = current.cause, depth++) {
    seen.add(current);
    const message = redactText(current.message);
    if (message !== current.message) {
      const stack = current.stack;
      current.message = message;
      if (stack !== undefined) current.stack = redactText(stack);
    } else if (current.stack !== undefined && hasKnownSecrets()) {
      const stack = redactText(current.stack);
      if (stack !== current.stack) current.stack = stack;
    }
    const body = (current as { error?: unknown }).error;
    if (body !== undefined) {
      const redacted = typeof body === "string" ? redactText(body) : redactValue(body);
      if (redacted !== body) {
        try {
          (current as { error?: unknown }).error = redacted;
        } catch {
          // a read-only field: leave it
        }
      }
    }
  }
}
