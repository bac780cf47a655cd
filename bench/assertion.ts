// What the identity assertion costs per proxied request, for each algorithm:
// signing every time (a new session per call) versus reusing the cached token
// (one session). Bounded: at most MAX_OPS calls or MAX_MS per measurement.
// Run: node bench/assertion.ts
import { createAssertionSigner, type AssertionSigner } from '../src/headers/assertion.ts';
import { resolveConfig } from '../src/config/load.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { EffectiveIdentity } from '../src/identity/types.ts';

const MAX_OPS = 20_000;
const MAX_MS = 1_500;
const WARMUP = 50;

const identity: EffectiveIdentity = {
  user: { sub: 'sub-alice', user: 'alice', email: 'alice@example.org', name: 'Alice', groups: ['staff', 'wiki-editors'] },
};

async function signer(alg: 'ES256' | 'RS256' | 'EdDSA', cacheSize: number): Promise<AssertionSigner> {
  const config = resolveConfig({
    publicUrl: 'http://127.0.0.1:8080',
    oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'actas' },
    session: { secret: 'bench-session-secret-0123456789abcdef' },
    upstreams: [{ name: 'wiki', url: 'http://127.0.0.1:8081' }],
    identity: { assertion: { alg, cacheSize } },
  }, { env: {} });
  const s = await createAssertionSigner(config, createLogger('silent'), { allowEphemeral: true });
  if (!s) throw new Error('assertion disabled');
  return s;
}

/** Calls `op(i)` sequentially until MAX_OPS calls or MAX_MS have passed; returns [ops, ms]. */
async function measure(op: (i: number) => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < WARMUP; i++) await op(-1 - i);
  const start = performance.now();
  let n = 0;
  while (n < MAX_OPS && performance.now() - start < MAX_MS) await op(n++);
  return [n, performance.now() - start];
}

const rows: string[][] = [['alg', 'mode', 'ops', 'ops/s', 'µs/op']];
for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
  const fresh = await signer(alg, 0);
  const cached = await signer(alg, 10_000);
  const cases: Array<[string, (i: number) => Promise<unknown>]> = [
    ['sign every request', (i) => fresh.sign(identity, 'wiki', `session-${i}`)],
    ['reuse (same session)', () => cached.sign(identity, 'wiki', 'session-1')],
  ];
  for (const [mode, op] of cases) {
    const [ops, ms] = await measure(op);
    rows.push([alg, mode, String(ops), (ops / (ms / 1000)).toFixed(0), ((ms * 1000) / ops).toFixed(1)]);
  }
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const row of rows) console.log(row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
