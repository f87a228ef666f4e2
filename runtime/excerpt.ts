/**
 * Short, marked excerpts of reply data for error lines: whatever a reply holds (a 10 MB key, a
 * string of a million characters, arrays nested 100,000 deep), what is quoted from it stays a
 * few dozen characters, and producing it costs time in proportion to the excerpt, not the data.
 */

/** Longest key or string quoted whole; longer ones are cut and say their length. */
const MAX_QUOTED = 40;

/**
 * `text` as a JSON string literal, cut after `max` characters:
 * `"aaaa…" (10485760 characters)`. Never splits a surrogate pair.
 */
export function quoted(text: string, max = MAX_QUOTED): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(cutAt(text, max)).slice(0, -1)}…" (${text.length} characters)`;
}

/**
 * Compact JSON of `value` (as `JSON.stringify` writes it) cut to at most `max` characters, with
 * `...` at the end when cut. Stops writing once `max` is reached, so a huge or deeply nested
 * value costs no more than a small one: each nesting level writes at least one character, so
 * the recursion is at most `max` deep.
 */
export function jsonExcerpt(value: unknown, max: number): string {
  const out = { text: "", max: max + 1 };
  write(value, out);
  return out.text.length > max ? cutAt(out.text, max - 3) + "..." : out.text;
}

function write(value: unknown, out: { text: string; max: number }): void {
  if (out.text.length >= out.max) return;
  if (typeof value === "string") {
    // Only the part that can show is escaped.
    const room = out.max - out.text.length;
    out.text += value.length > room ? JSON.stringify(cutAt(value, room)) : JSON.stringify(value);
    return;
  }
  if (typeof value !== "object" || value === null) {
    out.text += typeof value === "number" && !Number.isFinite(value) ? "null" : (JSON.stringify(value) ?? "null");
    return;
  }
  if (Array.isArray(value)) {
    out.text += "[";
    for (let index = 0; index < value.length && out.text.length < out.max; index++) {
      if (index) out.text += ",";
      write(value[index], out);
    }
    out.text += "]";
    return;
  }
  out.text += "{";
  let first = true;
  for (const key in value) {
    if (out.text.length >= out.max) break;
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (!first) out.text += ",";
    first = false;
    write(key, out);
    out.text += ":";
    write((value as Record<string, unknown>)[key], out);
  }
  out.text += "}";
}

/** The first `length` characters, one fewer when that would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  if (length <= 0) return "";
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
