// Where a file sink's chain lives on disk: the current file and its rotated
// predecessors, named `<stem>-<UTC yyyyMMddTHHmmssSSS>Z<ext>` so that a
// sorted listing (and a shell glob) gives them oldest first, current last.
// Also reads a file's lines from the end without loading it whole.
import { open, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

const CHUNK = 64 * 1024;

function parts(path: string): { dir: string; stem: string; ext: string } {
  const ext = extname(path);
  return { dir: dirname(path), stem: basename(path, ext), ext };
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** The name a current file takes when rotated at `date`. */
export function rotatedName(path: string, date: Date): string {
  const { dir, stem, ext } = parts(path);
  return join(dir, `${stem}-${stamp(date)}${ext}`);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rotated files of `path`, oldest first (not including `path` itself). */
export async function listRotated(path: string): Promise<string[]> {
  const { dir, stem, ext } = parts(path);
  const pattern = new RegExp(`^${escapeRe(stem)}-\\d{8}T\\d{9}Z${escapeRe(ext)}$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => pattern.test(n)).sort().map((n) => join(dir, n));
}

/** Rotated files then the current one (when it exists): the whole chain in order. */
export async function listChainFiles(path: string): Promise<string[]> {
  const files = await listRotated(path);
  try {
    if ((await stat(path)).isFile()) files.push(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return files;
}

/**
 * Yields the file's non-empty lines, last first, reading 64 KiB chunks from
 * the end. Splits on the newline byte, which never occurs inside a UTF-8
 * sequence, so a chunk boundary cannot break a character. `end` stops the
 * read at that byte offset (what was there at a known moment).
 */
export async function* linesFromEnd(source: string | FileHandle, end?: number): AsyncGenerator<string> {
  let fh: FileHandle;
  if (typeof source === 'string') {
    try {
      fh = await open(source, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
  } else {
    fh = source;
  }
  try {
    let position = Math.min(end ?? Infinity, (await fh.stat()).size);
    let carry: Buffer = Buffer.alloc(0);
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await fh.read(chunk, 0, length, position);
      const buf = carry.length ? Buffer.concat([chunk, carry]) : chunk;
      let lineEnd = buf.length;
      for (let i = buf.length - 1; i >= 0; i -= 1) {
        if (buf[i] !== 0x0a) continue;
        if (lineEnd > i + 1) yield buf.toString('utf8', i + 1, lineEnd);
        lineEnd = i;
      }
      carry = Buffer.from(buf.subarray(0, lineEnd));
    }
    if (carry.length) yield carry.toString('utf8');
  } finally {
    // A handle passed in stays open: it belongs to the caller.
    if (typeof source === 'string') await fh.close();
  }
}

/** Yields lines of every file of the chain, newest file and newest line first. */
export async function* chainLinesFromEnd(path: string): AsyncGenerator<string> {
  const files = await listChainFiles(path);
  for (let i = files.length - 1; i >= 0; i -= 1) yield* linesFromEnd(files[i]!);
}
