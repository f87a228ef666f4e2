/**
 * The example's two models, live or from the committed recording. Both are wrapped the same way,
 * so each call is recorded (or replayed) with the identity and options of the model that made it:
 * the essay writer and the optimizer differ by their options.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openAI, recording, type CallSpec, type LanguageModel, type OpenAIOptions, type RecordingModel } from "llm-strategy";
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
  const writer = recordPromptVariantsApart(make(WRITER_OPTIONS), record);
  const optimizer = record(make(OPTIMIZER_OPTIONS));
  return { kind: mode, reason, writer, optimizer, flush: async () => void (await Promise.all([writer.flush(), optimizer.flush()])) };
}

/**
 * Works around `recording()` keeping one prompt hash per stub in a recording process: when the
 * optimizer changes the writer's instructions (a prompt hyperparameter), `writeEssay` is asked
 * with a new prompt hash, and the recording would drop the replies to the earlier instructions as
 * stale when it writes the file. Here each prompt variant is recorded under its own stub name
 * (`writeEssay#<hash>`); the model behind the recording still gets the request exactly as the
 * runtime made it. Replay looks replies up the same way.
 */
function recordPromptVariantsApart(model: LanguageModel, record: (inner: LanguageModel) => RecordingModel): LanguageModel & { flush(): Promise<void> } {
  const originals = new WeakMap<CallSpec, CallSpec>();
  const recorded = record({ id: model.id, options: model.options, complete: (request) => model.complete({ ...request, spec: originals.get(request.spec) ?? request.spec }) });
  return {
    id: recorded.id,
    options: recorded.options,
    flush: () => recorded.flush(),
    complete(request) {
      const spec: CallSpec = { ...request.spec, id: `${request.spec.id}#${request.spec.hash}` };
      originals.set(spec, request.spec);
      return recorded.complete({ ...request, spec });
    },
  };
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
