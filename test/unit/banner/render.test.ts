// The banner markup: the CSP hashes describe exactly the inline style and
// script that are rendered, the output is ASCII whatever the names, values
// are escaped and cleaned, and the countdown starts from the right value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BANNER_HASHES, BANNER_SCRIPT, BANNER_STYLE, formatRemaining, renderBanner, renderTitlePrefix } from '../../../src/banner/render.ts';
import type { BannerContext } from '../../../src/banner/context.ts';

const ctx: BannerContext = {
  target: { user: 'zoë', name: 'Zoë 山田 😀' },
  actor: { user: 'bob' },
  reason: 'line one\nline two\u202e reversed',
  mode: 'full',
  expiresAt: 1_900_000_000_000,
  csrfToken: 'tok',
  releaseUrl: '/.actas/release',
  returnTo: '/a?b=c&d=e',
  consoleUrl: '/.actas/',
};
const hashOf = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

test('the hashes match the inline style and script exactly as rendered', () => {
  const out = renderBanner(ctx, { now: ctx.expiresAt - 60_000, styleAttr: false });
  const style = /<style>([\s\S]*?)<\/style>/.exec(out)![1]!;
  const script = /<script>([\s\S]*?)<\/script>/.exec(out)![1]!;
  assert.equal(style, BANNER_STYLE);
  assert.equal(script, BANNER_SCRIPT);
  assert.equal(hashOf(style), BANNER_HASHES.style);
  assert.equal(hashOf(script), BANNER_HASHES.script);
});

test('the markup is pure ASCII; names become character references', () => {
  const out = renderBanner(ctx, { now: ctx.expiresAt - 60_000, styleAttr: true });
  assert.match(out, /^[\x20-\x7e]*$/);
  assert.ok(out.includes('Zo&#xeb; &#x5c71;&#x7530; &#x1f600;'));
  assert.equal(renderTitlePrefix(ctx), '[as zo&#xeb;] ');
});

test('values are cleaned: newlines become spaces, bidi overrides vanish, the reason is capped', () => {
  const out = renderBanner({ ...ctx, reason: `${'x'.repeat(500)}` }, { now: 0, styleAttr: false });
  assert.ok(out.includes(`${'x'.repeat(199)}&#x2026;</bdi>`));
  const clean = renderBanner(ctx, { now: 0, styleAttr: false });
  assert.ok(clean.includes('Reason: <bdi>line one line two reversed</bdi>'));
});

test('the shadow root, the Stop form and the console link are there', () => {
  const out = renderBanner(ctx, { now: ctx.expiresAt - 60_000, styleAttr: false });
  assert.ok(out.startsWith('<actas-banner><template shadowrootmode="open"><style>'));
  assert.ok(out.endsWith('</script></actas-banner>'));
  assert.ok(out.includes('<form method="post" action="/.actas/release" target="_self"><input type="hidden" name="csrf" value="tok"><input type="hidden" name="rd" value="/a?b=c&amp;d=e">'));
  assert.ok(out.includes('<button type="submit">Stop acting as <bdi>zo&#xeb;</bdi></button>'));
  assert.ok(out.includes('<a href="/.actas/" target="_self">actas console</a>'));
  assert.ok(out.includes('full access'));
  assert.ok(out.includes(`data-expires="${ctx.expiresAt}" data-now="${ctx.expiresAt - 60_000}">1:00</time>`));
});

test('the remaining time reads like the countdown script writes it', () => {
  assert.equal(formatRemaining(0), 'expired');
  assert.equal(formatRemaining(-5000), 'expired');
  assert.equal(formatRemaining(1), '0:01');
  assert.equal(formatRemaining(59_000), '0:59');
  assert.equal(formatRemaining(30 * 60_000), '30:00');
  assert.equal(formatRemaining(3_600_000 + 5 * 60_000 + 7000), '1:05:07');
});
