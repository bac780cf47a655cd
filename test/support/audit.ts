// Reads the audit file the way an auditor would. Request events are written
// without blocking the response, so readers wait (bounded) for what they expect.
import { readFileSync, existsSync } from 'node:fs';

export interface AuditLine {
  type: string;
  outcome: string;
  actor?: { sub: string; user: string; email?: string };
  subject?: { sub: string; user: string; email?: string };
  reason?: string;
  mode?: string;
  method?: string;
  path?: string;
  status?: number;
  reasons?: string[];
  impersonationId?: string;
  [key: string]: unknown;
}

export function readAudit(file: string): AuditLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
}

/** Waits up to `timeoutMs` until `ready(events)` holds; returns the events either way. */
export async function waitForAudit(file: string, ready: (events: AuditLine[]) => boolean, timeoutMs = 5_000): Promise<AuditLine[]> {
  const deadline = Date.now() + timeoutMs;
  let events = readAudit(file);
  while (!ready(events) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    events = readAudit(file);
  }
  return events;
}
