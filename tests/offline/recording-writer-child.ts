/**
 * Run as a child process by recording-processes.test.ts: records stub calls into one recording
 * file that other processes record into at the same time, and prints what it did as JSON.
 * Arguments: <recording file> <first customer index> <last customer index (exclusive)> <barrier folder> <writers>
 * It starts only once every writer is ready (a file per writer in the barrier folder), so the
 * writes really overlap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { recording, withCallOptions, type CompletionRequest } from "../../runtime";
import { Customer, customerJson, inputOf } from "../runtime/customer-specs";

const [file, from, to, barrier, writers] = process.argv.slice(2);

function ageOf(request: CompletionRequest): { text: string } {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { text: JSON.stringify({ value: 2022 - Number(input.this.birthdate.slice(0, 4)) }) };
}

async function main(): Promise<void> {
  let asked = 0;
  const model = recording(
    {
      id: "scripted",
      options: {},
      complete: async (request) => {
        asked++;
        return ageOf(request);
      },
    },
    { path: file!, mode: "record" },
  );
  fs.writeFileSync(path.join(barrier!, `ready-${process.pid}`), "");
  while (fs.readdirSync(barrier!).length < Number(writers)) await new Promise((resolve) => setTimeout(resolve, 2));
  const startedAt = Date.now();
  const indices = Array.from({ length: Number(to) - Number(from) }, (_, offset) => Number(from) + offset);
  // Small batches of concurrent calls: many writes, interleaving with the other processes'.
  for (let start = 0; start < indices.length; start += 5) {
    await Promise.all(
      indices.slice(start, start + 5).map((index) => withCallOptions({ model }, () => Object.assign(new Customer(), customerJson(index, 1900 + (index % 100))).age)),
    );
  }
  process.stdout.write(JSON.stringify({ asked, startedAt, endedAt: Date.now() }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
