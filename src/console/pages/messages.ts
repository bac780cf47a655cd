// Plain-words messages for every code the console can be sent back with
// (policy reasons, form refusals, outcomes), so an operator never has to
// decode a kebab-case reason. Unknown codes fall back to the code itself.

/** Messages by code; `{min}` is replaced by the configured minimum reason length. */
export const MESSAGES: Readonly<Record<string, string>> = {
  // Form and request checks.
  'reason-too-short': 'Give a reason of at least {min} characters: what you are doing and why (a ticket number helps).',
  'reason-missing': 'A reason is required.',
  'duration-too-long': 'That duration is longer than the rule allows. Choose a shorter one.',
  'duration-invalid': 'Choose a duration from the list.',
  'csrf-token-missing': 'The form was missing its security token. Reload the console and try again.',
  'csrf-token-mismatch': 'The form had expired (your session changed since the page was loaded). Reload the console and try again.',
  'foreign-origin': 'The request came from another site, so it was refused.',
  'cross-site-request': 'The request came from another site, so it was refused.',
  'audit-unavailable': 'The audit log cannot record this right now, so nothing was changed. Try again in a moment.',
  'store-unavailable': 'The session store cannot be reached right now, so nothing was changed. Try again in a moment.',
  // Policy reasons.
  'not-allowed': 'No rule lets you act as this user.',
  'no-matching-rule': 'No rule lets you act as this user.',
  'actor-not-allowed': 'You are not named by any rule that allows acting as someone.',
  'target-not-allowed': 'No rule lets you act as this user.',
  'target-excepted': 'This user is excluded by the rule that would otherwise allow it.',
  'self-impersonation': 'You cannot act as yourself.',
  'already-impersonating': 'You are already acting as someone. Stop that first.',
  'target-disabled': 'This account is disabled.',
  'target-may-impersonate': 'This user may act as others themselves, and no rule explicitly allows acting as such a user.',
  'unknown-or-forbidden-target': 'This user is unknown, or you may not act as them.',
  'unknown-target': 'This user is unknown, or you may not act as them.',
  'not-logged-in': 'You are not signed in.',
  // Ends and outcomes.
  expired: 'The impersonation reached its time limit and has ended.',
  revoked: 'An auditor revoked the impersonation.',
  'not-auditor': 'Only auditors may revoke other operators\u2019 impersonations.',
  'lost-right': 'You no longer have the right to act as this user.',
  'not-active': 'That impersonation is no longer active (it ended or was already revoked).',
  'not-found': 'That impersonation is no longer active.',
  'unknown-impersonation': 'That impersonation is no longer active.',
};

/** The plain-words message for `code`, or the code itself when it is not known. */
export function messageFor(code: string, minReasonLength: number): string {
  const text = Object.hasOwn(MESSAGES, code) ? MESSAGES[code]! : `Refused (${code}).`;
  return text.replace('{min}', String(minReasonLength));
}
