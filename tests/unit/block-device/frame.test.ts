/**
 * frameBlockDevice (checks, ids, mounts, fstab: no size) then sizeBlockDevice (image, tables, LVM,
 * filesystem bytes): the frame's fstab and ids are the sized plan's, whatever the size; framing then
 * sizing is planBlockDevice; the root filesystem's size-dependent options apply only where the
 * layout gave none.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { frameBlockDevice, planBlockDevice, sizeBlockDevice } from '../../../src/block-device/plan.js';
import { bytes } from '../../../src/units.js';
import { errorOf, GiB, REPO } from '../../helpers/block-device.js';

const params = { rootFsType: 'ext4', rootLabel: null };
const src = (f: string) => ({ text: readFileSync(join(REPO, f), 'utf8'), file: f });
const layouts: [string, number][] = [
  ['block-device/mbr.yaml', 2],
  ['block-device/gpt.yaml', 2],
  ['block-device/efi.yaml', 2],
  ['block-device/efi-4k.yaml', 2],
  ['block-device/efi-lvm.yaml', 41],
];

describe('frame, then size', () => {
  for (const [file, gib] of layouts) {
    it(`${file}: the frame's fstab, mounts and ids are the sized plan's, at two sizes`, () => {
      const frame = frameBlockDevice(src(file), { seed: 'test', params, requireRoot: true });
      assert.ok(
        !JSON.stringify({ ...frame, resolved: undefined }).match(/"(sizeBytes|offsetBytes|extents)"/),
        'the frame has no computed size (the YAML sizes are in resolved)',
      );
      const small = sizeBlockDevice(frame, { imageSizeBytes: bytes(gib * GiB) });
      const big = sizeBlockDevice(frame, { imageSizeBytes: bytes((gib + 7) * GiB) });
      for (const p of [small, big]) {
        assert.deepEqual(p.fstab, frame.fstab);
        assert.deepEqual(p.mounts, frame.mounts);
        assert.deepEqual(
          p.filesystems.map((f) => [f.name, f.type, f.label, f.uuid, f.mountPoint]).sort(),
          frame.filesystems.map((f) => [f.name, f.type, f.label, f.uuid, f.mountPoint]).sort(),
        );
      }
      assert.notEqual(small.image.sizeBytes, big.image.sizeBytes);
      // partition GUIDs, disk ids and LVM ids come from the seed and names, not the size
      const ids = (p: typeof small) =>
        JSON.stringify([
          p.partitionTables.map((t) => [t.diskGuid, t.diskSignature, t.partitions.map((x) => x.uuid)]),
          p.lvm.map((l) => [l.pvs.map((x) => x.uuid), l.vgs.map((x) => x.uuid), l.lvs.map((x) => x.uuid)]),
        ]);
      assert.equal(ids(small), ids(big));
      // frame + size is planBlockDevice, byte for byte
      assert.equal(
        JSON.stringify(small),
        JSON.stringify(planBlockDevice(src(file), { seed: 'test', params, requireRoot: true, imageSizeBytes: bytes(gib * GiB) })),
      );
    });
  }

  it('the frame knows what a build needs before it starts: fs types, LVM', () => {
    const f = frameBlockDevice(src('block-device/efi-lvm.yaml'), { seed: 'test', params });
    assert.equal(f.hasLvm, true);
    assert.deepEqual(f.fsTypes, ['vfat', 'xfs']);
    assert.equal(frameBlockDevice(src('block-device/mbr.yaml'), { seed: 'test', params }).hasLvm, false);
  });

  it('a bad layout fails at framing, with its file:line, before any size is known', () => {
    const msg = errorOf(() =>
      frameBlockDevice({ text: '- local_loop:\n    name: image0\n- mkfs:\n    name: root\n    base: nowhere\n    type: ext4\n', file: 'bad.yaml' }),
    );
    assert.match(msg, /bad\.yaml:\d+/);
  });

  it('a measured size: the tree given at sizing decides the image', () => {
    const frame = frameBlockDevice(src('block-device/gpt.yaml'), { seed: 'test', params });
    const a = sizeBlockDevice(frame, { tree: { usedKiB: 600_000 } });
    const b = sizeBlockDevice(frame, { tree: { usedKiB: 1_200_000 } });
    assert.equal(a.image.sizeFrom, 'measured');
    assert.ok(b.image.sizeBytes > a.image.sizeBytes);
    assert.deepEqual(a.fstab, b.fstab);
    assert.match(
      errorOf(() => sizeBlockDevice(frame)),
      /no image size/,
    );
  });

  it("the root's size-dependent options go to mkfs_root only where the layout gave no opts", () => {
    const open = frameBlockDevice(src('block-device/gpt.yaml'), { seed: 'test', params });
    assert.equal(open.rootOptsOpen, true);
    const sized = sizeBlockDevice(open, { imageSizeBytes: bytes(2 * GiB), rootFsOpts: '-i 4096 -J size=64' });
    assert.deepEqual(sized.filesystems.find((f) => f.name === 'mkfs_root')!.opts, ['-i', '4096', '-J', 'size=64']);
    // the same options as framing them in (kiln plan block-device's way)
    const planned = planBlockDevice(src('block-device/gpt.yaml'), {
      seed: 'test',
      params: { ...params, rootFsOpts: '-i 4096 -J size=64' },
      imageSizeBytes: bytes(2 * GiB),
    });
    assert.equal(JSON.stringify(sized), JSON.stringify(planned));
    const own = frameBlockDevice(
      {
        text: '- local_loop:\n    name: image0\n    mkfs:\n      name: mkfs_root\n      opts: "-O ^has_journal"\n      mount:\n        mount_point: /\n',
        file: 'own.yaml',
      },
      { seed: 'test', params },
    );
    assert.equal(own.rootOptsOpen, false);
    const kept = sizeBlockDevice(own, { imageSizeBytes: bytes(GiB), rootFsOpts: '-i 4096' });
    assert.deepEqual(kept.filesystems[0]!.opts, ['-O', '^has_journal']);
  });
});
