// GET /.actas/audit/events: recent audit events as JSON for auditors. The
// caller mounts it behind the auditor check; this handler only validates the
// query (every parameter known, given once, well-formed) and answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ActasError } from '../errors.ts';
import type { AuditLog, AuditQuery, AuditType } from './types.ts';
import { normaliseQuery } from './query.ts';

const PARAMS = new Set(['type', 'actor', 'subject', 'since', 'until', 'impersonationId', 'limit']);

function send(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(head ? undefined : text);
}

class QueryError extends Error {}

/** Reads the query string strictly: unknown or repeated parameters are errors. */
function parseQuery(url: string): AuditQuery {
  const search = new URL(url, 'http://localhost').searchParams;
  const filter: AuditQuery = {};
  const seen = new Set<string>();
  for (const [key, value] of search) {
    if (!PARAMS.has(key)) throw new QueryError(`${key}: unknown parameter`);
    if (seen.has(key)) throw new QueryError(`${key}: given more than once`);
    seen.add(key);
    if (value === '') continue; // an empty field of a form means "any"
    switch (key) {
      case 'limit':
        if (!/^\d{1,4}$/.test(value)) throw new QueryError('limit: expected an integer from 1 to 1000');
        filter.limit = Number(value);
        break;
      case 'type':
        filter.type = value as AuditType;
        break;
      case 'actor': case 'subject': case 'since': case 'until': case 'impersonationId':
        filter[key] = value;
        break;
    }
  }
  return filter;
}

/**
 * A handler for `GET /.actas/audit/events?type=&actor=&subject=&since=&until=&impersonationId=&limit=`.
 * Answers `{ events: [...] }` newest first, 400 `{ error, reason }` for a bad
 * query, 405 for other methods and 503 when no sink can be read.
 */
export function createAuditEventsHandler(audit: AuditLog): (req: IncomingMessage & { query?: unknown }, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, { error: 'method-not-allowed', reason: 'use GET' });
      return;
    }
    let filter: AuditQuery;
    try {
      // The raw query string is read, not a framework's parsed req.query, so
      // repeated and unknown parameters are seen and refused.
      filter = parseQuery(req.url ?? '/');
      normaliseQuery(filter);
    } catch (err) {
      if (err instanceof QueryError || (err instanceof ActasError && err.status === 400)) {
        send(res, 400, { error: 'bad-request', reason: (err as Error).message }, head);
        return;
      }
      throw err;
    }
    try {
      const events = await audit.query(filter);
      send(res, 200, { events }, head);
    } catch (err) {
      if (err instanceof ActasError && err.expose) {
        send(res, err.status, { error: 'bad-request', reason: err.message }, head);
      } else if (err instanceof ActasError && err.status === 503) {
        send(res, 503, { error: 'audit-unavailable', reason: 'the audit log cannot be read right now' }, head);
      } else {
        throw err;
      }
    }
  };
}
