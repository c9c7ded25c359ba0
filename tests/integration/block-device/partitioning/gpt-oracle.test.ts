/**
 * GPT arithmetic against the real sgdisk, driven exactly as DIB drives it
 * (`sgdisk IMG -n N:0:+<MiB>M -t N:<type> -c N:<name>` ...): every partition's first and last LBA
 * must equal the plan's. No root needed (sgdisk works on a sparse file).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findTool } from '../../../helpers/host-tools.js';
import { GiB, MiB, planFile } from '../../../helpers/block-device.js';

const skip = !findTool('sgdisk') && process.env.CI !== 'true' ? 'sgdisk not installed' : false;
const tmp = mkdtempSync(join(tmpdir(), 'kiln-gpt-oracle-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const params = { rootFsType: 'ext4', rootLabel: null };

const cases: [string, string, number][] = [
  ['DIB gpt_efi on 1 GiB', 'tests/fixtures/block-device/dib/gpt_efi.yaml', GiB],
  ['shipped efi on 2 GiB', 'block-device/efi.yaml', 2 * GiB],
  ['shipped gpt on 3000 MB', 'block-device/gpt.yaml', 3_000_000_000],
  ['ten partitions with % sizes', 'tests/fixtures/block-device/layouts/gpt-many.yaml', 0],
  ['LVM on GPT', 'tests/fixtures/block-device/layouts/lvm-percent-vg.yaml', 0],
];

describe('GPT plan = sgdisk', { skip }, () => {
  for (const [name, file, size] of cases) {
    it(name, () => {
      const plan = planFile(file, size ? { imageSizeBytes: size, params } : { params });
      const t = plan.partitionTables[0]!;
      const img = join(tmp, 'disk.raw');
      writeFileSync(img, '');
      truncateSync(img, plan.image.sizeBytes);
      const argv = [img];
      for (const p of t.partitions) argv.push('-n', `${p.number}:0:+${p.sizeBytes / MiB}M`, '-t', `${p.number}:${p.typeCode}`, '-c', `${p.number}:${p.name}`);
      const r = spawnSync('sgdisk', argv, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const j = JSON.parse(spawnSync('sfdisk', ['--json', img], { encoding: 'utf8' }).stdout) as {
        partitiontable: { partitions: { start: number; size: number; type: string; name: string }[] };
      };
      assert.deepEqual(
        j.partitiontable.partitions.map((p) => [p.start, p.start + p.size - 1, p.type, p.name]),
        t.partitions.map((p) => [p.firstLba, p.lastLba, p.type, p.name]),
      );
    });
  }
});
