import { raceAbort } from "./abort";

/**
 * Limits how many requests run at once (per model), so `Promise.all` over hundreds of stub
 * calls queues here instead of flooding the provider. First come, first served.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    /** Most requests in flight at once. */
    readonly limit: number,
  ) {}

  /**
   * Runs `task` when a slot is free; a caller aborted while queued leaves the queue at once.
   * With a slot free, the caller gets `task`'s own promise (no async layer of ours around it).
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.limit) return this.runQueued(task, signal);
    this.active++;
    return this.runHolding(task);
  }

  private async runQueued<T>(task: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    await this.waitForSlot(signal);
    return this.runHolding(task);
  }

  /** Runs `task` in the slot this call holds; the slot is released when it settles. */
  private runHolding<T>(task: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      this.release();
      return Promise.reject(error);
    }
    // Released before the caller resumes: this reaction is registered first.
    running.then(this.released, this.released);
    return running;
  }

  private readonly released = (): void => this.release();

  private waitForSlot(signal?: AbortSignal): Promise<void> {
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = resolve));
    this.waiting.push(grant);
    return raceAbort(granted, signal).catch((reason: unknown) => {
      const index = this.waiting.indexOf(grant);
      if (index >= 0) this.waiting.splice(index, 1);
      // Granted in the same tick as the abort: hand the slot on.
      else this.release();
      throw reason;
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter; `active` stays the same.
    if (next) next();
    else this.active--;
  }
}
