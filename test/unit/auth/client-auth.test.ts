// Client authentication at the token endpoint: Basic with form-encoded id
// and secret (RFC 6749 §2.3.1), or both in the body; never both methods, and
// an unknown client fails exactly like a wrong secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { authenticateClient } from '../../../src/auth/client-auth.ts';
import { formParams } from '../../../src/auth/form-params.ts';
import { bearerTokenOf } from '../../../src/auth/bearer.ts';

const clients = [{ id: 'report job', secret: 'p+ss:word/with%odd=chars' }, { id: 'plain', secret: 'plain-secret-0123456789' }];
const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;
const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;
const form = (id: string, secret: string) => `${encodeURIComponent(id).replace(/%20/g, '+')}:${encodeURIComponent(secret)}`;

test('Basic credentials are form-decoded before they are compared', () => {
  assert.deepEqual(authenticateClient(req(basic(form('report job', 'p+ss:word/with%odd=chars'))), formParams({}), clients), { ok: true, clientId: 'report job' });
  // Sent without the encoding, "+" reads as a space and the secret no longer matches.
  const raw = authenticateClient(req(basic('report job:p+ss:word/with%odd=chars')), formParams({}), clients);
  assert.equal(raw.ok, false);
});

test('client_secret_post authenticates; a client_id matching the Basic one may accompany Basic', () => {
  assert.deepEqual(authenticateClient(req(), formParams({ client_id: 'plain', client_secret: 'plain-secret-0123456789' }), clients), { ok: true, clientId: 'plain' });
  assert.deepEqual(authenticateClient(req(basic(form('plain', 'plain-secret-0123456789'))), formParams({ client_id: 'plain' }), clients), { ok: true, clientId: 'plain' });
});

test('failures: wrong secret and unknown client read the same; two methods or mismatched ids are invalid requests', () => {
  const wrong = authenticateClient(req(basic(form('plain', 'nope'))), formParams({}), clients);
  const unknown = authenticateClient(req(basic(form('ghost', 'plain-secret-0123456789'))), formParams({}), clients);
  assert.ok(!wrong.ok && !unknown.ok);
  assert.deepEqual(wrong.error, unknown.error);
  assert.equal(wrong.error.error, 'invalid_client');
  assert.equal(unknown.claimedId, 'ghost');
  const both = authenticateClient(req(basic(form('plain', 'plain-secret-0123456789'))), formParams({ client_secret: 'plain-secret-0123456789' }), clients);
  assert.ok(!both.ok && both.error.error === 'invalid_request');
  const mismatch = authenticateClient(req(basic(form('plain', 'plain-secret-0123456789'))), formParams({ client_id: 'report job' }), clients);
  assert.ok(!mismatch.ok && mismatch.error.error === 'invalid_request');
  for (const header of ['Basic', 'Basic %%%', basic('no-colon')]) {
    const r = authenticateClient(req(header), formParams({}), clients);
    assert.ok(!r.ok && r.error.error === 'invalid_client', header);
  }
  // Another scheme is no client credential at all.
  const bearer = authenticateClient(req('Bearer abc'), formParams({}), clients);
  assert.ok(!bearer.ok && bearer.error.error === 'invalid_client');
});

test('bearerTokenOf reads only the Bearer scheme', () => {
  assert.equal(bearerTokenOf('Bearer abc.def-ghi'), 'abc.def-ghi');
  assert.equal(bearerTokenOf('bearer   abc'), 'abc');
  assert.equal(bearerTokenOf('Bearer'), '');
  assert.equal(bearerTokenOf('Basic abc'), undefined);
  assert.equal(bearerTokenOf(undefined), undefined);
});
