// An HTTP client with a cookie jar that logs in through actas at the real
// IdP's form, the way a browser would, without a browser.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | URLSearchParams;
}

/** A client bound to one browser-like cookie jar. `cookies` maps origin → name → value. */
export class TestClient {
  readonly cookies = new Map<string, Map<string, string>>();

  cookieHeader(url: URL): string | undefined {
    const jar = this.cookies.get(url.host);
    if (!jar?.size) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Keeps Set-Cookie values (expired ones removed); attributes other than expiry are ignored. */
  store(url: URL, setCookie: string[] | undefined): void {
    if (!setCookie) return;
    let jar = this.cookies.get(url.host);
    if (!jar) this.cookies.set(url.host, (jar = new Map()));
    for (const line of setCookie) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()) || attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  /** One request, no redirects followed. */
  request(target: string | URL, options: RequestOptions = {}): Promise<Reply> {
    const url = new URL(target);
    const body = options.body === undefined ? undefined : String(options.body);
    const headers: Record<string, string | string[]> = { ...options.headers };
    const cookie = this.cookieHeader(url);
    if (cookie && !Object.keys(headers).some((h) => h.toLowerCase() === 'cookie')) headers.cookie = cookie;
    if (body !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: options.method ?? (body !== undefined ? 'POST' : 'GET'), headers, agent: false }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { data += c; });
        res.on('end', () => {
          this.store(url, res.headers['set-cookie']);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, json: <T>() => JSON.parse(data) as T });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(20_000, () => req.destroy(new Error(`timeout: ${url.href}`)));
      req.end(body);
    });
  }

  /** Follows redirects (GET after 302/303), up to `max` hops; returns the last reply and its URL. */
  async follow(target: string | URL, options: RequestOptions = {}, max = 10): Promise<Reply & { url: string }> {
    let url = new URL(target);
    let reply = await this.request(url, options);
    for (let i = 0; i < max && reply.status >= 300 && reply.status < 400 && reply.headers.location; i++) {
      url = new URL(reply.headers.location, url);
      reply = await this.request(url, { headers: options.headers ?? {} });
    }
    return { ...reply, url: url.href };
  }

  /** Logs in through actas at the IdP's form; returns the page reached after the callback. */
  async login(actasUrl: string, user: string, password: string, path = '/'): Promise<Reply & { url: string }> {
    const html = { accept: 'text/html' };
    const form = await this.follow(new URL(path, actasUrl), { headers: html });
    const action = /<form[^>]*action="([^"]+)"/.exec(form.body)?.[1];
    if (!action) throw new Error(`no login form at ${form.url} (status ${form.status}): ${form.body.slice(0, 200)}`);
    const submit = new URL(action.replace(/&amp;/g, '&'), form.url);
    const posted = await this.request(submit, { body: new URLSearchParams({ login: user, password }), headers: html });
    if (!posted.headers.location) throw new Error(`login refused for ${user}: ${posted.status}`);
    return this.follow(new URL(posted.headers.location, submit), { headers: html });
  }
}
