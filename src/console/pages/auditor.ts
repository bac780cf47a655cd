// The auditor's view: every active impersonation across replicas with a
// Revoke button, and recent audit events filtered by type, actor, target and
// time, each impersonation linking to the requests made under it.
import { html, type SafeHtml } from '../../html.ts';
import type { ActiveImpersonation } from '../../impersonation/types.ts';
import { EVENT_TYPES, toLocalInput } from './filters.ts';
import { timeEl } from './time.ts';
import type { AuditorView, ConsoleView } from './view.ts';

type Person = Pick<ActiveImpersonation['actor'], 'user' | 'name' | 'email'>;

function person(p: Person): SafeHtml {
  return html`<span class="mono">${p.user}</span>${p.name && p.name !== p.user ? html`<br><span class="muted">${p.name}</span>` : ''}`;
}

/** Link to the events of one impersonation. */
export function eventsHref(prefix: string, id: string, rd: string): string {
  const q = new URLSearchParams({ impersonation: id });
  if (rd !== '/') q.set('rd', rd);
  return `${prefix}?${q}#events`;
}

function activeRow(v: ConsoleView, a: ActiveImpersonation): SafeHtml {
  return html`<tr data-id="${a.id}">
<td>${person(a.actor)}</td><td>${person(a.target)}</td><td class="reason">${a.reason}</td>
<td>${a.mode === 'full' ? 'full' : 'read-only'}</td><td class="hide-narrow">${timeEl(a.startedAt, v.now)}</td><td>${timeEl(a.expiresAt, v.now)}</td>
<td class="actions"><a href="${eventsHref(v.prefix, a.id, v.rd)}">Requests</a>
<form method="post" action="${v.prefix}sessions/${encodeURIComponent(a.id)}/revoke" class="inline"><input type="hidden" name="csrf" value="${v.csrf}"><button type="submit" class="danger" aria-label="${`Revoke ${a.actor.user} acting as ${a.target.user}`}">Revoke</button></form></td>
</tr>`;
}

function renderActive(v: ConsoleView, list: ActiveImpersonation[]): SafeHtml {
  return html`<section class="card" id="active" aria-labelledby="active-h">
<h2 id="active-h">Active impersonations</h2>
${list.length === 0 ? html`<p class="muted">Nobody is acting as anyone right now.</p>` : html`<div class="scroll"><table>
<caption class="muted">On every replica, newest first. Revoking ends it at the operator\u2019s next request.</caption>
<thead><tr><th scope="col">Operator</th><th scope="col">Acting as</th><th scope="col">Reason</th><th scope="col">Mode</th><th scope="col" class="hide-narrow">Started</th><th scope="col">Expires</th><th scope="col">Actions</th></tr></thead>
<tbody>${list.map((a) => activeRow(v, a))}</tbody></table></div>`}
</section>`;
}

const str = (x: unknown): string | undefined => (typeof x === 'string' || typeof x === 'number' ? String(x) : undefined);

function party(x: unknown): SafeHtml | string {
  if (!x || typeof x !== 'object') return '';
  const p = x as Record<string, unknown>;
  return html`<span class="mono">${str(p.user) ?? str(p.email) ?? str(p.sub) ?? ''}</span>`;
}

function details(e: Record<string, unknown>): SafeHtml {
  const method = str(e.method);
  const reasons = Array.isArray(e.reasons) ? e.reasons.map(String) : [];
  return html`${method ? html`<span class="mono">${method} ${str(e.path) ?? ''}</span>${e.status !== undefined ? html` \u2192 ${str(e.status)}` : ''}` : ''}
${str(e.reason) ? html`<div>Reason: ${str(e.reason)}</div>` : ''}${str(e.mode) ? html`<div class="muted">${str(e.mode)}</div>` : ''}
${reasons.length ? html`<div class="muted">${reasons.map((r) => html`<code>${r}</code> `)}</div>` : ''}`;
}

function eventRow(v: ConsoleView, e: Record<string, unknown>): SafeHtml {
  const impId = str(e.impersonationId);
  return html`<tr>
<td>${timeEl(str(e.time))}</td><td><code>${str(e.type) ?? ''}</code></td><td class="hide-narrow">${str(e.outcome) ?? ''}</td>
<td>${party(e.actor)}</td><td>${party(e.subject)}</td><td>${details(e)}</td>
<td>${impId ? html`<a href="${eventsHref(v.prefix, impId, v.rd)}" title="${impId}">${impId.slice(0, 8)}</a>` : ''}</td>
</tr>`;
}

function filterForm(v: ConsoleView, a: AuditorView): SafeHtml {
  const f = a.filter;
  return html`<form method="get" action="${v.prefix}#events" class="row filters" aria-label="Filter audit events">
<input type="hidden" name="rd" value="${v.rd}">
${f.impersonationId ? html`<input type="hidden" name="impersonation" value="${f.impersonationId}">` : ''}
<div><label for="f-type">Type</label><select id="f-type" name="type"><option value="">any</option>${EVENT_TYPES.map((t) => html`<option${t === f.type ? html` selected` : ''}>${t}</option>`)}</select></div>
<div><label for="f-actor">Operator</label><input id="f-actor" name="actor" value="${f.actor ?? ''}" maxlength="200" autocomplete="off" placeholder="user, email or sub"></div>
<div><label for="f-subject">Target</label><input id="f-subject" name="subject" value="${f.subject ?? ''}" maxlength="200" autocomplete="off" placeholder="user, email or sub"></div>
<div><label for="f-since">Since (UTC)</label><input id="f-since" name="since" type="datetime-local" step="1" value="${toLocalInput(f.since)}"></div>
<div><label for="f-until">Until (UTC)</label><input id="f-until" name="until" type="datetime-local" step="1" value="${toLocalInput(f.until)}"></div>
<div class="shrink"><button type="submit" class="secondary">Filter</button> <a href="${v.rd === '/' ? v.prefix : `${v.prefix}?rd=${encodeURIComponent(v.rd)}`}#events">Clear</a></div>
</form>`;
}

function renderEvents(v: ConsoleView, a: AuditorView): SafeHtml {
  const id = a.filter.impersonationId;
  return html`<section class="card" id="events" aria-labelledby="events-h">
<h2 id="events-h">Recent audit events</h2>
${id ? html`<p>Showing the events of impersonation <code>${id}</code>.</p>` : ''}
${a.eventsNote ? html`<p class="muted" role="status">${a.eventsNote}</p>` : ''}
${a.events ? html`${filterForm(v, a)}
${a.events.length === 0 ? html`<p class="muted">No event matches these filters.</p>` : html`<div class="scroll"><table>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Type</th><th scope="col" class="hide-narrow">Outcome</th><th scope="col">Operator</th><th scope="col">Subject</th><th scope="col">Details</th><th scope="col">Impersonation</th></tr></thead>
<tbody>${a.events.map((e) => eventRow(v, e))}</tbody></table></div>`}` : ''}
</section>`;
}

/** The auditor sections (only rendered for auditors). */
export function renderAuditor(v: ConsoleView, a: AuditorView): SafeHtml {
  return html`${renderActive(v, a.active)}${renderEvents(v, a)}`;
}
