/**
 * The public entry of record/replay and the reply cache. The implementations are required at
 * the first `recording()` / `cached()` call, not when the runtime is imported: a process that
 * uses neither does not pay to load them (about 5 ms, a measurable part of the runtime's cold start).
 */
import type { LanguageModel } from "../model";
import type { CachedModel, CacheOptions } from "./cached";
import type { RecordingModel, RecordingOptions } from "./recording";

export { OfflineFileError, RecordingMissError, RecordingWriteError, type RecordingMissReason } from "./errors";
export type { CachedModel, CacheOptions, CacheStats } from "./cached";
export type { RecordingModel, RecordingOptions, RecordingMode } from "./recording";
export { RECORDING_MODE_ENV } from "./constants";

/**
 * Records the requests of real stub calls and their replies to a JSON file, and replays them
 * with no network, for tests. See `RecordingOptions` for the file and the modes; the mode
 * defaults to `"auto"`, and the environment variable `LLM_STRATEGY_RECORDING` wins over it.
 *
 * ```ts
 * const model = recording(openAI(), { path: "tests/__recordings__/customers.json" });
 * const age = await withCallOptions({ model }, () => customer.age);
 * ```
 * @throws RecordingMissError (from a stub call) in replay mode when a request was not recorded;
 *   its message says whether the stub's prompt or schema changed since, and how to re-record.
 * @throws OfflineFileError (from a stub call) when the file is not a readable recording; it is never overwritten.
 * @throws RecordingWriteError (from a stub call, before the model is asked) when the file cannot be written.
 */
export function recording(model: LanguageModel, options: RecordingOptions): RecordingModel {
  return (require("./recording") as typeof import("./recording")).recording(model, options);
}

/**
 * A reply cache in front of any model: in memory (bounded LRU) without `path`, in an SQLite
 * file shared by processes with `path` (needs `npm install better-sqlite3@12`). Keyed like
 * recordings; only replies the runtime accepted are stored; a hit makes no request and shows
 * as `source: "cache"` in the call's attempts. See `CacheOptions` for TTL and size defaults.
 *
 * ```ts
 * const model = cached(openAI(), { path: ".cache/llm-replies.sqlite", ttlMs: 7 * 24 * 3600_000 });
 * ```
 */
export function cached(model: LanguageModel, options?: CacheOptions): CachedModel {
  return (require("./cached") as typeof import("./cached")).cached(model, options);
}
