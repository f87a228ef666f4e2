/**
 * Makes the committed offline recording without a real model: starts the rule-based stand-in
 * (`stand-in-model.ts`) on 127.0.0.1, then runs the program itself with `--record`, typing the
 * searches below. Every reply the program receives is written to `recordings/session.json`.
 *
 *   node examples/customer-database/dist/record-offline-session.js
 *
 * For real answers, record against a real model instead (see the README):
 *   OPENAI_API_KEY=sk-... node examples/customer-database/dist/main.js --record
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { STAND_IN_MODEL, startStandInModel } from "./stand-in-model";

/** The searches the recording answers offline. */
export const RECORDED_SEARCHES = [
  "the customer born in 1990",
  "customers living in Europe",
  "the oldest customer",
  "who lives in Tokyo?",
  "customers younger than 30",
];

async function main(): Promise<void> {
  const standIn = await startStandInModel();
  try {
    const program = spawn(process.execPath, [path.join(__dirname, "main.js"), "--record"], {
      env: { ...process.env, OPENAI_BASE_URL: standIn.baseURL, OPENAI_API_KEY: "stand-in", OPENAI_MODEL: STAND_IN_MODEL, NO_COLOR: "1" },
      stdio: ["pipe", "inherit", "inherit"],
    });
    program.stdin.end(`${RECORDED_SEARCHES.join("\n")}\nq\n`);
    const code = await new Promise<number | null>((resolve) => program.on("exit", resolve));
    if (code !== 0) throw new Error(`the program exited with ${code}`);
    console.log(`\nRecorded ${standIn.requests} replies of the stand-in model "${STAND_IN_MODEL}".`);
  } finally {
    await standIn.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
