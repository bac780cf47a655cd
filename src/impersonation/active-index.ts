// The active impersonations every replica can list and revoke, kept in the
// shared state. A revocation is a marker with a TTL: whichever replica
// serves the operator's next request sees it and ends the impersonation.
import type { SharedState } from '../session/shared-state.ts';
import type { ActiveImpersonation, ActiveIndex } from './types.ts';

const KEY = 'impersonations';

export function createActiveIndex(state: SharedState): ActiveIndex {
  return {
    async add(entry) { await state.hashSet(KEY, entry.id, JSON.stringify(entry)); },
    async remove(id) { await state.hashDelete(KEY, id); },
    async get(id) {
      const json = await state.hashGet(KEY, id);
      return json ? JSON.parse(json) as ActiveImpersonation : undefined;
    },
    async list() {
      const entries = Object.values(await state.hashAll(KEY)).map((j) => JSON.parse(j) as ActiveImpersonation);
      return entries.sort((a, b) => b.startedAt - a.startedAt);
    },
    async revoke(id) {
      const json = await state.hashGet(KEY, id);
      if (!json) return false;
      const entry = JSON.parse(json) as ActiveImpersonation;
      await state.setWithTtl(`revoked:${id}`, '1', Math.max(60_000, entry.expiresAt - Date.now() + 60_000));
      return state.hashDelete(KEY, id);
    },
    async isRevoked(id) { return (await state.get(`revoked:${id}`)) !== undefined; },
  };
}
