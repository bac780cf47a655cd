// Who a service client may act as: rules naming it in actors.clients, under
// the same guards as for operators, with the same reason codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/config/load.ts';
import { createPolicy } from '../../../src/impersonation/policy.ts';
import { clientIsNamed, decideForClient } from '../../../src/impersonation/client-policy.ts';
import type { UserIdentity } from '../../../src/identity/types.ts';

const config = resolveConfig({
  publicUrl: 'http://127.0.0.1:8080',
  oidc: { issuer: 'http://127.0.0.1:9', clientId: 'actas' },
  session: { secret: 'test-session-secret-0123456789abcdef' },
  upstreams: [{ name: 'app', url: 'http://127.0.0.1:9' }],
  clients: [{ id: 'reporting', secret: 'reporting-secret-0123' }, { id: 'billing', secret: 'billing-secret-01234' }, { id: 'ops', secret: 'ops-secret-0123456789' }],
  impersonation: {
    rules: [
      { name: 'support', actors: { groups: ['admins'] }, targets: { groups: ['staff'] } },
      { name: 'reporting-job', actors: { clients: ['reporting'] }, targets: { groups: ['staff'] }, except: { users: ['erin'] }, maxDuration: '1h', mode: 'read-only' },
      { name: 'ops-job', actors: { clients: ['ops'] }, targets: { all: true }, allowPrivilegedTargets: true, mode: 'full' },
    ],
  },
}, { env: {} });
const policy = createPolicy(config);
const privileged = (u: UserIdentity) => policy.canImpersonateSomeone(u);

const alice: UserIdentity = { sub: 'alice', user: 'alice', groups: ['staff'] };
const carol: UserIdentity = { sub: 'carol', user: 'carol', groups: ['admins'] };
const erin: UserIdentity = { sub: 'erin', user: 'erin', groups: ['staff'] };
const outsider: UserIdentity = { sub: 'otto', user: 'otto', groups: ['guests'] };

test('a client no rule names may act as nobody', () => {
  assert.equal(clientIsNamed(config, 'billing'), false);
  assert.deepEqual(decideForClient(config, 'billing', alice, privileged), { allow: false, reasons: ['not-allowed'], maxDuration: 0, mode: 'read-only' });
});

test('a named client may act as the targets of its rules, with that rule\'s limits', () => {
  assert.equal(clientIsNamed(config, 'reporting'), true);
  assert.deepEqual(decideForClient(config, 'reporting', alice, privileged), { allow: true, reasons: ['rule-matched'], rule: 'reporting-job', maxDuration: 3_600_000, mode: 'read-only' });
});

test('guards: unknown and unnamed targets look alike; exceptions, disabled and privileged targets are refused', () => {
  const reasons = (client: string, target: (UserIdentity & { disabled?: boolean }) | undefined) => decideForClient(config, client, target, privileged).reasons;
  assert.deepEqual(reasons('reporting', undefined), ['unknown-or-forbidden-target']);
  assert.deepEqual(reasons('reporting', outsider), ['unknown-or-forbidden-target']);
  assert.deepEqual(reasons('reporting', erin), ['unknown-or-forbidden-target']);
  assert.deepEqual(reasons('reporting', { ...alice, disabled: true }), ['target-disabled']);
  assert.deepEqual(reasons('reporting', carol), ['target-may-impersonate']);
  // Only a rule that says so lifts the privileged-target guard, never the disabled one.
  assert.deepEqual(reasons('ops', carol), ['rule-matched']);
  assert.deepEqual(reasons('ops', { ...carol, disabled: true }), ['target-disabled']);
});

test('clients never count as operators: a client rule gives no human the right to impersonate', () => {
  assert.equal(policy.canImpersonateSomeone({ sub: 'reporting', user: 'reporting', groups: [] }), false);
});
