// Shared pieces for the assertion tests: a valid config around given key
// files, identities, a capturing logger, temporary directories and a real
// JWKS server on 127.0.0.1:0 whose key set a test can swap.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { JWK } from 'jose';
import { resolveConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/ops/logger.ts';
import { jwksHandler } from '../../src/headers/jwks.ts';
import type { EffectiveIdentity, UserIdentity } from '../../src/identity/types.ts';

export const SESSION_SECRET = 'test-session-secret-0123456789abcdef';

/** A resolved config whose assertion section is `assertion`, with `publicUrl` as given. */
export function assertionConfig(publicUrl: string, assertion: Record<string, unknown> = {}): Config {
  return resolveConfig({
    publicUrl,
    oidc: { issuer: 'http://127.0.0.1:9', clientId: 'actas' },
    session: { secret: SESSION_SECRET },
    upstreams: [{ name: 'wiki', url: 'http://127.0.0.1:9' }],
    identity: { assertion },
  }, { env: {} });
}

/** A logger that keeps every line it writes, parsed. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

export const alice: UserIdentity = { sub: 'sub-alice', user: 'alice', email: 'alice@example.org', name: 'Alice Liddell', groups: ['staff', 'wiki-editors'] };
export const olga: UserIdentity = { sub: 'sub-olga', user: 'olga', email: 'olga@example.org', name: 'Olga Operator', groups: ['admins'] };

/** Olga acting as alice, read-only, until `expiresAt` (epoch ms). */
export function olgaAsAlice(expiresAt: number, reason = 'ticket 4711: page renders blank'): EffectiveIdentity {
  return {
    user: alice,
    actor: olga,
    impersonation: { id: 'imp-1', target: alice, reason, mode: 'read-only', rule: 'support', startedAt: expiresAt - 600_000, expiresAt },
  };
}

/** A fresh temporary directory removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'actas-assertion-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface JwksServer {
  origin: string;
  jwksUrl: string;
  /** The set served; assign a new object to publish other keys. */
  holder: { jwks: { keys: JWK[] } };
  /** How many times the set was requested. */
  fetches: () => number;
  server: Server;
}

/** Serves `holder.jwks` through jwksHandler at /.well-known/actas/jwks.json on 127.0.0.1:0. */
export async function startJwksServer(t: TestContext): Promise<JwksServer> {
  const holder = { jwks: { keys: [] as JWK[] } };
  const handle = jwksHandler(holder);
  let count = 0;
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/actas/jwks.json' || req.url === '/.actas/jwks.json') {
      count++;
      handle(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, jwksUrl: `${origin}/.well-known/actas/jwks.json`, holder, fetches: () => count, server };
}
