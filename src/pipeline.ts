// The request path of every proxied request, top to bottom (DESIGN.md §1).
// Each line is one stage with one job; a stage either passes the request on
// or answers it. Reserved routes (/.actas/*) never reach this list.
import type { Runtime } from './runtime.ts';
import type { Exchange, Stage } from './stage.ts';
import { DONE } from './stage.ts';
import { createRouting } from './proxy/routing-stage.ts';
import { createSpoofStripping } from './headers/strip-stage.ts';
import { createSessionLoader } from './session/load.ts';
import { createIdentityResolver, type SessionEndHook } from './identity/resolve.ts';
import { createLoginRequirement } from './auth/require-login.ts';
import { createAccessStage } from './auth/access.ts';
import { createIdentityInjector } from './headers/inject.ts';
import type { Forwarder } from './proxy/forward.ts';

export interface PipelineParts {
  /** A service client's actas access token (token exchange): the acting identity, without a session. */
  resolveBearer?: Stage;
  /** Runs when a session ends by timeout or refused refresh (an impersonation ends with it). */
  onSessionEnd?: SessionEndHook;
  /** Stages added by impersonation: resolve the acting identity, then guard it. */
  resolveImpersonation?: Stage;
  guardImpersonation?: Stage;
  forwarder: Forwarder;
}

export function buildPipeline(rt: Runtime, parts: PipelineParts): Stage[] {
  return [
    createSpoofStripping(rt),          // drop every client-sent identity header
    createRouting(rt),                 // pick the upstream; public path?
    createSessionLoader(rt),           // express-session; store down → 503
    parts.resolveBearer,               // service client's act-as token; never beside a session (400)
    createIdentityResolver(rt, parts.onSessionEnd), // session user; timeouts; refresh
    parts.resolveImpersonation,        // acting as someone: target + actor; expiry
    createLoginRequirement(rt),        // no identity → login redirect or 401
    createAccessStage(rt),             // who may reach the upstreams (as the effective user)
    parts.guardImpersonation,          // read-only mode, denied paths
    createIdentityInjector(rt),        // headers + signed assertion
    parts.forwarder.forward,           // http or websocket to the upstream
  ].filter((s): s is Stage => s !== undefined);
}

/** Runs the stages in order until one answers. */
export async function runPipeline(stages: readonly Stage[], x: Exchange): Promise<void> {
  for (const stage of stages) {
    let result = stage(x);
    if (typeof result !== 'boolean') result = await result;
    if (result === DONE) return;
  }
}
