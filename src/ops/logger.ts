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

/** Lines are written in batches of this many bytes, or at least every FLUSH_EVERY_MS. */
const BATCH_BYTES = 8 * 1024;
const FLUSH_EVERY_MS = 500;

/**
 * Creates the root logger. `destination` is for tests (defaults to stdout).
 * Stdout is written asynchronously and in batches: a write per request line
 * costs a syscall on the hot path. A timer writes out what waits at least
 * every half second; call `flushLogger` before exiting.
 */
export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { svc: 'actas' }, redact: { paths: REDACT, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  setInterval(() => {
    try { stdout.flush(); } catch { /* nothing waiting, or a write in flight: the next tick writes it */ }
  }, FLUSH_EVERY_MS).unref();
  return pino(options, stdout);
}

/** Writes out what the logger still holds (before exit). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
