// Reads the YAML config, substitutes ${ENV} references, validates it against
// the schema and reports every problem at once by option path, then freezes.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { configSchema, type Config } from './schema.ts';
import { ConfigError } from '../errors.ts';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${NAME} and ${NAME:-default} in every string; lists unset names by path. */
function substituteEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, `${path}[${i}]`, env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, path ? `${path}.${k}` : k, env, problems)]));
  }
  return value;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '') || '(root)';
}

/** Checks that span several options (the schema checks one at a time). */
function crossCheck(config: Config, problems: string[]): void {
  const seen = new Set<string>();
  config.upstreams.forEach((u, i) => {
    if (seen.has(u.name)) problems.push(`upstreams[${i}].name: duplicate upstream name "${u.name}"`);
    seen.add(u.name);
  });
  const rules = new Set<string>();
  config.impersonation.rules.forEach((r, i) => {
    if (rules.has(r.name)) problems.push(`impersonation.rules[${i}].name: duplicate rule name "${r.name}"`);
    rules.add(r.name);
  });
  const ids = new Set(config.clients.map((c) => c.id));
  config.impersonation.rules.forEach((r, i) => r.actors.clients.forEach((c, j) => {
    if (!ids.has(c)) problems.push(`impersonation.rules[${i}].actors.clients[${j}]: no client "${c}" in clients`);
  }));
  const url = new URL(config.publicUrl);
  if (url.pathname !== '/' || url.search || url.hash) problems.push('publicUrl: must be an origin with no path, such as https://app.example.org');
  const issuer = new URL(config.oidc.issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  if (issuer.protocol === 'http:' && !loopback && !config.oidc.allowInsecureIssuer) {
    problems.push('oidc.issuer: plain http is only accepted on loopback unless oidc.allowInsecureIssuer is true');
  }
}

/** Validates an already-parsed object; `baseDir` resolves relative file paths. */
export function resolveConfig(raw: unknown, options: { env?: NodeJS.ProcessEnv; baseDir?: string } = {}): Config {
  const problems: string[] = [];
  const substituted = substituteEnv(raw ?? {}, '', options.env ?? process.env, problems);
  const parsed = configSchema.safeParse(substituted);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(`${formatPath([...issue.path, key])}: unknown option`);
      } else {
        problems.push(`${formatPath(issue.path)}: ${issue.message}`);
      }
    }
    throw new ConfigError(problems);
  }
  const config = parsed.data;
  crossCheck(config, problems);
  if (problems.length) throw new ConfigError(problems);
  const base = options.baseDir ?? process.cwd();
  const abs = (p: string): string => resolve(base, p);
  config.identity.assertion.keys = config.identity.assertion.keys.map(abs);
  if (config.directory.file) config.directory.file = abs(config.directory.file);
  for (const sink of config.audit.sinks) if (sink.type === 'file') sink.path = abs(sink.path);
  const fileSink = config.audit.sinks.find((s) => s.type === 'file');
  config.audit.spoolDir = abs(config.audit.spoolDir ?? (fileSink ? join(dirname(fileSink.path), 'spool') : './audit/spool'));
  return deepFreeze(config);
}

/** Reads and validates a YAML file; relative paths in it resolve from the current directory. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  // The first YAML error is the useful one; later ones are usually its echoes.
  if (doc.errors.length) throw new ConfigError([`${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`]);
  return resolveConfig(doc.toJS(), { env });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A copy of the config with every secret replaced, for printing. */
export function redactConfig(config: Config): unknown {
  const SECRET_KEYS = new Set(['clientSecret', 'secret', 'password', 'token']);
  const walk = (v: unknown, key = ''): unknown => {
    if (SECRET_KEYS.has(key) && v !== undefined) return '[redacted]';
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    if (typeof v === 'string' && /^rediss?:\/\//.test(v)) return v.replace(/\/\/([^@/]*)@/, '//[redacted]@');
    return v;
  };
  return walk(config);
}
