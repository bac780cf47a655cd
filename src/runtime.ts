// The long-lived services one actas process builds at start and every stage
// and route shares. Built once in server.ts; nothing here is per request.
import type { Config } from './config/schema.ts';
import type { Logger } from './ops/logger.ts';
import type { SessionLayer } from './session/middleware.ts';
import type { OidcClient } from './auth/oidc.ts';
import type { RedisConnection } from './session/redis.ts';
import type { EffectiveIdentity, UserIdentity } from './identity/types.ts';

/** The audit log as the request path uses it (implemented in src/audit). */
export interface AuditRecorder {
  record(input: AuditInput): Promise<void>;
  health(): Promise<{ ok: boolean; backlog: number }>;
  close(): Promise<void>;
}

export interface AuditInput {
  type: string;
  outcome: string;
  requestId?: string;
  sessionId?: string;
  ip?: string;
  userAgent?: string;
  actor?: Pick<UserIdentity, 'sub' | 'user' | 'email'>;
  subject?: Pick<UserIdentity, 'sub' | 'user' | 'email'>;
  reason?: string;
  mode?: string;
  expiresAt?: number;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  upstream?: string;
  reasons?: string[];
  impersonationId?: string;
}

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
