import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readSync, closeSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMbr } from '../../../../src/block-device/partitioning/encode-mbr.js';
import { writeSectors } from '../../../../src/block-device/common/sectors.js';
import { dibMbrLayout, type DibPart } from '../../../unit/block-device/partitioning/dib-mbr-layout.js';
import { dibEnv, dibOracleSkip, PYTHON } from '../../../helpers/dib-oracle.js';
import { missingTools, sh, withTempDir } from '../tools.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const prim = (n: number, boot = false): DibPart[] =>
  Array.from({ length: n }, (_, i) => ({ primary: true, boot: boot && i === 0, sizeBytes: 10 * MiB, type: 0x83 }));
const logi = (n: number, type = 0x83): DibPart[] => Array.from({ length: n }, () => ({ primary: false, boot: false, sizeBytes: 10 * MiB, type }));

const LAYOUTS: Record<string, DibPart[]> = {
  '1 primary': prim(1, true),
  '3 primaries': prim(3),
  '1 logical only': logi(1),
  '3 primaries + 7 logicals': [...prim(3), ...logi(7, 0x82)],
  '64 logicals': logi(64),
  'zero partitions': [],
  'boot flags, types and unaligned sizes': [
    { primary: true, boot: true, sizeBytes: 100 * MiB + 1536, type: 0x0c },
    { primary: false, boot: true, sizeBytes: 7 * MiB + 512 * 3, type: 0x82 },
    { primary: false, boot: false, sizeBytes: 600 * MiB, type: 0x8e },
    { primary: false, boot: false, sizeBytes: 3 * MiB + 100, type: 0x83 },
  ],
};

/** DIB's own writer (python3-diskimage-builder) on a sparse file: the oracle. */
const DIB_SCRIPT = `
import json, sys
from diskimage_builder.block_device.level1.mbr import MBR
spec = json.loads(sys.argv[2])
with MBR(sys.argv[1], spec['size'], spec['align']) as m:
    for p in spec['parts']:
        m.add_partition(p['primary'], p['boot'], p['sizeBytes'], p['type'])
`;

function readSector(file: string, lba: number): Buffer {
  const b = Buffer.alloc(512);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, b, 0, 512, lba * 512);
  } finally {
    closeSync(fd);
  }
  return b;
}

const skipDib = missingTools('sfdisk', 'partx') ?? (dibOracleSkip() || undefined);

for (const [name, parts] of Object.entries(LAYOUTS)) {
  test(`MBR '${name}' equals DIB's mbr.py bytes and reads back with partx/sfdisk`, { skip: skipDib }, () =>
    withTempDir((dir) => {
      const ours = join(dir, 'ours.raw');
      const dib = join(dir, 'dib.raw');
      for (const f of [ours, dib]) {
        writeFileSync(f, '');
        truncateSync(f, GiB);
      }
      const table = dibMbrLayout(GiB, parts);
      const writes = encodeMbr(table);
      writeSectors(ours, 512, writes);
      sh(PYTHON, ['-c', DIB_SCRIPT, dib, JSON.stringify({ size: GiB, align: MiB, parts })], { env: dibEnv() });
      for (const w of writes) {
        const a = readSector(ours, w.lba);
        const b = readSector(dib, w.lba);
        if (w.lba === 0) b.writeUInt32LE(table.diskSignature, 440); // DIB's disk id is random
        assert.equal(a.toString('hex'), b.toString('hex'), `sector ${w.lba} differs from DIB's`);
      }
      // the whole images are equal once DIB's random disk id is replaced by ours (nothing else written anywhere)
      const fd = openSync(dib, 'r+');
      const sig = Buffer.alloc(4);
      sig.writeUInt32LE(table.diskSignature);
      writeSync(fd, sig, 0, 4, 440);
      closeSync(fd);
      sh('cmp', [ours, dib]);
      const ourPartx = sh('partx', ['--raw', '-g', '-b', '-o', 'NR,START,END,TYPE', ours], { ok: [1] }).trim();
      const dibPartx = sh('partx', ['--raw', '-g', '-b', '-o', 'NR,START,END,TYPE', dib], { ok: [1] }).trim();
      assert.equal(ourPartx, dibPartx);
      const lines = ourPartx ? ourPartx.split('\n') : [];
      if (name === '1 primary') assert.deepEqual(lines, ['1 2048 22527 0x83']);
      if (name === '1 logical only') assert.deepEqual(lines, ['1 2048 2097151 0xf', '5 4096 24575 0x83']);
      if (name === '3 primaries + 7 logicals') {
        assert.equal(lines[3], '4 63488 2097151 0xf');
        assert.equal(lines[4], '5 65536 86015 0x82');
        assert.equal(lines[5], '6 88064 108543 0x82');
        assert.equal(lines.length, 11);
      }
      if (name === '64 logicals') assert.equal(lines.length, 65 /* 64 + container; DIB doc counts a header line */);
      if (name === 'zero partitions') assert.deepEqual(lines, []);
      const json = JSON.parse(sh('sfdisk', ['--json', ours]) || '{"partitiontable":{"partitions":[]}}') as {
        partitiontable: { label: string; id: string; partitions?: { start: number; size: number; type: string; bootable?: boolean }[] };
      };
      assert.equal(json.partitiontable.label, 'dos');
      assert.equal(json.partitiontable.id, '0x12345678');
      if (name === '1 primary') assert.deepEqual(json.partitiontable.partitions, [{ node: `${ours}1`, start: 2048, size: 20480, type: '83', bootable: true }]);
    }),
  );
}
