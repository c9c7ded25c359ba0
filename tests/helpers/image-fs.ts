/**
 * Reading a built Debian image back in end-to-end tests, without mounting it: the root partition of
 * an MBR raw image copied out, and debugfs's view of its files (mode, owners, content). Also the
 * test user kiln-test with subordinate ids (scripts/setup-test-user), made when missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cli.js';

export const TEST_USER = 'kiln-test';

/** kiln-test's uid and gid; scripts/setup-test-user runs first when it or its subordinate ids are missing. */
export function testUserIds(): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', TEST_USER]).status !== 0 || !`\n${readFileSync('/etc/subuid', 'utf8')}`.includes(`\n${TEST_USER}:`)) {
    const r = spawnSync(join(REPO, 'scripts/setup-test-user'), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const id = (flag: string) => Number(spawnSync('id', [flag, TEST_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The root partition of an MBR raw image, copied out (debugfs reads a filesystem image). */
export function rootFs(image: string, out: string): string {
  const parts = JSON.parse(spawnSync('sfdisk', ['--json', image], { encoding: 'utf8' }).stdout).partitiontable.partitions as { start: number; size: number }[];
  assert.equal(parts.length, 1, 'one partition (debian-minimal vm: MBR)');
  const r = spawnSync('dd', [`if=${image}`, `of=${out}`, 'bs=512', `skip=${parts[0]!.start}`, `count=${parts[0]!.size}`, 'status=none']);
  assert.equal(r.status, 0);
  return out;
}

/** A file's mode and owners, as debugfs reads them. */
export function stat(fs: string, path: string): { mode: number; uid: number; gid: number } {
  const out = spawnSync('debugfs', ['-R', `stat ${path}`, fs], { encoding: 'utf8' }).stdout;
  const m = /Mode:\s+0?([0-7]+).*User:\s+(\d+)\s+Group:\s+(\d+)/s.exec(out);
  assert.ok(m, `debugfs stat ${path}:\n${out}`);
  return { mode: Number.parseInt(m[1]!, 8), uid: Number(m[2]), gid: Number(m[3]) };
}

export function cat(fs: string, path: string): string {
  return spawnSync('debugfs', ['-R', `cat ${path}`, fs], { encoding: 'utf8' }).stdout;
}

/** A user's or group's id in the image's /etc/passwd or /etc/group. */
export function idOf(fs: string, file: '/etc/passwd' | '/etc/group', name: string): number {
  const line = cat(fs, file)
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  assert.ok(line, `${name} in ${file}`);
  return Number(line.split(':')[2]);
}
