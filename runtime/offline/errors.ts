import { ConfigurationError } from "../errors";

/**
 * A recording file or cache database cannot be read: not JSON, cut off, not the expected
 * format, or not an SQLite database. The file is left exactly as it was (never overwritten):
 * fix it, restore it from version control, or delete it and record again.
 */
export class OfflineFileError extends ConfigurationError {
  override name = "OfflineFileError";
  /** The file, as given (resolved to an absolute path). */
  readonly path: string;
  constructor(message: string, options: { path: string; cause?: unknown; stub?: string }) {
    super(message, options);
    this.path = options.path;
  }
}

/**
 * A recording file cannot be written: its folder cannot be created or written, or its path is
 * taken by something that is not a file. `recording()` checks this before it asks the model, so
 * no paid request is lost; `path` names the file.
 */
export class RecordingWriteError extends OfflineFileError {
  override name = "RecordingWriteError";
}

/**
 * Why a replay found no recorded reply:
 * - `"no-file"`: the recording file does not exist;
 * - `"stub"`: nothing was ever recorded for this stub;
 * - `"stale"`: the stub was recorded under another content hash: its prompt or schemas changed since;
 * - `"model"`: recorded, but with another model id or model options;
 * - `"input"`: recorded, but not with these inputs;
 * - `"conversation"`: the first request matches a recording, but this repair round does not
 *   (an earlier reply or the repair message differs).
 */
export type RecordingMissReason = "no-file" | "stub" | "stale" | "model" | "input" | "conversation";

/** In `replay` mode, a request that is not in the recording file. No request was made. */
export class RecordingMissError extends ConfigurationError {
  override name = "RecordingMissError";
  readonly path: string;
  readonly reason: RecordingMissReason;
  constructor(message: string, options: { path: string; reason: RecordingMissReason; stub: string }) {
    super(message, { stub: options.stub });
    this.path = options.path;
    this.reason = options.reason;
  }
}
