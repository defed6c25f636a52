/**
 * Atomic file replacement: a reader sees either the old file or the complete new one, never a torn
 * write, even if the process dies midway (a half-written checkpoint would otherwise fail to load, or
 * worse, load).
 *
 * How: write a temp file in the SAME directory (rename is only atomic within one file system), fsync it
 * (so its bytes are on disk before the rename makes it visible), rename it over the target, then fsync
 * the directory (so the rename itself survives a crash; best effort, not possible on every platform).
 * On any failure the temp file is removed and the target is left as it was.
 *
 * What it is not: a lock. Two writers racing on one path each replace it whole; the last rename wins.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

let counter = 0;

/** Replaces (or creates) `path` with `bytes`, atomically. */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  const target = resolve(path);
  const dir = dirname(target);
  let tmp = '';
  let fd = -1;
  // pid + counter names are unique within this machine's live processes; 'wx' refuses to clobber a
  // leftover from a dead process with the same pid, and we move on to the next name.
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = join(dir, `.${basename(target)}.${process.pid}.${++counter}.tmp`);
    try {
      fd = openSync(tmp, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) {
        throw new Error(`writeFileAtomicSync: ${path}: cannot create a temp file (${(e as Error).message})`, { cause: e });
      }
    }
  }
  try {
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may not exist any more
    }
    throw new Error(`writeFileAtomicSync: ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // directories cannot be opened or fsynced on some platforms (Windows); the data itself is synced
  }
}
