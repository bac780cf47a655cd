// The values impersonation deals in: a policy decision, directory entries,
// and the index of active impersonations that every replica shares.
import type { UserIdentity } from '../identity/types.ts';

export type Mode = 'read-only' | 'full';

/** A policy decision: a value, never an exception. `reasons` are kebab-case codes. */
export interface Decision {
  allow: boolean;
  reasons: string[];
  rule?: string;
  maxDuration: number;     // ms; 0 when denied
  mode: Mode;
}

/** A user the directory knows: seen at login, or listed in directory.file. */
export interface DirectoryEntry extends UserIdentity {
  disabled?: boolean;
  lastLoginAt?: number;    // epoch ms
  source: 'login' | 'file';
}

export interface Directory {
  /** Records (or refreshes) a user at login. */
  record(user: UserIdentity): Promise<void>;
  /** Looks a user up by the immutable sub only. */
  get(sub: string): Promise<DirectoryEntry | undefined>;
  /** Case-insensitive substring search over user, email and name. */
  search(query: string, limit: number): Promise<DirectoryEntry[]>;
}

/** One active impersonation as every replica sees it. */
export interface ActiveImpersonation {
  id: string;
  sessionKey: string;      // hash of the operator's session id (never the id)
  actor: Pick<UserIdentity, 'sub' | 'user' | 'email' | 'name'>;
  target: Pick<UserIdentity, 'sub' | 'user' | 'email' | 'name'>;
  reason: string;
  mode: Mode;
  rule: string;
  startedAt: number;
  expiresAt: number;
}

export interface ActiveIndex {
  add(entry: ActiveImpersonation): Promise<void>;
  remove(id: string): Promise<void>;
  get(id: string): Promise<ActiveImpersonation | undefined>;
  /** Active (unexpired) impersonations, newest first. */
  list(): Promise<ActiveImpersonation[]>;
  /** Marks it revoked for every replica; the operator's next request ends it. */
  revoke(id: string): Promise<boolean>;
  isRevoked(id: string): Promise<boolean>;
}
