import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debugfsErrors, debugfsQuote, formatLabelScript } from '../../../../src/block-device/mkfs/ext-labels.js';
import { labelLosses } from '../../../../src/build/selinux.js';

test('debugfsQuote: one word, a quote doubled (ss parsing)', () => {
  assert.equal(debugfsQuote('/etc/a "b" c'), '"/etc/a ""b"" c"');
});

test('formatLabelScript: sorted paths, one value file per distinct context', () => {
  const { script, contexts } = formatLabelScript(
    new Map([
      ['/etc', 'etc_t'],
      ['/', 'root_t'],
      ['/etc/x y', 'etc_t'],
    ]),
    (i) => `/w/c${i}`,
  );
  assert.deepEqual(contexts, ['root_t', 'etc_t']);
  assert.equal(script, 'ea_set -f "/w/c0" "/" security.selinux\nea_set -f "/w/c1" "/etc" security.selinux\nea_set -f "/w/c1" "/etc/x y" security.selinux\n');
  assert.throws(() => formatLabelScript(new Map([['/a\nb', 'x']]), () => '/c'), /newline/);
});

test('debugfsErrors: the banner is not an error', () => {
  assert.deepEqual(debugfsErrors('debugfs 1.47.0 (5-Feb-2023)\n'), []);
  assert.deepEqual(debugfsErrors('debugfs 1.47.0 (5-Feb-2023)\n/nonexist: File not found by ext2_lookup \n'), ['/nonexist: File not found by ext2_lookup']);
});

test('labelLosses: XFS never keeps labels, btrfs and the tree outputs only from a labelled tree; vfat and swap need none', () => {
  const fs = [
    { type: 'ext4', mountPoint: '/' },
    { type: 'xfs', mountPoint: '/var' },
    { type: 'btrfs', mountPoint: '/home' },
    { type: 'vfat', mountPoint: '/boot/efi' },
    { type: 'swap', mountPoint: 'none' },
  ];
  assert.deepEqual(labelLosses(fs, ['tar'], true), ['xfs filesystem /var']);
  assert.deepEqual(labelLosses(fs, ['tar'], false), ['xfs filesystem /var', 'btrfs filesystem /home', 'tar output']);
  assert.deepEqual(labelLosses([{ type: 'ext4', mountPoint: '/' }], [], false), []);
});
