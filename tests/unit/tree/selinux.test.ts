import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tree } from '../../../src/tree/fs.js';
import { labelsOfFilesystem, matchpathconArgs, parseMatchpathcon, planLabelQueries } from '../../../src/tree/selinux-labels.js';
import { copyFileContexts, findSelinuxPolicy, parseSelinuxConfig } from '../../../src/tree/selinux-policy.js';

test('parseSelinuxConfig: comments, quotes, the last assignment wins', () => {
  assert.deepEqual(parseSelinuxConfig('# SELINUX=disabled\nSELINUX=enforcing\nSELINUXTYPE="targeted"\nSETLOCALDEFS=0\nSELINUX = permissive\n'), {
    mode: 'permissive',
    type: 'targeted',
  });
  assert.deepEqual(parseSelinuxConfig(''), {});
});

function withTree(fn: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'kiln-selinux-unit-'));
  try {
    fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('findSelinuxPolicy: needs SELINUXTYPE and its file_contexts; a type naming another directory is no policy', () =>
  withTree((root) => {
    const tree = new Tree(root);
    assert.equal(findSelinuxPolicy(tree), undefined, 'no config');
    mkdirSync(join(root, 'etc/selinux/targeted/contexts/files'), { recursive: true });
    writeFileSync(join(root, 'etc/selinux/config'), 'SELINUX=enforcing\n');
    assert.equal(findSelinuxPolicy(tree), undefined, 'no SELINUXTYPE');
    writeFileSync(join(root, 'etc/selinux/config'), 'SELINUX=enforcing\nSELINUXTYPE=targeted\n');
    assert.equal(findSelinuxPolicy(tree), undefined, 'no file_contexts');
    writeFileSync(join(root, 'etc/selinux/targeted/contexts/files/file_contexts'), '/.* system_u:object_r:default_t:s0\n');
    assert.deepEqual(findSelinuxPolicy(tree), { mode: 'enforcing', type: 'targeted', fileContexts: '/etc/selinux/targeted/contexts/files/file_contexts' });
    writeFileSync(join(root, 'etc/selinux/config'), 'SELINUXTYPE=..\n');
    assert.equal(findSelinuxPolicy(tree), undefined);
  }));

test('copyFileContexts copies the text files beside file_contexts, not the compiled .bin, and reads symlinks inside the tree', () =>
  withTree((root) => {
    const dir = join(root, 'etc/selinux/targeted/contexts/files');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'etc/selinux/config'), 'SELINUXTYPE=targeted\n');
    writeFileSync(join(root, 'fc'), '/ system_u:object_r:root_t:s0\n');
    symlinkSync('/fc', join(dir, 'file_contexts')); // absolute: resolved in the tree, not on the host
    writeFileSync(join(dir, 'file_contexts.subs_dist'), '/var/run /run\n');
    writeFileSync(join(dir, 'file_contexts.bin'), 'compiled');
    const out = mkdtempSync(join(tmpdir(), 'kiln-selinux-fc-'));
    try {
      const fc = copyFileContexts(new Tree(root), findSelinuxPolicy(new Tree(root))!, out);
      assert.equal(readFileSync(fc, 'utf8'), '/ system_u:object_r:root_t:s0\n');
      assert.equal(readFileSync(`${fc}.subs_dist`, 'utf8'), '/var/run /run\n');
      assert.throws(() => readFileSync(`${fc}.bin`));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }));

test('planLabelQueries: one query per file type in batches; a fifo is "pipe"; newline names are left out', () => {
  const { queries, unlabelled } = planLabelQueries(
    [
      { path: '', kind: 'dir' },
      { path: 'etc', kind: 'dir' },
      { path: 'etc/shadow', kind: 'file' },
      { path: 'etc/passwd', kind: 'file' },
      { path: 'run/initctl', kind: 'fifo' },
      { path: 'bin', kind: 'symlink' },
      { path: 'dev/null', kind: 'char' },
      { path: 'odd\nname', kind: 'file' },
    ],
    16,
  );
  assert.deepEqual(unlabelled, ['/odd\nname']);
  assert.deepEqual(queries, [
    { type: 'dir', paths: ['/', '/etc'] },
    { type: 'file', paths: ['/etc/shadow'] },
    { type: 'file', paths: ['/etc/passwd'] },
    { type: 'pipe', paths: ['/run/initctl'] },
    { type: 'lnk_file', paths: ['/bin'] },
    { type: 'chr_file', paths: ['/dev/null'] },
  ]);
  assert.deepEqual(matchpathconArgs('/w/fc', queries[0]!), ['-f', '/w/fc', '-m', 'dir', '--', '/', '/etc']);
});

test('parseMatchpathcon: splits at the last tab, skips <<none>>', () => {
  const m = parseMatchpathcon('/\tsystem_u:object_r:root_t:s0\n/a\tb\tsystem_u:object_r:etc_t:s0\n/proc\t<<none>>\n');
  assert.deepEqual(
    [...m],
    [
      ['/', 'system_u:object_r:root_t:s0'],
      ['/a\tb', 'system_u:object_r:etc_t:s0'],
    ],
  );
});

test('labelsOfFilesystem: paths relative to the mount point, deeper mounts left out but their mount point kept', () => {
  const labels = new Map([
    ['/', 'root_t'],
    ['/boot', 'boot_t'],
    ['/boot/vmlinuz', 'boot_t2'],
    ['/boot/efi', 'efi_t'],
    ['/boot/efi/EFI', 'efi_t2'],
    ['/bootx', 'x_t'],
    ['/etc', 'etc_t'],
  ]);
  const mps = ['/', '/boot', '/boot/efi'];
  assert.deepEqual(
    [...labelsOfFilesystem(labels, '/', mps)],
    [
      ['/', 'root_t'],
      ['/boot', 'boot_t'],
      ['/bootx', 'x_t'],
      ['/etc', 'etc_t'],
    ],
  );
  assert.deepEqual(
    [...labelsOfFilesystem(labels, '/boot', mps)],
    [
      ['/', 'boot_t'],
      ['/vmlinuz', 'boot_t2'],
      ['/efi', 'efi_t'],
    ],
  );
  assert.deepEqual(
    [...labelsOfFilesystem(labels, '/boot/efi', mps)],
    [
      ['/', 'efi_t'],
      ['/EFI', 'efi_t2'],
    ],
  );
});
