// The "act as" section: a directory search that works as a plain GET form,
// each result with the policy's verdict in plain words, and for allowed ones
// a Start form (reason, a duration capped by the rule, CSRF). A <template>
// holds the same result markup for the search-as-you-type script to clone.
import { html, type SafeHtml } from '../../html.ts';
import type { Decision } from '../../impersonation/types.ts';
import { messageFor } from './messages.ts';
import type { ActAsView, ConsoleView, ResultView } from './view.ts';

/** The durations offered, in minutes; each list is capped by the decision's maximum. */
export const DURATION_STEPS = [5, 15, 30, 60, 120, 240, 480] as const;
const DEFAULT_MINUTES = 15;
export const REASON_MAX_LENGTH = 500;

/** Minutes to offer for a rule maximum of `maxMs`: the steps below it, and the maximum itself. */
export function durationChoices(maxMs: number): number[] {
  const max = Math.floor(maxMs / 60_000);
  if (max < 1) return [];
  const steps: number[] = DURATION_STEPS.filter((m) => m <= max);
  if (steps.at(-1) !== max) steps.push(max);
  return steps;
}

/** "30 min", "2 h", "1 h 30 min". */
export function minutesLabel(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** The verdict line of a decision, in plain words. */
export function verdictText(d: Decision, minReasonLength: number): string {
  if (d.allow) {
    const mode = d.mode === 'full' ? 'full access' : 'read-only';
    return `Allowed: ${mode}, up to ${minutesLabel(Math.floor(d.maxDuration / 60_000))}${d.rule ? ` (rule ${d.rule})` : ''}.`;
  }
  const reasons = d.reasons.length ? d.reasons : ['not-allowed'];
  return `Not allowed: ${[...new Set(reasons.map((r) => messageFor(r, minReasonLength)))].join(' ')}`;
}

function durationOptions(maxMs: number): SafeHtml {
  const choices = durationChoices(maxMs);
  const selected = choices.includes(DEFAULT_MINUTES) ? DEFAULT_MINUTES : choices.at(-1);
  return html`${choices.map((m) => html`<option value="${m}"${m === selected ? html` selected` : ''}>${minutesLabel(m)}</option>`)}`;
}

interface FormParts {
  prefix: string;
  csrf: string;
  rd: string;
  minReasonLength: number;
}

/** The Start form of one allowed result; `key` keeps the label/input ids unique. */
function startForm(v: FormParts, key: string, target: string, user: string, maxMs: number, focus: boolean): SafeHtml {
  return html`<form method="post" action="${v.prefix}impersonate" class="start">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${v.rd}"><input type="hidden" name="target" value="${target}">
<div class="row"><div class="wide"><label for="reason-${key}">Reason <span class="muted">(at least ${v.minReasonLength} characters)</span></label>
<input id="reason-${key}" name="reason" required maxlength="${REASON_MAX_LENGTH}" autocomplete="off" placeholder="e.g. ticket 1234: reproduce the report"${focus ? html` autofocus` : ''}></div>
<div><label for="duration-${key}">Duration</label><select id="duration-${key}" name="duration">${durationOptions(maxMs)}</select></div>
<div class="shrink"><button type="submit">Start acting as <span class="r-target">${user}</span></button></div></div>
</form>`;
}

function resultItem(v: ConsoleView, r: ResultView, index: number): SafeHtml {
  const { entry, decision } = r;
  const allowed = decision.allow && durationChoices(decision.maxDuration).length > 0;
  return html`<li class="result" data-sub="${entry.sub}">
<p class="who"><strong class="r-name">${entry.name ?? entry.user}</strong> <span class="mono r-user">${entry.user}</span> <span class="muted r-email">${entry.email ?? ''}</span></p>
<p class="r-verdict ${allowed ? 'ok' : 'error'}">${verdictText(decision, v.minReasonLength)}</p>
${allowed ? startForm(v, String(index), entry.sub, entry.user, decision.maxDuration, r.focus === true) : ''}
</li>`;
}

/** The result markup the script clones: same structure, placeholder values, no user data. */
function resultTemplate(v: ConsoleView): SafeHtml {
  return html`<template id="result-template"><li class="result" data-sub="">
<p class="who"><strong class="r-name"></strong> <span class="mono r-user"></span> <span class="muted r-email"></span></p>
<p class="r-verdict"></p>
${startForm(v, 'T', '', '', 0, false)}
</li></template>`;
}

function statusText(a: ActAsView): string {
  if (!a.searched) return 'Type a username, email or name to search.';
  if (a.results.length === 0) return `No user matches \u201c${a.q}\u201d.`;
  return a.results.length === 1 ? '1 user found.' : `${a.results.length} users found.`;
}

/** The whole act-as section (only rendered for users who may impersonate someone). */
export function renderActAs(v: ConsoleView, a: ActAsView): SafeHtml {
  return html`<section class="card" id="act-as" aria-labelledby="act-as-h">
<h2 id="act-as-h">Act as someone</h2>
<form method="get" action="${v.prefix}" role="search" class="row" id="search-form">
<input type="hidden" name="rd" value="${v.rd}">
<div class="wide"><label for="q">Find a user</label><input id="q" name="q" type="search" value="${a.q}" maxlength="100" autocomplete="off" spellcheck="false" aria-describedby="q-hint" aria-controls="results"></div>
<div class="shrink"><button type="submit" class="secondary">Search</button></div>
</form>
<p id="q-hint" class="muted">Search by username, email or name. Each result says whether policy lets you act as that user, and why not.</p>
<p id="results-status" role="status" aria-live="polite">${statusText(a)}</p>
<ol id="results" class="results" data-prefix="${v.prefix}" data-min="${v.minReasonLength}">${a.results.map((r, i) => resultItem(v, r, i))}</ol>
${resultTemplate(v)}
</section>`;
}
