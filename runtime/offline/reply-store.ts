import type { LRUCache } from "lru-cache";
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

/** Bounded LRU in this process's memory. */
export class MemoryReplyStore implements ReplyStore {
  private readonly cache: LRUCache<string, StoredReply>;

  constructor(maxEntries: number, ttlMs: number | undefined) {
    // Loaded here, not at import: only processes that use an in-memory cache pay for it.
    const { LRUCache } = require("lru-cache") as typeof import("lru-cache");
    this.cache = new LRUCache<string, StoredReply>(ttlMs === undefined ? { max: maxEntries } : { max: maxEntries, ttl: ttlMs });
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
