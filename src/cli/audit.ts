// `actas audit verify|tail`: checks a chain of audit files (or a Redis
// stream) and names the first broken line; shows recent events one readable
// line each, optionally following new ones. Exit 0 intact/ok, 1 broken, 2
// usage or read error.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { loadConfigFile } from '../config/load.ts';
import { ActasError } from '../errors.ts';
import { ChainVerifier } from '../audit/chain.ts';
import { GENESIS } from '../audit/canonical.ts';
import { parseEventLine } from '../audit/validate.ts';
import { linesFromEnd, listRotated } from '../audit/files.ts';
import { formatEvent } from '../audit/format.ts';
import { MAX_SCAN, matches, normaliseQuery, type NormalisedQuery } from '../audit/query.ts';
import type { AuditEvent, AuditType } from '../audit/types.ts';

export interface AuditCommandIO {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Stops `tail --follow` (default: SIGINT or SIGTERM). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** How often `tail --follow` looks at a file for new lines (ms). */
  pollInterval?: number;
}

const USAGE = `usage:
  actas audit verify [--anchor HASH] FILE [FILE...]      files of one chain, oldest first
  actas audit verify --redis URL --stream NAME [--anchor HASH]
  actas audit tail [--follow] [--type T] [--actor U] [--subject U] [--limit N]
                   (--file F | --redis URL --stream NAME | --config F)
`;

class UsageError extends Error {}

interface Out {
  line(text: string): void;
  error(text: string): void;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Runs `actas audit ...`; `argv` is what follows `audit` (a leading "audit"
 * is accepted too). Resolves to the process exit code.
 */
export async function runAuditCommand(argv: string[], io: AuditCommandIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  // `actas audit tail | head`: a reader that goes away ends the command quietly.
  const gone = new AbortController();
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') gone.abort();
  };
  stdout.on?.('error', onError);
  const out: Out = {
    line: (text) => void (gone.signal.aborted || stdout.write(`${text}\n`)),
    error: (text) => void stderr.write(`${text}\n`),
  };
  const signal = io.signal ? AbortSignal.any([io.signal, gone.signal]) : undefined;
  const args = argv[0] === 'audit' ? argv.slice(1) : argv;
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'verify':
        return await verifyCommand(rest, out);
      case 'tail':
        return await tailCommand(rest, out, { ...io, ...(signal && { signal }) }, gone.signal);
      case undefined: case '-h': case '--help': case 'help':
        stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown audit command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      out.error(`actas audit: ${(err as Error).message}`);
      stderr.write(USAGE);
      return 2;
    }
    out.error(`actas audit: ${err instanceof ActasError ? err.message : describe(err)}`);
    return 2;
  } finally {
    stdout.off?.('error', onError);
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

function anchorOf(value: string | undefined): string {
  if (value === undefined) return GENESIS;
  if (!HEX64.test(value)) throw new UsageError('--anchor: expected a 64-character lowercase hex SHA-256');
  return value;
}

// ---- verify -------------------------------------------------------------

/** Lines split on "\n" only: a stray "\r" inside a line must not renumber the rest. */
async function* fileLines(path: string): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const parts = (carry + (chunk as string)).split('\n');
    carry = parts.pop()!;
    yield* parts;
  }
  if (carry !== '') yield carry;
}

async function verifyCommand(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { anchor: { type: 'string' }, redis: { type: 'string' }, stream: { type: 'string' } },
  });
  const verifier = new ChainVerifier(anchorOf(values.anchor));
  if (values.redis !== undefined || values.stream !== undefined) {
    if (!values.redis || !values.stream || positionals.length) throw new UsageError('verify: give --redis URL and --stream NAME, and no files');
    return verifyStream(values.redis, values.stream, verifier, out);
  }
  if (positionals.length === 0) throw new UsageError('verify: name at least one file');
  for (const file of positionals) {
    try {
      if (!(await stat(file)).isFile()) throw new UsageError(`${file}: not a file`);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      out.error(`actas audit: cannot read ${file}: ${describe(err)}`);
      return 2;
    }
  }
  for (const file of positionals) {
    let n = 0;
    for await (const line of fileLines(file)) {
      n += 1;
      const problem = verifier.check(line);
      if (problem) {
        out.line(`${file}:${n}: broken: ${problem}`);
        out.line(`FAILED: the chain is intact for ${verifier.count} event(s) before ${file} line ${n}`);
        return 1;
      }
    }
  }
  out.line(`OK: ${verifier.count} event(s) in ${positionals.length} file(s); chain head ${verifier.head}`);
  return 0;
}

// No reconnect: a command-line tool reports a dead server instead of waiting.
const redisClient = (url: string) => createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5_000 } });

async function connectRedis(url: string): Promise<ReturnType<typeof redisClient>> {
  const client = redisClient(url);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function verifyStream(url: string, stream: string, verifier: ChainVerifier, out: Out): Promise<number> {
  const client = await connectRedis(url);
  try {
    let start = '-';
    let n = 0;
    for (;;) {
      const page = (await client.xRange(stream, start, '+', { COUNT: 1000 })) ?? [];
      for (const entry of page) {
        n += 1;
        const line = entry.message.event;
        const problem = verifier.check(typeof line === 'string' ? line : '');
        if (problem) {
          const hint = n === 1 && verifier.anchor === GENESIS ? ' (if the stream was trimmed by maxLen, pass --anchor with the prev of its first entry)' : '';
          out.line(`${stream}#${entry.id} (entry ${n}): broken: ${problem}${hint}`);
          out.line(`FAILED: the chain is intact for ${verifier.count} event(s) before entry ${n}`);
          return 1;
        }
      }
      if (page.length < 1000) break;
      start = `(${page.at(-1)!.id}`;
    }
    out.line(`OK: ${verifier.count} event(s) in stream ${stream}; chain head ${verifier.head}`);
    return 0;
  } finally {
    client.destroy();
  }
}

// ---- tail ---------------------------------------------------------------

type Source = { kind: 'file'; path: string } | { kind: 'redis'; url: string; stream: string };

function sourceOf(values: { file?: string | undefined; redis?: string | undefined; stream?: string | undefined; config?: string | undefined }, env: NodeJS.ProcessEnv): Source {
  const given = [values.file !== undefined, values.redis !== undefined, values.config !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('tail: give exactly one of --file, --redis (with --stream) or --config');
  if (values.file !== undefined) return { kind: 'file', path: values.file };
  if (values.redis !== undefined) {
    if (!values.stream) throw new UsageError('tail: --redis needs --stream');
    return { kind: 'redis', url: values.redis, stream: values.stream };
  }
  const config = loadConfigFile(values.config!, env);
  const sink = config.audit.sinks.find((s) => s.type === 'file' || s.type === 'redis-stream');
  if (!sink) throw new UsageError(`tail: ${values.config} has no file or redis-stream audit sink`);
  if (sink.type === 'file') return { kind: 'file', path: sink.path };
  if (sink.type === 'redis-stream') return { kind: 'redis', url: sink.url ?? config.session.redis.url, stream: sink.stream };
  throw new UsageError('tail: unsupported sink');
}

async function tailCommand(argv: string[], out: Out, io: AuditCommandIO, gone: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      follow: { type: 'boolean', short: 'f', default: false },
      type: { type: 'string' },
      actor: { type: 'string' },
      subject: { type: 'string' },
      limit: { type: 'string', short: 'n' },
      file: { type: 'string' },
      redis: { type: 'string' },
      stream: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new UsageError('--limit: expected a whole number');
  let query: NormalisedQuery;
  try {
    query = normaliseQuery({
      ...(values.type !== undefined && { type: values.type as AuditType }),
      ...(values.actor !== undefined && { actor: values.actor }),
      ...(values.subject !== undefined && { subject: values.subject }),
      limit: values.limit !== undefined ? Number(values.limit) : 20,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const source = sourceOf(values, io.env ?? process.env);
  const stop = stopSignal(io.signal, gone);
  try {
    const print = (event: AuditEvent): void => out.line(formatEvent(event));
    if (source.kind === 'file') return await tailFile(source.path, query, values.follow, print, out, stop.signal, io.pollInterval ?? 500);
    return await tailStream(source.url, source.stream, query, values.follow, print, stop.signal);
  } finally {
    stop.dispose();
  }
}

function stopSignal(given: AbortSignal | undefined, gone: AbortSignal): { signal: AbortSignal; dispose(): void } {
  if (given) return { signal: given, dispose: () => undefined };
  const controller = new AbortController();
  gone.addEventListener('abort', () => controller.abort(), { once: true });
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  if (signal.aborted) return resolve();
  const timer = setTimeout(done, ms);
  function done(): void {
    clearTimeout(timer);
    signal.removeEventListener('abort', done);
    resolve();
  }
  signal.addEventListener('abort', done, { once: true });
});

async function tailFile(path: string, query: NormalisedQuery, follow: boolean, print: (e: AuditEvent) => void, out: Out, signal: AbortSignal, pollInterval: number): Promise<number> {
  // A snapshot first: the current file up to its present end and the rotated
  // files present now are shown; following starts exactly after them.
  let fh = await open(path, 'r').catch(() => undefined);
  let position = fh ? (await fh.stat()).size : 0;
  const followedIno = fh ? (await fh.stat()).ino : undefined;
  const rotatedAtStart = await listRotated(path);
  try {
    const recent: AuditEvent[] = [];
    let scanned = 0;
    let foreign = 0;
    const snapshot = async function* (): AsyncGenerator<string> {
      if (fh) yield* linesFromEnd(fh, position);
      for (const file of [...rotatedAtStart].reverse()) {
        // Rotated just after it was opened: it is the followed file, already read.
        if (followedIno !== undefined && (await stat(file).catch(() => undefined))?.ino === followedIno) continue;
        yield* linesFromEnd(file);
      }
    };
    for await (const line of snapshot()) {
      if (++scanned > MAX_SCAN) break;
      const event = parseEventLine(line);
      if (!event) {
        foreign += 1;
        continue;
      }
      if (matches(event, query)) recent.push(event);
      if (recent.length >= query.limit) break;
    }
    for (const event of recent.reverse()) print(event);
    if (foreign) out.error(`actas audit: skipped ${foreign} line(s) that are not audit events (run verify)`);
    if (!follow) return 0;
    const known = new Set(rotatedAtStart);
    let carry = '';
    while (!signal.aborted) {
      if (fh) {
        const { size } = await fh.stat();
        if (size > position) {
          const buf = Buffer.alloc(size - position);
          const { bytesRead } = await fh.read(buf, 0, buf.length, position);
          position += bytesRead;
          const parts = (carry + buf.toString('utf8', 0, bytesRead)).split('\n');
          carry = parts.pop()!;
          for (const line of parts) {
            const event = parseEventLine(line);
            if (event && matches(event, query)) print(event);
          }
          continue; // read on before looking for a rotation
        }
      }
      // Rotated (renamed away) or created since: switch once the old file is
      // read out, reading first any file that was created and rotated away
      // between two looks.
      const current = await stat(path).catch(() => undefined);
      const mine = fh ? await fh.stat() : undefined;
      if (current && (!mine || current.ino !== mine.ino || current.dev !== mine.dev)) {
        await fh?.close();
        fh = await open(path, 'r').catch(() => undefined);
        position = 0;
        carry = '';
        const skip = new Set([mine?.ino, fh ? (await fh.stat()).ino : undefined]);
        for (const file of await listRotated(path)) {
          if (known.has(file)) continue;
          known.add(file);
          const info = await stat(file).catch(() => undefined);
          if (!info || skip.has(info.ino)) continue;
          for await (const line of fileLines(file)) {
            const event = parseEventLine(line);
            if (event && matches(event, query)) print(event);
          }
        }
        continue;
      }
      await sleep(pollInterval, signal);
    }
    return 0;
  } finally {
    await fh?.close();
  }
}

async function tailStream(url: string, stream: string, query: NormalisedQuery, follow: boolean, print: (e: AuditEvent) => void, signal: AbortSignal): Promise<number> {
  const client = await connectRedis(url);
  try {
    const recent: AuditEvent[] = [];
    let lastId = '0-0';
    let end = '+';
    let scanned = 0;
    outer: for (;;) {
      const page = (await client.xRevRange(stream, end, '-', { COUNT: 500 })) ?? [];
      for (const entry of page) {
        if (lastId === '0-0') lastId = entry.id;
        if (++scanned > MAX_SCAN) break outer;
        const line = entry.message.event;
        const event = typeof line === 'string' ? parseEventLine(line) : undefined;
        if (event && matches(event, query)) recent.push(event);
        if (recent.length >= query.limit) break outer;
      }
      if (page.length < 500) break;
      end = `(${page.at(-1)!.id}`;
    }
    for (const event of recent.reverse()) print(event);
    while (follow && !signal.aborted) {
      // A short block so an abort is noticed within a second.
      const reply = await client.xRead({ key: stream, id: lastId }, { BLOCK: 1_000, COUNT: 500 });
      const batches = (reply ?? []) as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }>;
      for (const batch of batches) {
        for (const entry of batch.messages) {
          lastId = entry.id;
          const event = typeof entry.message.event === 'string' ? parseEventLine(entry.message.event) : undefined;
          if (event && matches(event, query)) print(event);
        }
      }
    }
    return 0;
  } finally {
    client.destroy();
  }
}
