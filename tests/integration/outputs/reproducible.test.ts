// Same tree, same bytes; OVERWRITE_OLD_IMAGE keeps or replaces; compression of raw and tar.
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { normalizeVhdx, vhdChecksum } from '../../../src/outputs/deterministic.js';
import { writeOutputs } from '../../../src/outputs/write.js';
import { EPOCH, isRoot, makeRawDisk, makeTree, request, sh, tempRoot } from './fixture.js';

const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (chown to 1000:1000, mknod)' : false;
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('reproducible, overwrite-safe, compressed outputs', { skip }, () => {
  const root = tempRoot('repro');
  let tree = '';
  let raw = '';
  after(() => rmSync(root, { recursive: true, force: true }));
  before(() => {
    tree = makeTree(root);
    raw = makeRawDisk(root, tree);
  });

  it('tar, tgz, docker and oci written twice from the same tree are byte-identical', async () => {
    const types = ['tar', 'tgz', 'docker', 'oci'];
    await writeOutputs(request({ outDir: join(root, 'a'), tree, dockerTarget: 'kiln/r:1' }), types);
    // a later copy of the same content: new mtime (clamped), atime and ctime (not stored)
    await new Promise((r) => setTimeout(r, 1100));
    sh('touch', [join(tree, 'etc/hostname')]);
    sh('touch', ['-a', '-d', '@12345', join(tree, 'etc/big')]);
    sh('chmod', ['0644', join(tree, 'etc/big')]);
    await writeOutputs(request({ outDir: join(root, 'b'), tree, dockerTarget: 'kiln/r:1' }), types);
    for (const ext of ['tar', 'tgz', 'docker.tar', 'oci.tar']) {
      assert.equal(sha(join(root, 'a', `img.${ext}`)), sha(join(root, 'b', `img.${ext}`)), ext);
    }
  });

  it('vhd (dynamic and fixed), vhdx and vmdk written twice, a second apart, are byte-identical; the vmdk names its own file', async () => {
    for (const dir of ['va', 'vb']) {
      await writeOutputs(request({ outDir: join(root, dir), tree, rawImage: raw }), ['vhd', 'vhdx', 'vmdk']);
      await writeOutputs(request({ outDir: join(root, dir, 'f'), tree, rawImage: raw, vhdSubformat: 'fixed' }), ['vhd']);
      await new Promise((r) => setTimeout(r, 1100));
    }
    for (const f of ['img.vhd', 'img.vhdx', 'img.vmdk', 'f/img.vhd']) assert.equal(sha(join(root, 'va', f)), sha(join(root, 'vb', f)), f);
    const descriptor = readFileSync(join(root, 'va', 'img.vmdk'), 'latin1');
    assert.match(descriptor, /^RW \d+ SPARSE "img\.vmdk"$/m);
    // qemu-img still reads both, and their contents are the raw image's
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, join(root, 'va', 'img.vhd')]);
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, join(root, 'va', 'img.vmdk')]);
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, join(root, 'va', 'f/img.vhd')]);
    // qemu-img opens a VHDX only when one of its headers has a valid CRC-32C
    sh('qemu-img', ['check', '-f', 'vhdx', join(root, 'va', 'img.vhdx')]);
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vhdx', raw, join(root, 'va', 'img.vhdx')]);
  });

  it("a VHDX's empty log is zeroed: what qemu-img left there (it varies with the timing of its writes) does not reach the output", async () => {
    await writeOutputs(request({ outDir: join(root, 'vl'), tree, rawImage: raw }), ['vhdx']);
    const file = join(root, 'vl', 'img.vhdx');
    const before = readFileSync(file);
    const header = before.subarray(64 * 1024, 64 * 1024 + 4096);
    assert.ok(
      header.subarray(48, 64).every((b) => b === 0),
      'qemu-img leaves no log to replay (LogGuid zero)',
    );
    const logOffset = Number(header.readBigUInt64LE(72));
    const logLength = header.readUInt32LE(68);
    assert.ok(
      before.subarray(logOffset, logOffset + logLength).every((b) => b === 0),
      'the written log region is all zeros',
    );
    // the stale entries another run of qemu-img would leave: other bytes in the log region
    const noisy = Buffer.from(before);
    randomFillSync(noisy, logOffset, 8192);
    noisy.write('loge', logOffset, 'latin1');
    writeFileSync(file, noisy);
    await normalizeVhdx(file, EPOCH, 'img');
    assert.equal(sha(file), createHash('sha256').update(before).digest('hex'));
    sh('qemu-img', ['check', '-f', 'vhdx', file]);
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vhdx', raw, file]);
  });

  it('the VHD footer checksum Kiln writes is computed as qemu-img computes it', () => {
    const plain = join(root, 'plain.vhd');
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', raw, plain]);
    const bytes = readFileSync(plain);
    for (const footer of [bytes.subarray(0, 512), bytes.subarray(bytes.length - 512)]) {
      assert.equal(footer.toString('latin1', 0, 8), 'conectix');
      assert.equal(vhdChecksum(footer), footer.readUInt32BE(64));
    }
    const ours = readFileSync(join(root, 'va', 'img.vhd'));
    const footer = ours.subarray(ours.length - 512);
    assert.equal(vhdChecksum(footer), footer.readUInt32BE(64));
    assert.deepEqual(ours.subarray(0, 512), footer, 'the copy at 0 matches the footer');
  });

  it('qcow2 (zstd and uncompressed) and squash written twice from the same raw image and tree are byte-identical', async () => {
    // the caller's SOURCE_DATE_EPOCH reaches mksquashfs too: it must not clash with Kiln's own time option
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      for (const dir of ['qa', 'qb']) {
        await writeOutputs(request({ outDir: join(root, dir), tree, rawImage: raw }), ['qcow2', 'squash']);
        await writeOutputs(request({ outDir: join(root, dir, 'u'), tree, rawImage: raw, compress: false }), ['qcow2']);
      }
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
    for (const f of ['img.qcow2', 'img.squash', 'u/img.qcow2']) assert.equal(sha(join(root, 'qa', f)), sha(join(root, 'qb', f)), f);
  });

  it('OVERWRITE_OLD_IMAGE=0 keeps the old output and its checksums under a time-stamped name', async () => {
    const outDir = join(root, 'keep');
    const now = new Date(Date.UTC(2026, 10, 23, 9, 8, 7));
    await writeOutputs(request({ outDir, tree, checksums: ['md5'] }), ['tar'], now);
    const first = sha(join(outDir, 'img.tar'));
    const r = await writeOutputs(request({ outDir, tree, checksums: ['md5'] }), ['tar'], now);
    assert.deepEqual(
      r[0]!.kept.map((k) => k.slice(outDir.length + 1)),
      ['img-2026.11.23-09.08.07.tar', 'img-2026.11.23-09.08.07.tar.md5'],
    );
    assert.equal(sha(join(outDir, 'img-2026.11.23-09.08.07.tar')), first);
    assert.match(
      sh('md5sum', ['-c', 'img-2026.11.23-09.08.07.tar.md5'], outDir),
      /^img-2026\.11\.23-09\.08\.07\.tar: OK$/m,
      'the kept checksum names the kept file',
    );
    assert.deepEqual(readdirSync(outDir).sort(), ['img-2026.11.23-09.08.07.tar', 'img-2026.11.23-09.08.07.tar.md5', 'img.tar', 'img.tar.md5']);
  });

  it('OVERWRITE_OLD_IMAGE=1 replaces the output and drops stale checksums', async () => {
    const outDir = join(root, 'replace');
    await writeOutputs(request({ outDir, tree, checksums: ['md5', 'sha256'] }), ['tar']);
    const r = await writeOutputs(request({ outDir, tree, checksums: [], overwrite: true }), ['tar']);
    assert.deepEqual(r[0]!.kept, []);
    assert.deepEqual(readdirSync(outDir), ['img.tar']);
  });

  it('tgz does not delete a tar of the same build (DIB does)', async () => {
    const outDir = join(root, 'both');
    await writeOutputs(request({ outDir, tree }), ['tar', 'tgz']);
    assert.deepEqual(readdirSync(outDir).sort(), ['img.tar', 'img.tgz']);
  });

  it('compression zstd gives NAME.raw.zst holding the raw bytes; xz gives NAME.tar.xz', async () => {
    const outDir = join(root, 'zst');
    const r = await writeOutputs(request({ outDir, tree, rawImage: raw, compression: 'zstd', checksums: ['sha256'] }), ['raw', 'qcow2']);
    assert.deepEqual(
      r.map((x) => x.files.map((f) => f.slice(outDir.length + 1))),
      [['img.qcow2'], ['img.raw.zst']],
    );
    assert.ok(!existsSync(join(outDir, 'img.raw')));
    sh('zstd', ['-q', '-d', '-o', join(root, 'back.raw'), join(outDir, 'img.raw.zst')]);
    sh('cmp', [raw, join(root, 'back.raw')]);
    assert.match(sh('sha256sum', ['-c', 'img.raw.zst.sha256'], outDir), /img\.raw\.zst: OK/);
    const x = await writeOutputs(request({ outDir: join(root, 'xz'), tree, compression: 'xz' }), ['tar']);
    assert.match(sh('tar', ['--numeric-owner', '-tvJf', x[0]!.files[0]!]), /1000\/1000 .*secret/);
  });

  it('-u writes an uncompressed qcow2; DIB_QCOW2_COMPRESSION=zlib a zlib one', async () => {
    const u = await writeOutputs(request({ outDir: join(root, 'u'), tree, rawImage: raw, compress: false }), ['qcow2']);
    const z = await writeOutputs(request({ outDir: join(root, 'z'), tree, rawImage: raw, qcow2Compression: 'zlib' }), ['qcow2']);
    const info = (f: string) => JSON.parse(sh('qemu-img', ['info', '--output=json', f])) as Record<string, any>;
    assert.equal(info(z[0]!.files[0]!)['format-specific'].data['compression-type'], 'zlib');
    // qemu-img 7.2's map does not report compressed clusters: compare sizes (the tree's data is very compressible)
    const size = (f: string) => statSync(f).size;
    assert.ok(size(z[0]!.files[0]!) * 2 < size(u[0]!.files[0]!), `zlib ${size(z[0]!.files[0]!)} vs uncompressed ${size(u[0]!.files[0]!)}`);
    assert.match(sh('qemu-img', ['compare', raw, u[0]!.files[0]!]), /identical/);
  });

  it('DIB_VHD_SUBFORMAT=fixed writes a fixed VHD: the raw bytes plus a 512-byte footer', async () => {
    const r = await writeOutputs(request({ outDir: join(root, 'fixed'), tree, rawImage: raw, vhdSubformat: 'fixed' }), ['vhd']);
    const f = r[0]!.files[0]!;
    assert.equal(statSync(f).size, (64 << 20) + 512);
    assert.equal(readFileSync(f).subarray(-512, -504).toString('latin1'), 'conectix', 'VHD footer cookie');
    assert.match(sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, f]), /identical/);
  });

  it('moveRaw renames the workspace image into place', async () => {
    const copy = join(root, 'ws.raw');
    sh('cp', ['--sparse=always', raw, copy]);
    const r = await writeOutputs(request({ outDir: join(root, 'moved'), tree, rawImage: copy, moveRaw: true }), ['raw']);
    assert.ok(!existsSync(copy), 'the workspace image is gone');
    assert.equal(sha(r[0]!.files[0]!), sha(raw));
  });
});
