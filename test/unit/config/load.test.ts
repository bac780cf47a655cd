// Config validation: every mistake at once, by option path; env substitution;
// the CLI exits non-zero without a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/errors.ts';

const minimal = () => ({
  publicUrl: 'http://127.0.0.1:8080',
  oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'actas', clientSecret: '${SECRET}' },
  session: { secret: '${SESSION_SECRET}' },
  upstreams: [{ name: 'wiki', url: 'http://127.0.0.1:8081' }],
});
const env = { SECRET: 's3cret', SESSION_SECRET: 'y'.repeat(40) };

test('a valid config gets every default', () => {
  const c = resolveConfig(minimal(), { env });
  assert.equal(c.oidc.clientSecret, 's3cret');
  assert.equal(c.session.store, 'memory');
  assert.equal(c.session.idleTimeout, 30 * 60_000);
  assert.equal(c.identity.headers.user, 'X-Forwarded-User');
  assert.equal(c.upstreams[0]!.cookieJar, 'shared');
  assert.ok(Object.isFrozen(c.upstreams[0]));
});

test('three mistakes are reported together, each by its option path', () => {
  const raw = minimal() as Record<string, any>;
  raw.session.idleTimeout = 'soon';
  raw.upstreams[0].url = 'ftp://nowhere';
  raw.listen = { port: 70000 };
  try {
    resolveConfig(raw, { env });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'ERR_ACTAS_CONFIG_INVALID');
    const paths = err.problems.map((p) => p.split(':')[0]);
    assert.deepEqual(paths.sort(), ['listen.port', 'session.idleTimeout', 'upstreams[0].url']);
  }
});

test('an unset ${ENV} reference is named with its option path; a typo in a key is an unknown option', () => {
  const raw = minimal() as Record<string, any>;
  raw.sesion = {};
  try {
    resolveConfig(raw, { env: { SESSION_SECRET: 'y'.repeat(40) } });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.ok(err.problems.includes('oidc.clientSecret: environment variable SECRET is not set'), err.problems.join('\n'));
  }
  try {
    resolveConfig(raw, { env });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok((err as ConfigError).problems.includes('sesion: unknown option'));
  }
});

test('duplicate upstream names and a path in publicUrl are refused', () => {
  const raw = minimal() as Record<string, any>;
  raw.upstreams.push({ name: 'wiki', url: 'http://127.0.0.1:8082' });
  raw.publicUrl = 'http://127.0.0.1:8080/app';
  assert.throws(() => resolveConfig(raw, { env }), (err: ConfigError) =>
    err.problems.some((p) => p.startsWith('upstreams[1].name')) && err.problems.some((p) => p.startsWith('publicUrl')));
});

test('actas check-config prints every problem and exits 2 without a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'actas-cfg-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, `publicUrl: not-a-url
oidc: { issuer: http://127.0.0.1:9000, clientId: actas }
session: { secret: short }
upstreams: [{ name: wiki, url: http://127.0.0.1:8081, timeout: forever }]
`);
  const r = spawnSync(process.execPath, ['src/cli.ts', 'check-config', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /publicUrl: /);
  assert.match(r.stderr, /session\.secret: /);
  assert.match(r.stderr, /upstreams\[0\]\.timeout: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('check-config prints the resolved config with secrets redacted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'actas-cfg-'));
  const file = join(dir, 'good.yaml');
  writeFileSync(file, `publicUrl: http://127.0.0.1:8080
oidc:
  issuer: http://127.0.0.1:9000
  clientId: actas
  clientSecret: \${ACTAS_CLIENT_SECRET}
session:
  secret: \${ACTAS_SESSION_SECRET}
upstreams: [{ name: wiki, url: http://127.0.0.1:8081 }]
`);
  const r = spawnSync(process.execPath, ['src/cli.ts', 'check-config', '--config', file], {
    encoding: 'utf8', env: { ...process.env, ACTAS_CLIENT_SECRET: 'very-secret-value', ACTAS_SESSION_SECRET: 'z'.repeat(40) },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /very-secret-value|zzzzzzzz/);
  assert.match(r.stdout, /"clientSecret": "\[redacted\]"/);
  assert.match(r.stdout, /configuration is valid/);
});

test('the commented example config in config/ is valid', () => {
  const r = spawnSync(process.execPath, ['src/cli.ts', 'check-config', '--config', 'config/actas.example.yaml'], {
    encoding: 'utf8',
    env: { ...process.env, ACTAS_CLIENT_SECRET: 'example-secret', ACTAS_SESSION_SECRET: 's'.repeat(40), ACTAS_REPORTING_SECRET: 'r'.repeat(20) },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /example-secret|ssssssss|rrrrrrrr/);
});
