// Matches a user against a list of principals (users, subs, groups, email
// domains). Exact comparisons only: no case folding, no look-alikes.
import type { UserIdentity } from './types.ts';

export interface Principals {
  users?: readonly string[];
  subs?: readonly string[];
  groups?: readonly string[];
  emailDomains?: readonly string[];
}

/** True when the user is named by any list. Empty lists name nobody. */
export function matchesPrincipals(user: UserIdentity, p: Principals): boolean {
  if (p.subs?.includes(user.sub)) return true;
  if (p.users?.includes(user.user)) return true;
  if (p.groups?.length && user.groups.some((g) => p.groups!.includes(g))) return true;
  if (p.emailDomains?.length && user.email) {
    const at = user.email.lastIndexOf('@');
    if (at > 0 && p.emailDomains.includes(user.email.slice(at + 1))) return true;
  }
  return false;
}
