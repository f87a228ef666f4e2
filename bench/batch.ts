/**
 * Batch benchmark, in the same run, against the local OpenAI-compatible server with the Files
 * and Batches endpoints (tests/helpers/batch-server.ts): 1,000 `Customer.age` calls
 *
 * 1. as one `batch()` (one JSONL upload, one batch, polled every 10 ms until it is done, the
 *    output file downloaded), against
 * 2. the same calls sent directly with `Promise.all`, at most `maxConcurrency` (16, the default)
 *    at once.
 *
 * For each: the HTTP requests the server received, by kind, and the wall time (median of the
 * rounds). The server answers instantly, so the times are the client's and the server's own
 * work per request; a real provider's batch takes minutes to hours, at half the price.
 *
 * Run: `npm run bench:batch` (`--quick` runs fewer rounds).
 */
import { cpus, loadavg } from "node:os";
import { batch, openAI, withCallOptions } from "../runtime";
import { startBatchServer, type BatchServer } from "../tests/helpers/batch-server";
import { Customer, customerJson, customerModel } from "../tests/runtime/customer-specs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 7;
const CALLS = 1000;
const CONCURRENCY = 16;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const customers = Array.from({ length: CALLS }, (_, index) => Object.assign(new Customer(), customerJson(index, 1900 + (index % 100))));
const expected = customers.map((customer) => 2022 - Number(customer.birthdate.slice(0, 4)));

/** Requests by `METHOD /path` (ids folded into `{id}`). */
function requestsByKind(server: BatchServer): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const request of server.requests) {
    const kind = `${request.method} ${request.path.split("?")[0]!.replace(/\/(file-|batch_)[^/]+/, "/{id}")}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

async function timed(server: BatchServer, run: () => Promise<number[]>): Promise<{ ms: number; requests: Record<string, number> }> {
  server.requests.length = 0;
  const started = performance.now();
  const ages = await run();
  const ms = performance.now() - started;
  if (JSON.stringify(ages) !== JSON.stringify(expected)) throw new Error("wrong ages");
  return { ms, requests: requestsByKind(server) };
}

async function main(): Promise<void> {
  const server = await startBatchServer(customerModel);
  const model = openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench", maxConcurrency: CONCURRENCY, maxRetries: 0 });
  const viaBatch = () => batch(() => Promise.all(customers.map((customer) => customer.age)), { model, pollIntervalMs: 10, maxPollIntervalMs: 10 });
  const direct = () => withCallOptions({ model }, () => Promise.all(customers.map((customer) => customer.age)));
  // Warm-up: JIT, the SDK client, ajv's compiled validator.
  await timed(server, viaBatch);
  await timed(server, direct);
  const batchRuns: { ms: number; requests: Record<string, number> }[] = [];
  const directRuns: { ms: number; requests: Record<string, number> }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    batchRuns.push(await timed(server, viaBatch));
    directRuns.push(await timed(server, direct));
  }
  await server.close();

  const batchMs = median(batchRuns.map((run) => run.ms));
  const directMs = median(directRuns.map((run) => run.ms));
  const total = (requests: Record<string, number>) => Object.values(requests).reduce((sum, count) => sum + count, 0);
  console.log(`${CALLS} Customer.age calls, local server, ${ROUNDS} rounds (medians); ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
  console.log("");
  console.log(`batch():                 ${batchMs.toFixed(0).padStart(6)} ms, ${total(batchRuns[0]!.requests)} HTTP requests: ${JSON.stringify(batchRuns[0]!.requests)}`);
  console.log(`direct, ${CONCURRENCY} at a time:    ${directMs.toFixed(0).padStart(6)} ms, ${total(directRuns[0]!.requests)} HTTP requests: ${JSON.stringify(directRuns[0]!.requests)}`);
  console.log("");
  console.log(`batch / direct wall time: ${(batchMs / directMs).toFixed(2)}x; requests: ${total(batchRuns[0]!.requests)} vs ${total(directRuns[0]!.requests)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
