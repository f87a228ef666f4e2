import { currentScope, withBatchScope, type CallOptions } from "../config";
import { ConfigurationError } from "../errors";
import type { LanguageModel } from "../model";
import { definedOf } from "../util";
import type { BatchProgress, BatchRunSettings } from "./run";

export type { BatchProgress } from "./run";

/** Default first wait between two polls of a running batch: 10 s. */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;
/** Default longest wait between two polls (the wait grows 1.5 times per poll that shows no progress): 5 minutes. */
export const DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;

export interface BatchOptions {
  /** The model for every stub call in `fn`, as `withCallOptions({ model })`. Default: each stub's own (`@llmStrategy`, `configure`). */
  model?: LanguageModel;
  /**
   * Called when a call starts or finishes and when a round goes out: `done` calls of `total`
   * started so far, and the round in flight (1: first requests, 2: their first repairs, ...).
   */
  onProgress?: (progress: BatchProgress) => void;
  /**
   * Makes the batch resumable: a JSON file (written atomically) with the provider's batch ids and
   * which request each line is. Run the same code again after the process died, and requests
   * found there wait for their batch (running or finished) instead of being sent and paid for
   * again; lines that failed are dropped from it, so a rerun sends them anew. One `batch()` at a
   * time per job file (each keeps its own copy and writes it whole). Default: none.
   */
  jobFile?: string;
  /** First wait between two polls of a running batch, in milliseconds; 1.5 times longer after each poll without progress. Default 10,000. */
  pollIntervalMs?: number;
  /** Longest wait between two polls, in milliseconds. Default 300,000 (5 minutes). */
  maxPollIntervalMs?: number;
  /**
   * Deadline of the whole batch, in milliseconds: then its running batches are cancelled at the
   * provider and the calls still waiting fail with `LLMTimeoutError`. Default: none (the
   * provider's completion window, 24 hours at OpenAI, bounds it). Per-call timeouts set outside
   * the batch (`configure`, an enclosing `withCallOptions`) do not apply to its calls, which wait
   * for the job; a `withCallOptions({ timeoutMs })` inside `fn` does.
   */
  timeoutMs?: number;
  /** Cancels the batch: running batches are cancelled at the provider, waiting calls fail with `LLMAbortError`. Combined with enclosing scopes' signals. */
  signal?: AbortSignal;
  /** Overrides `configure({ maxRepairs })` for the calls in `fn`: at most this many repair rounds per call. */
  maxRepairs?: number;
  /** Most requests at once for models without a batch API (which run directly). Default 16. */
  maxConcurrency?: number;
  /** Most requests per input file; more make several batches. Default: the provider's (OpenAI: 50,000). */
  maxRequestsPerFile?: number;
  /** Most bytes per input file; more make several batches. Default: the provider's (OpenAI: 200 MB, 200,000,000 bytes). */
  maxBytesPerFile?: number;
  /**
   * Metadata for each batch created (OpenAI: up to 16 string pairs); `llm-strategy-round` is
   * added, and `llm-strategy-job` (how a batch whose create went unanswered is found again,
   * by a retry or by a rerun with a `jobFile`).
   */
  metadata?: Record<string, string>;
  /**
   * Deletes files at the provider once each batch has ended and its lines were read: the
   * uploaded input file, and the output and error files too unless a `jobFile` keeps the batch
   * for a rerun (which reads them again). A failed delete is a process warning
   * (`LLM_STRATEGY_BATCH_DELETE_FAILED`), never a failed call. Default false (OpenAI keeps
   * batch files until they are deleted).
   */
  deleteFiles?: boolean;
}

/**
 * Runs `fn`, collecting every stub call it makes (also calls made later by promises it starts)
 * instead of sending each: once every call waits for a reply, their requests go to the
 * provider's batch API as one job (OpenAI's Batch API: a JSONL file of requests, then a batch;
 * several when the provider's limits per file require), at about half the price. Each call's
 * promise settles as usual, with its validated, revived value or its own error. Calls whose
 * replies need a repair make the next round, up to `maxRepairs`. A model or endpoint without a
 * batch API runs its calls directly (said once, as a process warning).
 *
 * ```ts
 * const ages = await batch(() => Promise.all(customers.map((customer) => customer.age)), { onProgress: ({ done, total }) => log(done, total) });
 * ```
 * Resolves with what `fn` resolves with.
 */
export async function batch<T>(fn: () => T | Promise<T>, options: BatchOptions = {}): Promise<T> {
  checkOptions(options);
  const outer = currentScope()?.signal;
  const signals = [outer, options.signal].filter((signal): signal is AbortSignal => signal !== undefined);
  const settings: BatchRunSettings = {
    ...definedOf(options, ["jobFile", "maxRequestsPerFile", "maxBytesPerFile", "metadata", "deleteFiles", "onProgress", "timeoutMs"]),
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    maxPollIntervalMs: Math.max(options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS, options.pollIntervalMs ?? 0),
    maxConcurrency: options.maxConcurrency ?? 16,
    signals,
  };
  // Loaded at the first batch(), not with the runtime: a process that never batches does not pay for it.
  const { BatchRun } = require("./run") as typeof import("./run");
  const run = new BatchRun(settings);
  const scope: CallOptions = {};
  if (options.model) scope.model = options.model;
  if (options.signal) scope.signal = options.signal;
  if (options.maxRepairs !== undefined) scope.maxRepairs = options.maxRepairs;
  try {
    return await withBatchScope(scope, run, fn);
  } finally {
    await run.close();
  }
}

function checkOptions(options: BatchOptions): void {
  const positive = (name: keyof BatchOptions, integer: boolean) => {
    const value = options[name] as number | undefined;
    if (value === undefined) return;
    if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new ConfigurationError(`batch(): ${name} must be a positive ${integer ? "whole number" : "number"}, got ${value}.`);
    }
  };
  positive("pollIntervalMs", false);
  positive("maxPollIntervalMs", false);
  positive("timeoutMs", false);
  positive("maxConcurrency", true);
  positive("maxRequestsPerFile", true);
  positive("maxBytesPerFile", true);
  if (options.jobFile !== undefined && (typeof options.jobFile !== "string" || !options.jobFile)) {
    throw new ConfigurationError("batch(): jobFile must be a file path (or left out: the batch is then not resumable).");
  }
}
