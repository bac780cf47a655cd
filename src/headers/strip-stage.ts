// Stage: strip spoofable identity headers first, on every path (public ones
// too), and pin X-Forwarded-Proto to the public scheme for the session layer.
import type { Exchange, StageResult } from '../stage.ts';
import { NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { createIdentityStripper } from './strip.ts';

export function createSpoofStripping(rt: Runtime) {
  const strip = createIdentityStripper(rt.config);
  const proto = new URL(rt.config.publicUrl).protocol.slice(0, -1);
  return function stripSpoofableHeaders(x: Exchange): StageResult {
    strip(x.req);
    x.req.headers['x-forwarded-proto'] = proto;
    return NEXT;
  };
}
