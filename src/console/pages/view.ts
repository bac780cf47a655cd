// What one console page shows, gathered by the route and rendered by the page
// functions: plain data, so the renderers are pure and testable without a
// server, a session or a policy.
import type { ImpersonationState, UserIdentity } from '../../identity/types.ts';
import type { ActiveImpersonation, Decision } from '../../impersonation/types.ts';
import type { EventFilter } from './filters.ts';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

/** One directory entry as the act-as list shows it. */
export interface ResultView {
  entry: Pick<UserIdentity, 'sub' | 'user' | 'email' | 'name'>;
  decision: Decision;
  /** Put the keyboard focus on this result's reason field (after a refused start). */
  focus?: boolean;
}

export interface ActAsView {
  q: string;
  searched: boolean;
  results: ResultView[];
}

export interface AuditorView {
  active: ActiveImpersonation[];
  filter: EventFilter;
  /** Absent when no audit sink can be queried. */
  events?: Array<Record<string, unknown>>;
  /** Why events are missing or partial, in plain words. */
  eventsNote?: string;
}

export interface ConsoleView {
  prefix: string;
  now: number;
  csrf: string;
  /** Where the operator came from (safe relative path); Start and Stop return there. */
  rd: string;
  minReasonLength: number;
  user: UserIdentity;
  impersonation?: ImpersonationState;
  /** Set when the session still holds an impersonation that no longer applies. */
  ended?: 'expired' | 'revoked' | 'lost-right';
  notices: Notice[];
  /** Absent for users who may impersonate nobody. */
  actAs?: ActAsView;
  /** Absent for non-auditors. */
  auditor?: AuditorView;
}
