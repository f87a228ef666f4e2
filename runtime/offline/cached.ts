import * as path from "node:path";
import { ConfigurationError } from "../errors";
import type { Completion, CompletionRequest, LanguageModel } from "../model";
import { redactKnown, redactText } from "../redact";
import { OfflineFileError } from "./errors";
import { RECORDING_MARK } from "./constants";
import { requestKey } from "./key";
import { MemoryReplyStore, type ReplyStore } from "./reply-store";
import { SqliteReplyStore } from "./sqlite-store";
import { fromStoredReply, toStoredReply } from "./stored-reply";

/** Default `maxEntries` of an in-memory cache. */
const DEFAULT_MEMORY_ENTRIES = 1_000;
/** Default `maxEntries` of an SQLite cache (a few hundred MB at most for large replies; ~1 MB per 1,000 small ones). */
const DEFAULT_DISK_ENTRIES = 100_000;
/** Default `busyTimeoutMs`. */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

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
 * The cache fails open: when its SQLite file cannot be opened, read or written (a folder that
 * cannot be created or written, a corrupt or foreign file, a lock held past `busyTimeoutMs`),
 * stub calls go to the model as if there were no cache, and one process warning
 * (`LLM_STRATEGY_CACHE_UNAVAILABLE`) says why. A file that is not a readable cache is never
 * written to; the cache stays off for the rest of the process (a busy lock only costs that one
 * lookup or store). A file deleted or replaced while in use is opened anew at the next store.
 * @throws ConfigurationError for a bad option, or (from a stub call) when `path` is given and better-sqlite3 is not installed.
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
  /** Set once the file proved unusable: stub calls then bypass the cache. */
  let off = false;
  const warned = new Set<string>();
  const warnOnce = (kind: string, message: string): void => {
    if (warned.has(kind)) return;
    warned.add(kind);
    process.emitWarning(redactText(message), { code: "LLM_STRATEGY_CACHE_UNAVAILABLE" });
  };
  /** A store failure during a stub call: a warning, never the call's failure. */
  const failOpen = (error: unknown, doing: "open" | "read" | "store"): void => {
    // Not installed, or a bug: those are not the file's fault and stay errors.
    if (!(error instanceof OfflineFileError)) throw error;
    if (isBusy(error)) {
      warnOnce("busy", `${error.message} This ${doing === "store" ? "reply was not stored" : "lookup went to the model"}; such misses are not warned about again.`);
      return;
    }
    off = true;
    try {
      store?.close();
    } catch {
      // already broken; nothing more to lose
    }
    store = undefined;
    warnOnce(
      "off",
      `cached(): could not ${doing === "open" ? "open" : doing === "read" ? "read" : "write"} the reply cache, so stub calls go to the model without it ` +
        `for the rest of this process. ${error.message}`,
    );
  };
  /** The store for a stub call, or undefined when the cache is off. */
  const usable = (): ReplyStore | undefined => {
    if (off) return undefined;
    try {
      return opened();
    } catch (error) {
      failOpen(error, "open");
      return undefined;
    }
  };
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
      let hit: ReturnType<ReplyStore["get"]>;
      const current = usable();
      if (current) {
        try {
          hit = current.get(key);
        } catch (error) {
          failOpen(error, "read");
        }
      }
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
          let target = usable();
          if (!target) return;
          if (target.moved?.()) {
            warnOnce("moved", `cached(): the reply cache ${file} was deleted or replaced while in use; a new one is opened at the same path.`);
            try {
              target.close();
            } catch {
              // the old file is gone; its last recency updates with it
            }
            store = undefined;
            if (!(target = usable())) return;
          }
          try {
            target.set(key, toStoredReply(completion, { readable: false, usage: false }), {
              stub: request.spec.id,
              hash: request.spec.hash,
              model: redactKnown(model.id),
            });
            stats.stores++;
          } catch (error) {
            failOpen(error, "store");
          }
        },
      };
    },
  };
}

/** Another connection held the lock past the busy timeout: a passing condition, not a broken file. */
function isBusy(error: OfflineFileError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code === "SQLITE_LOCKED");
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
