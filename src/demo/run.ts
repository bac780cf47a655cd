// `actas demo`: an identity provider, a sample legacy app and actas in front
// of it, all on loopback with the memory store, nothing else to install.
// Prints the URL to open and the demo users.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { createLogger } from '../ops/logger.ts';
import { createActas, type Actas } from '../server.ts';
import { startDemoIdp, type DemoIdp } from './idp.ts';
import { startDemoApp, type DemoApp } from './app.ts';

export interface DemoOptions {
  host?: string;
  /** Preferred ports; a busy one is replaced by a free one. */
  ports?: { proxy?: number; idp?: number; app?: number };
  logLevel?: 'info' | 'warn' | 'error' | 'silent' | 'debug';
  auditDir?: string;
}

export interface RunningDemo {
  url: string;
  idp: DemoIdp;
  app: DemoApp;
  actas: Actas;
  auditFile: string;
  close(): Promise<void>;
}

/** The preferred port if it is free, else one the OS picks. */
async function freePort(host: string, preferred: number): Promise<number> {
  const tryPort = (port: number) => new Promise<number | undefined>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

/** The demo's config: the shape of config/actas.example.yaml, filled in for loopback. */
export function demoConfig(urls: { publicUrl: string; issuer: string; app: string }, secrets: { client: string; session: string }, auditDir: string, port: number): ConfigInput {
  return {
    listen: { host: new URL(urls.publicUrl).hostname, port },
    publicUrl: urls.publicUrl,
    oidc: { issuer: urls.issuer, clientId: 'actas-demo', clientSecret: secrets.client, scopes: ['openid', 'profile', 'email', 'groups'] },
    session: { secret: secrets.session, store: 'memory' },
    upstreams: [{ name: 'wiki', url: urls.app, match: { pathPrefix: '/' }, websocket: true, cookieJar: 'per-identity' }],
    access: { allow: { groups: ['staff', 'admins'] }, public: ['/static/'] },
    impersonation: {
      requireReason: { minLength: 8 },
      denyPaths: ['/account/password'],
      rules: [{ name: 'support-acts-as-staff', actors: { groups: ['admins'] }, targets: { groups: ['staff'] }, except: { groups: ['admins'] }, maxDuration: '30m', mode: 'read-only' }],
      auditors: { groups: ['admins'] },
    },
    directory: { file: fileURLToPath(new URL('../../config/users.yaml', import.meta.url)) },
    audit: { sinks: [{ type: 'file', path: join(auditDir, 'actas.jsonl') }], spoolDir: join(auditDir, 'spool') },
  };
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const host = options.host ?? '127.0.0.1';
  const proxyPort = await freePort(host, options.ports?.proxy ?? 8080);
  const publicUrl = `http://${host}:${proxyPort}`;
  const secrets = { client: randomBytes(24).toString('base64url'), session: randomBytes(32).toString('base64url') };
  const idp = await startDemoIdp({
    host, port: await freePort(host, options.ports?.idp ?? 9000),
    clientId: 'actas-demo', clientSecret: secrets.client,
    redirectUris: [`${publicUrl}/.actas/callback`], postLogoutRedirectUris: [`${publicUrl}/.actas/logged-out`],
  });
  const app = await startDemoApp({
    host, port: await freePort(host, options.ports?.app ?? 8081),
    verify: { jwksUrl: `${publicUrl}/.well-known/actas/jwks.json`, issuer: publicUrl, audience: 'wiki' },
  });
  const auditDir = options.auditDir ?? mkdtempSync(join(tmpdir(), 'actas-demo-'));
  const config = resolveConfig(demoConfig({ publicUrl, issuer: idp.issuer, app: app.url }, secrets, auditDir, proxyPort));
  const actas = await createActas(config, { logger: createLogger(options.logLevel ?? 'info'), allowEphemeralKey: true });
  await actas.listen();
  return {
    url: publicUrl, idp, app, actas, auditFile: join(auditDir, 'actas.jsonl'),
    async close() {
      await actas.close(2_000);
      await app.close();
      await idp.close();
    },
  };
}

/** Prints what a person needs to try the demo. */
export function describeDemo(demo: RunningDemo): string {
  const users = Object.entries(demo.idp.users).map(([id, u]) => `    ${id.padEnd(6)} password ${u.password.padEnd(11)} groups ${u.groups.join(', ')}`);
  return [
    '',
    'actas demo is running (loopback only, memory store).',
    '',
    `  Open:            ${demo.url}/`,
    `  actas console:   ${demo.url}/.actas/`,
    `  Identity provider ${demo.idp.issuer}   sample app (behind actas) ${demo.app.url}`,
    `  Audit log:       ${demo.auditFile}`,
    '',
    '  Demo users:',
    ...users,
    '',
    '  Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
