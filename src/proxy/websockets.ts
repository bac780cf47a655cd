// Open websocket connections by session (and by impersonation), so that
// ending a session or an impersonation closes the sockets opened under it.
import type { Duplex } from 'node:stream';

export class SocketRegistry {
  readonly #bySession = new Map<string, Set<Duplex>>();
  readonly #byTag = new Map<string, Set<Duplex>>();

  /** `tag` is the impersonation id when the socket was opened while acting as someone. */
  add(sessionId: string, socket: Duplex, tag?: string): void {
    const sets: Array<[Map<string, Set<Duplex>>, string]> = [[this.#bySession, sessionId]];
    if (tag) sets.push([this.#byTag, tag]);
    for (const [map, key] of sets) {
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(socket);
      const s = set;
      socket.once('close', () => {
        s.delete(socket);
        if (s.size === 0 && map.get(key) === s) map.delete(key);
      });
    }
  }

  /** Closes every socket of the session; returns how many were open. */
  closeSession(sessionId: string): number {
    return close(this.#bySession, sessionId);
  }

  /** Closes every socket opened under one impersonation. */
  closeTagged(tag: string): number {
    return close(this.#byTag, tag);
  }

  /** Impersonation ids with open sockets here. */
  tags(): string[] {
    return [...this.#byTag.keys()];
  }

  closeAll(): void {
    for (const id of [...this.#bySession.keys()]) this.closeSession(id);
  }
}

function close(map: Map<string, Set<Duplex>>, key: string): number {
  const set = map.get(key);
  if (!set) return 0;
  map.delete(key);
  for (const socket of set) socket.destroy();
  return set.size;
}
