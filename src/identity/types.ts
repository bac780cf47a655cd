// The identity values that travel through actas: a user as the IdP described
// them, and the effective identity of one request (the user, or the target
// while an operator acts as them, with the operator as `actor`).

/** A user as recorded from IdP claims (or the directory file). `sub` is the key. */
export interface UserIdentity {
  sub: string;
  user: string;
  email?: string;
  name?: string;
  groups: string[];
}

/** The impersonation an operator's session holds. Times are epoch ms. */
export interface ImpersonationState {
  id: string;              // stable id of this impersonation (audit, revoke)
  target: UserIdentity;
  reason: string;
  mode: 'read-only' | 'full';
  rule: string;
  startedAt: number;
  expiresAt: number;
}

/** Who a request acts as: `user` is effective; `actor` is set only while impersonating. */
export interface EffectiveIdentity {
  user: UserIdentity;
  actor?: UserIdentity;
  impersonation?: ImpersonationState;
}
