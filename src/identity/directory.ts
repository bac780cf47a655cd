// The directory of people an operator may act as: everyone seen at login
// (claims recorded each time) plus an optional YAML file of users who have
// not logged in yet. Looked up by the immutable sub only; stored in the
// shared state so every replica sees the same.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { UserIdentity } from './types.ts';
import type { Directory, DirectoryEntry } from '../impersonation/types.ts';
import type { SharedState } from '../session/shared-state.ts';
import { ConfigError } from '../errors.ts';

const KEY = 'directory';

const fileSchema = z.strictObject({
  users: z.array(z.strictObject({
    sub: z.string().min(1),
    user: z.string().min(1),
    email: z.string().optional(),
    name: z.string().optional(),
    groups: z.array(z.string()).default([]),
    disabled: z.boolean().default(false),
  })).default([]),
});

/** Reads directory.file; every problem is reported by path. */
export function loadDirectoryFile(file: string): DirectoryEntry[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`directory.file: cannot read ${file}: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `directory.file (${file}) ${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data.users.map((u) => ({ ...u, source: 'file' as const }));
}

export function createDirectory(state: SharedState, fileEntries: readonly DirectoryEntry[] = []): Directory {
  const fromFile = new Map(fileEntries.map((e) => [e.sub, e]));
  const merge = (stored: DirectoryEntry | undefined, file: DirectoryEntry | undefined): DirectoryEntry | undefined => {
    if (!stored) return file;
    // The file can disable someone whatever their IdP says.
    return file?.disabled ? { ...stored, disabled: true } : stored;
  };
  return {
    async record(user: UserIdentity) {
      const entry: DirectoryEntry = { ...user, lastLoginAt: Date.now(), source: 'login' };
      await state.hashSet(KEY, user.sub, JSON.stringify(entry));
    },
    async get(sub) {
      const stored = await state.hashGet(KEY, sub);
      return merge(stored ? JSON.parse(stored) as DirectoryEntry : undefined, fromFile.get(sub));
    },
    async search(query, limit) {
      const all = new Map(fromFile);
      for (const [sub, json] of Object.entries(await state.hashAll(KEY))) all.set(sub, merge(JSON.parse(json) as DirectoryEntry, fromFile.get(sub))!);
      const q = query.trim().toLowerCase();
      const hits = [...all.values()].filter((e) => !q || [e.user, e.email, e.name].some((v) => v?.toLowerCase().includes(q)));
      return hits.sort((a, b) => a.user.localeCompare(b.user)).slice(0, limit);
    },
  };
}
