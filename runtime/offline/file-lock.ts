import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { RecordingWriteError } from "./errors";

/** How long a writer waits for another process's lock, in milliseconds, before it fails. */
const LOCK_WAIT_MS = 60_000;
/**
 * A lock older than this is taken over even when its holder seems alive (a holder on another
 * host, a reused process id): one write holds it for milliseconds, so it was abandoned.
 */
const LOCK_STALE_MS = 30_000;

/** What a lock file says about its holder. */
interface Holder {
  pid: number;
  host: string;
  nonce: string;
  since: number;
}

/**
 * Runs `fn` holding `<file>.lock`, so processes writing one file take turns (read, merge,
 * write). The lock file appears with its holder already in it (written aside, then hard-linked
 * into place, which fails when a lock exists); a lock whose process is gone (same host) or that
 * is older than `LOCK_STALE_MS` is taken over.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const text = await acquire(lock, file);
  try {
    return await fn();
  } finally {
    release(lock, text);
  }
}

async function acquire(lock: string, file: string): Promise<string> {
  const holder: Holder = { pid: process.pid, host: os.hostname(), nonce: randomUUID(), since: Date.now() };
  const text = JSON.stringify(holder);
  const aside = `${lock}.${holder.nonce}.tmp`;
  const failed = (error: unknown): RecordingWriteError =>
    new RecordingWriteError(`Could not lock the recording file ${file} (through ${lock}): ${(error as Error).message}`, { path: file, cause: error });
  try {
    await fs.promises.writeFile(aside, text, { flag: "wx" });
  } catch (error) {
    throw failed(error);
  }
  try {
    const started = Date.now();
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      try {
        await place(aside, lock, text);
        return text;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw failed(error);
      }
      const current = readLock(lock);
      if (current === undefined) continue; // released just now
      if (isStale(current)) {
        takeOver(lock, current.text);
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS) {
        const who = current.holder ? `process ${current.holder.pid} on ${current.holder.host} since ${new Date(current.holder.since).toISOString()}` : "an unknown process";
        throw new RecordingWriteError(
          `The recording file ${file} stayed locked by ${who} for more than ${LOCK_WAIT_MS / 1000} s. ` +
            `If no process is recording into it, delete ${lock}.`,
          { path: file },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Creates `lock` holding `text`, or fails with EEXIST. */
async function place(aside: string, lock: string, text: string): Promise<void> {
  try {
    await fs.promises.link(aside, lock);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // File systems without hard links: exclusive create (a reader may briefly see it empty).
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS" || code === "EOPNOTSUPP") await fs.promises.writeFile(lock, text, { flag: "wx" });
    else throw error;
  }
}

function readLock(lock: string): { text: string; holder: Holder | undefined; mtimeMs: number } | undefined {
  try {
    const mtimeMs = fs.statSync(lock).mtimeMs;
    const text = fs.readFileSync(lock, "utf8");
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Holder>;
      if (typeof parsed.pid === "number" && typeof parsed.host === "string" && typeof parsed.since === "number") holder = parsed as Holder;
    } catch {
      // being written (see place), or not ours: judged by its age
    }
    return { text, holder, mtimeMs };
  } catch {
    return undefined;
  }
}

function isStale(current: { holder: Holder | undefined; mtimeMs: number }): boolean {
  const { holder } = current;
  if (holder?.host === os.hostname() && !isAlive(holder.pid)) return true;
  return Date.now() - (holder?.since ?? current.mtimeMs) > LOCK_STALE_MS;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes a stale lock. Moved aside first and checked: if another waiter took it over between
 * our read and the move, what we moved is its live lock, which goes back.
 */
function takeOver(lock: string, staleText: string): void {
  const moved = `${lock}.${randomUUID()}.stale`;
  try {
    fs.renameSync(lock, moved);
  } catch {
    return; // gone already: someone else took it over
  }
  try {
    if (fs.readFileSync(moved, "utf8") !== staleText) fs.linkSync(moved, lock);
  } catch {
    // a new lock is in place already: the holder we moved will find its lock gone on release
  } finally {
    fs.rmSync(moved, { force: true });
  }
}

/** Removes the lock if it is still ours (a holder judged stale may have lost it). */
function release(lock: string, text: string): void {
  try {
    if (fs.readFileSync(lock, "utf8") === text) fs.rmSync(lock, { force: true });
  } catch {
    // already gone
  }
}
