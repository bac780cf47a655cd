// Builds the configured sinks, in config order. A redis-stream sink without a
// URL uses the session store's Redis.
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../ops/logger.ts';
import type { Sink } from './types.ts';
import { FileSink } from './file.ts';
import { StdoutSink } from './stdout.ts';
import { RedisStreamSink } from './redis-stream.ts';
import { WebhookSink } from './webhook.ts';

/** One sink per entry of `config.audit.sinks`. */
export function createSinks(config: Config, logger: Logger, stdout?: NodeJS.WritableStream): Sink[] {
  return config.audit.sinks.map((s): Sink => {
    switch (s.type) {
      case 'file':
        return new FileSink({ path: s.path, maxBytes: s.maxBytes, required: s.required }, logger);
      case 'stdout':
        return new StdoutSink(s.required, stdout);
      case 'redis-stream':
        return new RedisStreamSink({
          url: s.url ?? config.session.redis.url,
          stream: s.stream,
          maxLen: s.maxLen,
          required: s.required,
          connectTimeout: config.session.redis.connectTimeout,
          timeout: config.audit.writeTimeout,
        }, logger);
      case 'webhook':
        return new WebhookSink({
          url: s.url,
          headers: s.headers,
          batchSize: s.batchSize,
          flushInterval: s.flushInterval,
          required: s.required,
          timeout: config.audit.writeTimeout,
        });
    }
  });
}
