// Ends impersonations on time even when the operator sends nothing: each
// replica periodically claims expired entries of the shared index (only one
// replica wins each claim and writes impersonation.expire), and closes the
// local websockets of impersonations that expired or were revoked anywhere.
import type { Runtime } from '../runtime.ts';
import type { ActiveIndex } from './types.ts';
import type { SocketRegistry } from '../proxy/websockets.ts';
import type { SharedState } from '../session/shared-state.ts';

export function startSweeper(rt: Runtime, active: ActiveIndex, state: SharedState, sockets: SocketRegistry, everyMs = 1_000): { stop(): void } {
  const log = rt.logger.child({ component: 'impersonation' });
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const now = Date.now();
      for (const entry of await active.list()) {
        if (entry.expiresAt > now) continue;
        if (!(await state.hashDelete('impersonations', entry.id))) continue; // another replica claimed it
        sockets.closeTagged(entry.id);
        await rt.audit.record({
          type: 'impersonation.expire', outcome: 'success', actor: entry.actor, subject: entry.target, reason: entry.reason,
          mode: entry.mode, expiresAt: entry.expiresAt, impersonationId: entry.id, reasons: ['expired'],
        }).catch(() => undefined);
        log.info({ id: entry.id, actor: entry.actor.user, target: entry.target.user }, 'impersonation expired');
      }
      const live = new Set((await active.list()).map((e) => e.id));
      for (const tag of sockets.tags()) if (!live.has(tag)) sockets.closeTagged(tag);
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'impersonation sweep failed; retrying');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
