import { setMaxListeners } from "node:events";

/**
 * One AbortController for a stub call, aborted when any of `sources` aborts. Listeners are
 * removed by `dispose()`, so long-lived caller signals do not collect one per call.
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
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const source of sources) source.addEventListener("abort", onAbort, { once: true });
  return { controller, dispose: () => sources.forEach((source) => source.removeEventListener("abort", onAbort)) };
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
