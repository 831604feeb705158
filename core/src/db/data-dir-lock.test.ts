import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';

describe('data dir lock', () => {
  const dirs: string[] = [];
  const makeDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'everjust-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second holder, naming the first, until it is released', () => {
    const dir = makeDir();
    const lock = lockDataDir(dir, 'everjust server');
    let refusal: unknown;
    try {
      lockDataDir(dir, 'everjust cli');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);
    expect((refusal as Error).message).toContain('everjust server');
    lock.release();
    lockDataDir(dir).release();
  });

  it('takes over a lock left by a process that died', () => {
    const dir = makeDir();
    // pid 2^22 + 1 is above Linux's pid_max default range and never alive.
    writeFileSync(join(dir, 'everjust.lock'), JSON.stringify({ pid: 4_194_305, command: 'crashed', host: hostname() }));
    const lock = lockDataDir(dir);
    lock.release();
  });
});
