// A whole actas setup for integration tests, every part real and on port 0:
// the demo OpenID Provider, a recording upstream, and actas itself with a
// config in the shape of config/actas.example.yaml.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { resolveConfig } from '../../src/config/load.ts';
import type { Config, ConfigInput } from '../../src/config/schema.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createActas, type Actas } from '../../src/server.ts';
import { startDemoIdp, type DemoIdp, type DemoIdpOptions } from '../../src/demo/idp.ts';
import { startUpstream, type TestUpstream } from './upstream.ts';
import { TestClient } from './client.ts';

export const PASSWORDS: Record<string, string> = { admin: 'admin-demo', carol: 'carol-demo', alice: 'alice-demo', bob: 'bob-demo' };

export interface StackOptions {
  store?: 'memory' | 'redis';
  /** Changes to the config before validation. */
  configure?: (config: ConfigInput & Record<string, unknown>, ctx: { dir: string; upstream: TestUpstream }) => void;
  idp?: Partial<DemoIdpOptions>;
  /** Reuse an IdP / upstream / port (e.g. a second replica, or a restart). */
  shared?: { idp?: DemoIdp; upstream?: TestUpstream; port?: number; dir?: string; sessionSecret?: string; redisPrefix?: string };
}

export interface Stack {
  url: string;
  config: Config;
  idp: DemoIdp;
  upstream: TestUpstream;
  actas: Actas;
  dir: string;
  auditFile: string;
  sessionSecret: string;
  redisPrefix: string;
  client(): TestClient;
  /** A client already logged in as `user`. */
  loginAs(user: string): Promise<TestClient>;
  /** Stops actas only (IdP and upstream keep running). */
  stopActas(): Promise<void>;
  close(): Promise<void>;
}

export const CLIENT_SECRET = 'test-client-secret-0123456789';

async function reservePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const port = options.shared?.port ?? await reservePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = options.shared?.dir ?? mkdtempSync(join(tmpdir(), 'actas-test-'));
  const idp = options.shared?.idp ?? await startDemoIdp({
    clientId: 'actas-test', clientSecret: CLIENT_SECRET,
    redirectUris: [`${url}/.actas/callback`], postLogoutRedirectUris: [`${url}/.actas/logged-out`],
    ...options.idp,
  });
  const upstream = options.shared?.upstream ?? await startUpstream();
  const sessionSecret = options.shared?.sessionSecret ?? randomBytes(32).toString('hex');
  const redisPrefix = options.shared?.redisPrefix ?? `actas-test-${randomBytes(6).toString('hex')}:`;
  const input: ConfigInput & Record<string, unknown> = {
    listen: { host: '127.0.0.1', port },
    publicUrl: url,
    oidc: { issuer: idp.issuer, clientId: 'actas-test', clientSecret: CLIENT_SECRET, scopes: ['openid', 'profile', 'email', 'groups'] },
    session: { secret: sessionSecret, store: options.store ?? 'memory', redis: { url: 'redis://127.0.0.1:6379', prefix: redisPrefix } },
    upstreams: [{ name: 'app', url: upstream.url, match: { pathPrefix: '/' }, timeout: '3s' }],
    access: { allow: { groups: ['staff', 'admins'] }, public: ['/static/'] },
    audit: { sinks: [{ type: 'file', path: join(dir, 'audit.jsonl') }], spoolDir: join(dir, 'spool') },
    log: { level: (process.env.ACTAS_TEST_LOG as 'debug' | undefined) ?? 'silent' },
  };
  options.configure?.(input, { dir, upstream });
  const config = resolveConfig(input);
  const actas = await createActas(config, { logger: createLogger(config.log.level), allowEphemeralKey: true });
  await actas.listen();
  let actasStopped = false;
  const stack: Stack = {
    url, config, idp, upstream, actas, dir, auditFile: join(dir, 'audit.jsonl'), sessionSecret, redisPrefix,
    client: () => new TestClient(),
    async loginAs(user) {
      const c = new TestClient();
      const page = await c.login(url, user, PASSWORDS[user] ?? `${user}-demo`);
      if (page.status >= 400) throw new Error(`login as ${user} ended with ${page.status}: ${page.body.slice(0, 200)}`);
      return c;
    },
    async stopActas() {
      if (actasStopped) return;
      actasStopped = true;
      await actas.close(1_000);
    },
    async close() {
      await stack.stopActas();
      if (!options.shared?.upstream) await upstream.close();
      if (!options.shared?.idp) await idp.close();
      if (!options.shared?.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
