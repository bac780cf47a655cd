// Helpers for driving impersonation like the console's forms do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestClient } from './client.ts';
import type { StackOptions } from './stack.ts';

/** The rules of DESIGN.md's example, a directory file, and a deny path. */
export const impersonationConfig: StackOptions['configure'] = (c, { dir }) => {
  const file = join(dir, 'users.yaml');
  writeFileSync(file, `users:
  - { sub: alice, user: alice, email: alice@example.test, name: Alice Example, groups: [staff] }
  - { sub: bob, user: bob, email: bob@example.test, name: Bob Example, groups: [staff] }
  - { sub: carol, user: carol, email: carol@example.test, name: Carol Auditor, groups: [admins] }
  - { sub: dan, user: dan, email: dan@example.test, name: Dan Departed, groups: [staff], disabled: true }
`);
  c.directory = { file };
  c.impersonation = {
    requireReason: { minLength: 8 },
    denyPaths: ['/account/password'],
    rules: [{ name: 'support-acts-as-staff', actors: { groups: ['admins'] }, targets: { groups: ['staff'] }, except: { groups: ['admins'] }, maxDuration: '30m', mode: 'read-only' }],
    auditors: { groups: ['admins'] },
  };
};

/** The session's CSRF token, as an actas form carries it. */
export async function csrfOf(client: TestClient, url: string): Promise<string> {
  const page = await client.request(`${url}/.actas/logout`, { headers: { accept: 'text/html' } });
  const token = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error(`no CSRF token (status ${page.status})`);
  return token;
}

export async function startActingAs(client: TestClient, url: string, target: string, fields: { reason?: string; duration?: string; rd?: string; csrf?: string; origin?: string } = {}) {
  const csrf = fields.csrf ?? await csrfOf(client, url);
  return client.request(`${url}/.actas/impersonate`, {
    body: new URLSearchParams({ target, reason: fields.reason ?? 'Ticket #4711: cannot see her timetable', duration: fields.duration ?? '15', rd: fields.rd ?? '/', csrf }),
    headers: { origin: fields.origin ?? url },
  });
}

export async function stopActing(client: TestClient, url: string, rd = '/') {
  const csrf = await csrfOf(client, url);
  return client.request(`${url}/.actas/release`, { body: new URLSearchParams({ csrf, rd }), headers: { origin: url } });
}
