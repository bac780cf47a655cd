// The cost of actas on the proxied path, measured beside the upstream alone:
// the demo IdP and a plain upstream in this process, actas in its own process
// (`actas --config`, memory store, assertion on), and the load generator in a
// third (bench/load.ts). Cases: the upstream direct, a signed-in user through
// actas, and an operator acting as someone (HTML page: banner injected).
// usage: node bench/proxy.ts [SECONDS=5] [CONNECTIONS=32]
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startDemoIdp } from '../src/demo/idp.ts';
import { TestClient } from '../test/support/client.ts';
import { startActingAs } from '../test/support/impersonation.ts';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const freePort = () => new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });

const small = JSON.stringify({ ok: true, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) });
const page = `<!doctype html><html><head><title>Page</title></head><body><h1>Report</h1>${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>'.repeat(800)}</body></html>`;
const upstream = http.createServer((req, res) => {
  const html = req.url?.startsWith('/page');
  const body = html ? page : small;
  res.writeHead(200, { 'content-type': html ? 'text/html; charset=utf-8' : 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const secret = randomBytes(24).toString('hex');
const idp = await startDemoIdp({ clientId: 'bench', clientSecret: secret, redirectUris: [`${url}/.actas/callback`] });
const dir = mkdtempSync(join(tmpdir(), 'actas-bench-'));
execFileSync(process.execPath, ['src/cli.ts', 'keygen', '--alg', 'ES256', '--out', join(dir, 'key.jwk')], { stdio: 'ignore' });
writeFileSync(join(dir, 'actas.yaml'), `listen: { host: 127.0.0.1, port: ${port} }
publicUrl: ${url}
oidc: { issuer: "${idp.issuer}", clientId: bench, clientSecret: "${secret}", scopes: [openid, profile, email, groups] }
session: { secret: "${randomBytes(32).toString('hex')}" }
upstreams: [{ name: app, url: "${upstreamUrl}" }]
access: { allow: { groups: [staff, admins] } }
identity: { assertion: { keys: ["${join(dir, 'key.jwk')}"] } }
impersonation:
  rules: [{ name: r, actors: { groups: [admins] }, targets: { groups: [staff] }, maxDuration: 30m, mode: read-only }]
audit: { sinks: [{ type: file, path: "${join(dir, 'audit.jsonl')}" }], spoolDir: "${join(dir, 'spool')}" }
log: { level: warn }
`);
const actas = spawn(process.execPath, ['src/cli.ts', '--config', join(dir, 'actas.yaml')], { stdio: 'inherit' });
for (let i = 0; i < 100; i++) {
  if (await fetch(`${url}/.actas/healthz`).then((r) => r.ok, () => false)) break;
  await new Promise((r) => setTimeout(r, 100));
}

const alice = new TestClient();
await alice.login(url, 'alice', 'alice-demo');
const admin = new TestClient();
await admin.login(url, 'admin', 'admin-demo');
await startActingAs(admin, url, 'alice');

function load(target: string, cookie?: string): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  return new Promise((resolve, reject) => {
    const args = ['bench/load.ts', target, String(seconds), String(connections), ...(cookie ? [`cookie=${cookie}`] : []), 'accept=text/html'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

const cases: Array<[string, string, string | undefined]> = [
  ['upstream direct, 1 KB JSON', `${upstreamUrl}/small`, undefined],
  ['actas, signed-in user, 1 KB JSON', `${url}/small`, alice.cookieHeader(new URL(url))],
  ['upstream direct, 50 KB HTML', `${upstreamUrl}/page`, undefined],
  ['actas, signed-in user, 50 KB HTML', `${url}/page`, alice.cookieHeader(new URL(url))],
  ['actas, acting as alice, 50 KB HTML + banner', `${url}/page`, admin.cookieHeader(new URL(url))],
];
console.log(`| case | req/s | p50 ms | p99 ms | errors | non-2xx |\n|---|--:|--:|--:|--:|--:|`);
for (const [name, target, cookie] of cases) {
  const r = await load(target, cookie);
  console.log(`| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`);
}
console.log(`\n${seconds} s per case, ${connections} connections, Node ${process.version}; load generator, actas and upstream+IdP are three processes on one machine.`);

actas.kill('SIGTERM');
await new Promise((r) => actas.once('exit', r));
await idp.close();
await new Promise<void>((r) => { upstream.closeAllConnections(); upstream.close(() => r()); });
rmSync(dir, { recursive: true, force: true });
