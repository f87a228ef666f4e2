/**
 * Whether `prefix` is a state an incremental JSON parser can show on its way to `whole`: strings
 * begin it, arrays hold its complete items then a prefix of the next, objects hold prefixes of
 * its own properties.
 */
export function isPrefix(prefix: unknown, whole: unknown): boolean {
  if (typeof prefix === "string") return typeof whole === "string" && whole.startsWith(prefix);
  if (Array.isArray(prefix)) {
    if (!Array.isArray(whole) || prefix.length > whole.length) return false;
    // Every item but the last is complete.
    return prefix.every((item, index) => (index < prefix.length - 1 ? JSON.stringify(item) === JSON.stringify(whole[index]) : isPrefix(item, whole[index])));
  }
  if (typeof prefix === "object" && prefix !== null) {
    if (typeof whole !== "object" || whole === null || Array.isArray(whole)) return false;
    return Object.keys(prefix).every((key) => Object.prototype.hasOwnProperty.call(whole, key) && isPrefix((prefix as Record<string, unknown>)[key], (whole as Record<string, unknown>)[key]));
  }
  return prefix === whole;
}
