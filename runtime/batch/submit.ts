import { currentScope } from "../config";
import type { BatchEndpoint, Completion, CompletionRequest } from "../model";

/**
 * What a model that offers batching calls first in `complete`: inside a `batch()`, the request
 * joins the batch's next round and the returned promise settles with its line's reply;
 * outside one, `undefined` (send the request as usual).
 */
export function submitToBatch(endpoint: BatchEndpoint, request: CompletionRequest): Promise<Completion> | undefined {
  return currentScope()?.batch?.submit(endpoint, request);
}
