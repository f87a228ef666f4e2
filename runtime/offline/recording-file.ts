import * as fs from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import type { ChatMessage } from "../model";
import { OfflineFileError, RecordingWriteError } from "./errors";
import { withFileLock } from "./file-lock";
import { canonicalJson, keyOf, stubName, type RequestIdentity } from "./key";
import { storedReplyProblem, type StoredReply } from "./stored-reply";

/** Version of the recording file format, the value of its `llmStrategyRecording` field. */
const RECORDING_FORMAT = 1;

/**
 * One recorded request and its reply, as written in the file. The lookup key is not stored:
 * it is recomputed from these fields when the file is read, so an entry edited by hand (a
 * reply fixed, an input renamed) is looked up by what it says.
 */
export interface RecordedEntry {
  stub: string;
  typeArguments?: string;
  hash: string;
  model: string;
  modelOptions: Record<string, unknown>;
  input: Record<string, unknown>;
  /** The repair turns before this request (absent for the first request of a call). */
  turns?: ChatMessage[];
  reply: StoredReply;
}

interface FileState {
  mtimeMs: number;
  size: number;
}

/**
 * The entries of one recording file, shared by every `recording()` of that file in the process.
 * Writes are serialised and coalesced (calls finishing together share one write), each an
 * atomic temp-file + rename, so a crash never leaves half a file and concurrent calls never
 * lose an entry. Processes sharing the file take turns through a lock file (`<file>.lock`):
 * each write reads the file under the lock and merges what others recorded, so none loses an
 * entry. A file that cannot be read is reported and never written over.
 */
export class RecordingFile {
  private entries: Map<string, RecordedEntry> | undefined;
  /** The file as last read or written by us: another writer since then is merged in before writing. */
  private seen: FileState | undefined;
  /**
   * Per stub (and type arguments): the hashes recorded in this process; the stub's entries under
   * any other hash are stale and dropped on write. A set, not one hash: one stub legitimately
   * sends several prompts in one run (hyperparameter variants of its doc text, chat-chain turns).
   */
  private readonly recordedHashes = new Map<string, Set<string>>();
  private changes = 0;
  private written = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Set once a write probe succeeded. */
  private writable = false;

  constructor(readonly path: string) {}

  /** Whether the file existed when first read. */
  exists(): boolean {
    this.load();
    return this.seen !== undefined;
  }

  get(key: string): RecordedEntry | undefined {
    return this.load().get(key);
  }

  /** Every entry, in file order. */
  all(): RecordedEntry[] {
    return [...this.load().values()];
  }

  /**
   * Fails with a `RecordingWriteError` unless the file can be written: its folder can be made and
   * written, and its path is not taken by a folder or another non-file. Checked before a model is
   * asked, so a reply that could not be kept is never paid for.
   */
  async checkWritable(): Promise<void> {
    if (this.writable) return;
    const probe = `${this.path}.${randomUUID()}.probe`;
    try {
      await fs.promises.mkdir(path.dirname(this.path), { recursive: true });
      const existing = await fs.promises.stat(this.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (existing && !existing.isFile()) throw new Error(`the path is ${existing.isDirectory() ? "a directory" : "not a regular file"}`);
      await fs.promises.writeFile(probe, "", { flag: "wx" });
      await fs.promises.rm(probe, { force: true });
    } catch (error) {
      throw new RecordingWriteError(
        `Cannot record to ${this.path}: ${(error as Error).message}. The model was not asked. ` +
          `Give recording() a path in a folder this process can create and write, or use mode "replay".`,
        { path: this.path, cause: error },
      );
    }
    this.writable = true;
  }

  /** Adds (or replaces) an entry; resolves once it is on disk. */
  put(identity: RequestIdentity, reply: StoredReply): Promise<void> {
    const entry: RecordedEntry = {
      stub: identity.stub,
      ...(identity.typeArguments !== undefined ? { typeArguments: identity.typeArguments } : {}),
      hash: identity.hash,
      model: identity.model,
      modelOptions: identity.modelOptions,
      input: identity.input,
      ...(identity.turns.length ? { turns: identity.turns } : {}),
      reply,
    };
    this.load().set(keyOf(identity), entry);
    const stub = stubKey(entry);
    const hashes = this.recordedHashes.get(stub) ?? new Set<string>();
    this.recordedHashes.set(stub, hashes.add(entry.hash));
    const target = ++this.changes;
    const write = this.chain.then(() => (this.written >= target ? undefined : this.write()));
    // A failed write fails the calls waiting on it, not every later write.
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every entry put so far is on disk (rejects if the last write failed). */
  flush(): Promise<void> {
    return this.chain.then(() => {
      if (this.written < this.changes) return this.write();
    });
  }

  private load(): Map<string, RecordedEntry> {
    // Re-read when the file changed under us (edited by hand, written by another process) and
    // nothing of ours waits to be written; a pending write merges the file's entries instead.
    if (!this.entries || (this.written === this.changes && !sameState(statOf(this.path), this.seen))) {
      const read = readRecordingFile(this.path);
      this.entries = read?.entries ?? new Map();
      this.seen = read?.state;
    }
    return this.entries;
  }

  private async write(): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.path), { recursive: true }).catch((error: unknown) => {
      throw new RecordingWriteError(`Could not write the recording file ${this.path}: ${(error as Error).message}`, { path: this.path, cause: error });
    });
    await withFileLock(this.path, () => this.writeLocked());
  }

  /** Read, merge, write: under the lock, so another process's entries written before are kept. */
  private async writeLocked(): Promise<void> {
    const entries = this.load();
    const upTo = this.changes;
    // Read every time, not only when mtime/size changed: two writes can share both.
    const theirs = statOf(this.path) ? readRecordingFile(this.path) : undefined;
    // Keep others' entries (ours win on equal keys).
    for (const [key, entry] of theirs?.entries ?? []) if (!entries.has(key)) entries.set(key, entry);
    for (const [key, entry] of entries) {
      const recorded = this.recordedHashes.get(stubKey(entry));
      if (recorded !== undefined && !recorded.has(entry.hash)) entries.delete(key);
    }
    const text = serialise(entries);
    const temporary = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await fs.promises.writeFile(temporary, text, "utf8");
      await fs.promises.rename(temporary, this.path);
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw new RecordingWriteError(`Could not write the recording file ${this.path}: ${(error as Error).message}`, { path: this.path, cause: error });
    }
    this.seen = statOf(this.path);
    this.written = upTo;
  }
}

/** One `RecordingFile` per absolute path in the process, so every recording of a file shares its writes. */
const files = new Map<string, RecordingFile>();

export function recordingFile(file: string): RecordingFile {
  const absolute = path.resolve(file);
  let shared = files.get(absolute);
  if (!shared) files.set(absolute, (shared = new RecordingFile(absolute)));
  return shared;
}

/** The same stub (whatever line it is on now) and specialisation. */
export function stubKey(entry: { stub: string; typeArguments?: string }): string {
  return `${stubName(entry.stub)}\u0000${entry.typeArguments ?? ""}`;
}

function sameState(a: FileState | undefined, b: FileState | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size);
}

function statOf(file: string): FileState | undefined {
  try {
    const stat = fs.statSync(file);
    return { mtimeMs: stat.mtimeMs, size: stat.size };
  } catch {
    // Missing (or not even stat-able: reading it then reports why).
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and writing the format

const FIX =
  "The file was left unchanged. Restore it (e.g. `git checkout -- <file>`), repair it by hand, " +
  "or delete it and record again with LLM_STRATEGY_RECORDING=record.";

/** The file's entries by key, or undefined when there is no file. Throws `OfflineFileError` for anything unreadable. */
function readRecordingFile(file: string): { entries: Map<string, RecordedEntry>; state: FileState } | undefined {
  let text: string;
  let state: FileState;
  try {
    const stat = fs.statSync(file);
    text = fs.readFileSync(file, "utf8");
    state = { mtimeMs: stat.mtimeMs, size: stat.size };
  } catch (error) {
    // ENOTDIR: a folder on the way is a file, so there is no recording either.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new OfflineFileError(`Could not read the recording file ${file}: ${(error as Error).message}`, { path: file, cause: error });
  }
  const broken = (what: string, cause?: unknown): OfflineFileError =>
    new OfflineFileError(`The recording file ${file} ${what}. ${FIX}`, { path: file, cause });

  if (!text.trim()) throw broken("is empty (a recording file holds at least `{ \"llmStrategyRecording\": 1, \"entries\": [] }`)");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const truncated = text.trimStart().startsWith("{") && !text.trimEnd().endsWith("}");
    throw broken(`is not valid JSON${truncated ? " (it looks cut off: truncated)" : ""}: ${message}`, error);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw broken("is not a JSON object");
  const root = document as Record<string, unknown>;
  if (root.llmStrategyRecording !== RECORDING_FORMAT) {
    throw broken(
      root.llmStrategyRecording === undefined
        ? 'is not an llm-strategy recording (no "llmStrategyRecording" field)'
        : `has format ${JSON.stringify(root.llmStrategyRecording)}, but this version of llm-strategy reads format ${RECORDING_FORMAT}`,
    );
  }
  if (!Array.isArray(root.entries)) throw broken('has no "entries" array');
  const entries = new Map<string, RecordedEntry>();
  root.entries.forEach((value, index) => {
    const problem = entryProblem(value);
    if (problem) throw broken(`has an invalid entry at entries[${index}]: ${problem}`);
    const entry = value as RecordedEntry;
    entries.set(keyOf({ ...entry, turns: entry.turns ?? [] }), entry);
  });
  return { entries, state };
}

function entryProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const entry = value as Record<string, unknown>;
  for (const field of ["stub", "hash", "model"] as const) {
    if (typeof entry[field] !== "string") return `"${field}" must be a string`;
  }
  if (entry.typeArguments !== undefined && typeof entry.typeArguments !== "string") return '"typeArguments" must be a string';
  for (const field of ["modelOptions", "input"] as const) {
    if (typeof entry[field] !== "object" || entry[field] === null || Array.isArray(entry[field])) return `"${field}" must be an object`;
  }
  if (entry.turns !== undefined) {
    const turns = entry.turns;
    if (!Array.isArray(turns) || !turns.every((turn) => typeof turn?.role === "string" && typeof turn?.content === "string")) {
      return '"turns" must be an array of { role, content } messages';
    }
  }
  const reply = storedReplyProblem(entry.reply);
  return reply ? `"reply" ${reply}` : undefined;
}

/** Pretty-printed, entries sorted (by stub, then inputs, then repair round): a re-recording diffs only where replies changed. */
function serialise(entries: Map<string, RecordedEntry>): string {
  const sorted = [...entries.values()]
    .map((entry) => ({ entry, order: sortKey(entry) }))
    .sort((a, b) => compareArrays(a.order, b.order))
    .map(({ entry }) => entry);
  return `${JSON.stringify({ llmStrategyRecording: RECORDING_FORMAT, entries: sorted }, null, 2)}\n`;
}

function sortKey(entry: RecordedEntry): (string | number)[] {
  return [
    // By file and name, not line: adding lines above a stub does not reorder the file.
    stubName(entry.stub),
    entry.typeArguments ?? "",
    entry.hash,
    entry.model,
    canonicalJson(entry.modelOptions) ?? "",
    canonicalJson(entry.input) ?? "",
    entry.turns?.length ?? 0,
    canonicalJson(entry.turns ?? []) ?? "",
  ];
}

function compareArrays(a: (string | number)[], b: (string | number)[]): number {
  for (let index = 0; index < a.length; index++) {
    const x = a[index]!;
    const y = b[index]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}
