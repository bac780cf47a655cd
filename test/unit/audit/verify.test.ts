// Tamper evidence: `actas audit verify` accepts an intact chain (also split
// over rotated files, in order) and names the first broken line for an
// edited, deleted, inserted or reordered event. Exit 0 only when intact.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildEvent } from '../../../src/audit/event.ts';
import { chainRecords } from '../../../src/audit/chain.ts';
import { GENESIS, canonicalJson, hashEvent, serializeEvent } from '../../../src/audit/canonical.ts';
import { runAuditCommand } from '../../../src/cli/audit.ts';
import { tempDir } from '../../integration/audit/support.ts';

const CLI = new URL('../../../src/cli/audit.ts', import.meta.url);

function chainLines(n: number): string[] {
  const records = Array.from({ length: n }, (_, i) => buildEvent(
    { type: 'request', outcome: 'success', method: 'GET', path: `/p/${i + 1}`, status: 200, actor: { sub: 's', user: 'ann' } },
    { maxFieldLength: 1024, sessionSecret: 'x'.repeat(40) }));
  return chainRecords(GENESIS, records).map((e) => serializeEvent(e));
}

async function writeLines(t: TestContext, lines: string[], name = 'audit.jsonl'): Promise<string> {
  const dir = await tempDir(t);
  const file = join(dir, name);
  await writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

async function verify(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream;
  const code = await runAuditCommand(['verify', ...args], { stdout: sink, stderr: sink });
  return { code, out };
}

/** Re-hashes an event after a change, as a careful forger would. */
function rehash(line: string, change: (e: Record<string, unknown>) => void): string {
  const e = JSON.parse(line) as Record<string, unknown>;
  change(e);
  e.hash = hashEvent(e);
  return serializeEvent(e);
}

describe('canonical form and hash', () => {
  it('sorts keys at every depth and leaves `hash` out', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 'é\u2028' }], c: null }, u: undefined }), '{"a":{"c":null,"d":[2,{"y":"é\\u2028","z":1}]},"b":1}');
    const e = { v: 1, type: 'logout', prev: GENESIS };
    assert.equal(hashEvent({ ...e, hash: 'anything' }), hashEvent(e));
    assert.match(hashEvent(e), /^[0-9a-f]{64}$/);
  });
});

describe('actas audit verify', () => {
  it('accepts an intact chain and prints its head', async (t) => {
    const lines = chainLines(6);
    const res = await verify(await writeLines(t, lines));
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, new RegExp(`OK: 6 event\\(s\\) in 1 file\\(s\\); chain head ${JSON.parse(lines[5]!).hash}`));
  });

  const cases: Array<{ name: string; tamper(lines: string[]): string[]; line: number; reason: RegExp }> = [
    { name: 'an edited event', tamper: (l) => l.map((x, i) => (i === 2 ? x.replace('/p/3', '/p/X') : x)), line: 3, reason: /edited/ },
    { name: 'a deleted event', tamper: (l) => l.filter((_, i) => i !== 2), line: 3, reason: /deleted, inserted or reordered/ },
    { name: 'a deleted first event', tamper: (l) => l.slice(1), line: 1, reason: /genesis/ },
    { name: 'two reordered events', tamper: (l) => [l[0]!, l[1]!, l[3]!, l[2]!, l[4]!, l[5]!], line: 3, reason: /deleted, inserted or reordered/ },
    { name: 'a copied (replayed) event', tamper: (l) => [...l.slice(0, 4), l[1]!, ...l.slice(4)], line: 5, reason: /deleted, inserted or reordered/ },
    {
      name: 'an inserted forgery with a correct hash',
      // The forger links it to line 4; the original line 5 no longer follows.
      tamper: (l) => [...l.slice(0, 4), rehash(l[3]!, (e) => { e.id = 'forged'; e.prev = JSON.parse(l[3]!).hash; }), ...l.slice(4)],
      line: 6,
      reason: /deleted, inserted or reordered/,
    },
    { name: 'an edited event with a recomputed hash', tamper: (l) => l.map((x, i) => (i === 1 ? rehash(x, (e) => { e.status = 500; }) : x)), line: 3, reason: /deleted, inserted or reordered/ },
    { name: 'a field outside the closed list', tamper: (l) => l.map((x, i) => (i === 4 ? rehash(x, (e) => { e.note = 'hi'; }) : x)), line: 5, reason: /unknown field/ },
    { name: 'a torn line', tamper: (l) => l.map((x, i) => (i === 3 ? x.slice(0, 40) : x)), line: 4, reason: /not valid JSON/ },
    { name: 'an inserted blank line', tamper: (l) => [...l.slice(0, 2), '', ...l.slice(2)], line: 3, reason: /blank line/ },
  ];
  for (const c of cases) {
    it(`names the first broken line for ${c.name}`, async (t) => {
      const file = await writeLines(t, c.tamper(chainLines(6)));
      const res = await verify(file);
      assert.equal(res.code, 1, res.out);
      const first = res.out.split('\n')[0]!;
      assert.ok(first.startsWith(`${file}:${c.line}: broken: `), first);
      assert.match(first, c.reason);
    });
  }

  it('does not see a cut-off tail by itself, but the printed head changes', async (t) => {
    const lines = chainLines(6);
    const res = await verify(await writeLines(t, lines.slice(0, 5)));
    assert.equal(res.code, 0);
    assert.doesNotMatch(res.out, new RegExp(JSON.parse(lines[5]!).hash), 'compare the head with one kept elsewhere');
  });

  it('checks rotated files as one chain, in the order given', async (t) => {
    const lines = chainLines(8);
    const older = await writeLines(t, lines.slice(0, 5), 'actas-20250101T000000000Z.jsonl');
    const current = await writeLines(t, lines.slice(5), 'actas.jsonl');
    assert.equal((await verify(older, current)).code, 0);
    const wrongOrder = await verify(current, older);
    assert.equal(wrongOrder.code, 1);
    assert.ok(wrongOrder.out.startsWith(`${current}:1: broken:`), wrongOrder.out);
    const alone = await verify(current);
    assert.equal(alone.code, 1, 'a later file alone does not start at genesis');
    assert.equal((await verify('--anchor', JSON.parse(lines[4]!).hash, current)).code, 0, 'unless anchored to the head of the files before it');
  });

  it('answers usage errors with exit status 2', async (t) => {
    assert.equal((await verify()).code, 2);
    assert.equal((await verify('--anchor', 'nothex', await writeLines(t, chainLines(1)))).code, 2);
    assert.equal((await verify('/nonexistent/actas.jsonl')).code, 2);
  });

  it('exits 0 or 1 as a separate process', async (t) => {
    const good = await writeLines(t, chainLines(4));
    const bad = await writeLines(t, chainLines(4).filter((_, i) => i !== 1));
    const run = (file: string) => spawnSync(process.execPath, ['-e',
      `import(${JSON.stringify(pathToFileURL(CLI.pathname).href)}).then((m) => m.runAuditCommand(['verify', ${JSON.stringify(file)}])).then((code) => { process.exitCode = code; })`],
    { encoding: 'utf8', timeout: 20_000 });
    const ok = run(good);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^OK: 4 event/);
    const broken = run(bad);
    assert.equal(broken.status, 1, broken.stderr);
    assert.ok(broken.stdout.startsWith(`${bad}:2: broken:`), broken.stdout);
  });
});
