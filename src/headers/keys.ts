// Assertion keys: read from JWK or PEM files (the first signs, all are
// published), or generated in memory for the demo. Only ES256 (P-256), RS256
// (RSA >= 2048 bits) and EdDSA (Ed25519) keys are accepted, and only the public
// members of a key ever leave this file.
import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

export const ASSERTION_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

/** One key as actas uses it: `privateKey` is absent for a publish-only (retired) key. */
export interface AssertionKey {
  kid: string;
  alg: AssertionAlg;
  privateKey?: KeyObject;
  publicJwk: JWK;
  /** Where it came from, for log lines ("ephemeral" for a generated key). */
  source: string;
}

/** A key that could not be used, with a message that needs no stack trace. */
export class KeyProblem extends Error {}

const MIN_RSA_BITS = 2048;

/** The only algorithm a key may sign with, from its type; throws KeyProblem for any other key. */
export function algForKey(key: KeyObject): AssertionAlg {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ES256';
      throw new KeyProblem(`EC curve ${details.namedCurve ?? 'unknown'} is not supported (ES256 needs P-256)`);
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) throw new KeyProblem(`RSA key of ${details.modulusLength} bits is too short (at least ${MIN_RSA_BITS})`);
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new KeyProblem(`key type ${key.asymmetricKeyType ?? key.type} is not supported (use ES256, RS256 or EdDSA)`);
  }
}

const publicOf = (key: KeyObject): KeyObject => (key.type === 'public' ? key : createPublicKey(key));

// Copy members by name rather than deleting private ones: a member this list
// does not know about can never leak.
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { EC: ['crv', 'x', 'y'], RSA: ['n', 'e'], OKP: ['crv', 'x'] };

/** The public JWK of a key, with `kid`, `alg` and `use: "sig"`, and nothing private. */
export function publicJwkOf(key: KeyObject, kid: string, alg: AssertionAlg): JWK {
  const full = publicOf(key).export({ format: 'jwk' }) as Record<string, unknown>;
  const kty = String(full.kty);
  const jwk: Record<string, unknown> = { kty };
  for (const name of PUBLIC_MEMBERS[kty] ?? []) jwk[name] = full[name];
  return { ...jwk, kid, alg, use: 'sig' } as JWK;
}

/** RFC 7638 thumbprint of the public part, used as `kid` when a file names none. */
export async function thumbprintOf(key: KeyObject): Promise<string> {
  const full = publicOf(key).export({ format: 'jwk' });
  return calculateJwkThumbprint(full as JWK, 'sha256');
}

interface ParsedKey { key: KeyObject; isPrivate: boolean; kid?: string; alg?: string }

function parseJwk(text: string): ParsedKey {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new KeyProblem('not valid JSON');
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new KeyProblem('expected one JWK object');
  if ('keys' in jwk) throw new KeyProblem('a JWK Set holds several keys; list one JWK file per key');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new KeyProblem(`JWK "use" is ${JSON.stringify(jwk.use)}, expected "sig"`);
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) throw new KeyProblem('JWK "kid" must be a non-empty string');
  const isPrivate = jwk.d !== undefined;
  try {
    const input = { key: jwk as JsonWebKey, format: 'jwk' as const };
    const key = isPrivate ? createPrivateKey(input) : createPublicKey(input);
    return { key, isPrivate, kid: jwk.kid as string | undefined, alg: jwk.alg as string | undefined };
  } catch (err) {
    throw new KeyProblem(`not a usable JWK (${(err as Error).message})`);
  }
}

function parsePem(text: string): ParsedKey {
  if (text.includes('ENCRYPTED PRIVATE KEY')) throw new KeyProblem('encrypted private keys are not supported; store the key unencrypted with mode 0600');
  const isPrivate = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(text);
  try {
    return { key: isPrivate ? createPrivateKey(text) : createPublicKey(text), isPrivate };
  } catch (err) {
    throw new KeyProblem(`not a usable PEM key (${(err as Error).message})`);
  }
}

/** Parses the text of a key file (a JWK object or a PEM block); throws KeyProblem. */
export async function parseKey(text: string, source: string): Promise<AssertionKey> {
  const trimmed = text.trim();
  let parsed: ParsedKey;
  if (trimmed.startsWith('{')) parsed = parseJwk(trimmed);
  else if (trimmed.startsWith('-----BEGIN ')) parsed = parsePem(trimmed);
  else throw new KeyProblem('expected a JWK (JSON) or a PEM key');
  const alg = algForKey(parsed.key);
  if (parsed.alg !== undefined && parsed.alg !== alg) throw new KeyProblem(`JWK "alg" is ${JSON.stringify(parsed.alg)} but the key can only be used with ${alg}`);
  const kid = parsed.kid ?? (await thumbprintOf(parsed.key));
  return {
    kid,
    alg,
    ...(parsed.isPrivate ? { privateKey: parsed.key } : {}),
    publicJwk: publicJwkOf(parsed.key, kid, alg),
    source,
  };
}

/** Result of reading the configured key files: keys in order, or every problem by option path. */
export interface LoadedKeys { keys: AssertionKey[]; problems: string[]; warnings: string[] }

/**
 * Reads the configured key files. The first must hold a private key of `alg`
 * (when given); later ones may be public only (published for verification of
 * tokens signed before a rotation). Problems are returned, not thrown, so the
 * caller can report all of them at once.
 */
export async function loadKeyFiles(files: readonly string[], alg?: AssertionAlg, optionPath = 'identity.assertion.keys'): Promise<LoadedKeys> {
  const keys: AssertionKey[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const kids = new Map<string, number>();
  for (const [i, file] of files.entries()) {
    const where = `${optionPath}[${i}]`;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${where}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      continue;
    }
    let key: AssertionKey;
    try {
      key = await parseKey(text, file);
    } catch (err) {
      if (!(err instanceof KeyProblem)) throw err;
      problems.push(`${where}: ${file}: ${err.message}`);
      continue;
    }
    if (i === 0 && !key.privateKey) problems.push(`${where}: ${file}: the first key signs, so it must be a private key`);
    if (i === 0 && alg && key.alg !== alg) problems.push(`${where}: ${file}: identity.assertion.alg is ${alg} but this is a ${key.alg} key`);
    const seen = kids.get(key.kid);
    if (seen !== undefined) problems.push(`${where}: ${file}: kid "${key.kid}" is already used by ${optionPath}[${seen}]`);
    kids.set(key.kid, i);
    if (key.privateKey && process.platform !== 'win32' && (statSync(file, { throwIfNoEntry: false })?.mode ?? 0) & 0o077) {
      warnings.push(`${where}: ${file} is readable by other users; restrict it with chmod 600`);
    }
    keys.push(key);
  }
  return { keys, problems, warnings };
}

/** Generates a private key of `alg` as a KeyObject (RSA: 2048 bits). */
export function generateKey(alg: AssertionAlg): KeyObject {
  switch (alg) {
    case 'ES256': return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'RS256': return generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS }).privateKey;
    case 'EdDSA': return generateKeyPairSync('ed25519').privateKey;
  }
}

/** An in-memory key that lives as long as the process (the demo, tests, benchmarks). */
export async function generateEphemeralKey(alg: AssertionAlg = 'ES256'): Promise<AssertionKey> {
  const privateKey = generateKey(alg);
  const kid = await thumbprintOf(privateKey);
  return { kid, alg, privateKey, publicJwk: publicJwkOf(privateKey, kid, alg), source: 'ephemeral' };
}
