import { ConfigurationError, LLMAbortError } from "../errors";
import type { Completion, CompletionRequest, LanguageModel } from "../model";
import { RecordingMissError, type RecordingMissReason } from "./errors";
import { RECORDING_MARK, RECORDING_MODE_ENV } from "./constants";
import { canonicalJson, identify, requestKey, type RequestIdentity } from "./key";
import { recordingFile, stubKey, type RecordedEntry, type RecordingFile } from "./recording-file";
import { fromStoredReply, replayPieces, toStoredReply } from "./stored-reply";

/**
 * - `"record"`: every request goes to the model; each reply is saved (replacing an equal request's).
 * - `"replay"`: no request goes to the model; one that is not in the file is a `RecordingMissError`.
 * - `"auto"`: replays what the file has, records what it lacks.
 */
export type RecordingMode = "record" | "replay" | "auto";

export interface RecordingOptions {
  /**
   * The recording file (JSON; relative to the working directory). Meant as one file per test
   * file, committed next to it, e.g. `__recordings__/customer.test.json`. Created on the first
   * recorded reply, with its folders. Several processes (parallel test workers) may record into
   * one file at once: they take turns through `<path>.lock` and every entry is kept.
   */
  path: string;
  /**
   * What to do; see `RecordingMode`. Default `"auto"`. The environment variable
   * `LLM_STRATEGY_RECORDING` (`record` | `replay` | `auto`), when set, wins over this option,
   * so CI can run `LLM_STRATEGY_RECORDING=replay` and a developer re-record with `=record`
   * without editing code.
   */
  mode?: RecordingMode;
}

/** The `LanguageModel` `recording()` returns. */
export interface RecordingModel extends LanguageModel {
  /** The model asked when recording. */
  readonly inner: LanguageModel;
  /** The recording file, absolute. */
  readonly path: string;
  /** The mode in force (the environment variable's, else the option's, else `"auto"`). */
  readonly mode: RecordingMode;
  /** Resolves once every reply recorded so far is written (each call already waits for its own). */
  flush(): Promise<void>;
}

/**
 * Records the requests of real stub calls and their replies to a JSON file, and replays them
 * with no network, for tests. A request is looked
 * up by the stub's build-time content hash (prompt template and schemas), the call's inputs,
 * the model's identity and options, and, for repair requests, the conversation so far: a
 * repair conversation replays round by round. Only request content and replies are written,
 * never API keys or headers. Replayed replies go through validation like live ones.
 *
 * ```ts
 * const model = recording(openAI(), { path: "tests/__recordings__/customers.json" });
 * const age = await withCallOptions({ model }, () => customer.age);
 * ```
 * @throws RecordingMissError (from a stub call) in replay mode when a request was not recorded;
 *   its message says whether the stub's prompt or schema changed since, and how to re-record.
 * @throws OfflineFileError when the file is not a readable recording (it is never overwritten).
 * @throws RecordingWriteError (from a stub call, before the model is asked) when the file cannot be written.
 */
export function recording(model: LanguageModel, options: RecordingOptions): RecordingModel {
  if (!model || typeof model.complete !== "function") throw new ConfigurationError("recording(model, options): model must be a LanguageModel.");
  if (typeof options?.path !== "string" || !options.path) throw new ConfigurationError("recording(model, options): options.path must be the recording file's path.");
  const mode = recordingMode(options.mode);
  const file = recordingFile(options.path);

  const recorder: RecordingModel = {
    id: model.id,
    options: model.options,
    inner: model,
    path: file.path,
    mode,
    flush: () => file.flush(),
    async complete(request: CompletionRequest): Promise<Completion> {
      if (mode !== "record") {
        const recorded = file.get(requestKey(model, request));
        if (recorded) {
          if (request.signal?.aborted) throw new LLMAbortError("The request was aborted.", { cause: request.signal.reason, stub: request.spec.id });
          const completion = fromStoredReply(recorded.reply, "replay");
          if (request.onText && completion.text) {
            try {
              await replayPieces(recorded.reply, completion.text, request.onText, request.signal);
            } catch (error) {
              throw new LLMAbortError("The request was aborted.", { cause: request.signal?.reason ?? error, stub: request.spec.id });
            }
          }
          return completion;
        }
        if (mode === "replay") throw missError(file, identify(model, request));
      }
      // Before the model is asked: a reply that could not be kept would be paid for and lost.
      await file.checkWritable();
      // A streamed request: the pieces' lengths are recorded, so a replay streams them alike.
      const chunks: number[] = [];
      const onText = request.onText;
      const asked = onText
        ? {
            ...request,
            onText: (delta: string) => {
              if (delta.length) chunks.push(delta.length);
              onText(delta);
            },
          }
        : request;
      const completion = await model.complete(asked);
      // The completion itself goes back unchanged (an inner cache's onAccepted still applies).
      await file.put(identify(model, request), toStoredReply(completion, { readable: true, usage: true, chunks }));
      return completion;
    },
  };
  Object.defineProperty(recorder, RECORDING_MARK, { value: mode });
  return recorder;
}

/** The environment variable's mode, else the option's, else `"auto"`. */
function recordingMode(option: RecordingMode | undefined): RecordingMode {
  const fromEnv = process.env[RECORDING_MODE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!isMode(fromEnv)) throw new ConfigurationError(`${RECORDING_MODE_ENV}=${fromEnv} is not a recording mode: use record, replay or auto.`);
    return fromEnv;
  }
  if (option === undefined) return "auto";
  if (!isMode(option)) throw new ConfigurationError(`recording(): mode ${JSON.stringify(option)} is not a recording mode: use "record", "replay" or "auto".`);
  return option;
}

function isMode(value: string): value is RecordingMode {
  return value === "record" || value === "replay" || value === "auto";
}

const RERECORD = `To re-record, run the tests again with the environment variable ${RECORDING_MODE_ENV}=record (or =auto to record only what is missing; either asks the real model) and commit the updated file.`;

/** Says why nothing matched, from the closest recordings: another hash, model, input or repair round. */
function missError(file: RecordingFile, identity: RequestIdentity): RecordingMissError {
  const { stub } = identity;
  const miss = (reason: RecordingMissReason, what: string): RecordingMissError =>
    new RecordingMissError(`Replay: no recorded reply for ${stub} in ${file.path}: ${what} ${RERECORD}`, { path: file.path, reason, stub });

  if (!file.exists()) return miss("no-file", "the file does not exist (nothing was recorded yet).");
  const ofStub = file.all().filter((entry) => stubKey(entry) === stubKey(identity));
  const generic = identity.typeArguments !== undefined ? ` with type arguments ${identity.typeArguments}` : "";
  if (!ofStub.length) return miss("stub", `the stub${generic} was never recorded there.`);

  const sameHash = ofStub.filter((entry) => entry.hash === identity.hash);
  if (!sameHash.length) {
    const hashes = [...new Set(ofStub.map((entry) => entry.hash))].join(", ");
    return miss(
      "stale",
      `its prompt or schema changed since it was recorded (the build's content hash of the stub is now ${identity.hash}; ` +
        `the recordings have ${hashes}). Its JSDoc, signature or a type it uses was edited, so the recorded replies may no longer fit.`,
    );
  }
  const modelText = (entry: { model: string; modelOptions: Record<string, unknown> }): string => `${entry.model} ${canonicalJson(entry.modelOptions)}`;
  const sameModel = sameHash.filter((entry) => modelText(entry) === modelText(identity));
  if (!sameModel.length) {
    const recorded = [...new Set(sameHash.map(modelText))].join("; ");
    return miss("model", `it was recorded with model ${recorded}, but is now called with ${modelText(identity)}.`);
  }
  const inputText = canonicalJson(identity.input) ?? "";
  const sameInput = sameModel.filter((entry) => canonicalJson(entry.input) === inputText);
  if (!sameInput.length) {
    return miss("input", `it was recorded with other inputs. This call's input: ${shorten(inputText)}; recorded inputs: ${recordedInputs(sameModel)}.`);
  }
  const round = identity.turns.length ? `repair request (${identity.turns.length} turns after the prompt)` : "first request";
  return miss(
    "conversation",
    `its first request was recorded, but not this ${round}: an earlier reply or the repair message differs from the recording ` +
      `(the repair wording or validation of llm-strategy may have changed).`,
  );
}

function recordedInputs(entries: RecordedEntry[]): string {
  const inputs = [...new Set(entries.filter((entry) => !entry.turns?.length).map((entry) => canonicalJson(entry.input) ?? ""))];
  const shown = inputs.slice(0, 3).map(shorten).join(" | ");
  return inputs.length > 3 ? `${shown} | (${inputs.length - 3} more)` : shown;
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
