// `actas keygen`: makes one assertion signing key and writes it with mode 0600,
// never over an existing file unless --force (then atomically, by rename).
// JWK by default (carries its kid); PKCS#8 PEM with --format pem.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ASSERTION_ALGS, generateKey, thumbprintOf, type AssertionAlg } from '../headers/keys.ts';

const USAGE = `usage: actas keygen --alg ES256|RS256|EdDSA --out FILE [--kid KID] [--format jwk|pem] [--force]

Writes a new private key for the identity assertion (mode 0600). List the file
first under identity.assertion.keys to sign with it; keep the previous key after
it for a while so tokens it signed still verify.
  --alg      ES256 (default), RS256 (2048-bit) or EdDSA (Ed25519)
  --out      file to write; an existing file is kept unless --force
  --kid      key id for the JWK (default: its RFC 7638 thumbprint)
  --format   jwk (default) or pem (PKCS#8; its kid is always the thumbprint)
  --force    replace an existing file
`;

interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }

/** Writes `data` to `file` with mode 0600; refuses an existing file unless `force`. */
function writeSecretFile(file: string, data: string, force: boolean): void {
  if (!force) {
    writeFileSync(file, data, { mode: 0o600, flag: 'wx' });
    return;
  }
  // A temporary sibling then rename: the old key stays whole until the new one is.
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Runs `actas keygen` with the arguments that follow `keygen`. Returns the exit
 * code: 0 written, 1 the file could not be written, 2 a usage mistake.
 */
export async function runKeygenCommand(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        alg: { type: 'string', default: 'ES256' },
        out: { type: 'string' },
        kid: { type: 'string' },
        format: { type: 'string', default: 'jwk' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`actas keygen: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!(ASSERTION_ALGS as readonly string[]).includes(values.alg)) problems.push(`--alg must be one of ${ASSERTION_ALGS.join(', ')}`);
  if (!values.out) problems.push('--out FILE is required');
  if (values.format !== 'jwk' && values.format !== 'pem') problems.push('--format must be jwk or pem');
  if (values.kid !== undefined && values.kid.trim() === '') problems.push('--kid must not be empty');
  if (values.kid !== undefined && values.format === 'pem') problems.push('--kid needs --format jwk (a PEM file has no room for a kid)');
  if (problems.length) {
    io.stderr.write(`actas keygen: ${problems.join('\n  ')}\n\n${USAGE}`);
    return 2;
  }
  const alg = values.alg as AssertionAlg;
  const out = values.out!;
  const key = generateKey(alg);
  const kid = values.kid ?? (await thumbprintOf(key));
  const data = values.format === 'pem'
    ? String(key.export({ format: 'pem', type: 'pkcs8' }))
    : `${JSON.stringify({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' }, null, 2)}\n`;
  try {
    writeSecretFile(out, data, values.force);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(code === 'EEXIST'
      ? `actas keygen: ${out} already exists; pass --force to replace it\n`
      : `actas keygen: cannot write ${out}: ${code ?? (err as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`wrote ${alg} signing key (kid ${kid}) to ${out} with mode 0600; list it first under identity.assertion.keys\n`);
  return 0;
}
