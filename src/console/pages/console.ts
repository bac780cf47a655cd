// The console page: header, notices, the user's own card and impersonation,
// then the act-as and auditor sections only for those allowed to see them.
// Returns the body and the one script (allowed by hash) for `sendPage`.
import { html, raw, type SafeHtml } from '../../html.ts';
import { CONSOLE_SCRIPT, CONSOLE_SCRIPT_HASH } from '../assets/console-script.ts';
import { renderActAs } from './act-as.ts';
import { renderAuditor } from './auditor.ts';
import { renderMe, renderMyImpersonation } from './me.ts';
import type { ConsoleView, Notice } from './view.ts';

export interface RenderedPage {
  title: string;
  body: SafeHtml;
  tail: SafeHtml;
  scriptHashes: string[];
}

function notice(n: Notice): SafeHtml {
  return n.kind === 'error'
    ? html`<div class="card notice error-notice" role="alert"><p>${n.text}</p></div>`
    : html`<div class="card notice ok-notice" role="status"><p>${n.text}</p></div>`;
}

/** Renders the whole console for one view. */
export function renderConsole(v: ConsoleView): RenderedPage {
  const acting = v.impersonation && !v.ended;
  const body = html`<header class="top"><span class="brand">actas</span>
<nav aria-label="actas"><a href="${v.rd}">Back to the app</a></nav></header>
<main id="main">
<h1>Console</h1>
${v.notices.map(notice)}
${renderMyImpersonation(v)}
${renderMe(v)}
${v.actAs ? renderActAs(v, v.actAs) : ''}
${v.auditor ? renderAuditor(v, v.auditor) : ''}
</main>`;
  return {
    title: acting ? `Console [as ${v.impersonation!.target.user}]` : 'Console',
    body,
    tail: v.actAs ? html`<script>${raw(CONSOLE_SCRIPT)}</script>` : html``,
    scriptHashes: v.actAs ? [CONSOLE_SCRIPT_HASH] : [],
  };
}
