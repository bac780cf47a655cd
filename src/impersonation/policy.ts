// Who may act as whom. Default deny; rules name actors, targets and
// exceptions. Guards no rule can lift come first: no nesting, no acting as
// oneself, no disabled targets, and no acting as someone who may themselves
// impersonate unless a matching rule says so. Unknown targets and targets no
// rule names get the same answer, so the policy never reveals who exists.
import type { Config, RuleConfig } from '../config/schema.ts';
import type { UserIdentity } from '../identity/types.ts';
import type { Decision } from './types.ts';
import { matchesPrincipals } from '../identity/principals.ts';

export interface PolicyContext {
  impersonating: boolean;
}

export interface Policy {
  decide(actor: UserIdentity, target: (UserIdentity & { disabled?: boolean }) | undefined, ctx: PolicyContext): Decision;
  canImpersonateSomeone(user: UserIdentity): boolean;
  isAuditor(user: UserIdentity): boolean;
}

function deny(...reasons: string[]): Decision {
  return { allow: false, reasons, maxDuration: 0, mode: 'read-only' };
}

function actorMatches(rule: RuleConfig, actor: UserIdentity): boolean {
  return matchesPrincipals(actor, { users: rule.actors.users, subs: rule.actors.subs, groups: rule.actors.groups });
}

function targetMatches(rule: RuleConfig, target: UserIdentity): boolean {
  const t = rule.targets;
  const named = t.all || t.users.includes('*') || matchesPrincipals(target, { users: t.users, subs: t.subs, groups: t.groups });
  return named && !matchesPrincipals(target, rule.except);
}

export function createPolicy(config: Config): Policy {
  const rules = config.impersonation.rules;
  const canImpersonateSomeone = (user: UserIdentity) => rules.some((r) => actorMatches(r, user));
  return {
    canImpersonateSomeone,
    isAuditor: (user) => matchesPrincipals(user, config.impersonation.auditors),
    decide(actor, target, ctx) {
      if (ctx.impersonating) return deny('already-impersonating');
      if (!canImpersonateSomeone(actor)) return deny('not-allowed');
      if (!target) return deny('unknown-or-forbidden-target');
      if (target.sub === actor.sub) return deny('self-impersonation');
      const matching = rules.filter((r) => actorMatches(r, actor) && targetMatches(r, target));
      // Checked before the rules so an operator learns why a colleague is out of reach.
      if (canImpersonateSomeone(target) && !matching.some((r) => r.allowPrivilegedTargets)) return deny('target-may-impersonate');
      const rule = matching[0];
      if (!rule) return deny('unknown-or-forbidden-target');
      if (target.disabled) return deny('target-disabled');
      return { allow: true, reasons: ['rule-matched'], rule: rule.name, maxDuration: rule.maxDuration, mode: rule.mode };
    },
  };
}
