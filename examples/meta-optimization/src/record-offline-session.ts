/**
 * Makes the committed offline recording without a real model: starts the rule-based stand-in
 * (`stand-in-model.ts`) on 127.0.0.1 and runs the example with `--record` against it. Every reply
 * is written to `recordings/session.json`.
 *
 *   node examples/meta-optimization/dist/record-offline-session.js
 *
 * For real answers, record against a real model instead (see the README):
 *   OPENAI_API_KEY=sk-... node examples/meta-optimization/dist/main.js --record
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { STAND_IN_MODEL, startStandInModel } from "./stand-in-model";

async function main(): Promise<void> {
  const standIn = await startStandInModel();
  try {
    const program = spawn(process.execPath, [path.join(__dirname, "main.js"), "--record"], {
      env: { ...process.env, OPENAI_BASE_URL: standIn.baseURL, OPENAI_API_KEY: "stand-in", OPENAI_MODEL: STAND_IN_MODEL },
      stdio: "inherit",
    });
    const code = await new Promise<number | null>((resolve) => program.on("exit", resolve));
    if (code !== 0) throw new Error(`the example exited with ${code}`);
    console.log(`\nRecorded ${standIn.requests} replies of the stand-in model "${STAND_IN_MODEL}".`);
  } finally {
    await standIn.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
