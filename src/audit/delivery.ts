// How each event type is delivered, in one table. `required` events authorise
// something: they are stored by every required sink before the caller may
// act, or the caller refuses. `buffered` events never block the caller; what a
// sink cannot take yet waits in its spool, in order, until it can.
import type { AuditType } from './types.ts';

export type DeliveryMode = 'required' | 'buffered';

export const DELIVERY: Readonly<Record<AuditType, DeliveryMode>> = Object.freeze({
  'login.success': 'buffered',
  'login.failure': 'buffered',
  'logout': 'buffered',
  // The switch takes effect only once this is on record.
  'impersonation.start': 'required',
  'impersonation.denied': 'buffered',
  // Ending an impersonation lowers privilege: it must never wait on the log.
  'impersonation.stop': 'buffered',
  'impersonation.expire': 'buffered',
  // An auditor's revocation is an authorised act on someone else's session.
  'impersonation.revoke': 'required',
  'request': 'buffered',
  'request.blocked': 'buffered',
});
