/**
 * The example's two models, live or from the committed recording. Every model is wrapped the
 * same way, so each call is recorded (or replayed) with the identity and options of the model
 * that made it: here a default model and a `temperature: 0` judge.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openAI, recording, type LanguageModel, type OpenAIOptions, type RecordingModel } from "llm-strategy";

/** The committed recording: replayed offline, rewritten by `--record`. */
export const RECORDING_PATH = path.join(__dirname, "..", "recordings", "session.json");

export type ModelsKind = "online" | "replay" | "record";

export interface ExampleModels {
  kind: ModelsKind;
  /** Why this kind, in words. */
  reason: string;
  /** Makes a model with these options: `openAI(options)`, recorded or replayed as `kind` says. */
  model(options?: OpenAIOptions): LanguageModel;
  /** Resolves once every recorded reply is on disk. */
  flush(): Promise<void>;
}

/**
 * `--offline` replays; `--record` asks the endpoint from the environment and records a fresh
 * session; with neither, online when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set, else replay.
 */
export function exampleModels(args: string[], env: NodeJS.ProcessEnv): ExampleModels {
  const made: RecordingModel[] = [];
  const flush = async () => void (await Promise.all(made.map((model) => model.flush())));
  if (args.includes("--record")) {
    // A fresh file: replies to older prompts would never be replayed again.
    fs.rmSync(RECORDING_PATH, { force: true });
    const model = (options: OpenAIOptions = {}) => remember(made, recording(openAI(options), { path: RECORDING_PATH, mode: "record" }));
    return { kind: "record", reason: `recording every reply to ${relative(RECORDING_PATH)}`, model, flush };
  }
  if ((env.OPENAI_API_KEY || env.OPENAI_BASE_URL) && !args.includes("--offline")) {
    return { kind: "online", reason: `asking ${env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}`, model: (options) => openAI(options), flush };
  }
  // Replies are looked up by the model's name and options: use the recorded model's name.
  const modelName = recordedModelName();
  const model = (options: OpenAIOptions = {}) =>
    remember(made, recording(openAI({ ...options, model: modelName }), { path: RECORDING_PATH, mode: "replay" }));
  const why = args.includes("--offline") ? "--offline" : "no OPENAI_API_KEY or OPENAI_BASE_URL set";
  return { kind: "replay", reason: `${why}: replaying ${relative(RECORDING_PATH)}`, model, flush };
}

function remember(made: RecordingModel[], model: RecordingModel): RecordingModel {
  made.push(model);
  return model;
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

function relative(file: string): string {
  return path.relative(process.cwd(), file) || file;
}
