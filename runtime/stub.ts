import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { StubNotCompiledError } from "./errors";
import type { LanguageModel } from "./model";
import { SourcePlaces } from "./original-position";

// The second argument of each `StubNotCompiledError` below is a string literal in the function's
// own body on purpose: bundlers and minifiers keep string literals where they are, so
// `llm-strategy check` finds this `stub` and `implement` in a bundle by them (their names do not
// survive minification).

/**
 * Marks a declaration as implemented by a language model. Write it as the whole body:
 * `get age(): Promise<number> { return stub(); }`. The transformer replaces the body at
 * build time; if `stub()` ever runs, the file was not built with the transformer.
 */
export function stub(): never {
  throw new StubNotCompiledError(callerOf(stub), "llm-strategy:stub");
}

/**
 * An object implementing every method of interface `I` with the model (the strategy
 * pattern over a pure interface). The transformer rewrites each call at build time.
 * @param model The model for every method; default: the one from `configure({ model })`.
 */
export function implement<I>(model?: LanguageModel): I {
  void model;
  throw new StubNotCompiledError(implementSite(callerFrame(implement)), "llm-strategy:implement");
}

/** Names the function that called `fn`, from the stack, for error messages. */
function callerOf(fn: Function): string {
  const frame = callerFrame(fn);
  if (!frame) return "A stub";
  return frame.name ? `${frame.name} (${frame.location})` : `The stub at ${frame.location}`;
}

/** The stack frame that called `fn`: the function's name when it has one, and `file:line:column`. */
function callerFrame(fn: Function): { name?: string; location: string } | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, fn);
  const frame = holder.stack?.split("\n")[1]?.trim() ?? "";
  const match = /^at (?:(.+?) \()?(.+?)\)?$/.exec(frame);
  if (!match) return undefined;
  return { ...(match[1] ? { name: match[1] } : {}), location: match[2]! };
}

/**
 * `implement<WineExpert>() at src/wine.ts:12:27 (dist/wine.js:9:43)`: the type argument is gone
 * from the JavaScript, so it is read from the source the call was compiled from, found through
 * the file's source map (or the stack, when it already points at TypeScript). Where neither can
 * be read, the JavaScript place and why.
 */
function implementSite(frame: { location: string } | undefined): string {
  const place = frame && /^(.+):(\d+):(\d+)$/.exec(frame.location);
  if (!place) return "An `implement<I>()` call";
  const [, file, line, column] = place;
  // ES modules name their file by URL.
  const js = { file: file!.startsWith("file://") ? fileURLToPath(file!) : file!, line: Number(line), column: Number(column) };
  let source = js;
  let why: string | undefined;
  if (/\.[cm]?jsx?$/.test(js.file)) {
    try {
      const mapped = new SourcePlaces(process.cwd()).original(js.file, fs.readFileSync(js.file, "utf8"), js.line - 1, js.column - 1);
      if (mapped.unmapped) why = mapped.unmapped;
      else source = mapped.place;
    } catch (error) {
      why = `${js.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
  }
  const shown = (at: { file: string; line: number; column: number }) => `${displayPath(at.file)}:${at.line}:${at.column}`;
  const written = source === js ? undefined : writtenCall(source);
  if (written) return `${written.call} at ${shown({ ...source, column: written.column })} (${shown(js)})`;
  if (source !== js) return `An \`implement<I>()\` call at ${shown(source)} (${shown(js)})`;
  const typed = /\.[cm]?tsx?$/.test(js.file) ? writtenCall(js) : undefined;
  if (typed) return `${typed.call} at ${shown({ ...js, column: typed.column })}`;
  return `An \`implement<I>()\` call at ${shown(js)}${why ? ` (its interface is not known: ${why})` : ""}`;
}

/** `implement<WineExpert>()` as written on the source line of `at`, the call nearest its column, and the call's 1-based column. */
function writtenCall(at: { file: string; line: number; column: number }): { call: string; column: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(at.file, "utf8").split(/\r?\n/)[at.line - 1] ?? "";
  } catch {
    return undefined;
  }
  let best: { call: string; column: number; distance: number } | undefined;
  for (const match of text.matchAll(/\bimplement\s*</g)) {
    // The type argument up to its matching `>` (`implement<Repository<Customer>>`).
    let depth = 0;
    let end = match.index + match[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === "<") depth++;
      else if (text[end] === ">" && text[end - 1] !== "=" && --depth === 0) break;
    }
    if (depth !== 0) continue;
    const distance = Math.abs(match.index - (at.column - 1));
    const call = `implement<${text.slice(match.index + match[0].length, end).trim()}>()`;
    if (!best || distance < best.distance) best = { call, column: match.index + 1, distance };
  }
  return best && { call: best.call, column: best.column };
}

/** A path as the user would type it from where the program runs, when it is below there. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
