// The shape of one stage of the request path: it reads and updates the
// exchange's scope, and either lets the request go on (NEXT) or has answered
// it itself (DONE). A denial is an answer, not an exception.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestScope } from './scope.ts';

/** One request on its way through actas. For websocket upgrades `upgrade` is set. */
export interface Exchange {
  req: IncomingMessage;
  /** For upgrades, a response bound to the client socket, so refusals are ordinary HTTP answers. */
  res: ServerResponse;
  scope: RequestScope;
  upgrade?: { socket: Duplex; head: Buffer };
}

export const NEXT = true;
export const DONE = false;
export type StageResult = typeof NEXT | typeof DONE;
export type Stage = (x: Exchange) => StageResult | Promise<StageResult>;
