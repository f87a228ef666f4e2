import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Completion, CompletionRequest, LanguageModel } from "../../runtime";

/** A fresh temporary folder, removed by the returned cleanup. */
export function temporaryFolder(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `llm-strategy-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The bytes of a file, to check that an error left it exactly as it was. */
export function bytesOf(file: string): Buffer {
  return fs.readFileSync(file);
}

/**
 * A model answering each request with a completion computed from it (finish reasons, usage,
 * delays a scripted model cannot give), counting what it was asked.
 */
export function functionModel(
  answer: (request: CompletionRequest) => Completion | Promise<Completion>,
  identity: { id?: string; options?: Record<string, unknown> } = {},
): LanguageModel & { requests: CompletionRequest[] } {
  const requests: CompletionRequest[] = [];
  return {
    id: identity.id ?? "function-model",
    options: identity.options ?? {},
    requests,
    async complete(request) {
      requests.push(request);
      return answer(request);
    },
  };
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds (polled every 5 ms); fails after `timeoutMs` naming `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await delay(5);
  }
}
