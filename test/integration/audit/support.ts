// Shared pieces for the audit tests: a valid config around an audit section,
// temp dirs, a log capture, bounded waiting, a private redis-server that can
// be stopped and restarted, and a webhook receiver on a real port.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { TestContext } from 'node:test';
import { resolveConfig } from '../../../src/config/load.ts';
import type { Config, ConfigInput } from '../../../src/config/schema.ts';
import { createLogger, type Logger } from '../../../src/ops/logger.ts';
import { registry } from '../../../src/ops/metrics.ts';

export const REDIS_URL = process.env.ACTAS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A resolved config whose audit section is `audit`; retries are fast for tests. */
export function auditConfig(audit: NonNullable<ConfigInput['audit']>, redisUrl = REDIS_URL): Config {
  return resolveConfig({
    publicUrl: 'http://127.0.0.1:8080',
    oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'actas' },
    session: { secret: 'test-session-secret-'.padEnd(40, 'x'), redis: { url: redisUrl, connectTimeout: 500 } },
    upstreams: [{ name: 'app', url: 'http://127.0.0.1:1' }],
    audit: { retryDelay: 20, maxRetryDelay: 150, requiredTimeout: 3_000, writeTimeout: 2_000, ...audit },
  }, { env: {} });
}

const leftovers = new Set<string>();
let sweepOnExit = false;

/**
 * A fresh temp directory, removed after the test. after-hooks run in the order
 * they were added and a throwing one skips the rest, so this one never throws
 * (a log closed later may still be writing); whatever is left is removed when
 * the test process exits.
 */
export async function tempDir(t: TestContext, name = 'actas-audit-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), name));
  leftovers.add(dir);
  if (!sweepOnExit) {
    sweepOnExit = true;
    process.once('exit', () => {
      for (const d of leftovers) rmSync(d, { recursive: true, force: true });
    });
  }
  t.after(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).then(() => leftovers.delete(dir), () => undefined);
  });
  return dir;
}

/** A connected client and a unique stream key, both cleaned up after the test. */
export async function redisStream(t: TestContext, label: string) {
  const stream = uniqueKey(label);
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  t.after(async () => {
    await client.del(stream).catch(() => undefined);
    client.destroy();
  });
  return { client, stream };
}

/** A unique Redis key for one test. */
export function uniqueKey(label: string): string {
  return `actas:test:${label}:${randomBytes(6).toString('hex')}`;
}

/** A logger whose JSON lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('debug', sink);
  return {
    logger,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Polls `check` every `interval` ms until it holds; fails after `timeout` ms. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeout = 10_000, interval = 20): Promise<void> {
  const rounds = Math.ceil(timeout / interval);
  for (let i = 0; i < rounds; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
}

/** The value of a metric with the given labels (0 when absent). */
export async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return hit?.value ?? 0;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
}

/**
 * A redis-server of the test's own, on a free port, persisting every write
 * (AOF, fsync always) so a kill and restart keeps the stream as it was.
 */
export async function privateRedis(t: TestContext): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await tempDir(t, 'actas-redis-');
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    await waitFor(`redis-server on port ${port}`, () => canConnect(port), 10_000, 50);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  t.after(stop);
  return {
    port, url: `redis://127.0.0.1:${port}`, stop, start,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
  };
}

export interface Receiver {
  port: number;
  url: string;
  /** Every event received, in arrival order (batches flattened). */
  events: Array<Record<string, unknown>>;
  /** Raw request bodies. */
  bodies: string[];
  /** Answer the next `n` POSTs with this status instead of 204 (0: accept again). */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
  /** Listens again on the same port. */
  reopen(): Promise<void>;
}

/** A webhook endpoint on a real port that records the JSON arrays POSTed to it. */
export async function webhookReceiver(t: TestContext, port = 0): Promise<Receiver> {
  let failures = 0;
  let failStatus = 503;
  const receiver: Receiver = {
    port: 0,
    url: '',
    events: [],
    bodies: [],
    failNext(n, status = 503) {
      failures = n;
      failStatus = status;
    },
    close: async () => undefined,
    reopen: async () => undefined,
  };
  let server: Server | undefined;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        res.writeHead(failStatus).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.bodies.push(body);
      receiver.events.push(...(JSON.parse(body) as Array<Record<string, unknown>>));
      res.writeHead(204).end();
    });
  };
  const listen = (p: number): Promise<void> => new Promise((resolve, reject) => {
    server = createServer(handler);
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => {
      receiver.port = (server!.address() as { port: number }).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/ingest`;
      resolve();
    });
  });
  receiver.close = () => new Promise((resolve) => {
    if (!server) return resolve();
    const s = server;
    server = undefined;
    s.close(() => resolve());
    s.closeAllConnections();
  });
  receiver.reopen = () => listen(receiver.port);
  await listen(port);
  t.after(() => receiver.close());
  return receiver;
}
