// Starting and ending an impersonation. Start: policy decision, reason and
// duration checks, the audit event written first (no audit, no switch), a
// new session id, the active index. End (stop, expiry, revocation, logout,
// lost right): the same steps backwards, and the session's websockets closed.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Session, SessionData } from 'express-session';
import type { Runtime, AuditInput } from '../runtime.ts';
import type { UserIdentity, ImpersonationState } from '../identity/types.ts';
import type { Directory, ActiveIndex, Decision } from './types.ts';
import type { Policy } from './policy.ts';
import type { SocketRegistry } from '../proxy/websockets.ts';
import { sessionIdOf } from '../session/middleware.ts';
import { scopeOf } from '../scope.ts';
import { csrfToken } from '../auth/csrf.ts';

type LiveSession = Session & Partial<SessionData>;
type EndReason = 'stop' | 'expire' | 'revoke' | 'logout' | 'lost-right' | 'session-end';

export interface StartInput { targetSub: string; reason: string; durationMinutes: number }
export type StartResult = { ok: true; state: ImpersonationState } | { ok: false; status: number; code: string; decision?: Decision };

export interface Lifecycle {
  start(req: IncomingMessage, session: LiveSession, input: StartInput): Promise<StartResult>;
  /** Ends the session's impersonation (the event is written once, by whoever removes the index entry). */
  end(req: IncomingMessage, session: LiveSession, why: EndReason, options?: { regenerate?: boolean }): Promise<void>;
}

export interface LifecycleDeps {
  rt: Runtime;
  policy: Policy;
  directory: Directory;
  active: ActiveIndex;
  sockets: SocketRegistry;
  hashSession: (sessionId: string) => string;
}

const who = (u: Pick<UserIdentity, 'sub' | 'user' | 'email'>) => ({ sub: u.sub, user: u.user, email: u.email });

/** Regenerates the session id and keeps the session's data (express-session's regenerate empties it). */
export async function regenerateKeeping(session: LiveSession): Promise<LiveSession> {
  const keep = { user: session.user, tokens: session.tokens, loginAt: session.loginAt, lastSeenAt: session.lastSeenAt, impersonation: session.impersonation };
  const req = (session as unknown as { req: IncomingMessage & { session: LiveSession } }).req;
  await new Promise<void>((resolve, reject) => session.regenerate((err) => (err ? reject(err) : resolve())));
  const fresh = req.session;
  for (const [k, v] of Object.entries(keep)) if (v !== undefined) (fresh as unknown as Record<string, unknown>)[k] = v;
  csrfToken(fresh); // a new id gets a new CSRF token
  return fresh;
}

const END_EVENTS: Record<EndReason, AuditInput['type']> = {
  stop: 'impersonation.stop', expire: 'impersonation.expire', revoke: 'impersonation.revoke', logout: 'impersonation.stop', 'lost-right': 'impersonation.stop', 'session-end': 'impersonation.stop',
};
const END_REASONS: Record<EndReason, string> = {
  stop: 'stopped-by-operator', expire: 'expired', revoke: 'revoked', logout: 'logged-out', 'lost-right': 'operator-lost-right', 'session-end': 'session-ended',
};

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { rt, policy, directory, active, sockets, hashSession } = deps;
  const minReason = rt.config.impersonation.requireReason.minLength;
  const base = (req: IncomingMessage): Partial<AuditInput> => {
    const scope = scopeOf(req);
    return { requestId: scope.requestId, ip: scope.clientIp, userAgent: req.headers['user-agent'], sessionId: sessionIdOf(req) };
  };

  return {
    async start(req, session, input) {
      const actor = session.user!;
      const target = await directory.get(input.targetSub);
      const decision = policy.decide(actor, target, { impersonating: Boolean(session.impersonation) });
      const reason = input.reason.trim();
      const refuse = async (status: number, code: string): Promise<StartResult> => {
        await rt.audit.record({
          ...base(req), type: 'impersonation.denied', outcome: 'denied', actor: who(actor),
          subject: target && decision.reasons[0] !== 'unknown-or-forbidden-target' ? who(target) : { sub: input.targetSub, user: input.targetSub },
          reason, reasons: decision.allow ? [code] : decision.reasons,
        }).catch(() => undefined);
        return { ok: false, status, code, decision };
      };
      if (!decision.allow) return refuse(403, decision.reasons[0]!);
      if (reason.length < minReason) return refuse(400, 'reason-too-short');
      const durationMs = Math.round(input.durationMinutes * 60_000);
      if (!Number.isFinite(durationMs) || durationMs <= 0) return refuse(400, 'duration-invalid');
      if (durationMs > decision.maxDuration) return refuse(400, 'duration-too-long');

      const now = Date.now();
      const state: ImpersonationState = {
        id: randomUUID(), reason, mode: decision.mode, rule: decision.rule!, startedAt: now, expiresAt: now + durationMs,
        target: { sub: target!.sub, user: target!.user, groups: [...target!.groups], ...(target!.email ? { email: target!.email } : {}), ...(target!.name ? { name: target!.name } : {}) },
      };
      // Written before the switch: if no required sink accepts it, nothing changes.
      try {
        await rt.audit.record({
          ...base(req), type: 'impersonation.start', outcome: 'success', actor: who(actor), subject: who(state.target),
          reason, mode: state.mode, expiresAt: state.expiresAt, impersonationId: state.id,
        });
      } catch (err) {
        rt.logger.error({ err: { message: (err as Error).message } }, 'audit refused impersonation.start; switch refused');
        return { ok: false, status: 503, code: 'audit-unavailable' };
      }
      session.impersonation = state;
      await regenerateKeeping(session);
      await active.add({
        id: state.id, sessionKey: hashSession(sessionIdOf(req)!), reason, mode: state.mode, rule: state.rule, startedAt: state.startedAt, expiresAt: state.expiresAt,
        actor: { sub: actor.sub, user: actor.user, email: actor.email, name: actor.name },
        target: { sub: state.target.sub, user: state.target.user, email: state.target.email, name: state.target.name },
      });
      return { ok: true, state };
    },

    async end(req, session, why, options = {}) {
      const state = session.impersonation;
      if (!state) return;
      const oldSessionId = sessionIdOf(req);
      // Only the replica that removes the index entry writes the event (expiry may race the sweeper).
      const entry = await active.get(state.id);
      await active.remove(state.id);
      if (entry || (why !== 'expire' && why !== 'revoke')) {
        await rt.audit.record({
          ...base(req), type: END_EVENTS[why], outcome: 'success', actor: who(session.user!), subject: who(state.target),
          reason: state.reason, mode: state.mode, expiresAt: state.expiresAt, impersonationId: state.id,
          reasons: [END_REASONS[why]],
        }).catch((err: unknown) => rt.logger.error({ err: { message: (err as Error).message } }, 'audit of impersonation end failed'));
      }
      delete session.impersonation;
      sockets.closeTagged(state.id);
      if (oldSessionId) sockets.closeSession(oldSessionId);
      if (options.regenerate !== false) await regenerateKeeping(session);
    },
  };
}
