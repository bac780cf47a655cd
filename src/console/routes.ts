// GET <prefix>: the console. Signed-out visitors are sent to login; everyone
// signed in sees who they are and their impersonation; the act-as search and
// the auditor view appear only for those the policy names. Reads only: every
// change is a POST to the impersonation routes, which answer back here.
import { Router, type Request, type Response } from 'express';
import type { Runtime } from '../runtime.ts';
import type { UserIdentity } from '../identity/types.ts';
import type { ActiveIndex, Decision, Directory, DirectoryEntry } from '../impersonation/types.ts';
import { csrfToken } from '../auth/csrf.ts';
import { safeReturnTo } from '../auth/return-to.ts';
import { scopeOf } from '../scope.ts';
import { sendPage } from './layout.ts';
import { sendProblem } from './error-page.ts';
import { renderConsole } from './pages/console.ts';
import { messageFor } from './pages/messages.ts';
import { parseEventFilter, type EventFilter } from './pages/filters.ts';
import type { ActAsView, AuditorView, ConsoleView, Notice, ResultView } from './pages/view.ts';

export interface ConsoleDeps {
  rt: Runtime;
  policy: {
    decide(actor: UserIdentity, target: UserIdentity | undefined, ctx: { impersonating: boolean }): Decision;
    canImpersonateSomeone(actor: UserIdentity): boolean;
    isAuditor(user: UserIdentity): boolean;
  };
  directory: Directory;
  active: ActiveIndex;
  /** Recent audit events, newest first (the audit log's query); absent when no queryable sink. */
  auditQuery?: (filter: { type?: string; actor?: string; subject?: string; since?: string; until?: string; impersonationId?: string; limit?: number }) => Promise<Array<Record<string, unknown>>>;
}

const SEARCH_SCAN = 200;   // directory entries read per search
const SEARCH_SHOWN = 25;   // results shown (the same as the users endpoint)
const EVENTS_SHOWN = 100;

const param = (req: Request, name: string, max: number): string => {
  const v = req.query[name];
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
};

// A refusal that would only say "unknown or not yours" is not listed, so the
// search never reveals who exists beyond what the user may act as.
const listable = (d: Decision): boolean => d.allow || !d.reasons.includes('unknown-or-forbidden-target');

/** The console router, mounted at the prefix without its trailing slash. */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const { rt, policy, directory, active } = deps;
  const { prefix } = rt.config;
  const minReasonLength = rt.config.impersonation.requireReason.minLength;
  const log = rt.logger.child({ component: 'console' });
  const router = Router();

  async function actAsView(req: Request, user: UserIdentity, impersonating: boolean): Promise<ActAsView> {
    const q = param(req, 'q', 100);
    const failedSub = req.query.error ? param(req, 'target', 256) : '';
    const decide = (entry: DirectoryEntry): ResultView => ({ entry, decision: policy.decide(user, entry, { impersonating }) });
    const results = q ? (await directory.search(q, SEARCH_SCAN)).map(decide).filter((r) => listable(r.decision)).slice(0, SEARCH_SHOWN) : [];
    if (failedSub) {
      // The target of a refused start comes first, its reason field focused, so the operator can correct and retry.
      const at = results.findIndex((r) => r.entry.sub === failedSub);
      const failed = at >= 0 ? results.splice(at, 1)[0] : await directory.get(failedSub).then((e) => (e ? decide(e) : undefined));
      if (failed && listable(failed.decision)) results.unshift({ ...failed, focus: true });
    }
    return { q, searched: q !== '', results };
  }

  async function auditorView(filter: EventFilter): Promise<AuditorView> {
    const list = await active.list();
    if (!deps.auditQuery) {
      return { active: list, filter, eventsNote: 'No audit sink that the console can read is configured; use `actas audit tail` on the audit file.' };
    }
    try {
      return { active: list, filter, events: (await deps.auditQuery({ ...filter, limit: EVENTS_SHOWN })).slice(0, EVENTS_SHOWN) };
    } catch (err) {
      const e = err as { status?: number; message?: string };
      // A bad filter is the auditor's to fix; anything else is an outage of the audit log.
      const note = e.status && e.status < 500 ? `The filter was not accepted: ${e.message}` : 'The audit log cannot be read right now. Try again in a moment.';
      if (!(e.status && e.status < 500)) log.warn({ err: { message: e.message } }, 'audit query failed');
      return { active: list, filter, events: [], eventsNote: note };
    }
  }

  async function notices(req: Request, user: UserIdentity, impersonating: boolean): Promise<Notice[]> {
    const out: Notice[] = [];
    const error = param(req, 'error', 64);
    if (error) {
      const sub = param(req, 'target', 256);
      const target = sub ? await directory.get(sub) : undefined;
      // Named only when the search would list them anyway.
      const named = target && listable(policy.decide(user, target, { impersonating })) ? ` acting as ${target.user}` : '';
      out.push({ kind: 'error', text: `${sub ? `Could not start${named}` : 'The request was refused'}: ${messageFor(error, minReasonLength)}` });
    }
    const revoked = param(req, 'revoked', 200);
    if (revoked) out.push({ kind: 'ok', text: `Impersonation ${revoked} was revoked. It ends at the operator\u2019s next request.` });
    if (req.query.released) out.push({ kind: 'ok', text: 'You stopped acting as someone else. Requests are made as yourself again.' });
    return out;
  }

  router.get('/', async (req: Request, res: Response) => {
    // "/.actas" also lands here: send it to the slash form so relative links and the CSP's paths agree.
    const [path, search = ''] = req.originalUrl.split('?', 2) as [string, string?];
    if (!path.endsWith('/')) return void res.redirect(302, `${prefix}${search ? `?${search}` : ''}`);
    const user = req.session.user;
    if (!user) {
      res.setHeader('cache-control', 'no-store');
      return void res.redirect(302, `${prefix}login?rd=${search ? encodeURIComponent(`${prefix}?${search}`) : prefix}`);
    }
    const now = Date.now();
    const rdParam = safeReturnTo(req.query.rd, '/');
    // Start returns to the app, never back into actas's own routes.
    const rd = rdParam.startsWith(prefix) ? '/' : rdParam;
    const imp = req.session.impersonation;
    // The impersonation routes treat any held impersonation as active until the request path ends it; so does the search.
    const impersonating = Boolean(imp);
    try {
      let ended: ConsoleView['ended'];
      if (imp && now >= imp.expiresAt) ended = 'expired';
      else if (imp && await active.isRevoked(imp.id)) ended = 'revoked';
      else if (imp && !policy.decide(user, imp.target, { impersonating: false }).allow) ended = 'lost-right';
      const { filter, problems } = parseEventFilter(req.query as Record<string, unknown>);
      const auditor = policy.isAuditor(user);
      const view: ConsoleView = {
        prefix, now, rd, minReasonLength, user,
        csrf: csrfToken(req.session),
        notices: [...await notices(req, user, impersonating), ...(auditor ? problems.map((text): Notice => ({ kind: 'error', text })) : [])],
        ...(imp ? { impersonation: imp } : {}),
        ...(ended ? { ended } : {}),
        ...(policy.canImpersonateSomeone(user) ? { actAs: await actAsView(req, user, impersonating) } : {}),
        ...(auditor ? { auditor: await auditorView(filter) } : {}),
      };
      const page = renderConsole(view);
      sendPage(res, { title: page.title, body: page.body, tail: page.tail, scriptHashes: page.scriptHashes });
    } catch (err) {
      // The directory and the active index live in the shared store: fail closed with a clear page.
      log.error({ requestId: scopeOf(req).requestId, err: { message: (err as Error).message } }, 'console data unavailable');
      sendProblem(req, res, {
        status: 503, code: 'console-unavailable', title: 'Temporarily unavailable',
        detail: 'actas cannot reach its shared store right now, so the console cannot be shown. Nothing was changed. Try again in a moment.',
        requestId: scopeOf(req).requestId,
      }, { 'retry-after': '5' });
    }
  });

  return router;
}
