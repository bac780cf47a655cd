// actas as an operator runs it: `actas --config FILE` in its own process,
// with every audit sink configured. A login and a logout reach every sink;
// metrics are on the admin port only; SIGTERM lets an in-flight request
// finish, refuses new connections and exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { startDemoIdp } from '../../../src/demo/idp.ts';
import { startUpstream } from '../../support/upstream.ts';
import { TestClient } from '../../support/client.ts';
import { readAudit, waitForAudit } from '../../support/audit.ts';
import { runKeygenCommand } from '../../../src/cli/keygen.ts';

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

test('serve: every sink gets login and logout, metrics stay on the admin port, SIGTERM drains', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'actas-serve-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const [port, adminPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const idp = await startDemoIdp({ clientId: 'actas-cli', clientSecret: 'cli-secret-0123456789', redirectUris: [`${url}/.actas/callback`], postLogoutRedirectUris: [`${url}/.actas/logged-out`] });
  const upstream = await startUpstream();
  cleanup.push(() => idp.close(), () => upstream.close());

  const webhookBatches: Array<Array<{ type: string }>> = [];
  const webhook = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    webhookBatches.push(JSON.parse(body));
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => { webhook.closeAllConnections(); webhook.close(() => r()); }));
  const stream = `actas:test:cli:${randomBytes(6).toString('hex')}`;
  const redis = createClient({ url: 'redis://127.0.0.1:6379' });
  await redis.connect();
  cleanup.push(async () => { await redis.del(stream); await redis.close(); });

  assert.equal(await runKeygenCommand(['--alg', 'ES256', '--out', join(dir, 'key.jwk')], { stdout: new (await import('node:stream')).PassThrough(), stderr: process.stderr }), 0);
  const configFile = join(dir, 'actas.yaml');
  writeFileSync(configFile, `listen: { host: 127.0.0.1, port: ${port} }
publicUrl: ${url}
oidc:
  issuer: ${idp.issuer}
  clientId: actas-cli
  clientSecret: \${CLI_CLIENT_SECRET}
  scopes: [openid, profile, email, groups]
session:
  secret: \${CLI_SESSION_SECRET}
upstreams:
  - { name: app, url: "${upstream.url}", match: { pathPrefix: / } }
access:
  allow: { groups: [staff] }
identity:
  assertion: { keys: ["${join(dir, 'key.jwk')}"] }
audit:
  spoolDir: ${join(dir, 'spool')}
  sinks:
    - { type: file, path: ${join(dir, 'audit.jsonl')} }
    - { type: stdout }
    - { type: redis-stream, url: "redis://127.0.0.1:6379", stream: "${stream}" }
    - { type: webhook, url: "http://127.0.0.1:${(webhook.address() as net.AddressInfo).port}/ingest", flushInterval: 100ms }
admin: { host: 127.0.0.1, port: ${adminPort} }
log: { level: info }
`);
  const child: ChildProcess = spawn(process.execPath, ['src/cli.ts', '--config', configFile], {
    env: { ...process.env, CLI_CLIENT_SECRET: 'cli-secret-0123456789', CLI_SESSION_SECRET: randomBytes(32).toString('hex') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanup.push(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  await waitFor(async () => (await fetch(`${url}/.actas/healthz`)).ok).catch(() => assert.fail(`actas did not start: ${stderr}`));

  const alice = new TestClient();
  await alice.login(url, 'alice', 'alice-demo');
  const confirm = await alice.request(`${url}/.actas/logout`, { headers: { accept: 'text/html' } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  assert.equal((await alice.request(`${url}/.actas/logout`, { body: new URLSearchParams({ csrf }), headers: { origin: url } })).status, 303);

  const types = (list: Array<{ type: string }>) => list.map((e) => e.type).filter((t) => t === 'login.success' || t === 'logout');
  const file = await waitForAudit(join(dir, 'audit.jsonl'), (e) => types(e).length === 2);
  assert.deepEqual(types(file), ['login.success', 'logout']);
  await waitFor(async () => (await redis.xLen(stream)) >= 2);
  const entries = (await redis.xRange(stream, '-', '+')) ?? [];
  assert.deepEqual(types(entries.map((e) => JSON.parse(e.message.event as string) as { type: string })), ['login.success', 'logout']);
  await waitFor(async () => types(webhookBatches.flat()).length === 2);
  assert.deepEqual(types(webhookBatches.flat()), ['login.success', 'logout']);
  const stdoutEvents = stdout.split('\n').filter((l) => l.includes('"v":1')).map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(types(stdoutEvents), ['login.success', 'logout']);
  assert.doesNotMatch(stdout + stderr, /cli-secret-0123456789/, 'no secret in any log line');

  // Metrics: on the admin port, not the public one.
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  assert.match(metrics, /actas_requests_total/);
  assert.equal((await fetch(`${url}/metrics`, { headers: { accept: 'application/json' } })).status, 401);

  // Graceful stop: a slow request in flight finishes; then the port is closed.
  const bob = new TestClient();
  await bob.login(url, 'bob', 'bob-demo');
  const slow = bob.request(`${url}/slow?ms=1500`);
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const reply = await slow;
  assert.equal(reply.status, 200, 'the in-flight request completed');
  assert.equal(await exited, 0);
  await assert.rejects(fetch(`${url}/.actas/healthz`), 'no longer listening');
  assert.ok(readAudit(join(dir, 'audit.jsonl')).length >= 3);
});

test('serve refuses to start without an assertion key unless the assertion is switched off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'actas-nokey-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `listen: { host: 127.0.0.1, port: ${port} }
publicUrl: http://127.0.0.1:${port}
oidc: { issuer: "http://127.0.0.1:9", clientId: c, clientSecret: s }
session: { secret: "${'k'.repeat(40)}" }
upstreams: [{ name: app, url: "http://127.0.0.1:9" }]
audit: { sinks: [{ type: file, path: "${join(dir, 'audit.jsonl')}" }] }
log: { level: warn }
`;
  writeFileSync(join(dir, 'nokey.yaml'), base);
  const refused = spawn(process.execPath, ['src/cli.ts', '--config', join(dir, 'nokey.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  refused.stderr!.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => refused.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /identity\.assertion\.keys/);
  assert.doesNotMatch(err, /\n\s+at /, 'a clear message, no stack trace');

  writeFileSync(join(dir, 'off.yaml'), `${base}identity: { assertion: { enabled: false } }\n`);
  // `serve --config FILE` is the Dockerfile's CMD.
  const started = spawn(process.execPath, ['src/cli.ts', 'serve', '--config', join(dir, 'off.yaml')], { stdio: 'ignore' });
  cleanup.push(() => { if (started.exitCode === null) started.kill('SIGKILL'); });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/.actas/healthz`)).ok);
  // The Dockerfile's HEALTHCHECK command, exactly as written there, against this process.
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const healthcheck = JSON.parse(/HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile)![1]!) as string[];
  assert.equal(healthcheck[0], 'node');
  const probe = spawnSync(process.execPath, healthcheck.slice(1), { env: { ...process.env, ACTAS_PORT: String(port) }, timeout: 10_000 });
  assert.equal(probe.status, 0, 'the HEALTHCHECK passes against a running actas');
  const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
  started.kill('SIGTERM');
  assert.equal(await exited, 0);
  const down = spawnSync(process.execPath, healthcheck.slice(1), { env: { ...process.env, ACTAS_PORT: String(port) }, timeout: 10_000 });
  assert.equal(down.status, 1, 'and fails once it is gone');
});

test('serve with the Redis store refuses to start, clearly, when Redis does not answer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'actas-noredis-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const [port, deadRedis] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'actas.yaml'), `listen: { host: 127.0.0.1, port: ${port} }
publicUrl: http://127.0.0.1:${port}
oidc: { issuer: "http://127.0.0.1:9", clientId: c, clientSecret: s }
session: { secret: "${'k'.repeat(40)}", store: redis, redis: { url: "redis://:hunter2@127.0.0.1:${deadRedis}", connectTimeout: 500ms } }
upstreams: [{ name: app, url: "http://127.0.0.1:9" }]
identity: { assertion: { enabled: false } }
audit: { sinks: [{ type: file, path: "${join(dir, 'audit.jsonl')}" }] }
log: { level: silent }
`);
  const child = spawn(process.execPath, ['src/cli.ts', '--config', join(dir, 'actas.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(err, /cannot reach Redis at redis:\/\/\[redacted\]@127\.0\.0\.1:\d+/);
  assert.doesNotMatch(err, /hunter2/, 'the Redis password is not printed');
});
