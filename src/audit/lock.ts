// One process per spool directory: two writers on one spool would deliver
// events twice or lose positions. A lock file holds the owner's pid; a lock
// left by a process that is gone is taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditSpoolLockedError } from './errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir`; the returned function releases it. */
export async function acquireSpoolLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new AuditSpoolLockedError(`audit spool directory ${dir} is in use by process ${owner}${owner === process.pid ? ' (this one: another audit log is open on it)' : ''}`);
    }
    await unlink(path).catch(() => undefined);
  }
  throw new AuditSpoolLockedError(`audit spool directory ${dir} could not be locked`);
}
