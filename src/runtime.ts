// The long-lived services one actas process builds at start and every stage
// and route shares. Built once in server.ts; nothing here is per request.
import type { Config } from './config/schema.ts';
import type { Logger } from './ops/logger.ts';
import type { SessionLayer } from './session/middleware.ts';
import type { OidcClient } from './auth/oidc.ts';
import type { RedisConnection } from './session/redis.ts';
import type { EffectiveIdentity } from './identity/types.ts';
import type { AuditEventInput, AuditLog } from './audit/index.ts';

/** The audit log (src/audit): record, health, query, close. */
export type AuditRecorder = AuditLog;
export type AuditInput = AuditEventInput;

/** Signs the identity assertion (implemented in src/headers/assertion.ts). */
export interface AssertionSigning {
  sign(identity: EffectiveIdentity, audience: string, sessionId: string | undefined): Promise<string>;
}

export interface Runtime {
  config: Config;
  logger: Logger;
  publicOrigin: string;
  sessions: SessionLayer;
  oidc: OidcClient;
  redis?: RedisConnection;
  audit: AuditRecorder;
  signer?: AssertionSigning;
}
