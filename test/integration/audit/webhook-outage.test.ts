// A SIEM webhook down for a whole minute while an operator works through the
// proxy: requests are never blocked, the events wait in the spool, and when
// the webhook returns every event arrives, in order, on an intact chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startStack } from '../../support/stack.ts';
import { impersonationConfig, startActingAs } from '../../support/impersonation.ts';
import { readAudit } from '../../support/audit.ts';
import { webhookReceiver, waitFor } from './support.ts';
import { ChainVerifier } from '../../../src/audit/index.ts';

const OUTAGE_MS = 60_000;

test('a one-minute webhook outage loses no event', { timeout: 150_000 }, async (t) => {
  const receiver = await webhookReceiver(t);
  const stack = await startStack({
    configure: (c, ctx) => {
      impersonationConfig!(c, ctx);
      c.audit = {
        sinks: [{ type: 'file', path: join(ctx.dir, 'audit.jsonl') }, { type: 'webhook', url: receiver.url, flushInterval: '200ms', maxRetryDelay: '5s' }],
        spoolDir: join(ctx.dir, 'spool'),
      };
    },
  });
  t.after(() => stack.close());
  const admin = await stack.loginAs('admin');
  assert.equal((await startActingAs(admin, stack.url, 'alice')).status, 303);
  await waitFor('the first events to reach the webhook', () => receiver.events.some((e) => e.type === 'impersonation.start'));

  await receiver.close();
  const started = Date.now();
  let sent = 0;
  // One request every 2 s for the whole outage (bounded: 30 requests), none blocked.
  while (Date.now() - started < OUTAGE_MS && sent < 30) {
    const r = await admin.request(`${stack.url}/during-outage/${sent}`);
    assert.equal(r.status, 200, 'the proxy keeps serving while the webhook is down');
    sent++;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const ready = await admin.request(`${stack.url}/.actas/readyz`);
  assert.equal(ready.status, 200, 'an optional sink being down does not take the replica out');
  assert.match(ready.body, /backlog [1-9]/, 'the backlog is reported');

  await receiver.reopen();
  const fileEvents = () => readAudit(stack.auditFile);
  await waitFor('every event to reach the webhook', () => receiver.events.length >= fileEvents().length, 30_000);
  const ids = (events: Array<Record<string, unknown>>) => events.map((e) => e.id);
  assert.deepEqual(ids(receiver.events), ids(fileEvents()), 'the same events, in the same order, as the file sink');
  const outage = receiver.events.filter((e) => String(e.path ?? '').startsWith('/during-outage/'));
  assert.equal(outage.length, sent);
  const verifier = new ChainVerifier();
  for (const event of receiver.events) assert.equal(verifier.check(JSON.stringify(event)), undefined, 'the webhook chain is intact');
});
