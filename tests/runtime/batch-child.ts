/**
 * Run as a child process by batch.test.ts: the ages of N customers in one resumable batch.
 * Arguments: <baseURL> <job file> <customers>. Prints the ages as JSON when done.
 */
import { batch, openAI } from "../../runtime";
import { Customer, customerJson } from "./customer-specs";

const [baseURL, jobFile, count] = process.argv.slice(2);

async function main(): Promise<void> {
  const customers = Array.from({ length: Number(count) }, (_, index) => Object.assign(new Customer(), customerJson(index, 1950 + index)));
  const model = openAI({ baseURL: baseURL!, apiKey: "test-key", model: "local-model" });
  const ages = await batch(() => Promise.all(customers.map((customer) => customer.age)), { model, jobFile: jobFile!, pollIntervalMs: 20, maxPollIntervalMs: 50 });
  process.stdout.write(JSON.stringify(ages));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exitCode = 1;
});
