// Runs Debian's python3 (not any pyenv one) for the PyJWT checks, which must
// be asynchronous: the JWKS server they fetch from lives in the test process.
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const PYJWT_VERIFY = fileURLToPath(new URL('./pyjwt_verify.py', import.meta.url));

/** Why PyJWT cannot run here, or undefined when it can. */
export function pyjwtMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import jwt, cryptography'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) return `${PYTHON} not runnable (${probe.error.message}); apt-get install -y python3-jwt python3-cryptography`;
  if (probe.status !== 0) return `PyJWT or cryptography missing for ${PYTHON}; apt-get install -y python3-jwt python3-cryptography`;
  return undefined;
}

/** Runs test/support/pyjwt_verify.py: exit code, stdout (the claims as JSON) and stderr. */
export function pyjwtVerify(token: string, jwksUrl: string, issuer: string, audience: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [PYJWT_VERIFY, token, jwksUrl, issuer, audience], { timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
