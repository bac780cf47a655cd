// Open websocket connections by session, so that ending a session (logout,
// release, revocation, expiry) closes the sockets it opened.
import type { Duplex } from 'node:stream';

export class SocketRegistry {
  readonly #bySession = new Map<string, Set<Duplex>>();

  add(sessionId: string, socket: Duplex): void {
    let set = this.#bySession.get(sessionId);
    if (!set) this.#bySession.set(sessionId, (set = new Set()));
    set.add(socket);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.#bySession.get(sessionId) === set) this.#bySession.delete(sessionId);
    });
  }

  /** Closes every socket of the session; returns how many were open. */
  closeSession(sessionId: string): number {
    const set = this.#bySession.get(sessionId);
    if (!set) return 0;
    this.#bySession.delete(sessionId);
    for (const socket of set) socket.destroy();
    return set.size;
  }

  sessionIds(): string[] {
    return [...this.#bySession.keys()];
  }

  get size(): number {
    let n = 0;
    for (const set of this.#bySession.values()) n += set.size;
    return n;
  }

  closeAll(): void {
    for (const id of [...this.#bySession.keys()]) this.closeSession(id);
  }
}
