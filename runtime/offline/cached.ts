import * as path from "node:path";
import { ConfigurationError } from "../errors";
import type { Completion, CompletionRequest, LanguageModel } from "../model";
import { RECORDING_MARK } from "./index";
import { requestKey } from "./key";
import { MemoryReplyStore, type ReplyStore } from "./reply-store";
import { SqliteReplyStore } from "./sqlite-store";
import { fromStoredReply, toStoredReply } from "./stored-reply";

/** Default `maxEntries` of an in-memory cache. */
export const DEFAULT_MEMORY_ENTRIES = 1_000;
/** Default `maxEntries` of an SQLite cache (a few hundred MB at most for large replies; ~1 MB per 1,000 small ones). */
export const DEFAULT_DISK_ENTRIES = 100_000;
/** Default `busyTimeoutMs`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface CacheOptions {
  /**
   * An SQLite database file (created with its folders; relative to the working directory) that
   * persists across runs and can be shared by several processes at once. Needs the optional
   * dependency `better-sqlite3` (`npm install better-sqlite3@12`). Default: no file, an
   * in-memory cache for this process only.
   */
  path?: string;
  /** How long a stored reply is used, in milliseconds from when it was stored. Default: no expiry. */
  ttlMs?: number;
  /**
   * Most replies kept; beyond it the least recently used are dropped. Default 1000 in memory,
   * 100000 in an SQLite file.
   */
  maxEntries?: number;
  /** SQLite only: how long a write waits for another process's lock, in milliseconds. Default 5000. */
  busyTimeoutMs?: number;
}

/** Counters of a cache since it was created (this process only). */
export interface CacheStats {
  /** Requests answered from the cache (no request made). */
  hits: number;
  /** Requests passed to the model. */
  misses: number;
  /** Replies stored (accepted by the runtime). */
  stores: number;
}

/** The `LanguageModel` `cached()` returns. */
export interface CachedModel extends LanguageModel {
  /** The model asked on a miss. */
  readonly inner: LanguageModel;
  /** The SQLite file, absolute; undefined for an in-memory cache. */
  readonly path: string | undefined;
  readonly stats: Readonly<CacheStats>;
  /** Replies held now (in an SQLite file: by every process). */
  size(): number;
  /** Drops every stored reply (in an SQLite file: for every process). */
  clear(): void;
  /** Closes the SQLite file (the process exiting closes it too). The cache must not be used after. */
  close(): void;
}

/**
 * A reply cache in front of any model (the Python library's SQLite cache). A request asked
 * before (same stub content hash, inputs, model id and options, and repair turns) is answered
 * from the cache without a request; its `CallInfo` attempt says `source: "cache"` and it
 * spends no tokens. Only replies the runtime accepted (parsed, validated) are stored, so an
 * invalid or cut-off reply is never served again.
 *
 * ```ts
 * const model = cached(openAI(), { path: ".cache/llm-replies.sqlite", ttlMs: 7 * 24 * 3600_000 });
 * ```
 * With a `recording()` in tests, put the recording outside: `recording(cached(model), ...)`,
 * so every request reaches the recording file (a cache hit inside `cached(recording(...))` is
 * never recorded, and a replay in CI without that cache would miss it).
 * @throws ConfigurationError for a bad option, or when `path` is given and better-sqlite3 is not installed.
 * @throws OfflineFileError (from a stub call) when the SQLite file is not a readable cache; it is never overwritten.
 */
export function cached(model: LanguageModel, options: CacheOptions = {}): CachedModel {
  if (!model || typeof model.complete !== "function") throw new ConfigurationError("cached(model, options): model must be a LanguageModel.");
  checkOptions(options);
  const file = options.path === undefined ? undefined : path.resolve(options.path);
  const wrappedMode = (model as { [RECORDING_MARK]?: string })[RECORDING_MARK];
  if (file && (wrappedMode === "record" || wrappedMode === "auto")) {
    process.emitWarning(
      `cached({ path: ${JSON.stringify(options.path)} }) wraps a recording() in ${wrappedMode} mode: a request answered from this persistent cache ` +
        `never reaches the recording, so the recording file may lack it and a later replay (in CI) miss it. ` +
        `Put the recording outside: recording(cached(model, { path }), { path: ... }).`,
      { code: "LLM_STRATEGY_CACHE_HIDES_RECORDING" },
    );
  }
  const stats: CacheStats = { hits: 0, misses: 0, stores: 0 };
  let store: ReplyStore | undefined;
  // Opened at the first call, so declaring a cached model (say in a decorator at module scope) touches no disk.
  const opened = (): ReplyStore =>
    (store ??= file
      ? new SqliteReplyStore(file, options.maxEntries ?? DEFAULT_DISK_ENTRIES, options.ttlMs, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)
      : new MemoryReplyStore(options.maxEntries ?? DEFAULT_MEMORY_ENTRIES, options.ttlMs));

  return {
    id: model.id,
    options: model.options,
    inner: model,
    path: file,
    stats,
    size: () => opened().size(),
    clear: () => opened().clear(),
    close: () => store?.close(),
    async complete(request: CompletionRequest): Promise<Completion> {
      const key = requestKey(model, request);
      const hit = opened().get(key);
      if (hit) {
        stats.hits++;
        return fromStoredReply(hit, "cache");
      }
      stats.misses++;
      const completion = await model.complete(request);
      const innerAccepted = completion.onAccepted;
      // Stored only when the runtime accepts the reply (invoke calls onAccepted after parsing and
      // validating it). Asking the runtime is exact and costs nothing: re-validating here would
      // duplicate its parse/validate/truncation rules, and drift from them.
      return {
        ...completion,
        onAccepted: () => {
          innerAccepted?.();
          opened().set(key, toStoredReply(completion, { readable: false, usage: false }), {
            stub: request.spec.id,
            hash: request.spec.hash,
            model: model.id,
          });
          stats.stores++;
        },
      };
    },
  };
}

function checkOptions(options: CacheOptions): void {
  if (options.path !== undefined && (typeof options.path !== "string" || !options.path)) {
    throw new ConfigurationError("cached(): path must be a file path (or left out for an in-memory cache).");
  }
  if (options.ttlMs !== undefined && !(options.ttlMs > 0 && Number.isFinite(options.ttlMs))) {
    throw new ConfigurationError(`cached(): ttlMs must be a positive number of milliseconds, got ${options.ttlMs}.`);
  }
  if (options.maxEntries !== undefined && !(Number.isInteger(options.maxEntries) && options.maxEntries >= 1)) {
    throw new ConfigurationError(`cached(): maxEntries must be a whole number >= 1, got ${options.maxEntries}.`);
  }
  if (options.busyTimeoutMs !== undefined && !(options.busyTimeoutMs >= 0 && Number.isFinite(options.busyTimeoutMs))) {
    throw new ConfigurationError(`cached(): busyTimeoutMs must be a number of milliseconds >= 0, got ${options.busyTimeoutMs}.`);
  }
}
