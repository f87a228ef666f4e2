import { StubNotCompiledError } from "./errors";
import type { LanguageModel } from "./model";

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
  throw new StubNotCompiledError(callerOf(implement), "llm-strategy:implement");
}

/** Names the function that called `fn`, from the stack, for error messages. */
function callerOf(fn: Function): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, fn);
  const frame = holder.stack?.split("\n")[1]?.trim() ?? "";
  const match = /^at (?:(.+?) \()?(.+?)\)?$/.exec(frame);
  if (!match) return "A stub";
  const [, name, location] = match;
  return name ? `${name} (${location})` : `The stub at ${location}`;
}
