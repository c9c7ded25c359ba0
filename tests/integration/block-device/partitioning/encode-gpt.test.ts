import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeGpt } from '../../../../src/block-device/partitioning/encode-gpt.js';
import { gptTypeCodes, gptTypeGuid } from '../../../../src/block-device/partitioning/gpt-types.js';
import { writeSectors } from '../../../../src/block-device/common/sectors.js';
import type { GptTable } from '../../../../src/block-device/partitioning/encode-types.js';
import { missingTools, sh, withTempDir } from '../tools.js';

const GiB = 1024 ** 3;

function table(sectorSize: 512 | 4096): GptTable {
  const total = GiB / sectorSize;
  const mib = (1024 * 1024) / sectorSize;
  return {
    diskGuid: '8E1D5B5A-3C2F-4C6B-9B5E-2E7A6F1D0C11',
    totalSectors: total,
    sectorSize,
    entries: [
      { typeGuid: gptTypeGuid('ef00'), uniqueGuid: 'a0000000-0000-4000-8000-000000000001', firstLba: mib, lastLba: 9 * mib - 1, attributes: 0n, name: 'ESP' },
      {
        typeGuid: gptTypeGuid('EF02'),
        uniqueGuid: 'a0000000-0000-4000-8000-000000000002',
        firstLba: 9 * mib,
        lastLba: 17 * mib - 1,
        attributes: 1n,
        name: 'BSP',
      },
      {
        typeGuid: gptTypeGuid('8304'),
        uniqueGuid: 'a0000000-0000-4000-8000-000000000003',
        firstLba: 17 * mib,
        lastLba: 1023 * mib - 1,
        attributes: 4n | (1n << 60n),
        name: 'Root Part with a 36 character name!!',
      },
    ],
  };
}

function image(dir: string, t: GptTable): string {
  const f = join(dir, 'disk.raw');
  writeFileSync(f, '');
  truncateSync(f, t.totalSectors * t.sectorSize);
  writeSectors(f, t.sectorSize, encodeGpt(t));
  return f;
}

const skip = missingTools('sgdisk', 'sfdisk', 'partx', 'fdisk');

test('GPT (512-byte sectors) passes sgdisk -v and reads back with sgdisk -i, sfdisk --json, partx', { skip }, () =>
  withTempDir((dir) => {
    const t = table(512);
    const f = image(dir, t);
    assert.match(sh('sgdisk', ['-v', f]), /No problems found/);
    const i3 = sh('sgdisk', ['-i', '3', f]);
    assert.match(i3, /Partition GUID code: 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709/);
    assert.match(i3, /Partition unique GUID: A0000000-0000-4000-8000-000000000003/);
    assert.match(i3, /Attribute flags: 1000000000000004/);
    assert.match(i3, /Partition name: 'Root Part with a 36 character name!!'/);
    assert.match(sh('sgdisk', ['-i', '2', f]), /Attribute flags: 0000000000000001/);
    const json = JSON.parse(sh('sfdisk', ['--json', f])) as { partitiontable: Record<string, unknown> & { partitions: Record<string, unknown>[] } };
    const pt = json.partitiontable;
    assert.equal(pt.label, 'gpt');
    assert.equal(pt.id, '8E1D5B5A-3C2F-4C6B-9B5E-2E7A6F1D0C11');
    assert.equal(pt.firstlba, 34);
    assert.equal(pt.lastlba, 2097152 - 34);
    assert.deepEqual(
      pt.partitions.map((p) => [p.start, p.size, p.type, p.name]),
      [
        [2048, 16384, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'ESP'],
        [18432, 16384, '21686148-6449-6E6F-744E-656564454649', 'BSP'],
        [34816, 2095104 - 34816, '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', 'Root Part with a 36 character name!!'],
      ],
    );
    assert.equal(pt.partitions[1]!.attrs, 'RequiredPartition');
    assert.match(String(pt.partitions[2]!.attrs), /LegacyBIOSBootable/);
    assert.equal(sh('partx', ['--raw', '-g', '-b', '-o', 'NR,START,END', f]).trim(), '1 2048 18431\n2 18432 34815\n3 34816 2095103');
  }),
);

test('GPT with 4096-byte sectors reads back with fdisk -b 4096 -l/-x', { skip }, () =>
  withTempDir((dir) => {
    const t = table(4096);
    const f = image(dir, t);
    const out = sh('fdisk', ['-b', '4096', '-l', f]);
    assert.match(out, /Sector size \(logical\/physical\): 4096 bytes/);
    assert.match(out, /Disklabel type: gpt/);
    assert.match(out, /Disk identifier: 8E1D5B5A-3C2F-4C6B-9B5E-2E7A6F1D0C11/);
    assert.match(out, new RegExp(`${f}1\\s+256\\s+2303\\s+2048\\s+8M EFI System`));
    assert.match(out, new RegExp(`${f}3\\s+4352\\s+261887\\s+257536\\s+1006M Linux root \\(x86-64\\)`));
    assert.doesNotMatch(out, /corrupt|invalid|mismatch/i);
    // util-linux 2.38 sfdisk has no --sector-size and sgdisk assumes 512 on files: fdisk -b is the reader
    // here (libfdisk checks both header CRCs and the array CRC, and prints 'corrupt' otherwise).
    const x = sh('fdisk', ['-b', '4096', '-x', f]);
    assert.match(x, /First usable LBA: 6\n/);
    assert.match(x, /Last usable LBA: 262138\n/);
    assert.match(x, /Alternative LBA: 262143\n/);
    assert.match(x, /Partition entries ending LBA: 5\n/);
    assert.match(x, /A0000000-0000-4000-8000-000000000003 Root Part with a 36 character name!! LegacyBIOSBootable GUID:60/);
  }),
);

test('every short type code maps to the GUID sgdisk itself writes', { skip }, () =>
  withTempDir((dir) => {
    const f = join(dir, 'codes.raw');
    writeFileSync(f, '');
    truncateSync(f, 64 * 1024 * 1024);
    for (const code of gptTypeCodes()) {
      sh('sgdisk', ['-o', '-n', '1:2048:+1M', '-t', `1:${code}`, f]);
      const m = /Partition GUID code: ([0-9A-F-]{36})/.exec(sh('sgdisk', ['-i', '1', f]));
      assert.equal(m?.[1], gptTypeGuid(code), `code ${code}`);
    }
  }),
);

test('GPT image is byte-identical to what sgdisk writes for the same table (the tool DIB uses)', { skip }, () =>
  withTempDir((dir) => {
    const t = table(512);
    t.entries[2]!.attributes = 4n;
    const ours = image(dir, t);
    const theirs = join(dir, 'sgdisk.raw');
    writeFileSync(theirs, '');
    truncateSync(theirs, GiB);
    const args = ['-o', '-U', t.diskGuid];
    t.entries.forEach((e, i) => {
      const n = i + 1;
      args.push('-n', `${n}:${e.firstLba}:${e.lastLba}`, '-t', `${n}:${e.typeGuid}`, '-u', `${n}:${e.uniqueGuid}`, '-c', `${n}:${e.name}`);
      for (let bit = 0; bit < 64; bit++) if ((e.attributes >> BigInt(bit)) & 1n) args.push('-A', `${n}:set:${bit}`);
    });
    sh('sgdisk', [...args, theirs]);
    sh('cmp', [ours, theirs]);
  }),
);
