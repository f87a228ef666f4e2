import { setMaxListeners } from "node:events";

/**
 * One AbortController for a stub call, aborted when any of `sources` aborts. `dispose()`
 * unsubscribes, so long-lived caller signals do not collect one listener per call.
 */
export function linkedController(sources: readonly AbortSignal[]): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  // Our own signal: the SDK adds a listener per request and retry; no leak warning wanted.
  setMaxListeners(0, controller.signal);
  const already = sources.find((source) => source.aborted);
  if (already) {
    controller.abort(already.reason);
    return { controller, dispose: () => {} };
  }
  const onAbort = (reason: unknown) => controller.abort(reason);
  const unsubscribe = sources.map((source) => subscribe(source, onAbort));
  return { controller, dispose: () => unsubscribe.forEach((off) => off()) };
}

/** The calls waiting on a caller's signal, behind one listener of ours. */
interface Waiting {
  callbacks: Set<(reason: unknown) => void>;
  listener: () => void;
}

const waitingBySignal = new WeakMap<AbortSignal, Waiting>();

/**
 * Calls `onAbort` when `signal` aborts; returns the unsubscribe function. Many calls sharing one
 * signal (40 concurrent calls with the same `AbortSignal` argument) add ONE listener to it, not
 * one each: a caller's signal is not ours to raise the listener limit on, and 11 listeners would
 * make Node print `MaxListenersExceededWarning`. The listener goes when its last call ends.
 */
function subscribe(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
  let waiting = waitingBySignal.get(signal);
  if (!waiting) {
    const callbacks = new Set<(reason: unknown) => void>();
    const listener = () => {
      waitingBySignal.delete(signal);
      for (const callback of [...callbacks]) callback(signal.reason);
    };
    waitingBySignal.set(signal, (waiting = { callbacks, listener }));
    signal.addEventListener("abort", listener, { once: true });
  }
  const entry = waiting;
  entry.callbacks.add(onAbort);
  return () => {
    if (!entry.callbacks.delete(onAbort) || entry.callbacks.size) return;
    signal.removeEventListener("abort", entry.listener);
    if (waitingBySignal.get(signal) === entry) waitingBySignal.delete(signal);
  };
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts, even when
 * the work behind `promise` ignores the signal (a custom model, the SDK sleeping between
 * retries). The abandoned promise's later rejection is swallowed, never unhandled.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
