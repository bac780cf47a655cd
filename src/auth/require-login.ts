// Deny by default: a request without an identity on a non-public path is
// sent to login (browser navigations) or refused with 401 (everything else,
// websocket upgrades included).
import type { Exchange, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { sendProblem } from '../console/error-page.ts';

export function createLoginRequirement(rt: Runtime) {
  const loginPath = `${rt.config.prefix}login`;
  return function requireLogin(x: Exchange): StageResult {
    if (x.scope.identity || x.scope.isPublic) return NEXT;
    const { req, res } = x;
    const navigation = !x.upgrade && (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
    if (navigation) {
      const rd = encodeURIComponent(req.url ?? '/');
      res.writeHead(302, { location: `${loginPath}?rd=${rd}`, 'cache-control': 'no-store' });
      res.end();
      return DONE;
    }
    sendProblem(req, res, {
      status: 401, code: 'unauthenticated', title: 'Sign-in required',
      detail: 'This resource needs a signed-in user.', requestId: x.scope.requestId,
    }, { 'www-authenticate': `Cookie realm="actas", login="${loginPath}"` });
    return DONE;
  };
}
