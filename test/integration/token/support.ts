// Token exchange setup shared by the token tests: the impersonation config of
// test/support plus two service clients, one named by a read-only rule for
// staff and one named by no rule, and helpers to ask for a token.
import type { Stack, StackOptions } from '../../support/stack.ts';
import type { Reply, TestClient } from '../../support/client.ts';
import { impersonationConfig } from '../../support/impersonation.ts';

export const REPORTING_SECRET = 'reporting-secret-0123456789';
export const BILLING_SECRET = 'billing-secret-0123456789';
export const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export const tokenConfig: StackOptions['configure'] = (c, ctx) => {
  impersonationConfig!(c, ctx);
  c.clients = [{ id: 'reporting', secret: REPORTING_SECRET }, { id: 'billing', secret: BILLING_SECRET }];
  c.impersonation!.rules!.push({ name: 'reporting-job-reads-as-staff', actors: { clients: ['reporting'] }, targets: { groups: ['staff'] }, maxDuration: '1h', mode: 'read-only' });
  // A second upstream on the same test server, to check a token's audience.
  c.upstreams = [...(c.upstreams ?? []), { name: 'reports', url: ctx.upstream.url, match: { pathPrefix: '/reports/' }, timeout: '3s' }];
};

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export interface TokenReply { access_token: string; issued_token_type: string; token_type: string; expires_in: number }
export interface TokenError { error: string; error_description: string; reasons?: string[] }

/** POSTs to /.actas/token as `reporting` (Basic) unless `auth` says otherwise; fields override the defaults. */
export function requestToken(client: TestClient, stack: Stack, fields: Record<string, string | string[] | undefined> = {}, auth: string | null = basic('reporting', REPORTING_SECRET)): Promise<Reply> {
  const body = new URLSearchParams();
  const all: Record<string, string | string[] | undefined> = { grant_type: GRANT, requested_subject: 'alice', reason: 'Nightly timetable report #42', ...fields };
  for (const [k, v] of Object.entries(all)) for (const value of v === undefined ? [] : [v].flat()) body.append(k, value);
  return client.request(`${stack.url}/.actas/token`, { body, headers: auth ? { authorization: auth } : {} });
}

/** A token for `subject` (alice by default), asserting that it was issued. */
export async function tokenFor(client: TestClient, stack: Stack, fields: Record<string, string | string[] | undefined> = {}): Promise<string> {
  const r = await requestToken(client, stack, fields);
  if (r.status !== 200) throw new Error(`no token: ${r.status} ${r.body}`);
  return r.json<TokenReply>().access_token;
}
