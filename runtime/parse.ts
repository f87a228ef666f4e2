/**
 * Lenient, never silent, parsing of a model's reply: code fences, prose around the JSON,
 * trailing commas, single quotes and similar slips are repaired, and each repair is named
 * so the call's info can record it. A reply cut off before its JSON closes is NOT completed
 * (that would invent data): it is a failure the repair loop sends back.
 */

/** Replies up to this length (1 Mi characters) are repaired with jsonrepair when they are near-JSON. */
const MAX_JSONREPAIR_CHARS = 1024 * 1024;

export type ParseResult =
  | { ok: true; value: unknown; repairs: string[] }
  | { ok: false; failure: string };

export function parseReply(text: string): ParseResult {
  const trimmed = text.trim();
  const direct = tryJson(trimmed);
  if (direct.ok) return { ok: true, value: direct.value, repairs: [] };

  const repairs: string[] = [];
  let candidate = trimmed;
  const fenced = codeFenceContent(trimmed);
  if (fenced !== undefined) {
    repairs.push("code fence");
    candidate = fenced;
  }

  const start = candidate.trimStart().startsWith("[") ? candidate.indexOf("[") : candidate.indexOf("{");
  if (start < 0) {
    return { ok: false, failure: `The reply holds no JSON object: it must be one JSON object, without other text.` };
  }
  const end = endOfJsonValue(candidate, start);
  if (end < 0) {
    return {
      ok: false,
      failure: `The reply ends before its JSON is complete (a bracket or string is never closed). Send the whole JSON object.`,
    };
  }
  if (candidate.slice(0, start).trim() || candidate.slice(end).trim()) repairs.push("text around the JSON");
  const json = candidate.slice(start, end);

  // Parsed once already when nothing was around it.
  const extracted = json === trimmed ? direct : tryJson(json);
  if (extracted.ok) return { ok: true, value: extracted.value, repairs };

  // jsonrepair works in one synchronous go (and recursively): on a large text it would hold the
  // event loop for long, so a large reply that is not JSON goes back to the model instead.
  if (json.length > MAX_JSONREPAIR_CHARS) {
    return { ok: false, failure: `The reply is not valid JSON (${extracted.message.slice(0, 200)}). Send one JSON object only.` };
  }
  try {
    const repaired = loadJsonRepair()(json);
    const value: unknown = JSON.parse(repaired);
    repairs.push("jsonrepair");
    return { ok: true, value, repairs };
  } catch {
    // (The parser's message quotes a short excerpt of the reply; cut, in case another engine quotes more.)
    return { ok: false, failure: `The reply is not valid JSON (${extracted.message.slice(0, 200)}). Send one JSON object only.` };
  }
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** The content of the first ``` fence that holds a `{`; an unclosed fence runs to the end. */
function codeFenceContent(text: string): string | undefined {
  const fence = /```[A-Za-z]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/g;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    if (match[1]!.includes("{")) return match[1]!;
    if (match[0].length === 0) fence.lastIndex++;
  }
  return undefined;
}

/**
 * Index just past the JSON value that opens at `start` (a `{` or `[`), counting brackets
 * outside strings; -1 when the text ends first. Single-quoted strings count as strings,
 * since jsonrepair accepts them.
 */
function endOfJsonValue(text: string, start: number): number {
  let depth = 0;
  let quote = "";
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === "\\") index++;
      else if (char === quote) quote = "";
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") {
      depth--;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

let jsonRepair: ((text: string) => string) | undefined;

/** Loaded on the first malformed reply only: most replies never need it. */
function loadJsonRepair(): (text: string) => string {
  jsonRepair ??= (require("jsonrepair") as typeof import("jsonrepair")).jsonrepair;
  return jsonRepair;
}
