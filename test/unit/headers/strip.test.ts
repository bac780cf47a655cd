import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createIdentityStripper } from '../../../src/headers/strip.ts';
import { formatGroups, removeCookie, headerValue } from '../../../src/headers/inject.ts';
import { resolveConfig } from '../../../src/config/load.ts';

const config = resolveConfig({
  publicUrl: 'http://127.0.0.1:8080', oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'c' },
  session: { secret: 'x'.repeat(32) }, upstreams: [{ name: 'a', url: 'http://127.0.0.1:1' }],
  identity: { strip: ['X-Remote-User'] },
}, { env: {} });

test('every spelling of an identity header is stripped, and Connection cannot name one', () => {
  const req = { headers: {
    'x-forwarded-user': 'a', 'x_forwarded_user': 'b', 'x-forwarded-groups': 'c', 'x-auth-request-email': 'd', 'impersonate-group': 'e',
    'x-actas-jwt-assertion': 'f', 'x_remote_user': 'g', 'x-request-id': 'h', 'x-keep': 'kept', connection: 'keep-alive, X-Forwarded-User, x_forwarded_email',
  } } as unknown as IncomingMessage;
  createIdentityStripper(config)(req);
  assert.deepEqual(req.headers, { 'x-keep': 'kept', connection: 'keep-alive' });
});

test('groups are comma-joined with commas inside names encoded; non-ASCII is percent-encoded', () => {
  assert.equal(formatGroups(['staff', 'a,b', '100%']), 'staff,a%2Cb,100%25');
  assert.equal(headerValue('Zoë'), 'Zo%C3%AB');
  assert.equal(headerValue('plain'), 'plain');
});

test('removeCookie removes exactly one cookie by name', () => {
  assert.equal(removeCookie('a=1; actas=s%3Axyz; actas2=3', 'actas'), 'a=1; actas2=3');
  assert.equal(removeCookie('actas=1', 'actas'), undefined);
});
