import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisePath } from '../../../src/proxy/path.ts';
import { safeReturnTo } from '../../../src/auth/return-to.ts';
import { createUpstreamMatcher } from '../../../src/proxy/route.ts';

test('paths are normalised before anything is matched', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/', '/'], ['/a//b', '/a/b'], ['/a/./b/../c', '/a/c'], ['/%2eactas/x', '/.actas/x'], ['/%2E%2E/.actas', '/.actas'],
    ['/a\\..\\.actas', '/.actas'], ['/a/b/?q=1', '/a/b/'], ['/%41%7e', '/A~'],
    ['/a%2fb', undefined], ['/a%5cb', undefined], ['/%zz', undefined], ['/a%00', undefined], ['relative', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(normalisePath(input), expected, input);
});

test('only same-origin relative return paths are accepted', () => {
  assert.equal(safeReturnTo('/wiki/page?x=1#h'), '/wiki/page?x=1#h');
  for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', '/\tevil', 'javascript:alert(1)', '', undefined, ['/a']]) {
    assert.equal(safeReturnTo(bad), '/', String(bad));
  }
});

test('upstreams match by host first, then the longest prefix', () => {
  const base = { websocket: true, cookieJar: 'shared', timeout: 1, connectTimeout: 1, preserveHost: false } as const;
  const match = createUpstreamMatcher([
    { ...base, name: 'root', url: 'http://a', match: { pathPrefix: '/' } },
    { ...base, name: 'api', url: 'http://b', match: { pathPrefix: '/api' } },
    { ...base, name: 'docs-host', url: 'http://c', match: { host: 'docs.example.org' } },
  ]);
  assert.equal(match('app.example.org', '/api/x')?.name, 'api');
  assert.equal(match('app.example.org', '/api')?.name, 'api');
  assert.equal(match('app.example.org', '/apix')?.name, 'root');
  assert.equal(match('DOCS.example.org:443', '/api/x')?.name, 'docs-host');
});
