// Who a service client may act as: the rules that name it in
// `actors.clients`, under the guards that bind human operators too. Unknown
// targets and targets no rule names get the same answer; disabled targets and
// targets who may themselves impersonate are refused (the latter unless a
// matching rule sets allowPrivilegedTargets).
import type { Config, RuleConfig } from '../config/schema.ts';
import type { UserIdentity } from '../identity/types.ts';
import type { Decision } from './types.ts';
import { matchesPrincipals } from '../identity/principals.ts';

function deny(...reasons: string[]): Decision {
  return { allow: false, reasons, maxDuration: 0, mode: 'read-only' };
}

function targetMatches(rule: RuleConfig, target: UserIdentity): boolean {
  const t = rule.targets;
  const named = t.all || t.users.includes('*') || matchesPrincipals(target, { users: t.users, subs: t.subs, groups: t.groups });
  return named && !matchesPrincipals(target, rule.except);
}

/** True when some rule names the client among its actors. */
export function clientIsNamed(config: Config, clientId: string): boolean {
  return config.impersonation.rules.some((r) => r.actors.clients.includes(clientId));
}

/**
 * Decides whether the service client `clientId` may act as `target` (looked
 * up by sub in the directory; undefined when unknown). `isPrivileged` tells
 * whether the target may impersonate someone (Policy.canImpersonateSomeone).
 * Returns a Decision value; `not-allowed` means no rule names the client.
 */
export function decideForClient(
  config: Config,
  clientId: string,
  target: (UserIdentity & { disabled?: boolean }) | undefined,
  isPrivileged: (user: UserIdentity) => boolean,
): Decision {
  const rules = config.impersonation.rules.filter((r) => r.actors.clients.includes(clientId));
  if (rules.length === 0) return deny('not-allowed');
  if (!target) return deny('unknown-or-forbidden-target');
  const matching = rules.filter((r) => targetMatches(r, target));
  // Same order as for operators, so both see the same reason for the same target.
  if (isPrivileged(target) && !matching.some((r) => r.allowPrivilegedTargets)) return deny('target-may-impersonate');
  const rule = matching[0];
  if (!rule) return deny('unknown-or-forbidden-target');
  if (target.disabled) return deny('target-disabled');
  return { allow: true, reasons: ['rule-matched'], rule: rule.name, maxDuration: rule.maxDuration, mode: rule.mode };
}
