#!/usr/bin/env node
// The actas command: serve (default), demo, check-config, keygen, audit.
// A user mistake prints a clear message and exits non-zero, never a stack.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ActasError, ConfigError } from './errors.ts';
import { loadConfigFile, redactConfig } from './config/load.ts';
import { createLogger } from './ops/logger.ts';

const USAGE = `usage:
  actas [serve] --config FILE      run the proxy
  actas demo                       IdP + sample app + actas on loopback (memory store)
  actas check-config --config FILE validate and print the resolved config (secrets redacted)
  actas keygen --alg ES256|RS256|EdDSA --out FILE [--kid KID] [--force]
  actas audit verify FILE...       check the audit hash chain
  actas audit tail [--follow] [--type T] [--actor U] (--file F | --redis URL --stream S | --config F)
  actas --version | --help`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Stops cleanly on SIGTERM/SIGINT: stop accepting, let in-flight requests finish. */
function onSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: give up waiting
    stopping = true;
    process.stderr.write(`actas: ${signal} received, shutting down\n`);
    close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) throw new ConfigError(['--config: a config file is required (see config/actas.example.yaml)']);
  const config = loadConfigFile(values.config);
  const { createActas } = await import('./server.ts');
  const actas = await createActas(config, { logger: createLogger(config.log.level) });
  await actas.listen();
  onSignals(() => actas.close());
  return -1; // keep running
}

async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, quiet: { type: 'boolean' } } });
  const { startDemo, describeDemo } = await import('./demo/run.ts');
  const running = await startDemo({ ports: { proxy: values.port ? Number(values.port) : 8080 }, logLevel: values.quiet ? 'warn' : 'info' });
  process.stdout.write(describeDemo(running));
  onSignals(() => running.close());
  return -1;
}

async function checkConfig(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) throw new ConfigError(['--config: a config file is required']);
  const config = loadConfigFile(values.config);
  process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\nconfiguration is valid\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    case '--version':
      process.stdout.write(`actas ${version()}\n`);
      return 0;
    case 'serve':
      return serve(rest);
    case 'demo':
      return demo(rest);
    case 'check-config':
      return checkConfig(rest);
    case 'keygen':
      return (await import('./cli/keygen.ts')).runKeygenCommand(rest);
    case 'audit':
      return (await import('./cli/audit.ts')).runAuditCommand(rest);
    default:
      if (command.startsWith('-')) return serve(argv);
      process.stderr.write(`actas: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exitCode = code;
  }, (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`actas: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof ActasError || (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`actas: ${(err as Error).message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`actas: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  });
}
