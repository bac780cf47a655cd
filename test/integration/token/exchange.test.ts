// POST /.actas/token against a real actas (IdP, upstream, audit file): how a
// service client authenticates, what it may ask for, what policy refuses,
// and what the audit log holds afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createAssertionVerifier } from 'actas/verify';
import { startStack, type Stack } from '../../support/stack.ts';
import { readAudit, waitForAudit } from '../../support/audit.ts';
import { BILLING_SECRET, GRANT, REPORTING_SECRET, basic, requestToken, tokenConfig, type TokenError, type TokenReply } from './support.ts';

let stack: Stack;
before(async () => { stack = await startStack({ configure: tokenConfig }); });
after(() => stack.close());

test('reporting gets a short-lived, uncached access token for alice, and the audit log says who asked and why', async () => {
  const r = await requestToken(stack.client(), stack, { expires_in: '600' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.headers['set-cookie'], undefined, 'no session cookie for a service client');
  const body = r.json<TokenReply>();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
  assert.equal(body.expires_in, 600);

  assert.equal(decodeProtectedHeader(body.access_token).typ, 'at+jwt');
  const claims = decodeJwt(body.access_token);
  assert.equal(claims.iss, stack.url);
  assert.equal(claims.aud, `${stack.url}/.actas/`);
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.client_id, 'reporting');
  assert.deepEqual(claims.act, { sub: 'client:reporting', user: 'reporting' });
  assert.equal((claims.actas as { mode: string }).mode, 'read-only');
  assert.equal((claims.actas as { reason: string }).reason, 'Nightly timetable report #42');
  assert.equal(claims.exp! - claims.iat!, 600);

  // The token is no identity assertion: an upstream's verifier refuses it.
  const verifier = createAssertionVerifier({ jwksUrl: `${stack.url}/.well-known/actas/jwks.json`, issuer: stack.url, audience: 'app' });
  await assert.rejects(verifier.verify(body.access_token), { code: 'ERR_ACTAS_ASSERTION_INVALID', message: /"aud"/ });

  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'impersonation.start' && x.impersonationId === claims.jti));
  const start = events.find((e) => e.type === 'impersonation.start' && e.impersonationId === claims.jti)!;
  assert.equal(start.outcome, 'success');
  assert.deepEqual(start.actor, { sub: 'client:reporting', user: 'reporting' });
  assert.equal(start.subject?.user, 'alice');
  assert.equal(start.reason, 'Nightly timetable report #42');
  assert.equal(start.mode, 'read-only');
  assert.ok(!readAudit(stack.auditFile).some((e) => JSON.stringify(e).includes(body.access_token)), 'the token itself is never logged');
});

test('client_secret_post works too; expires_in is capped by the rule and defaults to tokenExchange.defaultExpiresIn', async () => {
  const c = stack.client();
  const post = await requestToken(c, stack, { client_id: 'reporting', client_secret: REPORTING_SECRET, expires_in: '999999' }, null);
  assert.equal(post.status, 200, post.body);
  assert.equal(post.json<TokenReply>().expires_in, 3600, 'capped at the rule\'s maxDuration (1h)');
  const plain = await requestToken(c, stack);
  assert.equal(plain.json<TokenReply>().expires_in, 15 * 60);
});

test('client authentication: a wrong secret, an unknown client, no credentials or two methods at once are refused', async () => {
  const c = stack.client();
  const cases: Array<[string, Record<string, string>, string | null, number, string]> = [
    ['wrong secret', {}, basic('reporting', 'not-the-secret-at-all'), 401, 'invalid_client'],
    ['unknown client', {}, basic('nobody', REPORTING_SECRET), 401, 'invalid_client'],
    ['wrong secret in body', { client_id: 'reporting', client_secret: 'nope-nope-nope-nope' }, null, 401, 'invalid_client'],
    ['no credentials', {}, null, 401, 'invalid_client'],
    ['malformed Basic', {}, 'Basic !!!', 401, 'invalid_client'],
    ['Basic and client_secret', { client_secret: REPORTING_SECRET }, basic('reporting', REPORTING_SECRET), 400, 'invalid_request'],
  ];
  for (const [name, fields, auth, status, error] of cases) {
    const r = await requestToken(c, stack, fields, auth);
    assert.equal(r.status, status, name);
    assert.equal(r.json<TokenError>().error, error, name);
    assert.equal(r.headers['cache-control'], 'no-store', name);
    if (status === 401) assert.match(String(r.headers['www-authenticate']), /^Basic /, name);
  }
  // An unknown client and a wrong secret read the same, so client ids cannot be probed.
  const unknown = (await requestToken(c, stack, {}, basic('nobody', REPORTING_SECRET))).json<TokenError>();
  const wrong = (await requestToken(c, stack, {}, basic('reporting', 'not-the-secret-at-all'))).json<TokenError>();
  assert.equal(unknown.error_description, wrong.error_description);
  assert.equal(unknown.reasons, undefined);
});

test('a client named by no rule is an unauthorized_client', async () => {
  const r = await requestToken(stack.client(), stack, {}, basic('billing', BILLING_SECRET));
  assert.equal(r.status, 400);
  assert.equal(r.json<TokenError>().error, 'unauthorized_client');
  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'impersonation.denied' && x.actor?.user === 'billing'));
  assert.deepEqual(events.find((x) => x.type === 'impersonation.denied' && x.actor?.user === 'billing')?.reasons, ['not-allowed']);
});

test('policy refusals: an admin, an unknown sub and a disabled user, each audited as impersonation.denied', async () => {
  const c = stack.client();
  const cases: Array<[string, string]> = [
    ['carol', 'target-may-impersonate'],
    ['nobody-such', 'unknown-or-forbidden-target'],
    ['dan', 'target-disabled'],
  ];
  for (const [subject, reason] of cases) {
    const r = await requestToken(c, stack, { requested_subject: subject, reason: `Refusal check for ${subject}` });
    assert.equal(r.status, 403, subject);
    const body = r.json<TokenError>();
    assert.equal(body.error, 'access_denied', subject);
    assert.deepEqual(body.reasons, [reason], subject);
  }
  const events = await waitForAudit(stack.auditFile, (e) => cases.every(([s]) => e.some((x) => x.type === 'impersonation.denied' && x.reason === `Refusal check for ${s}`)));
  for (const [subject, reason] of cases) {
    const e = events.find((x) => x.type === 'impersonation.denied' && x.reason === `Refusal check for ${subject}`);
    assert.ok(e, `denied event for ${subject}`);
    assert.equal(e.actor?.user, 'reporting');
    assert.equal(e.outcome, 'denied');
    assert.deepEqual(e.reasons, [reason]);
  }
});

test('malformed requests: reason, grant type, subject_token, audience, expires_in, repeated parameters, content type', async () => {
  const c = stack.client();
  const cases: Array<[string, Record<string, string | string[] | undefined>, string, string]> = [
    ['missing reason', { reason: undefined }, 'invalid_request', 'reason-missing'],
    ['short reason', { reason: 'short' }, 'invalid_request', 'reason-too-short'],
    ['blank reason', { reason: '        ' }, 'invalid_request', 'reason-missing'],
    ['other grant', { grant_type: 'client_credentials' }, 'unsupported_grant_type', 'unsupported-grant-type'],
    ['no grant', { grant_type: undefined }, 'invalid_request', 'grant-type-missing'],
    ['subject_token instead of requested_subject', { requested_subject: undefined, subject_token: 'eyJ.x.y', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' }, 'invalid_request', 'subject-token-not-accepted'],
    ['no subject', { requested_subject: undefined }, 'invalid_request', 'requested-subject-missing'],
    ['unknown audience', { audience: 'payroll' }, 'invalid_target', 'unknown-audience'],
    ['resource', { resource: 'https://app.example/' }, 'invalid_target', 'resource-not-supported'],
    ['bad expires_in', { expires_in: '-5' }, 'invalid_request', 'expires-in-invalid'],
    ['repeated reason', { reason: ['Nightly timetable report', 'Another long reason'] }, 'invalid_request', 'parameter-repeated'],
  ];
  for (const [name, fields, error, reason] of cases) {
    const r = await requestToken(c, stack, fields);
    assert.equal(r.status, 400, name);
    const body = r.json<TokenError>();
    assert.deepEqual([body.error, body.reasons], [error, [reason]], name);
    assert.ok(body.error_description.length > 0, name);
  }
  const noSubject = (await requestToken(c, stack, { requested_subject: undefined, subject_token: 'eyJ.x.y' })).json<TokenError>();
  assert.match(noSubject.error_description, /requested_subject/);

  const json = await c.request(`${stack.url}/.actas/token`, {
    body: JSON.stringify({ grant_type: GRANT, requested_subject: 'alice', reason: 'Nightly timetable report' }),
    headers: { 'content-type': 'application/json', authorization: basic('reporting', REPORTING_SECRET) },
  });
  assert.equal(json.status, 400);
  assert.equal(json.json<TokenError>().error, 'invalid_request');
  const get = await c.request(`${stack.url}/.actas/token`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
});
