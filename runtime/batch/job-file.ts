import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigurationError } from "../errors";

/** The job file's format name and version, in its first fields. */
export const JOB_FILE_FORMAT = "llm-strategy-batch-jobs";
const JOB_FILE_VERSION = 2;
/** Version 1 files (no intents, every job has its id) read as they are. */
const READABLE_VERSIONS = new Set([1, JOB_FILE_VERSION]);
/** The metadata key that carries a job's `key` to the provider's batch (found again by `batches.list`). */
export const JOB_KEY_METADATA = "llm-strategy-job";

/** One provider batch this program created (or is about to create), and which call each of its lines is. */
export interface JobRecord {
  /**
   * The provider's batch id; absent while the batch is being created (an intent, written before
   * the create request): a rerun then looks for the batch whose metadata carries `key`.
   */
  id?: string;
  /** Hash of the lines' request keys (sorted), sent as the batch's `llm-strategy-job` metadata. */
  key?: string;
  /** `BatchEndpoint.key`: the model and endpoint the batch went to. */
  endpoint: string;
  inputFileId: string;
  /** The batch round the job was created in. */
  round: number;
  createdAt: string;
  /** custom_id -> the request's key (as recordings and caches key requests: stub hash, model, input, conversation). */
  lines: Record<string, string>;
}

interface JobDocument {
  format: typeof JOB_FILE_FORMAT;
  version: number;
  jobs: JobRecord[];
}

/**
 * The jobs of a resumable `batch()`, kept in a JSON file written atomically (a temporary file,
 * then a rename): a process killed at any moment leaves the old or the new file, never half
 * of one. A rerun of the same code makes the same requests, finds their keys here, and waits
 * for those batches instead of creating (and paying for) new ones. Lines that failed are
 * dropped, so a rerun sends them again.
 */
export class JobFile {
  private readonly document: JobDocument;
  /** Lines this process already matched to a call (per job): a line answers one call. */
  private readonly claimed = new Map<JobRecord, Set<string>>();
  /** Intents read from the file: batches a process that died may have created. */
  readonly inherited: readonly JobRecord[];

  constructor(readonly path: string) {
    this.document = read(path);
    this.inherited = this.document.jobs.filter((job) => job.id === undefined);
    // Written now: a file that cannot be written fails the batch before anything is paid for.
    this.write();
  }

  /** A line of a known job for a request with this key, not claimed yet by another call of this process. */
  claim(endpoint: string, key: string): { job: JobRecord; customId: string } | undefined {
    for (const job of this.document.jobs) {
      if (job.endpoint !== endpoint) continue;
      const claimed = this.claimed.get(job) ?? new Set<string>();
      this.claimed.set(job, claimed);
      for (const [customId, lineKey] of Object.entries(job.lines)) {
        if (lineKey !== key || claimed.has(customId)) continue;
        claimed.add(customId);
        return { job, customId };
      }
    }
    return undefined;
  }

  /**
   * Records a batch about to be created (before the create request, so a process killed while
   * it is on its way leaves a trace a rerun can look for). Its `key` goes in the batch's metadata.
   */
  intend(job: Omit<JobRecord, "id" | "key">): JobRecord {
    const record: JobRecord = { key: jobKey(Object.values(job.lines)), ...job };
    this.document.jobs.push(record);
    this.claimed.set(record, new Set(Object.keys(job.lines)));
    this.write();
    return record;
  }

  /** The provider created the intended batch. */
  created(job: JobRecord, id: string): void {
    job.id = id;
    this.write();
  }

  /** Forgets a job whose batch does not exist (its create was refused, or a rerun found no such batch). */
  forget(job: JobRecord): void {
    const index = this.document.jobs.indexOf(job);
    if (index < 0) return;
    this.document.jobs.splice(index, 1);
    this.write();
  }

  /** Forgets lines that brought no usable reply (a rerun sends them again); a job with none left goes. */
  drop(batchId: string, customIds: readonly string[]): void {
    const job = this.document.jobs.find((candidate) => candidate.id === batchId);
    if (!job || !customIds.length) return;
    for (const customId of customIds) delete job.lines[customId];
    if (!Object.keys(job.lines).length) this.document.jobs.splice(this.document.jobs.indexOf(job), 1);
    this.write();
  }

  private write(): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.path), { recursive: true });
      fs.writeFileSync(temporary, `${JSON.stringify(this.document, null, 2)}\n`);
      fs.renameSync(temporary, this.path);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw new ConfigurationError(
        `batch(): cannot write the job file ${this.path} (${(error as Error).message}). Give jobFile a path in a writable folder, or leave it out (the batch is then not resumable).`,
        { cause: error },
      );
    }
  }
}

function read(file: string): JobDocument {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { format: JOB_FILE_FORMAT, version: JOB_FILE_VERSION, jobs: [] };
    throw new ConfigurationError(`batch(): cannot read the job file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let document: Partial<JobDocument>;
  try {
    document = JSON.parse(text) as Partial<JobDocument>;
  } catch (error) {
    throw unusable(file, `it is not JSON (${(error as Error).message})`);
  }
  if (document?.format !== JOB_FILE_FORMAT || !Array.isArray(document.jobs)) throw unusable(file, `it is not a job file of batch() (no "format": "${JOB_FILE_FORMAT}")`);
  if (!READABLE_VERSIONS.has(document.version as number)) throw unusable(file, `it has version ${String(document.version)}, this runtime reads versions ${[...READABLE_VERSIONS].join(" and ")}`);
  // Written back as the current version: an older file's jobs are valid ones of it.
  return { ...(document as JobDocument), version: JOB_FILE_VERSION };
}

/** A job's key: the same requests make the same key, whatever order they were written in. */
function jobKey(lineKeys: string[]): string {
  return createHash("sha256").update([...lineKeys].sort().join("\n")).digest("hex").slice(0, 32);
}

function unusable(file: string, why: string): ConfigurationError {
  return new ConfigurationError(`batch(): the job file ${file} cannot be used: ${why}. It is left as it is: pass another jobFile path, or delete this file to start afresh (its batches are then paid for again).`);
}
