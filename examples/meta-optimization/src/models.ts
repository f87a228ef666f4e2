/**
 * The example's two models, live or from the committed recording. Both are wrapped the same way,
 * so each call is recorded (or replayed) with the identity and options of the model that made it:
 * the essay writer and the optimizer differ by their options.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openAI, recording, type LanguageModel, type OpenAIOptions } from "llm-strategy";
import type { OptimizationModels } from "./optimize";

/** The committed recording: replayed offline, rewritten by `--record`. */
export const RECORDING_PATH = path.join(__dirname, "..", "recordings", "session.json");

/** The essay writer: some variety. Tokens are an upper bound per reply. */
export const WRITER_OPTIONS: OpenAIOptions = { temperature: 0.7, maxTokens: 1500 };
/** The optimizer: deterministic judgements, room for long steps. */
export const OPTIMIZER_OPTIONS: OpenAIOptions = { temperature: 0, maxTokens: 3000 };

export type ModelsKind = "online" | "replay" | "record";

export interface ExampleModels extends OptimizationModels {
  kind: ModelsKind;
  /** Why this kind, in words. */
  reason: string;
  /** Resolves once every recorded reply is on disk. */
  flush(): Promise<void>;
}

/**
 * `--offline` replays; `--record` asks the endpoint from the environment and records a fresh
 * session; with neither, online when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set, else replay.
 */
export function exampleModels(args: string[], env: NodeJS.ProcessEnv): ExampleModels {
  if (args.includes("--record")) {
    // A fresh file: replies to older prompts would never be replayed again.
    fs.rmSync(RECORDING_PATH, { force: true });
    return recorded("record", `recording every reply to ${relative(RECORDING_PATH)}`, (options) => openAI(options));
  }
  if ((env.OPENAI_API_KEY || env.OPENAI_BASE_URL) && !args.includes("--offline")) {
    const writer = openAI(WRITER_OPTIONS);
    const optimizer = openAI(OPTIMIZER_OPTIONS);
    return { kind: "online", reason: `asking ${env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}`, writer, optimizer, flush: async () => {} };
  }
  // Replies are looked up by the model's name and options: use the recorded model's name.
  const modelName = recordedModelName();
  const why = args.includes("--offline") ? "--offline" : "no OPENAI_API_KEY or OPENAI_BASE_URL set";
  return recorded("replay", `${why}: replaying ${relative(RECORDING_PATH)}`, (options) => openAI({ ...options, model: modelName }));
}

/** Both models, `openAI(options)` wrapped in `recording()` in `mode`. */
function recorded(mode: "record" | "replay", reason: string, make: (options: OpenAIOptions) => LanguageModel): ExampleModels {
  const record = (inner: LanguageModel) => recording(inner, { path: RECORDING_PATH, mode });
  const writer = record(make(WRITER_OPTIONS));
  const optimizer = record(make(OPTIMIZER_OPTIONS));
  return { kind: mode, reason, writer, optimizer, flush: async () => void (await Promise.all([writer.flush(), optimizer.flush()])) };
}

/** The model name in the committed recording (a plain JSON file). */
function recordedModelName(): string {
  let entries: { model?: unknown }[] | undefined;
  try {
    entries = (JSON.parse(fs.readFileSync(RECORDING_PATH, "utf8")) as { entries?: { model?: unknown }[] }).entries;
  } catch (error) {
    throw new OfflineSetupError(
      `cannot read the offline recording ${relative(RECORDING_PATH)} (${(error as Error).message}). ` +
        `Restore it with \`git checkout -- ${relative(RECORDING_PATH)}\`, or set OPENAI_API_KEY / OPENAI_BASE_URL to ask a model.`,
    );
  }
  const id = entries?.find((entry) => typeof entry.model === "string")?.model as string | undefined;
  if (!id) throw new OfflineSetupError(`the offline recording ${relative(RECORDING_PATH)} holds no replies; record one with --record.`);
  return id.replace(/^openai:/, "");
}

/** The recording is missing or unreadable: the example cannot run offline. */
export class OfflineSetupError extends Error {
  override name = "OfflineSetupError";
}

/** A path as the user would type it: relative to the working directory, absolute when outside it. */
export function relative(file: string): string {
  const shown = path.relative(process.cwd(), file);
  return shown && !shown.startsWith("..") && !path.isAbsolute(shown) ? shown : file;
}
