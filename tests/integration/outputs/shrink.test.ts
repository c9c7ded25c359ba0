// shrink: the raw image ends just after its (minimal) root filesystem, the partition table says
// so (read by sfdisk/sgdisk), the filesystem is clean and holds the tree, and the disk formats
// are made from the shrunk image.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { writeOutputs } from '../../../src/outputs/write.js';
import { EPOCH, makeTree, request, sh, tempRoot } from './fixture.js';

const MIB = 1 << 20;
const root = tempRoot('shrink');
after(() => rmSync(root, { recursive: true, force: true }));
const tree = makeTree(root);

function disk(name: string, label: 'dos' | 'gpt', parts = 1): string {
  const f = join(root, name);
  execFileSync('truncate', ['-s', '128M', f]);
  const lines = parts === 1 ? 'start=2048, type=L, name=root\n' : 'start=2048, size=2048, type=L\nstart=4096, type=L\n';
  execFileSync('sfdisk', ['-q', f], { input: `label: ${label}\n${lines}` });
  const start = parts === 1 ? MIB : 2 * MIB;
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-E', `offset=${start}`, '-d', tree, f, '100M'], {
    env: { ...process.env, E2FSPROGS_FAKE_TIME: String(EPOCH) },
  });
  return f;
}

function checkFs(image: string, offset: number, bytes: number): void {
  const part = join(root, 'part.img');
  sh('dd', [`if=${image}`, `of=${part}`, 'bs=1M', `skip=${offset}`, `count=${bytes}`, 'iflag=skip_bytes,count_bytes', 'status=none']);
  sh('e2fsck', ['-fn', part]);
  assert.equal(sh('debugfs', ['-R', 'cat /etc/hostname', part]), 'kiln-test\n');
  rmSync(part);
}

describe('shrink', () => {
  for (const label of ['dos', 'gpt'] as const) {
    it(`shrinks a ${label} disk with one ext4 partition to a few MiB`, async () => {
      const raw = disk(`${label}.raw`, label);
      const before = JSON.parse(sh('sfdisk', ['--json', raw])).partitiontable;
      const out = join(root, `out-${label}`);
      const r = await writeOutputs(request({ outDir: out, tree, rawImage: raw, shrink: true }), ['qcow2', 'raw']);
      const size = statSync(r[1]!.files[0]!).size;
      assert.ok(size < 32 * MIB && size % MIB === 0, `shrunk size ${size}`);
      const t = JSON.parse(sh('sfdisk', ['--json', r[1]!.files[0]!])).partitiontable;
      assert.equal(t.partitions.length, 1);
      assert.equal(t.partitions[0].start, 2048);
      assert.equal(t.id, before.id, 'label id kept');
      if (label === 'gpt') {
        assert.equal(t.partitions[0].uuid, before.partitions[0].uuid, 'partition uuid kept');
        assert.match(sh('sgdisk', ['-v', r[1]!.files[0]!]), /No problems found/);
      }
      const partEnd = (t.partitions[0].start + t.partitions[0].size) * 512;
      assert.ok(partEnd <= size);
      checkFs(r[1]!.files[0]!, MIB, t.partitions[0].size * 512);
      const info = JSON.parse(sh('qemu-img', ['info', '--output=json', r[0]!.files[0]!]));
      assert.equal(info['virtual-size'], size, 'qcow2 made from the shrunk image');
    });
  }

  it('shrinks a bare ext4 image', async () => {
    const raw = join(root, 'bare.raw');
    const whole = disk('whole.raw', 'dos');
    sh('dd', [`if=${whole}`, `of=${raw}`, 'bs=1M', 'skip=1', 'status=none']); // the partition alone: a bare ext4
    truncateSync(raw, 100 * MIB);
    const r = await writeOutputs(request({ outDir: join(root, 'out-bare'), tree, rawImage: raw, shrink: true }), ['raw']);
    const size = statSync(r[0]!.files[0]!).size;
    assert.ok(size < 32 * MIB, `shrunk size ${size}`);
    checkFs(r[0]!.files[0]!, 0, size);
  });

  it('refuses a disk with two partitions, before writing anything', async () => {
    const raw = disk('two.raw', 'gpt', 2);
    await assert.rejects(
      writeOutputs(request({ outDir: join(root, 'out-two'), tree, rawImage: raw, shrink: true }), ['raw']),
      (e: unknown) => e instanceof KilnError && /cannot shrink .*: it has 2 partitions/.test(e.message),
    );
    assert.equal(statSync(raw).size, 128 * MIB);
  });
});
