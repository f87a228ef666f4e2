/**
 * Run as a child process by cache-fail-open.test.ts, as a user who cannot write the folder it
 * is given (permission bits stop every user but root, so the test runs this as `nobody` when it
 * runs as root): makes one cached call and one recorded call there, and prints as JSON what
 * they returned, how often the model was asked, and the process warnings.
 * Arguments: <cache file> <recording file>
 */
import { cached, recording, withCallOptions, type LanguageModel } from "../../runtime";
import { Customer, customerJson } from "../runtime/customer-specs";

const [cacheFile, recordingFile] = process.argv.slice(2);
const warnings: { code?: string; message: string }[] = [];
process.on("warning", (warning: Error & { code?: string }) => warnings.push({ code: warning.code, message: warning.message }));

async function main(): Promise<void> {
  let asked = 0;
  const model: LanguageModel = {
    id: "scripted",
    options: {},
    complete: async () => {
      asked++;
      return { text: '{"value": 32}' };
    },
  };
  const customer = Object.assign(new Customer(), customerJson(0, 1990));
  const fromCache = await withCallOptions({ model: cached(model, { path: cacheFile! }) }, () => customer.age);
  const askedByCache = asked;
  const recorded = await withCallOptions({ model: recording(model, { path: recordingFile!, mode: "record" }) }, () => customer.age).then(
    (value) => ({ value }),
    (error: Error & { path?: string }) => ({ error: error.name, path: error.path, message: error.message }),
  );
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write(JSON.stringify({ uid: process.getuid?.(), fromCache, askedByCache, recorded, askedInAll: asked, warnings }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
