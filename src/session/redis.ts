// One Redis connection for everything actas keeps in Redis. Commands fail at
// once while the connection is down (no offline queue), so callers fail
// closed instead of hanging; the client reconnects by itself.
import { createClient } from 'redis';
import type { Logger } from '../ops/logger.ts';
import { UnavailableError } from '../errors.ts';

/** A connected node-redis client with the default modules. */
export type RedisConnection = ReturnType<typeof createRedisClient>;

function createRedisClient(url: string, connectTimeout: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
}

/** Connects (bounded by connectTimeout); rejects when Redis does not answer at start. */
export async function connectRedis(url: string, connectTimeout: number, logger: Logger): Promise<RedisConnection> {
  const client = createRedisClient(url, connectTimeout);
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.error({ err: { message: err.message } }, 'redis connection lost');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
  // connect() keeps retrying while Redis is down; at start we want a clear answer.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeout} ms`)), connectTimeout + 500);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (err) {
    client.destroy();
    throw new UnavailableError('ERR_ACTAS_REDIS_UNREACHABLE', `cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`, err);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//[redacted]@');
}
