import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigurationError } from "../errors";

/** The job file's format name and version, in its first fields. */
export const JOB_FILE_FORMAT = "llm-strategy-batch-jobs";
const JOB_FILE_VERSION = 1;

/** One provider batch this program created, and which call each of its lines is. */
export interface JobRecord {
  /** The provider's batch id. */
  id: string;
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
  /** `batchId custom_id` of lines this process already matched to a call: a line answers one call. */
  private readonly claimed = new Set<string>();

  constructor(readonly path: string) {
    this.document = read(path);
    // Written now: a file that cannot be written fails the batch before anything is paid for.
    this.write();
  }

  /** A line of a known job for a request with this key, not claimed yet by another call of this process. */
  claim(endpoint: string, key: string): { job: JobRecord; customId: string } | undefined {
    for (const job of this.document.jobs) {
      if (job.endpoint !== endpoint) continue;
      for (const [customId, lineKey] of Object.entries(job.lines)) {
        if (lineKey !== key || this.claimed.has(`${job.id} ${customId}`)) continue;
        this.claimed.add(`${job.id} ${customId}`);
        return { job, customId };
      }
    }
    return undefined;
  }

  add(job: JobRecord): void {
    this.document.jobs.push(job);
    for (const customId of Object.keys(job.lines)) this.claimed.add(`${job.id} ${customId}`);
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
  if (document.version !== JOB_FILE_VERSION) throw unusable(file, `it has version ${String(document.version)}, this runtime reads version ${JOB_FILE_VERSION}`);
  return document as JobDocument;
}

function unusable(file: string, why: string): ConfigurationError {
  return new ConfigurationError(`batch(): the job file ${file} cannot be used: ${why}. It is left as it is: pass another jobFile path, or delete this file to start afresh (its batches are then paid for again).`);
}
