// Stage: strip spoofable identity headers first, on every path (public ones
// too), before anything reads the request.
import type { Exchange, StageResult } from '../stage.ts';
import { NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { createIdentityStripper } from './strip.ts';

export function createSpoofStripping(rt: Runtime) {
  const strip = createIdentityStripper(rt.config);
  return function stripSpoofableHeaders(x: Exchange): StageResult {
    strip(x.req);
    return NEXT;
  };
}
