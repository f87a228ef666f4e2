import { linkedController } from "./abort";
import { withCallOptions, type CallOptions } from "./config";
import { PartialJsonParser } from "./partial-json";
import { redactText } from "./redact";
import type { CallSpec } from "./spec";
import { errorMessage } from "./util";

/**
 * What a partial value of type `T` can hold while the reply streams: plain JSON data, every
 * property optional at every depth. Class instances are plain objects with their data fields
 * (no methods, no prototype), `Date`s are the ISO strings the model writes; only the final
 * value (`result`) is revived. Methods and promise-valued getters (stubs) are left out.
 */
export type DeepPartial<T> = T extends Date
  ? string
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends (...args: never[]) => unknown
      ? never
      : T extends readonly (infer Item)[]
        ? DeepPartial<Item>[]
        : T extends object
          ? { [Key in keyof T as T[Key] extends ((...args: never[]) => unknown) | PromiseLike<unknown> ? never : Key]?: DeepPartial<T[Key]> }
          : T;

/** Which stub call and attempt a partial belongs to. */
export interface PartialInfo {
  /** The stub's spec id, e.g. `src/customer.ts:30 MockCustomerDatabase.createMockCustomers`. */
  stub: string;
  /** 1 for the first request, 2 for the first repair, ...: a new attempt starts from an empty value. */
  attempt: number;
  /** Pieces of text received so far in this attempt (0 when the reply came whole: a cache hit, a model that cannot stream). */
  chunks: number;
}

/**
 * Receives each partial value of the stub calls in a `withCallOptions({ onPartial })` scope.
 * The partial is plain data that keeps growing after the hook returns (the same objects gain
 * items and keys): copy it (`structuredClone`) to keep a snapshot. Errors it throws become
 * process warnings (`LLM_STRATEGY_PARTIAL_HOOK_FAILED`), never the call's failure.
 */
export type PartialHook = (partial: unknown, info: PartialInfo) => void;

/** What `streamed()` returns. */
export interface Streamed<T> {
  /**
   * The value while it streams, each a valid prefix of the final JSON (strings grow, arrays gain
   * items, objects the keys seen so far). A slow consumer gets the latest value, not every step.
   * A repair starts over: the next partial after an invalid reply is a new value from the
   * repair's first characters. Ends when the call settles, also when it fails.
   */
  partials: AsyncIterable<DeepPartial<T>>;
  /** The final value: validated and revived, exactly what the call returns; rejects with the call's error. */
  result: Promise<T>;
}

/**
 * Runs `fn` (one stub call) streaming: the model's reply is parsed as it arrives, and the
 * value so far is available before the call finishes. Stub signatures stay unchanged:
 *
 * ```ts
 * const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(10));
 * for await (const partial of partials) render(partial); // DeepPartial<Customer[]>, growing
 * const customers = await result;                         // validated, revived Customer[]
 * ```
 * Leaving the loop early (`break`) only stops reading: the call goes on, and `result` still
 * settles. To stop the model, abort: `streamed(fn, { signal })` closes the connection at once
 * and rejects `result` with `LLMAbortError` (`LLMTimeoutError` for `timeoutMs`).
 * `result` is marked handled, so a failure never becomes an unhandled rejection while the
 * partials are read; await it to see the error.
 * @param options Call options for the scope, as `withCallOptions` takes them.
 */
export function streamed<T>(fn: () => Promise<T>, options: CallOptions = {}): Streamed<T> {
  const channel = new PartialChannel();
  const outer = options.onPartial;
  const onPartial: PartialHook = outer
    ? (partial, info) => {
        channel.push(partial);
        outer(partial, info);
      }
    : (partial) => channel.push(partial);
  let result: Promise<T>;
  try {
    result = Promise.resolve(withCallOptions({ ...options, onPartial }, fn));
  } catch (error) {
    result = Promise.reject(error);
  }
  result.then(
    () => channel.close(),
    () => channel.close(),
  );
  return { partials: channel as AsyncIterable<DeepPartial<T>>, result };
}

/** The latest partial and a version counter; each iterator reads versions it has not seen. */
class PartialChannel implements AsyncIterable<unknown> {
  private latest: unknown;
  private version = 0;
  private closed = false;
  private waiting: (() => void)[] = [];

  push(partial: unknown): void {
    this.latest = partial;
    this.version++;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    let seen = 0;
    let stopped = false;
    const next = async (): Promise<IteratorResult<unknown>> => {
      for (;;) {
        if (stopped) return { done: true, value: undefined };
        if (this.version > seen) {
          seen = this.version;
          return { done: false, value: this.latest };
        }
        if (this.closed) return { done: true, value: undefined };
        await new Promise<void>((resolve) => this.waiting.push(resolve));
      }
    };
    return {
      next,
      // `break` ends this iterator only: the call goes on (abort its signal to stop the model).
      return: async () => {
        stopped = true;
        return { done: true, value: undefined };
      },
    };
  }
}

/** What an attempt keeps of a streamed reply over the size limit (its first characters). */
const HEAD_CHARS = 1000;

/**
 * One attempt's stream: parses each piece of text as it arrives and hands the value so far to
 * the scope's partial hooks; counts pieces and bytes (the size limit applies as the text
 * arrives: over it, the attempt's signal aborts, which closes the connection).
 */
export class AttemptStream {
  readonly signal: AbortSignal;
  chunks = 0;
  /** Milliseconds from the request to the first piece. */
  timeToFirstTokenMs: number | undefined;
  /** Set when the text went over `maxReplyBytes`. */
  overLimit = false;
  /** UTF-8 bytes so far, once counted (see `unsized`). */
  bytes = 0;
  /** The pieces while their length alone keeps them under the limit. */
  private unsized: string[] | undefined = [];
  /** The first characters of the text (for the attempt's record when over the limit). */
  head = "";
  chars = 0;
  private readonly parser = new PartialJsonParser();
  private readonly started = performance.now();
  private readonly controller: AbortController;
  private readonly dispose: () => void;

  constructor(
    private readonly spec: CallSpec,
    private readonly attempt: number,
    private readonly hooks: readonly PartialHook[],
    private readonly maxReplyBytes: number,
    callSignal: AbortSignal | undefined,
  ) {
    const linked = linkedController(callSignal ? [callSignal] : []);
    this.controller = linked.controller;
    this.dispose = linked.dispose;
    this.signal = linked.controller.signal;
  }

  /** For `CompletionRequest.onText`. */
  readonly onText = (delta: string): void => {
    if (this.overLimit || typeof delta !== "string" || !delta) return;
    if (this.chunks++ === 0) this.timeToFirstTokenMs = performance.now() - this.started;
    this.chars += delta.length;
    // Bytes are counted only once the length alone cannot tell (a UTF-16 unit is 1 to 3 bytes):
    // until then the pieces are only kept, then counted once, then each new one.
    if (this.unsized) {
      this.unsized.push(delta);
      if (this.chars * 3 > this.maxReplyBytes) {
        this.bytes = this.unsized.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0);
        this.unsized = undefined;
      }
    } else this.bytes += Buffer.byteLength(delta);
    if (this.head.length < HEAD_CHARS) this.head += delta.slice(0, HEAD_CHARS - this.head.length);
    if (this.bytes > this.maxReplyBytes) {
      this.overLimit = true;
      this.controller.abort(new Error(`The reply went over maxReplyBytes (${this.maxReplyBytes} bytes).`));
      return;
    }
    if (this.parser.feed(delta)) this.emit(this.unwrap(this.parser.value));
  };

  /**
   * The attempt's reply was accepted (or came whole): a reply that did not stream, or whose
   * streamed text the incremental parser could not follow (prose, repaired JSON), ends with
   * the validated JSON as one last partial. `value` is that JSON as the reply check parsed it;
   * hooks get a copy, since the value itself is revived next.
   */
  finish(accepted: boolean, value: unknown): void {
    if (!accepted || (this.chunks > 0 && this.parser.done)) return;
    const partial = this.unwrap(value);
    if (partial !== undefined) this.emit(structuredClone(partial));
  }

  /** Ends the attempt's subscription to the call's signal, once the model answered or failed. */
  close(): void {
    this.dispose();
  }

  private unwrap(value: unknown): unknown {
    const wrapper = this.spec.wrapper;
    if (!wrapper) return value;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[wrapper] : undefined;
  }

  private emit(partial: unknown): void {
    if (partial === undefined) return;
    const info: PartialInfo = { stub: this.spec.id, attempt: this.attempt, chunks: this.chunks };
    for (const hook of this.hooks) {
      try {
        hook(partial, info);
      } catch (error) {
        process.emitWarning(redactText(`An llm-strategy onPartial hook threw: ${errorMessage(error)}`), {
          code: "LLM_STRATEGY_PARTIAL_HOOK_FAILED",
        });
      }
    }
  }
}
