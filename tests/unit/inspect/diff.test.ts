import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../../src/block-device/summary.js';
import { diffEntries, formatDiff } from '../../../src/inspect/diff.js';

test("region sizes: the block-device summary's formatBytes", () => {
  assert.deepEqual(
    [formatBytes(512), formatBytes(17408), formatBytes(1441792), formatBytes(550 * 1048576), formatBytes(2 * 1024 ** 3)],
    ['512 B', '17 KiB', '1.4 MiB', '550 MiB', '2 GiB'],
  );
});

test('diffEntries: only in A, only in B, changed fields in order; the same entries give nothing', () => {
  const a = [
    { path: '/', mode: 0o755, sha256: undefined as string | undefined },
    { path: '/a', mode: 0o644, sha256: 'aaaaaaaaaaaaaaaa' },
    { path: '/gone', mode: 0o644, sha256: 'x' },
  ];
  const b = [
    { path: '/', mode: 0o755, sha256: undefined as string | undefined },
    { path: '/a', mode: 0o600, sha256: 'bbbbbbbbbbbbbbbb' },
    { path: '/new', mode: 0o644, sha256: 'y' },
  ];
  assert.deepEqual(diffEntries(a, b, ['mode', 'sha256']), [
    {
      path: '/a',
      change: 'changed',
      fields: [
        { field: 'mode', a: '0644', b: '0600' },
        { field: 'content', a: 'sha256:aaaaaaaaaaaa', b: 'sha256:bbbbbbbbbbbb' },
      ],
    },
    { path: '/gone', change: 'only in A' },
    { path: '/new', change: 'only in B' },
  ]);
  assert.deepEqual(diffEntries(a, a, ['mode', 'sha256']), []);
});

test('formatDiff: one line per difference, files under their region, long lists cut with a pointer to --json', () => {
  const text = formatDiff(
    {
      a: 'A',
      b: 'B',
      identical: false,
      image: [{ field: 'disk id', a: 'X', b: 'Y' }],
      regions: [
        {
          name: 'partition 3 (root)',
          offset: 1048576,
          length: 33554432,
          fsType: 'ext4',
          bytes: 7,
          firstAt: 1040,
          files: [1, 2, 3].map((i) => ({ path: `/f${i}`, change: 'only in B' as const })),
        },
      ],
    },
    2,
  );
  assert.equal(
    text,
    [
      'A and B differ',
      '  disk id: X -> Y',
      'partition 3 (root), ext4 (32 MiB at byte 1048576): 7 byte(s) differ, the first at +1040',
      '  /f1: only in B',
      '  /f2: only in B',
      '  ... and 1 more (--json lists them all)',
      '',
    ].join('\n'),
  );
  assert.equal(formatDiff({ a: 'A', b: 'B', identical: true, image: [], regions: [] }), 'A and B are identical\n');
});
