// pino JSON logger: one child per component, secrets redacted by path so a
// cookie, token or password never reaches a log line.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-actas-jwt-assertion"]',
  'res.headers["set-cookie"]',
  '*.clientSecret',
  '*.secret',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  'headers.cookie',
  'headers.authorization',
];

/**
 * Creates the root logger. `destination` is for tests (defaults to stdout).
 * Stdout is written asynchronously: a synchronous write per request line
 * costs a syscall on the hot path; lines written meanwhile go out together.
 * Call `flushLogger` before exiting.
 */
export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { svc: 'actas' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** Writes out what the logger still holds (before exit). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
