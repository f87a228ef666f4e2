import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { linkedController } from "../abort";
import { ConcurrencyLimit } from "../concurrency";
import { LLMAbortError, LLMBatchError, LLMStrategyError, LLMTimeoutError } from "../errors";
import type { BatchApi, BatchEndpoint, BatchLine, BatchState, Completion, CompletionRequest, LanguageModel, ModeFallback } from "../model";
import { requestKey } from "../offline/key";
import { redactText } from "../redact";
import { errorMessage, statusOf } from "../util";
import { findBatches, lineError, neverRan, pollUntilDone, readResults, sleep, worthRetrying, type LineResult } from "./job";
import { JOB_KEY_METADATA, JobFile, type JobRecord } from "./job-file";

/** A batch made before it was asked for is not its: an hour allows for the provider's clock. */
const CLOCK_SLACK_MS = 3_600_000;
/** Further attempts at a create that failed without a clear answer, and the wait before the first (doubled for the next). */
const CREATE_RETRIES = 2;
const CREATE_RETRY_WAIT_MS = 250;

/** How far a `batch()` is: calls finished, calls started, and the round in flight (0 before the first). */
export interface BatchProgress {
  done: number;
  total: number;
  round: number;
}

export interface BatchRunSettings {
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  maxRequestsPerFile?: number;
  maxBytesPerFile?: number;
  jobFile?: string;
  metadata?: Record<string, string>;
  deleteFiles?: boolean;
  onProgress?: (progress: BatchProgress) => void;
  /** Most direct requests at once for models without a batch API. */
  maxConcurrency: number;
  signals: AbortSignal[];
  timeoutMs?: number;
}

/** A call's request waiting for, or sent in, a batch round. */
interface Pending {
  endpoint: BatchEndpoint;
  request: CompletionRequest;
  /** The request's key (as recordings key it): finds its line again in a job file. Empty without a job file. */
  key: string;
  settle(outcome: { completion: Completion } | { error: unknown }): void;
  /** True once settled (answered, failed, or its call aborted). */
  readonly settled: boolean;
  /** Ways of asking the endpoint rejected before (each sent the request again in the next round). */
  fallbacks?: ModeFallback[];
}

/** A pending request written as a line of an input file. */
interface Line {
  pending: Pending;
  line: BatchLine;
  customId: string;
  /** The JSONL text of the line (fresh lines only). */
  text?: string;
}

/**
 * The calls of one `batch()`. Each stub call in its scope `enter`s; a request it makes waits
 * here (`submit`) until every live call of the batch waits: then the waiting requests go out as
 * one round (one provider job per endpoint and file). Calls that need a repair wait again and
 * make the next round; calls that are done `leave`. So rounds hold exactly the calls that need
 * them, and the per-call pipeline (prompt, parse, validate, repair, revive) is the usual one.
 */
export class BatchRun {
  /** Stub calls started in the scope and not finished. */
  private active = 0;
  /** Of those, the ones waiting for a reply here (queued, in a job, or running directly). */
  private parked = 0;
  private queue: Pending[] = [];
  private scheduled = false;
  private round = 0;
  private done = 0;
  private total = 0;
  private nextLine = 0;
  private readonly stop = new AbortController();
  /** Set once the batch was aborted or timed out: makes each waiting call's error. */
  private halted: ((stub?: string) => LLMStrategyError) | undefined;
  private readonly disposeSignals: () => void;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  /** Endpoints found to have no batch API during this batch: their requests go directly. */
  private readonly noBatchApi = new Set<string>();
  private readonly warned = new Set<string>();
  private readonly limit: ConcurrencyLimit;
  private readonly jobFile: JobFile | undefined;
  /** Batches in flight (id -> endpoint), cancelled at the provider when the batch is aborted or times out. */
  private readonly running = new Map<string, BatchEndpoint>();
  private readonly cancelledIds: string[] = [];
  private readonly cancelling: Promise<unknown>[] = [];
  /** Per endpoint, the one look through its batches for the job file's intents. */
  private readonly listings = new Map<string, Promise<Map<JobRecord, string>>>();
  /** Files being deleted at the provider (`deleteFiles`). */
  private readonly deleting: Promise<void>[] = [];
  /** Rounds being sent (one promise per endpoint and round). */
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly settings: BatchRunSettings) {
    setMaxListeners(0, this.stop.signal);
    this.limit = new ConcurrencyLimit(settings.maxConcurrency);
    this.jobFile = settings.jobFile === undefined ? undefined : new JobFile(settings.jobFile);
    const linked = linkedController(settings.signals);
    this.disposeSignals = linked.dispose;
    const onAbort = () =>
      this.halt(() => new LLMAbortError(`batch(): aborted by its AbortSignal${this.cancelled()}.`, { cause: linked.controller.signal.reason }));
    if (linked.controller.signal.aborted) onAbort();
    else linked.controller.signal.addEventListener("abort", onAbort, { once: true });
    if (settings.timeoutMs !== undefined) {
      const timeoutMs = settings.timeoutMs;
      this.timer = setTimeout(
        () =>
          this.halt(
            () =>
              new LLMTimeoutError(
                `batch(): no reply within the batch's timeoutMs of ${timeoutMs} ms${this.cancelled()}. Raise batch({ timeoutMs }); with jobFile, a rerun picks up batches that still run.`,
                { timeoutMs },
              ),
          ),
        timeoutMs,
      );
      // The deadline alone does not keep the process alive: the polls do while there are any.
      this.timer.unref?.();
    }
    this.report();
  }

  /** A stub call of the scope started. */
  enter(): void {
    this.active++;
    this.total++;
    this.report();
  }

  /** A stub call of the scope finished (answered or failed). */
  leave(): void {
    this.active--;
    this.done++;
    this.report();
    this.check();
  }

  /** Ends the batch's own timer and listeners; resolves once cancellations sent to the provider were answered. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.disposeSignals();
    // Stopped: the requests still out (a batch being created) end soon, and what they made is cancelled too.
    if (this.halted) await Promise.all(this.sending);
    await Promise.all([...this.cancelling, ...this.deleting]);
  }

  /** A request of a model that offers batching: answered by a line of the next round. */
  submit(endpoint: BatchEndpoint, request: CompletionRequest): Promise<Completion> {
    if (this.halted) return Promise.reject(this.halted());
    // A streamed call wants its reply as it is written: a batch gives it hours later, whole.
    if (request.onText || this.noBatchApi.has(endpoint.key)) return this.whileParked(request.signal, () => endpoint.completeDirect(request));
    if (request.signal?.aborted) return Promise.reject(request.signal.reason);
    return new Promise<Completion>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        const index = this.queue.indexOf(pending);
        if (index >= 0) this.queue.splice(index, 1);
        pending.settle({ error: request.signal!.reason });
      };
      const pending: Pending = {
        endpoint,
        request,
        get settled() {
          return settled;
        },
        // Only a job file needs it (hashing every request costs a little).
        key: this.jobFile ? requestKey(endpoint.model, request) : "",
        settle: (outcome) => {
          // A line answers once; a call aborted meanwhile ignores its line's late reply.
          if (settled) return;
          settled = true;
          this.parked--;
          request.signal?.removeEventListener("abort", onAbort);
          if ("completion" in outcome) resolve(outcome.completion);
          else reject(outcome.error);
          this.check();
        },
      };
      this.parked++;
      request.signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(pending);
      this.check();
    });
  }

  /** A request of a model without a batch API: sent now, under the batch's concurrency limit; said once. */
  direct(model: LanguageModel, request: CompletionRequest): Promise<Completion> {
    this.warnOnce(
      `model ${model.id}`,
      `batch(): the model ${model.id} does not offer a batch API (no LanguageModel.batching), so its calls in this batch are sent directly, ` +
        `at most ${this.settings.maxConcurrency} at a time (batch({ maxConcurrency })).`,
    );
    return this.whileParked(request.signal, () => this.limit.run(() => model.complete(request), request.signal));
  }

  /** Runs `work` with the call counted as waiting, so the other calls' round is not held up by it. */
  private async whileParked<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.parked--;
      signal?.removeEventListener("abort", release);
      this.check();
    };
    this.parked++;
    signal?.addEventListener("abort", release, { once: true });
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Sends the waiting requests once every live call waits (after this turn of the event loop, so calls started together go together). */
  private check(): void {
    if (this.scheduled || !this.queue.length || this.parked < this.active) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length && this.parked >= this.active) this.flush();
    });
  }

  private flush(): void {
    const pending = this.queue.splice(0);
    const round = ++this.round;
    this.report();
    const byEndpoint = new Map<string, Pending[]>();
    for (const item of pending) {
      const group = byEndpoint.get(item.endpoint.key);
      if (group) group.push(item);
      else byEndpoint.set(item.endpoint.key, [item]);
    }
    for (const group of byEndpoint.values()) {
      // A failure of our own (a bug) still answers every call, never leaves one waiting.
      const sending = this.sendGroup(group[0]!.endpoint, group, round).catch((error: unknown) => {
        for (const item of group) item.settle({ error });
      });
      this.sending.add(sending);
      void sending.finally(() => this.sending.delete(sending));
    }
  }

  /** One endpoint's requests of a round: lines a job file already holds are awaited, the others go in new jobs. */
  private async sendGroup(endpoint: BatchEndpoint, pending: Pending[], round: number): Promise<void> {
    const resumed = new Map<JobRecord, Line[]>();
    const fresh: Line[] = [];
    for (const item of pending) {
      const line = this.lineOf(item);
      if (!line) continue;
      const known = this.jobFile?.claim(endpoint.key, item.key);
      if (!known) {
        fresh.push({ pending: item, line, customId: `call-${++this.nextLine}` });
        continue;
      }
      const lines = resumed.get(known.job) ?? [];
      lines.push({ pending: item, line, customId: known.customId });
      resumed.set(known.job, lines);
    }
    const jobs = [...resumed].map(async ([job, lines]) => {
      const id = job.id ?? (await this.located(endpoint, job, lines));
      if (id === null) return;
      // Lines of a job that ended before they ran (cancelled or expired while no one waited), or whose batch was never made, go out anew.
      const again = id === undefined ? lines : await this.finish(endpoint, { id, status: "in_progress" }, lines, round, true);
      await Promise.all(this.files(endpoint, again).map((file) => this.sendFile(endpoint, file, round)));
    });
    jobs.push(...this.files(endpoint, fresh).map((file) => this.sendFile(endpoint, file, round)));
    await Promise.all(jobs);
  }

  /**
   * The batch of an intent from the job file (a process died while creating it): found by its
   * metadata and input file in the provider's list, and recorded; `undefined` when the provider
   * has none (the create never arrived), and the intent is forgotten; `null` when the lines'
   * calls were failed instead.
   */
  private async located(endpoint: BatchEndpoint, job: JobRecord, lines: Line[]): Promise<string | undefined | null> {
    if (!endpoint.api.list) return this.lostTrace(endpoint, job, "its BatchApi offers no list");
    let found: Map<JobRecord, string>;
    try {
      found = await this.listed(endpoint, endpoint.api.list);
    } catch (error) {
      if (this.halted) this.settleAll(lines, this.halted);
      else if (isNoBatchApi(error)) return this.lostTrace(endpoint, job, `its batches list answered ${statusOf(error)}`);
      // The batch may exist: the intent stays, so a rerun looks again.
      else this.settleAll(lines, (stub) => apiError(error, endpoint, `look for the batch a previous run was creating (job file ${this.jobFile!.path})`, lines.length, stub));
      return null;
    }
    const id = found.get(job);
    if (id === undefined) {
      this.jobFile!.forget(job);
      return undefined;
    }
    this.jobFile!.created(job, id);
    return id;
  }

  /** One look through the endpoint's batches for every intent the job file came with (newest first, down to the oldest intent's time). */
  private listed(endpoint: BatchEndpoint, list: NonNullable<BatchApi["list"]>): Promise<Map<JobRecord, string>> {
    let listing = this.listings.get(endpoint.key);
    if (listing) return listing;
    const wanted = this.jobFile!.inherited.filter((job) => job.endpoint === endpoint.key);
    const since = Math.min(...wanted.map((job) => Date.parse(job.createdAt))) - CLOCK_SLACK_MS;
    listing = findBatches(list, endpoint.api, wanted, since, this.stop.signal).then((found) => new Map([...found].map(([job, state]) => [job, state.id])));
    this.listings.set(endpoint.key, listing);
    return listing;
  }

  /**
   * Creates a batch. A create that failed in a way that may have made it anyway (no answer,
   * 408, 409, 429, 5xx) is tried again, up to twice, but only after the provider's list shows
   * no batch with its key and input file: a blind retry could pay for the same requests twice.
   */
  private async create(api: BatchApi, fileId: string, url: string, metadata: Record<string, string>): Promise<BatchState> {
    const since = Date.now() - CLOCK_SLACK_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        // Not cut short by an abort: a batch the provider made while the answer was on its way would run unseen.
        return await api.create(fileId, url, metadata, new AbortController().signal);
      } catch (error) {
        if (attempt > CREATE_RETRIES || !mayHaveRun(error) || !api.list || this.halted) throw error;
        await sleep(CREATE_RETRY_WAIT_MS * attempt, this.stop.signal).catch(() => Promise.reject(error));
        const expected = { key: metadata[JOB_KEY_METADATA]!, inputFileId: fileId };
        const made = (await findBatches(api.list, api, [expected], since, this.stop.signal).catch(() => Promise.reject(error))).get(expected);
        if (made) return made;
      }
    }
  }

  /** An intent that cannot be looked for: its lines go out anew (said once; the earlier batch, if made, is paid twice). */
  private lostTrace(endpoint: BatchEndpoint, job: JobRecord, why: string): undefined {
    this.warnOnce(
      `list ${endpoint.key}`,
      `batch(): the job file ${this.jobFile!.path} names a batch a previous run was creating at ${endpoint.key}, but it cannot be looked for (${why}), so its requests are sent again.`,
    );
    this.jobFile!.forget(job);
    return undefined;
  }

  private lineOf(item: Pending): BatchLine | undefined {
    try {
      return item.endpoint.line(item.request);
    } catch (error) {
      item.settle({ error });
      return undefined;
    }
  }

  /** Splits lines into input files within the provider's limits (requests and bytes per file). */
  private files(endpoint: BatchEndpoint, lines: Line[]): Line[][] {
    const maxRequests = this.settings.maxRequestsPerFile ?? endpoint.limits.requestsPerFile;
    const maxBytes = this.settings.maxBytesPerFile ?? endpoint.limits.bytesPerFile;
    const files: Line[][] = [];
    let file: Line[] = [];
    let bytes = 0;
    for (const line of lines) {
      line.text = JSON.stringify({ custom_id: line.customId, method: "POST", url: line.line.url, body: line.line.body });
      const size = Buffer.byteLength(line.text) + 1;
      if (size > maxBytes) {
        line.pending.settle({
          error: new LLMBatchError(
            `${line.pending.request.spec.id}: its request is ${size} bytes, more than a batch input file may hold (${maxBytes} bytes at ${endpoint.key}). Ask for less in one call, or raise batch({ maxBytesPerFile }) if the provider allows.`,
            { retryable: false, stub: line.pending.request.spec.id },
          ),
        });
        continue;
      }
      if (file.length && (file.length >= maxRequests || bytes + size > maxBytes)) {
        files.push(file);
        file = [];
        bytes = 0;
      }
      file.push(line);
      bytes += size;
    }
    if (file.length) files.push(file);
    return files;
  }

  /** One input file: uploaded, made a batch (recorded in the job file), awaited, its lines answered. */
  private async sendFile(endpoint: BatchEndpoint, lines: Line[], round: number): Promise<void> {
    if (!lines.length) return;
    if (this.halted) return this.settleAll(lines, this.halted);
    let state: BatchState;
    let job: JobRecord | undefined;
    try {
      const fileId = await endpoint.api.upload(lines.map((line) => `${line.text}\n`).join(""), this.stop.signal);
      // Written before the create request: a process killed while it is on its way leaves the key a rerun looks for.
      job = this.jobFile?.intend({
        endpoint: endpoint.key,
        inputFileId: fileId,
        round,
        createdAt: new Date().toISOString(),
        lines: Object.fromEntries(lines.map((line) => [line.customId, line.pending.key])),
      });
      // Without a job file, the key only tells a create that failed whether it made its batch.
      const metadata = { ...this.settings.metadata, "llm-strategy-round": String(round), [JOB_KEY_METADATA]: job?.key ?? randomUUID() };
      state = await this.create(endpoint.api, fileId, lines[0]!.line.url, metadata);
      if (job) this.jobFile!.created(job, state.id);
    } catch (error) {
      // Refused (4xx): no batch was made. Otherwise it may have been: the intent stays for a rerun to look for.
      const status = statusOf(error);
      if (job && status !== undefined && status < 500) this.jobFile!.forget(job);
      if (this.halted) return this.settleAll(lines, this.halted);
      if (isNoBatchApi(error)) return this.fallBack(endpoint, lines, error);
      return this.settleAll(lines, (stub) => apiError(error, endpoint, "create the batch", lines.length, stub));
    }
    if (this.halted) {
      this.cancelAtProvider(state.id, endpoint);
      return this.settleAll(lines, this.halted);
    }
    await this.finish(endpoint, state, lines, round, false);
  }

  /**
   * Waits for a batch and answers its lines. For a resumed batch, returns the lines that never
   * ran (it ended before they did) so they can go out again; for a new one, those fail.
   */
  private async finish(endpoint: BatchEndpoint, state: BatchState, lines: Line[], round: number, resumed: boolean): Promise<Line[]> {
    const api = endpoint.api;
    this.running.set(state.id, endpoint);
    let results: Map<string, LineResult>;
    try {
      // A batch from a job file is looked at at once (it may have finished long ago).
      if (resumed) state = await api.retrieve(state.id, this.stop.signal);
      state = await pollUntilDone(api, state, { intervalMs: this.settings.pollIntervalMs, maxIntervalMs: this.settings.maxPollIntervalMs }, this.stop.signal, () => {});
      results = await readResults(api, state, this.stop.signal);
      if (this.settings.deleteFiles) this.deleteFiles(api, state);
    } catch (error) {
      if (this.halted) {
        this.settleAll(lines, this.halted);
        this.jobFile?.drop(state.id, lines.map((line) => line.customId));
      } else if (resumed && statusOf(error) === 404) {
        // The provider no longer knows the batch of the job file: its lines go out anew.
        this.jobFile?.drop(state.id, lines.map((line) => line.customId));
        return lines;
      } else {
        // The batch may still run at the provider: the job file keeps it, so a rerun picks it up.
        const id = state.id;
        this.settleAll(lines, (stub) => apiError(error, endpoint, `follow the batch ${id}`, lines.length, stub));
      }
      return [];
    } finally {
      this.running.delete(state.id);
    }
    const again: Line[] = [];
    const failed: string[] = [];
    for (const item of lines) {
      const result = results.get(item.customId);
      if (result?.ok) {
        try {
          const completion = item.line.read(result.body);
          completion.batch = { id: state.id, round };
          if (item.pending.fallbacks) completion.fallbacks = [...item.pending.fallbacks, ...(completion.fallbacks ?? [])];
          item.pending.settle({ completion });
          continue;
        } catch (error) {
          item.pending.settle({ error });
        }
      } else if (resumed && (state.status === "failed" || neverRan(result))) {
        again.push(item);
      } else if (result && !result.ok && item.line.retry && this.retried(item, result)) {
        // Asked another way in the next round.
      } else {
        item.pending.settle({ error: lineError(result, state, item.pending.request.spec.id, endpoint.key) });
      }
      failed.push(item.customId);
    }
    this.jobFile?.drop(state.id, failed);
    return again;
  }

  /** The line's error says the endpoint rejected how it asked: the request waits for the next round, asked the next way. */
  private retried(item: Line, result: Extract<LineResult, { ok: false }>): boolean {
    const error: { status?: number; message: string; body?: unknown } = { message: result.message };
    if (result.status !== undefined) error.status = result.status;
    if (result.body !== undefined) error.body = result.body;
    const fallback = item.line.retry!(error);
    if (!fallback) return false;
    // A call aborted meanwhile is not asked again.
    if (item.pending.settled) return true;
    (item.pending.fallbacks ??= []).push(fallback);
    this.queue.push(item.pending);
    this.check();
    return true;
  }

  /** The endpoint has no batch API: these requests, and later ones to it in this batch, are sent directly. */
  private fallBack(endpoint: BatchEndpoint, lines: Line[], error: unknown): void {
    this.noBatchApi.add(endpoint.key);
    const status = statusOf(error);
    this.warnOnce(
      endpoint.key,
      `batch(): ${endpoint.key} has no batch API (its files or batches endpoint answered ${status}), so the calls of this batch to it are sent directly, ` +
        `at most as many at a time as the model allows (openAI({ maxConcurrency }), default 16).`,
    );
    for (const { pending } of lines) {
      endpoint.completeDirect(pending.request).then(
        (completion) => pending.settle({ completion }),
        (failure: unknown) => pending.settle({ error: failure }),
      );
    }
  }

  /** Fails every line's call, each with its own error object. */
  private settleAll(lines: Line[], error: (stub: string) => unknown): void {
    for (const line of lines) line.pending.settle({ error: error(line.pending.request.spec.id) });
  }

  /** Stops the batch: nothing more is sent, running batches are cancelled at the provider, every waiting call fails with `error`. */
  private halt(error: (stub?: string) => LLMStrategyError): void {
    if (this.halted) return;
    this.halted = error;
    for (const [id, endpoint] of this.running) this.cancelAtProvider(id, endpoint);
    this.stop.abort(error());
    for (const pending of this.queue.splice(0)) pending.settle({ error: error() });
  }

  private cancelAtProvider(id: string, endpoint: BatchEndpoint): void {
    this.cancelledIds.push(id);
    this.cancelling.push(
      endpoint.api.cancel(id).catch((error: unknown) => {
        process.emitWarning(redactText(`batch(): could not cancel the batch ${id} at the provider: ${(error as Error).message}`), { code: "LLM_STRATEGY_BATCH_CANCEL_FAILED" });
      }),
    );
  }

  /** A finished batch's files at the provider: its input file; its output and error files too unless a job file keeps the batch for a rerun. */
  private deleteFiles(api: BatchEndpoint["api"], state: BatchState): void {
    const deleteFile = api.deleteFile;
    if (!deleteFile) return;
    const files = [state.inputFileId, ...(this.jobFile ? [] : [state.outputFileId, state.errorFileId])];
    for (const fileId of files) {
      if (!fileId) continue;
      this.deleting.push(
        deleteFile.call(api, fileId).catch((error: unknown) => {
          // Already gone (a resumed batch's input file, deleted by the run that made it): nothing to say.
          if (statusOf(error) === 404) return;
          process.emitWarning(redactText(`batch(): could not delete the file ${fileId} of the batch ${state.id} at the provider: ${(error as Error).message}`), {
            code: "LLM_STRATEGY_BATCH_DELETE_FAILED",
          });
        }),
      );
    }
  }

  private cancelled(): string {
    return this.cancelledIds.length ? `; the provider's batch ${this.cancelledIds.join(", ")} was cancelled` : "";
  }

  private report(): void {
    const onProgress = this.settings.onProgress;
    if (!onProgress) return;
    try {
      onProgress({ done: this.done, total: this.total, round: this.round });
    } catch (error) {
      process.emitWarning(redactText(`batch(): the onProgress callback threw: ${errorMessage(error)}`), { code: "LLM_STRATEGY_HOOK_FAILED" });
    }
  }

  private warnOnce(what: string, message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    process.emitWarning(redactText(message), { code: "LLM_STRATEGY_BATCH_FALLBACK" });
  }
}

/** No answer, or one that says to try again (408, 409, 429, 5xx): the request may have been carried out. */
function mayHaveRun(error: unknown): boolean {
  const status = statusOf(error);
  return worthRetrying(status) || status === 409;
}

/** 404 or 405 from the files or batches endpoint: the endpoint has no batch API. */
function isNoBatchApi(error: unknown): boolean {
  const status = statusOf(error);
  return status === 404 || status === 405;
}

function apiError(error: unknown, endpoint: BatchEndpoint, doing: string, count: number, stub: string): LLMBatchError {
  const status = statusOf(error);
  const message = errorMessage(error);
  const options: ConstructorParameters<typeof LLMBatchError>[1] = { retryable: worthRetrying(status), cause: error, stub };
  if (status !== undefined) options.status = status;
  return new LLMBatchError(`batch(): could not ${doing} at ${endpoint.key} (${count} requests): ${message}`, options);
}
