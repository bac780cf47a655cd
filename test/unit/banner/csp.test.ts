// CSP rewriting: the banner's hashes land in the directive that governs each
// inline element, nothing is weakened ('unsafe-inline' and hosts never added),
// and a page that relies on bare 'unsafe-inline' keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowsAllInline, policyListAllowsStyleAttr, rewritePolicyList } from '../../../src/banner/csp.ts';
import { rewriteMetaCsp } from '../../../src/banner/meta-csp.ts';
import { BANNER_HASHES } from '../../../src/banner/render.ts';

const H = { style: "'sha256-STYLE='", script: "'sha256-SCRIPT='" };
const rw = (policy: string): string => rewritePolicyList(policy, H);

/** The directives of a serialized policy as name → source list. */
function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/).filter(Boolean);
    if (name && !map.has(name)) map.set(name.toLowerCase(), values);
  }
  return map;
}

/** Every token the rewrite added must be one of the two hashes. */
function assertOnlyHashesAdded(before: string, after: string): void {
  const old = new Set(before.split(/[\s;,]+/));
  for (const token of after.split(/[\s;,]+/)) {
    if (old.has(token)) continue;
    assert.ok([H.style, H.script, 'style-src', 'script-src'].includes(token), `unexpected new token ${token}`);
  }
}

test('nonce policies get the hashes next to the nonce', () => {
  const before = "default-src 'self'; script-src 'nonce-r4nd0m'; style-src 'nonce-r4nd0m'";
  const after = directives(rw(before));
  assert.deepEqual(after.get('script-src'), ["'nonce-r4nd0m'", H.script]);
  assert.deepEqual(after.get('style-src'), ["'nonce-r4nd0m'", H.style]);
  assert.deepEqual(after.get('default-src'), ["'self'"]);
  assertOnlyHashesAdded(before, rw(before));
});

test('hash policies get one more hash', () => {
  const after = directives(rw("script-src 'self' 'sha256-abc='; style-src 'sha384-def='"));
  assert.deepEqual(after.get('script-src'), ["'self'", "'sha256-abc='", H.script]);
  assert.deepEqual(after.get('style-src'), ["'sha384-def='", H.style]);
});

test("bare 'unsafe-inline' is left alone: a hash would switch it off for the page", () => {
  const policy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'UNSAFE-INLINE'";
  assert.equal(rw(policy), policy);
  assert.equal(rw("default-src 'self' 'unsafe-inline'"), "default-src 'self' 'unsafe-inline'");
});

test("'unsafe-inline' next to a nonce is already ignored, so the hash is added", () => {
  const after = directives(rw("script-src 'unsafe-inline' 'nonce-x'; style-src 'unsafe-inline' 'sha256-y='"));
  assert.ok(after.get('script-src')!.includes(H.script));
  assert.ok(after.get('style-src')!.includes(H.style));
});

test("default-src 'none' gets new style-src and script-src holding only the hashes", () => {
  const before = "default-src 'none'; img-src 'self'";
  const after = directives(rw(before));
  assert.deepEqual(after.get('default-src'), ["'none'"]);
  assert.deepEqual(after.get('style-src'), [H.style]);
  assert.deepEqual(after.get('script-src'), [H.script]);
  assert.deepEqual(after.get('img-src'), ["'self'"]);
  assertOnlyHashesAdded(before, rw(before));
});

test('a default-src with sources is copied into the new directives, plus the hash', () => {
  const after = directives(rw("default-src 'self' https://cdn.example 'nonce-n'"));
  assert.deepEqual(after.get('style-src'), ["'self'", 'https://cdn.example', "'nonce-n'", H.style]);
  assert.deepEqual(after.get('script-src'), ["'self'", 'https://cdn.example', "'nonce-n'", H.script]);
});

test("'none' in a specific directive is replaced by the hash", () => {
  const after = directives(rw("script-src 'none'; style-src 'none'"));
  assert.deepEqual(after.get('script-src'), [H.script]);
  assert.deepEqual(after.get('style-src'), [H.style]);
});

test("strict-dynamic: the hash is added (and 'unsafe-inline' there does not count)", () => {
  const before = "script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'";
  const after = directives(rw(before));
  assert.deepEqual(after.get('script-src'), ["'nonce-abc'", "'strict-dynamic'", 'https:', "'unsafe-inline'", H.script]);
  assert.deepEqual(after.get('object-src'), ["'none'"]);
  const noNonce = directives(rw("script-src 'strict-dynamic' 'unsafe-inline'"));
  assert.ok(noNonce.get('script-src')!.includes(H.script));
  assertOnlyHashesAdded(before, rw(before));
});

test('-elem directives get the hash, and CSP2 browsers are covered by style-src/script-src', () => {
  const both = directives(rw("style-src-elem 'self'; style-src 'self'; script-src-elem 'nonce-a'; script-src 'nonce-a'"));
  assert.deepEqual(both.get('style-src-elem'), ["'self'", H.style]);
  assert.deepEqual(both.get('style-src'), ["'self'", H.style]);
  assert.deepEqual(both.get('script-src-elem'), ["'nonce-a'", H.script]);
  assert.deepEqual(both.get('script-src'), ["'nonce-a'", H.script]);
  const elemOnly = directives(rw("default-src 'self'; style-src-elem 'self'"));
  assert.deepEqual(elemOnly.get('style-src-elem'), ["'self'", H.style]);
  assert.deepEqual(elemOnly.get('style-src'), ["'self'", H.style]);
  // The -elem directive decides for CSP3 browsers even when style-src relies on 'unsafe-inline'.
  const mixed = directives(rw("style-src-elem 'nonce-q'; style-src 'unsafe-inline'"));
  assert.deepEqual(mixed.get('style-src-elem'), ["'nonce-q'", H.style]);
  assert.deepEqual(mixed.get('style-src'), ["'unsafe-inline'"]);
});

test('several comma-joined policies are each adjusted; an unaffected one is kept byte for byte', () => {
  const first = "img-src 'self';  report-uri /csp";
  const value = `${first}, script-src 'nonce-z', style-src 'self'`;
  const parts = rw(value).split(',');
  assert.equal(parts.length, 3);
  assert.equal(parts[0], first);
  assert.deepEqual(directives(parts[1]!).get('script-src'), ["'nonce-z'", H.script]);
  assert.deepEqual(directives(parts[2]!).get('style-src'), ["'self'", H.style]);
});

test('only the first of duplicated directives counts, and is the one changed', () => {
  const after = rw("script-src 'nonce-a'; script-src 'unsafe-inline'");
  assert.equal(after, `script-src 'nonce-a' ${H.script}; script-src 'unsafe-inline'`);
});

test('policies without script or style rules, trusted types and sandbox are untouched', () => {
  for (const policy of ["img-src 'self'", "require-trusted-types-for 'script'; trusted-types default", 'sandbox allow-forms', "frame-ancestors 'none'"]) {
    assert.equal(rw(policy), policy);
  }
});

test('a hash already present is not added twice', () => {
  const once = rw("script-src 'nonce-a'");
  assert.equal(rw(once), once);
});

test('allowsAllInline follows CSP3: a nonce, a hash or strict-dynamic switch unsafe-inline off', () => {
  assert.equal(allowsAllInline(["'unsafe-inline'"], 'style'), true);
  assert.equal(allowsAllInline(["'unsafe-inline'", "'nonce-x'"], 'style'), false);
  assert.equal(allowsAllInline(["'unsafe-inline'", "'strict-dynamic'"], 'script'), false);
  assert.equal(allowsAllInline(["'unsafe-inline'", "'strict-dynamic'"], 'style'), true);
  assert.equal(allowsAllInline(["'self'"], 'script'), false);
});

test('style attributes are allowed only when no policy would refuse them', () => {
  assert.equal(policyListAllowsStyleAttr("img-src 'self'"), true);
  assert.equal(policyListAllowsStyleAttr("style-src 'self' 'unsafe-inline'"), true);
  assert.equal(policyListAllowsStyleAttr("style-src 'nonce-a'"), false);
  assert.equal(policyListAllowsStyleAttr("default-src 'none'"), false);
  assert.equal(policyListAllowsStyleAttr("style-src 'nonce-a'; style-src-attr 'unsafe-inline'"), true);
  assert.equal(policyListAllowsStyleAttr("img-src *, style-src 'self'"), false);
});

test('a CSP meta tag gets the hashes in its content attribute; other bytes stay', () => {
  const tag = Buffer.from(`<META Http-Equiv="content-security-policy" data-x='a>b' content="script-src &#39;self&#39;" >`);
  const seen: string[] = [];
  const out = rewriteMetaCsp(tag, rw, (p) => seen.push(p)).toString('latin1');
  assert.deepEqual(seen, ["script-src 'self'"]);
  assert.equal(out, `<META Http-Equiv="content-security-policy" data-x='a>b' content="script-src &#39;self&#39; &#39;sha256-SCRIPT=&#39;" >`);
  const unquoted = rewriteMetaCsp(Buffer.from('<meta http-equiv=Content-Security-Policy content=default-src>'), rw).toString();
  assert.equal(unquoted, `<meta http-equiv=Content-Security-Policy content="default-src; style-src &#39;sha256-STYLE=&#39;; script-src &#39;sha256-SCRIPT=&#39;">`);
  const other = Buffer.from('<meta name="viewport" content="width=device-width">');
  assert.equal(rewriteMetaCsp(other, rw), other);
});

test('the real hashes are sha256 sources', () => {
  assert.match(BANNER_HASHES.style, /^'sha256-[A-Za-z0-9+/]{43}='$/);
  assert.match(BANNER_HASHES.script, /^'sha256-[A-Za-z0-9+/]{43}='$/);
});
