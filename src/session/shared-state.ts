// The small key-value surface that replicas share: the directory, the index
// of active impersonations and revocations. Redis when the session store is
// Redis (so every replica sees the same), a Map in the embedded mode.
import type { RedisConnection } from './redis.ts';

export interface SharedState {
  hashSet(key: string, field: string, value: string): Promise<void>;
  hashGet(key: string, field: string): Promise<string | undefined>;
  /** Deletes a field; true only for the caller that removed it (a claim). */
  hashDelete(key: string, field: string): Promise<boolean>;
  hashAll(key: string): Promise<Record<string, string>>;
  setWithTtl(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
}

export function createMemoryState(): SharedState {
  const hashes = new Map<string, Map<string, string>>();
  const values = new Map<string, { value: string; expiresAt: number }>();
  const hash = (key: string) => {
    let h = hashes.get(key);
    if (!h) hashes.set(key, (h = new Map()));
    return h;
  };
  return {
    async hashSet(key, field, value) { hash(key).set(field, value); },
    async hashGet(key, field) { return hash(key).get(field); },
    async hashDelete(key, field) { return hash(key).delete(field); },
    async hashAll(key) { return Object.fromEntries(hash(key)); },
    async setWithTtl(key, value, ttlMs) {
      values.set(key, { value, expiresAt: Date.now() + ttlMs });
      if (values.size > 10_000) for (const [k, v] of values) if (v.expiresAt <= Date.now()) values.delete(k);
    },
    async get(key) {
      const v = values.get(key);
      if (!v) return undefined;
      if (v.expiresAt <= Date.now()) { values.delete(key); return undefined; }
      return v.value;
    },
  };
}

export function createRedisState(redis: RedisConnection, prefix: string): SharedState {
  const k = (key: string) => `${prefix}${key}`;
  return {
    async hashSet(key, field, value) { await redis.hSet(k(key), field, value); },
    async hashGet(key, field) { return (await redis.hGet(k(key), field)) ?? undefined; },
    async hashDelete(key, field) { return (await redis.hDel(k(key), field)) === 1; },
    async hashAll(key) { return redis.hGetAll(k(key)) as Promise<Record<string, string>>; },
    async setWithTtl(key, value, ttlMs) { await redis.set(k(key), value, { PX: Math.max(1, Math.ceil(ttlMs)) }); },
    async get(key) { return (await redis.get(k(key))) ?? undefined; },
  };
}
