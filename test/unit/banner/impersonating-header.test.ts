// X-Actas-Impersonating: plain ASCII user names as they are, anything else
// percent-encoded so that decodeURIComponent always gives the name back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IMPERSONATING_HEADER, impersonatingHeaderValue } from '../../../src/banner/index.ts';

test('header name and plain values', () => {
  assert.equal(IMPERSONATING_HEADER, 'x-actas-impersonating');
  assert.equal(impersonatingHeaderValue('alice'), 'alice');
  assert.equal(impersonatingHeaderValue('alice@example.org'), 'alice@example.org');
  assert.equal(impersonatingHeaderValue('Alice Example'), 'Alice Example');
});

test('non-ASCII, controls, % and edge spaces are percent-encoded and decode back', () => {
  for (const user of ['zoë', '山田', 'a\r\nX-Evil: 1', '100%', ' padded ', 'tab\there']) {
    const value = impersonatingHeaderValue(user);
    assert.match(value, /^[\x21-\x7e]*$/, user);
    assert.equal(decodeURIComponent(value), user);
  }
  assert.equal(impersonatingHeaderValue('zoë'), 'zo%C3%AB');
});

test('every value is a valid header value for node:http', async () => {
  const { validateHeaderValue } = await import('node:http');
  for (const user of ['zoë', 'a\nb', '\u0000', 'ok', '\ud800']) {
    assert.doesNotThrow(() => validateHeaderValue(IMPERSONATING_HEADER, impersonatingHeaderValue(user)), user);
  }
});
