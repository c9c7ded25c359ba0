/**
 * Inputs for the output tests: a small root tree (files, a symlink, a 1000:1000 file of mode 0600,
 * a character device, proc/ and sys/ contents that must be left out) and a small raw disk (an MBR
 * with one partition holding an ext4 made from a directory, on a sparse file).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import type { OutputRequest } from '../../../src/outputs/types.js';

export const EPOCH = 1_700_000_000;
export const isRoot = process.getuid?.() === 0;

export function makeTree(root: string): string {
  const tree = join(root, 'tree');
  for (const d of ['etc', 'bin', 'dev', 'home/user', 'proc/1', 'sys/kernel', 'tmp']) mkdirSync(join(tree, d), { recursive: true });
  writeFileSync(join(tree, 'etc/hostname'), 'kiln-test\n');
  writeFileSync(join(tree, 'bin/sh'), '#!/bin/true\n', { mode: 0o755 });
  writeFileSync(join(tree, 'etc/big'), Buffer.alloc(300_000, 7));
  symlinkSync('hostname', join(tree, 'etc/link'));
  writeFileSync(join(tree, 'home/user/secret'), 'only for user 1000\n');
  chmodSync(join(tree, 'home/user/secret'), 0o600);
  chmodSync(join(tree, 'tmp'), 0o1777);
  writeFileSync(join(tree, 'proc/1/status'), 'must not be in the outputs\n');
  writeFileSync(join(tree, 'sys/kernel/junk'), 'must not be in the outputs\n');
  if (isRoot) {
    chownSync(join(tree, 'home/user/secret'), 1000, 1000);
    chownSync(join(tree, 'home/user'), 1000, 1000);
    execFileSync('mknod', ['-m', '0666', join(tree, 'dev/null'), 'c', '1', '3']);
    // a file capability (security.*) and a user xattr: both must survive in tar and layers
    execFileSync('/usr/bin/python3', [
      '-c',
      'import os,sys; os.setxattr(sys.argv[1], "user.kiln", b"yes"); ' +
        'os.setxattr(sys.argv[1], "security.capability", bytes.fromhex("0100000200200000000000000000000000000000"))',
      join(tree, 'bin/sh'),
    ]);
    // a POSIX access ACL (user 1000 may read), in its xattr encoding: version 2, then (tag, perm, id) entries
    writeFileSync(join(tree, 'etc/acl-file'), 'acl\n', { mode: 0o640 });
    execFileSync('/usr/bin/python3', [
      '-c',
      'import os,struct,sys; e=[(1,6,-1),(2,4,1000),(4,4,-1),(0x10,4,-1),(0x20,0,-1)]; ' +
        'os.setxattr(sys.argv[1], "system.posix_acl_access", struct.pack("<I",2)+b"".join(struct.pack("<HHI",t,p,i&0xffffffff) for t,p,i in e))',
      join(tree, 'etc/acl-file'),
    ]);
  }
  return tree;
}

/** 64 MiB sparse disk: MBR, one Linux partition from 1 MiB, ext4 made from `tree` in it. */
export function makeRawDisk(root: string, tree: string): string {
  const disk = join(root, 'disk.raw');
  execFileSync('truncate', ['-s', '64M', disk]);
  execFileSync('sfdisk', ['-q', disk], { input: 'label: dos\nlabel-id: 0x5eed1234\nstart=2048, type=83\n' });
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-E', 'offset=1048576', '-U', '6f1f0b3c-0000-4000-8000-000000000001', '-d', tree, disk, '63M'], {
    env: { ...process.env, E2FSPROGS_FAKE_TIME: String(EPOCH) },
  });
  return disk;
}

export function tempRoot(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kiln-outputs-${prefix}-`));
}

export function request(over: Partial<OutputRequest> & Pick<OutputRequest, 'outDir' | 'tree'>): OutputRequest {
  return {
    imageName: 'img',
    arch: 'amd64',
    epoch: EPOCH,
    compress: true,
    checksums: [],
    runner: new Runner(silentLogger),
    log: silentLogger,
    identity: currentIdentity(),
    ...over,
  };
}

export function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}
