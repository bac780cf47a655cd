// The audit events JSON endpoint, for users in impersonation.auditors only.
import { Router } from 'express';
import type { Runtime } from '../runtime.ts';
import type { Policy } from './policy.ts';
import { createAuditEventsHandler } from '../audit/http.ts';
import { sendProblem } from '../console/error-page.ts';
import { scopeOf } from '../scope.ts';

export function createAuditRoutes(rt: Runtime, policy: Policy): Router {
  const router = Router();
  const events = createAuditEventsHandler(rt.audit);
  router.get('/audit/events', async (req, res) => {
    const user = req.session.user;
    if (!user || !policy.isAuditor(user)) {
      return void sendProblem(req, res, { status: user ? 403 : 401, code: user ? 'not-auditor' : 'unauthenticated', title: 'Not allowed', detail: 'Only auditors may read the audit log.', requestId: scopeOf(req).requestId });
    }
    await events(req, res);
  });
  return router;
}
