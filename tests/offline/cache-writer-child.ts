/**
 * Run as a child process by cache-processes.test.ts: makes stub calls through one SQLite cache
 * file that another process is writing at the same time, and prints its counters as JSON.
 * Arguments: <database file> <first customer index> <last customer index (exclusive)> <barrier folder> <writers>
 * It starts writing only once every writer is ready (a file per writer in the barrier folder),
 * so the writes really overlap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cached, withCallOptions, type CompletionRequest } from "../../runtime";
import { Customer, customerJson, inputOf } from "../runtime/customer-specs";

const [file, from, to, barrier, writers] = process.argv.slice(2);

function ageOf(request: CompletionRequest): { text: string } {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { text: JSON.stringify({ value: 2022 - Number(input.this.birthdate.slice(0, 4)) }) };
}

async function main(): Promise<void> {
  const model = cached({ id: "scripted", options: {}, complete: async (request) => ageOf(request) }, { path: file!, busyTimeoutMs: 10_000 });
  fs.writeFileSync(path.join(barrier!, `ready-${process.pid}`), "");
  while (fs.readdirSync(barrier!).length < Number(writers)) await new Promise((resolve) => setTimeout(resolve, 2));
  const startedAt = Date.now();
  const indices = Array.from({ length: Number(to) - Number(from) }, (_, offset) => Number(from) + offset);
  // Batches of concurrent calls: many small write transactions interleaving with the other process's.
  for (let start = 0; start < indices.length; start += 20) {
    await Promise.all(
      indices.slice(start, start + 20).map((index) =>
        withCallOptions({ model }, () => Object.assign(new Customer(), customerJson(index, 1900 + (index % 100))).age),
      ),
    );
  }
  process.stdout.write(JSON.stringify({ ...model.stats, startedAt, endedAt: Date.now() }));
  model.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
