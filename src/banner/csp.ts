// CSP adjustment for the banner: allow exactly actas's own inline <style> and
// <script> by hash in the directive that governs each; never add 'unsafe-inline'
// or a host, and leave alone a directive that relies on bare 'unsafe-inline'
// (a hash would switch it off for the page; the banner passes there anyway).

/** The hash sources of actas's inline content, e.g. `'sha256-…'` (quotes included). */
export interface InlineHashes {
  style: string;
  script: string;
}

type Kind = 'style' | 'script';

interface Directive {
  name: string;          // lower-cased
  values: string[];      // source expressions as written
}

// Where an inline element of each kind looks for its rules. CSP3 browsers use
// the first present directive of `csp3`; CSP2-era browsers do not know the
// `-elem` directives and use the first present of `csp2`.
const CHAINS: Record<Kind, { csp3: string[]; csp2: string[]; base: string }> = {
  style: { csp3: ['style-src-elem', 'style-src', 'default-src'], csp2: ['style-src', 'default-src'], base: 'style-src' },
  script: { csp3: ['script-src-elem', 'script-src', 'default-src'], csp2: ['script-src', 'default-src'], base: 'script-src' },
};

const isNonceOrHash = (v: string): boolean => /^'(nonce-|sha256-|sha384-|sha512-)/i.test(v);
const hasKeyword = (values: string[], keyword: string): boolean =>
  values.some((v) => v.toLowerCase() === keyword);

/**
 * True when a source list lets every inline element of `kind` run without a
 * nonce or hash ('unsafe-inline' with no nonce/hash, and for scripts no
 * 'strict-dynamic', which switches 'unsafe-inline' off).
 */
export function allowsAllInline(values: string[], kind: Kind): boolean {
  if (!hasKeyword(values, "'unsafe-inline'")) return false;
  if (values.some(isNonceOrHash)) return false;
  return !(kind === 'script' && hasKeyword(values, "'strict-dynamic'"));
}

/** Parses one serialized policy; the first occurrence of a directive wins, as in browsers. */
function parsePolicy(text: string): Directive[] {
  const out: Directive[] = [];
  for (const part of text.split(';')) {
    const tokens = part.trim().split(/[\t\n\f\r ]+/).filter(Boolean);
    if (tokens.length === 0) continue;
    out.push({ name: tokens[0]!.toLowerCase(), values: tokens.slice(1) });
  }
  return out;
}

const find = (dirs: Directive[], name: string): Directive | undefined => dirs.find((d) => d.name === name);

/** Adds `hash` to one directive if it needs it; returns whether it changed. */
function addHash(dir: Directive, hash: string, kind: Kind): boolean {
  if (hasKeyword(dir.values, "'none'")) {
    // 'none' only counts when alone; the page allowed nothing of this kind, now only ours.
    dir.values = [...dir.values.filter((v) => v.toLowerCase() !== "'none'"), hash];
    return true;
  }
  if (allowsAllInline(dir.values, kind)) return false;
  if (dir.values.includes(hash)) return false;
  dir.values.push(hash);
  return true;
}

/** Makes `hash` allowed for an inline element of `kind` under one parsed policy. */
function allowInline(dirs: Directive[], hash: string, kind: Kind): boolean {
  const chain = CHAINS[kind];
  const first = (names: string[]): Directive | undefined =>
    names.map((n) => find(dirs, n)).find((d) => d !== undefined);
  const governing = new Set([first(chain.csp3), first(chain.csp2)].filter((d) => d !== undefined));
  let changed = false;
  for (const dir of governing) {
    if (dir.name !== 'default-src') {
      changed = addHash(dir, hash, kind) || changed;
      continue;
    }
    // Only default-src governs: a new `style-src`/`script-src` with default-src's own
    // sources plus the hash changes nothing else, because those directives would
    // otherwise fall back to exactly default-src.
    if (allowsAllInline(dir.values, kind)) continue;
    const created: Directive = { name: chain.base, values: dir.values.filter((v) => v.toLowerCase() !== "'none'") };
    created.values.push(hash);
    dirs.push(created);
    changed = true;
  }
  return changed;
}

/**
 * Rewrites one Content-Security-Policy (or -Report-Only) header value, which
 * may hold several comma-joined policies, so actas's inline style and script
 * are allowed by hash. Policies that need no change are returned byte for byte.
 */
export function rewritePolicyList(value: string, hashes: InlineHashes): string {
  return value.split(',').map((policy) => {
    const dirs = parsePolicy(policy);
    const styled = allowInline(dirs, hashes.style, 'style');
    const scripted = allowInline(dirs, hashes.script, 'script');
    if (!styled && !scripted) return policy;
    const serialized = dirs.map((d) => [d.name, ...d.values].join(' ')).join('; ');
    // Keep the separator spacing of comma-joined lists readable.
    return policy.startsWith(' ') ? ` ${serialized}` : serialized;
  }).join(',');
}

/**
 * True when no policy in the list would refuse an inline `style="…"`
 * attribute (style-src-attr, else style-src, else default-src).
 */
export function policyListAllowsStyleAttr(value: string): boolean {
  return value.split(',').every((policy) => {
    const dirs = parsePolicy(policy);
    const governing = ['style-src-attr', 'style-src', 'default-src'].map((n) => find(dirs, n)).find((d) => d !== undefined);
    return governing === undefined || allowsAllInline(governing.values, 'style');
  });
}
