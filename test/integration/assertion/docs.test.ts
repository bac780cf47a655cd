// docs/verify.md shows exactly the code in docs/examples/, and each example
// runs as a real upstream: it serves a valid assertion and refuses a missing,
// tampered or wrong-audience one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { createAssertionSigner } from '../../../src/headers/assertion.ts';
import { alice, assertionConfig, capturingLogger, olgaAsAlice, startJwksServer } from '../../support/assertion-fixtures.ts';
import { PYTHON, pyjwtMissing } from '../../support/python.ts';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const EXAMPLES = `${DOCS}examples/`;
const doc = readFileSync(`${DOCS}verify.md`, 'utf8');

test('every example is in docs/verify.md verbatim, and every code block there is an example', () => {
  const files = readdirSync(EXAMPLES).filter((f) => /\.(mjs|py)$/.test(f));
  assert.deepEqual(files.sort(), ['upstream-actas-verify.mjs', 'upstream-jose.mjs', 'upstream_pyjwt.py']);
  const sources = files.map((f) => readFileSync(EXAMPLES + f, 'utf8'));
  for (const [i, source] of sources.entries()) assert.ok(doc.includes(source), `docs/verify.md must contain docs/examples/${files[i]} verbatim`);
  const blocks = [...doc.matchAll(/^```(js|python)\n([\s\S]*?)^```$/gm)].map((m) => m[2]!);
  assert.equal(blocks.length, files.length);
  for (const block of blocks) assert.ok(sources.includes(block), `a code block in docs/verify.md is not an example file:\n${block.slice(0, 200)}`);
});

/** Starts an example upstream and resolves with its URL once it prints "listening on …". */
function startExample(t: TestContext, command: string, file: string, env: Record<string, string>): Promise<string> {
  const child = spawn(command, [EXAMPLES + file], { env: { PATH: process.env.PATH ?? '', ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { child.kill('SIGTERM'); });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 20 s; stderr:\n${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}; stderr:\n${stderr}`));
    });
  });
}

const EXAMPLE_RUNS = [
  { file: 'upstream-actas-verify.mjs', command: process.execPath, skip: undefined },
  { file: 'upstream-jose.mjs', command: process.execPath, skip: undefined },
  { file: 'upstream_pyjwt.py', command: PYTHON, skip: pyjwtMissing() },
];

for (const { file, command, skip } of EXAMPLE_RUNS) {
  if (skip) console.log(`# skipping ${file}: ${skip}`);
  test(`docs/examples/${file} serves only assertions actas signed for it`, { skip }, async (t) => {
    const jwks = await startJwksServer(t);
    const signer = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true });
    assert.ok(signer);
    jwks.holder.jwks = signer.jwks;
    const url = await startExample(t, command, file, { ACTAS_URL: jwks.origin, ACTAS_AUDIENCE: 'wiki' });
    const call = async (token?: string) => {
      const res = await fetch(`${url}/page`, { headers: token ? { 'X-Actas-Jwt-Assertion': token } : {} });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const acting = await call(await signer.sign(olgaAsAlice(Date.now() + 600_000), 'wiki', 's1'));
    assert.equal(acting.status, 200);
    assert.deepEqual(acting.body, { user: 'alice', groups: ['staff', 'wiki-editors'], actor: 'olga' });
    const plain = await call(await signer.sign({ user: alice }, 'wiki', 's2'));
    assert.deepEqual(plain.body, { user: 'alice', groups: ['staff', 'wiki-editors'], actor: null });

    assert.equal((await call()).status, 401, 'no assertion');
    assert.equal((await call(await signer.sign({ user: alice }, 'grafana', 's1'))).status, 401, 'another upstream\'s token');
    const [h, p, s] = (await signer.sign({ user: alice }, 'wiki', 's3')).split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), user: 'root' })).toString('base64url');
    assert.equal((await call(`${h}.${forged}.${s}`)).status, 401, 'tampered payload');
  });
}
