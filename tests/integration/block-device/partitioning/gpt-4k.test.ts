/**
 * efi-4k: the GPT written with 4096-byte sectors (LBA 1 at byte 4096, partitions from LBA 256) is
 * read back by fdisk with -b 4096 (no warnings about the backup table), and the root filesystem
 * is found at the planned offset. No tree: empty filesystems, no root needed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { executeBlockDevice } from '../../../../src/block-device/execute.js';
import { planBlockDevice } from '../../../../src/block-device/plan.js';
import { Runner } from '../../../../src/exec/runner.js';
import { findTool } from '../../../helpers/host-tools.js';
import { silentLogger } from '../../../../src/log.js';
import { currentIdentity } from '../../../../src/sandbox/identity.js';
import { GiB, planOptions, REPO } from '../../../helpers/block-device.js';

const missing = ['fdisk', 'mke2fs', 'e2fsck', 'mkfs.fat'].filter((t) => !findTool(t));
const skip = missing.length && process.env.CI !== 'true' ? `missing ${missing.join(', ')}` : false;
const tmp = mkdtempSync(join(tmpdir(), 'kiln-gpt4k-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('4K-sector GPT (efi-4k)', { skip }, () => {
  it('fdisk -b 4096 reads the planned table', async () => {
    const plan = planBlockDevice(
      { text: readFileSync(join(REPO, 'block-device/efi-4k.yaml'), 'utf8'), file: 'efi-4k.yaml' },
      planOptions({ seed: '4k', imageSizeBytes: 1.5 * GiB, params: { rootFsType: 'ext4', rootLabel: null } }),
    );
    const image = join(tmp, 'disk.raw');
    await executeBlockDevice({ runner: new Runner(silentLogger), identity: currentIdentity(), log: silentLogger }, plan, {
      imagePath: image,
      epoch: 1700000000,
    });
    const sig = Buffer.alloc(8);
    const fd = openSync(image, 'r');
    readSync(fd, sig, 0, 8, 4096);
    closeSync(fd);
    assert.equal(sig.toString('latin1'), 'EFI PART');
    const r = spawnSync('fdisk', ['-b', '4096', '-l', image], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /corrupt|invalid|mismatch|not aligned/i);
    const rows = r.stdout
      .split('\n')
      .filter((l) => l.startsWith(image))
      .map((l) => l.split(/\s+/).slice(1, 4).map(Number));
    assert.deepEqual(
      rows,
      plan.partitionTables[0]!.partitions.map((p) => [p.firstLba, p.lastLba, p.sectors]),
    );
    assert.equal(rows[0]![0], 256);
    const root = plan.filesystems.find((f) => f.mountPoint === '/')!;
    const fsck = spawnSync('e2fsck', ['-fn', `${image}?offset=${root.offsetBytes}`], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  });
});
