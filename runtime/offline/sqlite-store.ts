import * as fs from "node:fs";
import * as nodePath from "node:path";
import { ConfigurationError } from "../errors";
import { OfflineFileError } from "./errors";
import type { ReplyStore } from "./reply-store";
import type { StoredReply } from "./stored-reply";

/** Version of the cache's tables, kept in its `meta` table. */
const CACHE_FORMAT = "1";
/** Hits whose recency is written in one transaction, when no store came first. */
const TOUCH_BATCH = 256;

/**
 * Accepted replies in an SQLite database (better-sqlite3), shared safely by several processes:
 * WAL journal (readers never block the writer), a busy timeout for writers that meet another
 * process's lock, and every multi-statement change in one transaction. Entries expire `ttlMs`
 * after they were stored; beyond `maxEntries`, the least recently used go (a hit refreshes an
 * entry; other processes see that refresh once this one writes). The entry count is kept by triggers, so the bound costs no table scan per write.
 */
export class SqliteReplyStore implements ReplyStore {
  private readonly db: Database;
  private readonly statements: {
    get: Statement;
    touch: Statement;
    upsert: Statement;
    count: Statement;
    evict: Statement;
    expire: Statement;
  };
  /** Hits not yet written: key -> when (ms since epoch). */
  private readonly touched = new Map<string, number>();
  private readonly touchAll: Transaction<() => void>;
  private readonly insert: Transaction<(key: string, reply: string, about: { stub: string; hash: string; model: string }) => void>;
  /** The file's identity when opened, to notice it being deleted or replaced (SQLite would go on writing to the unlinked file). */
  private readonly identity: { dev: number; ino: number } | undefined;

  constructor(
    readonly path: string,
    private readonly maxEntries: number,
    private readonly ttlMs: number | undefined,
    busyTimeoutMs: number,
  ) {
    const SqliteDatabase = loadBetterSqlite3();
    this.db = this.guard(() => {
      fs.mkdirSync(nodePath.dirname(path), { recursive: true });
      return new SqliteDatabase(path, { timeout: busyTimeoutMs });
    });
    try {
      this.guard(() => this.setUp(busyTimeoutMs));
    } catch (error) {
      // Nothing was written to a file that failed here; closing leaves it exactly as it was.
      this.db.close();
      throw error;
    }
    this.identity = fileIdentity(path);
    this.statements = this.guard(() => ({
      get: this.db.prepare("SELECT reply, created_at FROM replies WHERE key = ?"),
      touch: this.db.prepare("UPDATE replies SET used_at = ? WHERE key = ?"),
      upsert: this.db.prepare(
        `INSERT INTO replies (key, stub, hash, model, reply, created_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET reply = excluded.reply, created_at = excluded.created_at, used_at = excluded.used_at`,
      ),
      count: this.db.prepare("SELECT entries FROM entry_count"),
      evict: this.db.prepare("DELETE FROM replies WHERE key IN (SELECT key FROM replies ORDER BY used_at LIMIT ?)"),
      expire: this.db.prepare("DELETE FROM replies WHERE created_at <= ?"),
    }));
    this.touchAll = this.db.transaction(() => this.applyTouches());
    this.insert = this.db.transaction((key: string, reply: string, about: { stub: string; hash: string; model: string }) => {
      this.applyTouches();
      const now = Date.now();
      this.statements.upsert.run(key, about.stub, about.hash, about.model, reply, now, now);
      if (this.ttlMs !== undefined) this.statements.expire.run(now - this.ttlMs);
      const over = this.entries() - this.maxEntries;
      if (over > 0) this.statements.evict.run(over);
    });
  }

  get(key: string): StoredReply | undefined {
    const row = this.guard(() => this.statements.get.get(key)) as { reply: string; created_at: number } | undefined;
    if (!row) return undefined;
    const now = Date.now();
    if (this.ttlMs !== undefined && row.created_at + this.ttlMs <= now) return undefined;
    let reply: StoredReply;
    try {
      reply = JSON.parse(row.reply) as StoredReply;
    } catch (error) {
      throw new OfflineFileError(`The reply cache ${this.path} holds an unreadable entry (${(error as Error).message}). ${FIX}`, { path: this.path, cause: error });
    }
    // A write transaction per hit would cost ~10x the read: recency is written with the next
    // store (before it evicts), or in one batch once enough hits piled up, or on close().
    this.touched.set(key, now);
    if (this.touched.size >= TOUCH_BATCH) this.writeTouches();
    return reply;
  }

  set(key: string, reply: StoredReply, about: { stub: string; hash: string; model: string }): void {
    this.guard(() => this.insert.immediate(key, JSON.stringify(reply), about));
  }

  /** Writes the recency of the hits since the last write. Best effort: a lock held past the busy timeout costs recency, not a call. */
  private writeTouches(): void {
    if (!this.touched.size || !this.db.open) return;
    try {
      this.touchAll.immediate();
    } catch (error) {
      if (!isBusy(error)) throw this.fileError(error);
    }
  }

  size(): number {
    return this.guard(() => this.entries());
  }

  moved(): boolean {
    const now = fileIdentity(this.path);
    return this.identity !== undefined && (now === undefined || now.dev !== this.identity.dev || now.ino !== this.identity.ino);
  }

  clear(): void {
    this.guard(() => this.db.prepare("DELETE FROM replies").run());
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.writeTouches();
    } finally {
      this.db.close();
    }
  }

  private applyTouches(): void {
    for (const [key, usedAt] of this.touched) this.statements.touch.run(usedAt, key);
    this.touched.clear();
  }

  private entries(): number {
    return (this.statements.count.get() as { entries: number }).entries;
  }

  private setUp(busyTimeoutMs: number): void {
    // Reading the header first: a file that is not a database fails here, before anything is written.
    this.db.pragma("schema_version");
    this.switchToWal(busyTimeoutMs);
    // WAL + NORMAL: a power cut may lose the last entries, never the database's consistency.
    this.db.pragma("synchronous = NORMAL");
    const create = this.db.transaction(() => {
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT OR IGNORE INTO meta (name, value) VALUES ('format', '${CACHE_FORMAT}');
        CREATE TABLE IF NOT EXISTS replies (
          key TEXT PRIMARY KEY,
          stub TEXT NOT NULL,
          hash TEXT NOT NULL,
          model TEXT NOT NULL,
          reply TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          used_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS replies_used_at ON replies (used_at);
        CREATE INDEX IF NOT EXISTS replies_created_at ON replies (created_at);
        CREATE TABLE IF NOT EXISTS entry_count (entries INTEGER NOT NULL);
        INSERT INTO entry_count (entries) SELECT count(*) FROM replies WHERE NOT EXISTS (SELECT 1 FROM entry_count);
        CREATE TRIGGER IF NOT EXISTS replies_counted_in AFTER INSERT ON replies BEGIN UPDATE entry_count SET entries = entries + 1; END;
        CREATE TRIGGER IF NOT EXISTS replies_counted_out AFTER DELETE ON replies BEGIN UPDATE entry_count SET entries = entries - 1; END;
      `);
      const format = (this.db.prepare("SELECT value FROM meta WHERE name = 'format'").get() as { value: string }).value;
      if (format !== CACHE_FORMAT) {
        throw new OfflineFileError(
          `The reply cache ${this.path} has format ${format}, but this version of llm-strategy uses format ${CACHE_FORMAT}. ` +
            `It was left unchanged: give cached() another path, or delete the file (it only holds cached replies).`,
          { path: this.path },
        );
      }
    });
    // IMMEDIATE: two processes creating the tables at once take turns instead of failing to upgrade a read lock.
    create.immediate();
  }

  /**
   * SQLite answers a journal-mode change that meets another connection's lock with SQLITE_BUSY
   * at once, without waiting on the busy timeout (the change upgrades a read lock, where waiting
   * could deadlock). Two processes opening a new file together meet exactly there, so the switch
   * is retried here for as long as the busy timeout allows.
   */
  private switchToWal(busyTimeoutMs: number): void {
    const deadline = Date.now() + busyTimeoutMs;
    for (;;) {
      try {
        if (this.db.pragma("journal_mode", { simple: true }) !== "wal") this.db.pragma("journal_mode = WAL");
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
        sleepSync(WAL_RETRY_MS);
      }
    }
  }

  /** Runs an SQLite operation; a failure becomes an `OfflineFileError` naming the file. */
  private guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw this.fileError(error);
    }
  }

  private fileError(error: unknown): Error {
    if (error instanceof OfflineFileError) return error;
    const code = (error as { code?: string }).code ?? "";
    const message = (error as Error).message;
    if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
      return new OfflineFileError(`The reply cache ${this.path} is not a readable SQLite database (${code}: ${message}). ${FIX}`, { path: this.path, cause: error });
    }
    if (isBusy(error)) {
      return new OfflineFileError(
        `The reply cache ${this.path} stayed locked by another connection longer than the busy timeout (${code}). Raise cached({ busyTimeoutMs }).`,
        { path: this.path, cause: error },
      );
    }
    return new OfflineFileError(`The reply cache ${this.path} failed: ${code ? `${code}: ` : ""}${message}`, { path: this.path, cause: error });
  }
}

/** Pause between attempts to switch a new file to WAL while another process sets it up. */
const WAL_RETRY_MS = 5;

/** Blocks the thread, as SQLite's own busy timeout does: the store's API is synchronous. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const FIX = "The file was left unchanged. It only holds cached replies: move or delete it (and its -wal and -shm files), or give cached() another path.";

function fileIdentity(file: string): { dev: number; ino: number } | undefined {
  try {
    const stat = fs.statSync(file);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return undefined;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  return code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_") || code === "SQLITE_LOCKED";
}

/**
 * The part of better-sqlite3's API this store uses, written out so the runtime's types need
 * neither `@types/better-sqlite3` nor `esModuleInterop` in a user's project.
 */
interface Statement {
  get(...parameters: unknown[]): unknown;
  run(...parameters: unknown[]): unknown;
}
type Transaction<F extends (...args: never[]) => void> = F & { immediate: F };
interface Database {
  readonly open: boolean;
  prepare(sql: string): Statement;
  transaction<F extends (...args: never[]) => void>(fn: F): Transaction<F>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(sql: string): unknown;
  close(): unknown;
}
type BetterSqlite3Constructor = new (file: string, options: { timeout: number }) => Database;

/** better-sqlite3 is an optional peer dependency: loaded only when a disk cache is asked for. */
function loadBetterSqlite3(): BetterSqlite3Constructor {
  try {
    return require("better-sqlite3") as BetterSqlite3Constructor;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "MODULE_NOT_FOUND" && /better-sqlite3/.test((error as Error).message)) {
      throw new ConfigurationError(
        "cached({ path }) keeps replies in SQLite through the optional dependency better-sqlite3, which is not installed: " +
          "npm install better-sqlite3@12 (or leave out `path` for an in-memory cache).",
        { cause: error },
      );
    }
    throw new ConfigurationError(
      `cached({ path }): better-sqlite3 is installed but could not be loaded (${(error as Error).message}). ` +
        "Its native module may be built for another Node.js version: npm rebuild better-sqlite3.",
      { cause: error },
    );
  }
}
