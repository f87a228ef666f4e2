import type { LRU } from "tiny-lru";
import type { StoredReply } from "./stored-reply";

/** Where `cached()` keeps accepted replies. */
export interface ReplyStore {
  /** The reply stored under `key`, unless there is none or it expired. */
  get(key: string): StoredReply | undefined;
  set(key: string, reply: StoredReply, about: { stub: string; hash: string; model: string }): void;
  /** Entries held now (expired ones may still count until they are purged). */
  size(): number;
  /** Removes every entry. */
  clear(): void;
  close(): void;
  /** A file store: whether its file was deleted or replaced since it was opened (writes would be lost). */
  moved?(): boolean;
}

/** Bounded LRU in this process's memory (tiny-lru: 84 kB installed, where lru-cache is 4 MB of a lean production install). */
export class MemoryReplyStore implements ReplyStore {
  private readonly cache: LRU<StoredReply>;

  constructor(maxEntries: number, ttlMs: number | undefined) {
    // Loaded here, not at import: only processes that use an in-memory cache pay for it.
    const { lru } = require("tiny-lru") as typeof import("tiny-lru");
    this.cache = lru<StoredReply>(maxEntries, ttlMs ?? 0); // a ttl of 0: no expiry
  }

  get(key: string): StoredReply | undefined {
    return this.cache.get(key);
  }

  set(key: string, reply: StoredReply): void {
    this.cache.set(key, reply);
  }

  size(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }

  close(): void {}
}
