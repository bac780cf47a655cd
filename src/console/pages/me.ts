// "Who am I" and "what am I doing": the signed-in user, the impersonation the
// session holds (target, reason, mode, time left, Stop) or why it ended, and
// sign out. Styled like the banner while acting as someone.
import { html, type SafeHtml } from '../../html.ts';
import type { UserIdentity } from '../../identity/types.ts';
import { messageFor } from './messages.ts';
import { timeEl } from './time.ts';
import type { ConsoleView } from './view.ts';

function person(u: Pick<UserIdentity, 'user' | 'name'>): SafeHtml {
  return u.name && u.name !== u.user ? html`<strong>${u.name}</strong> (<span class="mono">${u.user}</span>)` : html`<strong class="mono">${u.user}</strong>`;
}

/** The signed-in user's card, with sign out. */
export function renderMe(v: ConsoleView): SafeHtml {
  const u = v.user;
  return html`<section class="card" id="me" aria-labelledby="me-h">
<h2 id="me-h">Signed in as ${person(u)}</h2>
<dl class="facts">
<dt>User</dt><dd class="mono">${u.user}</dd>
<dt>Email</dt><dd>${u.email ?? html`<span class="muted">none</span>`}</dd>
<dt>Groups</dt><dd>${u.groups.length ? u.groups.map((g) => html`<span class="tag">${g}</span> `) : html`<span class="muted">none</span>`}</dd>
</dl>
<form method="post" action="${v.prefix}logout"><input type="hidden" name="csrf" value="${v.csrf}"><button type="submit" class="secondary">Sign out</button></form>
</section>`;
}

/** The session's impersonation: active (with Stop) or ended (with Dismiss); nothing when there is none. */
export function renderMyImpersonation(v: ConsoleView): SafeHtml | '' {
  const imp = v.impersonation;
  if (!imp) return '';
  const stop = (label: SafeHtml) => html`<form method="post" action="${v.prefix}release" class="inline"><input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${`${v.prefix}?released=1`}"><button type="submit">${label}</button></form>`;
  if (v.ended) {
    return html`<section class="card" id="impersonation" aria-labelledby="imp-h" role="status">
<h2 id="imp-h">Your impersonation of ${person(imp.target)} has ended</h2>
<p>${messageFor(v.ended, v.minReasonLength)} Requests are made as yourself again.</p>
${stop(html`Dismiss`)}
</section>`;
  }
  return html`<section class="card acting" id="impersonation" aria-labelledby="imp-h">
<h2 id="imp-h">You are acting as ${person(imp.target)}</h2>
<dl class="facts">
<dt>Reason</dt><dd>${imp.reason}</dd>
<dt>Mode</dt><dd>${imp.mode === 'full' ? 'full access' : 'read-only (changes are blocked)'}</dd>
<dt>Started</dt><dd>${timeEl(imp.startedAt, v.now)}</dd>
<dt>Ends</dt><dd>${timeEl(imp.expiresAt, v.now)}</dd>
</dl>
<p class="actions">${stop(html`Stop acting as <span class="mono">${imp.target.user}</span>`)} <a href="${v.rd}">Back to the app</a></p>
</section>`;
}
