// A development OpenID Provider for the demo and the tests: panva's
// oidc-provider (a certified OP) with a handful of users, a real login form
// that checks passwords, refresh tokens, userinfo and RP-initiated logout.
// Never for production: users and keys live in memory.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { html } from '../html.ts';

export interface DemoUser {
  password: string;
  email: string;
  name: string;
  preferred_username: string;
  groups: string[];
}

/** The demo users. Passwords are printed by `actas demo`; they protect nothing real. */
export function demoUsers(): Record<string, DemoUser> {
  return {
    admin: { password: 'admin-demo', email: 'admin@example.test', name: 'Ada Admin', preferred_username: 'admin', groups: ['admins'] },
    carol: { password: 'carol-demo', email: 'carol@example.test', name: 'Carol Auditor', preferred_username: 'carol', groups: ['admins'] },
    alice: { password: 'alice-demo', email: 'alice@example.test', name: 'Alice Example', preferred_username: 'alice', groups: ['staff'] },
    bob: { password: 'bob-demo', email: 'bob@example.test', name: 'Bob Example', preferred_username: 'bob', groups: ['staff'] },
  };
}

export interface DemoIdpOptions {
  host?: string;
  port?: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  users?: Record<string, DemoUser>;
  /** Access token lifetime in seconds (short values exercise refresh). */
  accessTokenTtl?: number;
  /** Put only `sub` in the ID token, so the RP must call userinfo. */
  minimalIdToken?: boolean;
}

export interface DemoIdp {
  issuer: string;
  users: Record<string, DemoUser>;
  provider: Provider;
  close(): Promise<void>;
}

const LOGIN_PAGE_CSS = 'body{font:16px system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;font:inherit}button{margin-top:1rem;padding:.5rem 1rem;font:inherit}.err{color:#b3261e}';

function loginPage(uid: string, error?: string, login = ''): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · demo identity provider</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${LOGIN_PAGE_CSS}</style></head><body>
<h1>Demo identity provider</h1><p>Sign in to continue.</p>${error ? html`<p class="err" role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
<label for="login">Username</label><input id="login" name="login" value="${login}" autofocus required>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form></body></html>`.value;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 8192) break;
  }
  return new URLSearchParams(body);
}

export async function startDemoIdp(options: DemoIdpOptions): Promise<DemoIdp> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? demoUsers();
  // Bind first: the issuer must carry the real port.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'demo-idp', use: 'sig', alg: 'ES256' };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: options.redirectUris,
      post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    }],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    conformIdTokenClaims: options.minimalIdToken ?? false,
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    ttl: { AccessToken: options.accessTokenTtl ?? 3600, IdToken: 3600, RefreshToken: 86400, Session: 86400, Grant: 86400, Interaction: 600 },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const u = users[id];
      if (!u) return undefined;
      return {
        accountId: id,
        // Read at every issue, so a test can change groups and see them after refresh.
        async claims() {
          const { password: _p, ...claims } = users[id]!;
          return { sub: id, email_verified: true, ...claims };
        },
      };
    },
    // First-party client: grant what it asks for without a consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile groups offline_access');
      grant.addOIDCClaims(['email', 'email_verified', 'name', 'preferred_username', 'groups']);
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url ?? '');
    if (!match) return void callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const send = (status: number, error?: string, login?: string) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(loginPage(details.uid, error, login));
      };
      if (req.method === 'GET') return send(200);
      const form = await readForm(req);
      const login = form.get('login') ?? '';
      const user = users[login];
      if (!user || user.password !== form.get('password')) return send(401, 'Unknown user or wrong password.', login);
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${(err as Error).message}`);
    }
  });

  return {
    issuer,
    users,
    provider,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
