import { LLMBatchError } from "../errors";
import type { BatchApi, BatchState } from "../model";
import { JOB_KEY_METADATA } from "./job-file";

/** Statuses after which a batch changes no more. */
const TERMINAL = new Set(["completed", "failed", "expired", "cancelled"]);

/** The outcome of one line, from the batch's output or error file. */
export type LineResult = { ok: true; body: unknown } | { ok: false; status?: number; code?: string; message: string; body?: unknown };

/**
 * Polls until the batch is done: every `intervalMs` at first, 1.5 times longer after each poll
 * that shows no progress (up to `maxIntervalMs`), back to `intervalMs` when it moved.
 */
export async function pollUntilDone(
  api: BatchApi,
  state: BatchState,
  intervals: { intervalMs: number; maxIntervalMs: number },
  signal: AbortSignal,
  onState: (state: BatchState) => void,
): Promise<BatchState> {
  let wait = intervals.intervalMs;
  let seen = progressOf(state);
  while (!TERMINAL.has(state.status)) {
    await sleep(wait, signal);
    state = await api.retrieve(state.id, signal);
    onState(state);
    const now = progressOf(state);
    wait = now === seen ? Math.min(wait * 1.5, intervals.maxIntervalMs) : intervals.intervalMs;
    seen = now;
  }
  return state;
}

function progressOf(state: BatchState): string {
  return `${state.status} ${state.counts?.completed ?? 0} ${state.counts?.failed ?? 0}`;
}

/** Every line of the batch's output and error files, by custom_id. */
export async function readResults(api: BatchApi, state: BatchState, signal: AbortSignal): Promise<Map<string, LineResult>> {
  const results = new Map<string, LineResult>();
  for (const fileId of [state.errorFileId, state.outputFileId]) {
    if (!fileId) continue;
    const text = await api.download(fileId, signal);
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const parsed = parseLine(line);
      // A line in both files: the output file's (read last) is the answer.
      if (parsed) results.set(parsed.customId, parsed.result);
    }
  }
  return results;
}

interface OutputLine {
  custom_id?: unknown;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string | null; message?: string | null } | null;
}

function parseLine(text: string): { customId: string; result: LineResult } | undefined {
  let line: OutputLine;
  try {
    line = JSON.parse(text) as OutputLine;
  } catch {
    return undefined;
  }
  if (typeof line?.custom_id !== "string") return undefined;
  const status = line.response?.status_code;
  if (!line.error && status === 200) return { customId: line.custom_id, result: { ok: true, body: line.response!.body } };
  const bodyError = (line.response?.body as { error?: { message?: string; code?: string | null; type?: string } } | undefined)?.error;
  const result: LineResult = { ok: false, message: line.error?.message ?? bodyError?.message ?? `status ${status ?? "none"}` };
  if (line.response?.body !== undefined) result.body = line.response.body;
  const code = line.error?.code ?? bodyError?.code ?? bodyError?.type;
  if (code) result.code = code;
  if (typeof status === "number") result.status = status;
  return { customId: line.custom_id, result };
}

/** Lines of an expired or cancelled batch that never ran. */
export function neverRan(result: LineResult | undefined): boolean {
  return !result || (!result.ok && (result.code === "batch_expired" || result.code === "batch_cancelled"));
}

/** The error of a line that brought no reply, for its call. */
export function lineError(result: LineResult | undefined, state: BatchState, stub: string, where: string): LLMBatchError {
  if (state.status === "failed") {
    return new LLMBatchError(
      `${stub}: the provider failed the whole batch ${state.id} at ${where}${state.errors?.length ? `: ${state.errors.join("; ")}` : ""}. ` +
        `Nothing in it ran; check the requests it names, then run again.`,
      { retryable: false, batchId: state.id, code: "batch_failed", stub },
    );
  }
  if (!result || neverRan(result)) {
    const code = state.status === "expired" ? "batch_expired" : state.status === "cancelled" ? "batch_cancelled" : (result as { code?: string } | undefined)?.code ?? "no_result";
    const why =
      code === "batch_expired"
        ? "expired before this request ran (the provider's completion window is 24 hours)"
        : code === "batch_cancelled"
          ? "was cancelled before this request ran"
          : `ended (${state.status}) without a line for this request`;
    return new LLMBatchError(`${stub}: the batch ${state.id} at ${where} ${why}. Run again to send it in a new batch (with jobFile, the answered requests are not sent again).`, {
      retryable: true,
      batchId: state.id,
      code,
      stub,
    });
  }
  const failed = result as Extract<LineResult, { ok: false }>;
  const options: ConstructorParameters<typeof LLMBatchError>[1] = { retryable: worthRetrying(failed.status), batchId: state.id, stub };
  if (failed.status !== undefined) options.status = failed.status;
  if (failed.code !== undefined) options.code = failed.code;
  return new LLMBatchError(
    `${stub}: the batch ${state.id} at ${where} answered this request with an error${failed.status !== undefined ? ` (status ${failed.status})` : ""}: ${failed.message}`,
    options,
  );
}

/** Whether a request that failed with `status` (undefined: no answer) is worth sending again: no answer, 408, 429, 5xx. */
export function worthRetrying(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/** A batch a job file or a create attempt expects: its `llm-strategy-job` metadata and its input file. */
export interface ExpectedBatch {
  key?: string;
  inputFileId: string;
}

/**
 * Looks through the provider's batches, newest first (the list's pages fetched as needed), for
 * those `wanted` expects, down to `since` (milliseconds since 1970); stops once all are found.
 */
export async function findBatches<T extends ExpectedBatch>(
  list: NonNullable<BatchApi["list"]>,
  api: BatchApi,
  wanted: readonly T[],
  since: number,
  signal: AbortSignal,
): Promise<Map<T, BatchState>> {
  const found = new Map<T, BatchState>();
  if (!wanted.length) return found;
  for await (const state of list.call(api, signal)) {
    if (state.createdAt !== undefined && state.createdAt < since) break;
    const match = wanted.find(
      (candidate) => !found.has(candidate) && candidate.key === state.metadata?.[JOB_KEY_METADATA] && (state.inputFileId ?? candidate.inputFileId) === candidate.inputFileId,
    );
    if (match) found.set(match, state);
    if (found.size === wanted.length) break;
  }
  return found;
}

/** Waits `ms`, or rejects as soon as `signal` aborts (leaving no timer behind). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
