/**
 * Where the program's answers come from: a live model (the classes' own `@llmStrategy` models),
 * the committed recording (offline replay), or a live model whose replies are recorded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openAI, recording, withCallOptions, type RecordingModel } from "llm-strategy";

/** The committed recording: replayed offline, rewritten by `--record`. */
export const RECORDING_PATH = path.join(__dirname, "..", "recordings", "session.json");

/** The stub whose recorded inputs are the searches available offline. */
const SEARCH_STUB = /\bCustomerDatabase\.findCustomerKey$/;

export type SessionKind = "online" | "replay" | "record";

export interface Session {
  kind: SessionKind;
  /** Why this kind, in words, for the banner. */
  reason: string;
  /** The recording file, relative to the working directory (replay, record). */
  recordingFile?: string;
  /** The model every stub call uses in replay and record; online, each class's own model answers. */
  model?: RecordingModel;
  /** The searches the recording answers (replay only), as recorded. */
  recordedSearches: string[];
}

/**
 * `--offline` replays; `--record` asks the endpoint from the environment and records a fresh
 * session; with neither, the program goes online when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is
 * set and replays otherwise.
 */
export function chooseSession(args: string[], env: NodeJS.ProcessEnv): Session {
  if (args.includes("--record")) {
    // A fresh file: entries of an older session (other customers) would never be replayed again.
    fs.rmSync(RECORDING_PATH, { force: true });
    // One model for all stubs (the scope's model wins over the classes' own), as replay uses.
    const model = recording(openAI({ maxTokens: 1024 }), { path: RECORDING_PATH, mode: "record" });
    return { kind: "record", reason: "--record", recordingFile: relative(RECORDING_PATH), model, recordedSearches: [] };
  }
  const online = Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
  if (online && !args.includes("--offline")) {
    return { kind: "online", reason: `asking ${env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}`, recordedSearches: [] };
  }
  const recorded = readRecording();
  // The same model name and options as when recording: replies are looked up by them.
  const model = recording(openAI({ model: recorded.modelName, maxTokens: 1024 }), { path: RECORDING_PATH, mode: "replay" });
  const reason = args.includes("--offline") ? "--offline" : "no OPENAI_API_KEY or OPENAI_BASE_URL set";
  return { kind: "replay", reason, recordingFile: relative(RECORDING_PATH), model, recordedSearches: recorded.searches };
}

/** Runs `fn` with the session's model for every stub call it makes. */
export function inSession<T>(session: Session, fn: () => Promise<T>): Promise<T> {
  return session.model ? withCallOptions({ model: session.model }, fn) : fn();
}

/** How a typed search finds a recorded one in replay, as the banner tells the user. */
export const OFFLINE_MATCHING = "A search matches one of these with the same words, whatever the case, spacing and punctuation.";

/** In replay, the recorded search that `query` means (see `OFFLINE_MATCHING`): `WHO LIVES IN tokyo` finds `who lives in Tokyo?`. */
export function recordedSearchFor(session: Session, query: string): string {
  const wanted = normalise(query);
  return session.recordedSearches.find((search) => normalise(search) === wanted) ?? query;
}

/** The words of a search, lower case, one space apart: punctuation and other symbols count as spaces. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

interface RecordingDocument {
  entries?: { stub?: string; model?: string; input?: { query?: unknown }; turns?: unknown[] }[];
}

/** The model name and the searches of the committed recording (a plain JSON file, see its README section). */
function readRecording(): { modelName: string; searches: string[] } {
  let document: RecordingDocument;
  try {
    document = JSON.parse(fs.readFileSync(RECORDING_PATH, "utf8")) as RecordingDocument;
  } catch (error) {
    throw new OfflineSetupError(
      `cannot read the offline recording ${relative(RECORDING_PATH)} (${(error as Error).message}). ` +
        `Restore it with \`git checkout -- ${relative(RECORDING_PATH)}\`, or set OPENAI_API_KEY / OPENAI_BASE_URL to ask a model.`,
    );
  }
  const entries = document.entries ?? [];
  const modelId = entries.find((entry) => typeof entry.model === "string")?.model;
  if (!modelId) throw new OfflineSetupError(`the offline recording ${relative(RECORDING_PATH)} holds no replies; record one with --record.`);
  const searches = entries
    .filter((entry) => SEARCH_STUB.test(entry.stub ?? "") && !entry.turns?.length && typeof entry.input?.query === "string")
    .map((entry) => entry.input!.query as string);
  return { modelName: modelId.replace(/^openai:/, ""), searches: [...new Set(searches)] };
}

/** The recording is missing or unreadable: the program cannot run offline. */
export class OfflineSetupError extends Error {
  override name = "OfflineSetupError";
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || file;
}
