// The banner's markup: a custom element host with a declarative shadow root,
// so page CSS cannot restyle it and its CSS cannot reach the page. Style and
// script are constants (their CSP hashes are computed once); every value is
// escaped, user values never enter the script, and the output is pure ASCII.
import { createHash } from 'node:crypto';
import { html, raw } from '../html.ts';
import { safeReturnTo, type BannerContext } from './context.ts';
import { asciiMarkup, cleanText } from './text.ts';

// `!important` inside the shadow root beats even `!important` page rules on the
// host (for important declarations the inner context wins the cascade).
export const BANNER_STYLE = [
  ':host{all:initial!important;display:block!important;position:relative!important;z-index:2147483647!important;',
  'float:none!important;inset:auto!important;margin:0!important;width:auto!important;min-width:0!important;max-width:none!important;',
  'height:auto!important;min-height:0!important;max-height:none!important;visibility:visible!important;opacity:1!important;',
  'transform:none!important;clip-path:none!important;filter:none!important;overflow:visible!important;',
  'grid-column:1/-1!important;pointer-events:auto!important}',
  'section{display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px;margin:0;padding:8px 14px;',
  'background:#9b0d1f;color:#fff;border-bottom:3px solid #ffd23f;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;text-align:start}',
  'p{margin:0}b{font-weight:700}bdi{unicode-bidi:isolate}',
  '.mode{padding:0 6px;border:1px solid #fff;border-radius:3px;font-size:12px;text-transform:uppercase;letter-spacing:.04em}',
  'time{font-variant-numeric:tabular-nums;font-weight:700}',
  'form{margin:0;display:inline}',
  'button{font:inherit;font-weight:700;color:#9b0d1f;background:#fff;border:2px solid #fff;border-radius:4px;padding:2px 12px;cursor:pointer}',
  'button:hover{background:#ffe3e7}',
  'a{color:#fff;text-decoration:underline}',
  'button:focus-visible,a:focus-visible{outline:3px solid #ffd23f;outline-offset:2px}',
].join('');

// Light-DOM child of the host, so document.currentScript works. It reads the
// remaining time from data attributes (server now vs. expiry, so a wrong client
// clock does not matter) and only ever sets textContent.
export const BANNER_SCRIPT = [
  '(function(s){var h=s&&s.parentNode,r=h&&h.shadowRoot,e=r&&r.querySelector("time[data-expires]");if(!e)return;',
  'var end=Date.now()+(+e.getAttribute("data-expires"))-(+e.getAttribute("data-now"));',
  'function p(n){return n<10?"0"+n:""+n}',
  'function t(){var s=Math.max(0,Math.ceil((end-Date.now())/1e3));',
  'e.textContent=s?(s>=3600?Math.floor(s/3600)+":"+p(Math.floor(s/60)%60):Math.floor(s/60))+":"+p(s%60):"expired";',
  'if(s)setTimeout(t,1e3)}t()})(document.currentScript)',
].join('');

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** CSP hash sources of the constant inline style and script. */
export const BANNER_HASHES = { style: sha256(BANNER_STYLE), script: sha256(BANNER_SCRIPT) } as const;

/** The tag name of the banner's host element. */
export const BANNER_TAG = 'actas-banner';

/** "29:59", "1:05:00" or "expired": the same format the countdown script uses. */
export function formatRemaining(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s === 0) return 'expired';
  const pad = (n: number): string => String(n).padStart(2, '0');
  const head = s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}` : String(Math.floor(s / 60));
  return `${head}:${pad(s % 60)}`;
}

function who(person: BannerContext['target']): ReturnType<typeof html> {
  const user = cleanText(person.user, 120);
  const name = cleanText(person.name, 120);
  return name && name !== user
    ? html`<b><bdi>${name}</bdi></b> (<bdi>${user}</bdi>)`
    : html`<b><bdi>${user}</bdi></b>`;
}

export interface RenderOptions {
  now: number;
  /** Add the belt-and-braces inline style on the host (only when no CSP would refuse it). */
  styleAttr: boolean;
}

/** The banner markup for one response, pure ASCII, ready to insert after `<body …>`. */
export function renderBanner(ctx: BannerContext, options: RenderOptions): string {
  const target = cleanText(ctx.target.user, 120);
  const hostStyle = options.styleAttr ? raw(' style="display:block!important;position:relative!important"') : '';
  const markup = [
    html`<${raw(BANNER_TAG)}${hostStyle}><template shadowrootmode="open"><style>${raw(BANNER_STYLE)}</style>`,
    html`<section role="region" aria-label="${`Acting as ${target}`}">`,
    html`<p>Acting as ${who(ctx.target)}</p><p>Operator ${who(ctx.actor)}</p>`,
    html`<p class="mode">${ctx.mode === 'full' ? 'full access' : 'read-only'}</p>`,
    html`<p>Reason: <bdi>${cleanText(ctx.reason, 200)}</bdi></p>`,
    html`<p>Ends in <time datetime="${new Date(ctx.expiresAt).toISOString()}" data-expires="${Math.trunc(ctx.expiresAt)}" data-now="${Math.trunc(options.now)}">${formatRemaining(ctx.expiresAt - options.now)}</time></p>`,
    html`<form method="post" action="${ctx.releaseUrl}" target="_self"><input type="hidden" name="csrf" value="${ctx.csrfToken}"><input type="hidden" name="rd" value="${safeReturnTo(ctx.returnTo)}">`,
    html`<button type="submit">Stop acting as <bdi>${target}</bdi></button></form>`,
    html`<a href="${ctx.consoleUrl}" target="_self">actas console</a></section></template>`,
    // Shown only by browsers without declarative shadow DOM (unslotted otherwise).
    html`<a href="${ctx.consoleUrl}">Acting as ${target}: stop in the actas console</a>`,
    html`<script>${raw(BANNER_SCRIPT)}</script></${raw(BANNER_TAG)}>`,
  ].join('');
  return asciiMarkup(markup);
}

/** The `[as alice] ` prefix for the page title (RCDATA: character references are decoded). */
export function renderTitlePrefix(ctx: BannerContext): string {
  return asciiMarkup(html`[as ${cleanText(ctx.target.user, 60)}] `.value);
}
