// kiln diff on real images: two builds that differ in one planted file, field or partition are
// explained by partition, file and field; identical images exit 0.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { missingTools, sh } from '../block-device/tools.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-diff-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
const skip = missingTools('debugfs', 'mcopy', 'sfdisk', 'blkid', 'qemu-img', 'sgdisk');

/** Byte offset of partition n, from sfdisk. */
function partOffset(img: string, n: number): number {
  const t = JSON.parse(sh('sfdisk', ['--json', img])) as { partitiontable: { partitions: { node: string; start: number }[] } };
  const p = t.partitiontable.partitions.find((x) => x.node.endsWith(String(n)));
  assert.ok(p, `partition ${n}`);
  return p.start * 512;
}

describe('kiln diff', { skip }, () => {
  const a = join(work, 'a', 'bb.raw');
  before(() => {
    const r = runCli('disk-image-create', ['-n', 'busybox-minimal', 'block-device-efi', '-t', 'raw', '-o', join(work, 'a', 'bb')], {
      env: { SOURCE_DATE_EPOCH: '1700000000', DIB_IMAGE_CACHE: join(work, 'cache') },
    });
    assert.equal(r.status, 0, r.stderr);
  });
  const copy = (name: string): string => {
    const p = join(work, name);
    copyFileSync(a, p);
    return p;
  };

  it('identical images: exit 0 and says so', () => {
    const r = runCli('kiln', ['diff', a, copy('same.raw')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /are identical/);
  });

  it('one file changed in the ext4 root: names the partition, the file and the fields; exit 1', () => {
    const b = copy('content.raw');
    const dev = `${b}?offset=${partOffset(b, 3)}`;
    const f = join(work, 'hostname');
    writeFileSync(f, 'another-host\n');
    sh('debugfs', ['-w', '-R', 'rm /etc/hostname', dev]);
    sh('debugfs', ['-w', '-R', `write ${f} /etc/hostname`, dev]);
    sh('debugfs', ['-w', '-R', 'sif /bin/busybox mtime 1700000500', dev]);
    const r = runCli('kiln', ['diff', a, b]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^partition 3 \(root\), ext4 /m);
    assert.match(r.stdout, /^ {2}\/etc\/hostname: .*content sha256:[0-9a-f]{12} -> sha256:[0-9a-f]{12}/m);
    assert.match(r.stdout, /^ {2}\/bin\/busybox: mtime 2023-11-14T22:13:20Z -> 2023-11-14T22:21:40Z$/m);
    assert.doesNotMatch(r.stdout, /partition 1/, 'the ESP is the same');
    const j = JSON.parse(runCli('kiln', ['diff', '--json', a, b]).stdout) as {
      identical: boolean;
      regions: { name: string; files: { path: string; fields?: { field: string }[] }[] }[];
    };
    assert.equal(j.identical, false);
    const files = j.regions.find((x) => x.name === 'partition 3 (root)')?.files ?? [];
    assert.deepEqual(
      files.find((x) => x.path === '/bin/busybox')?.fields?.map((x) => x.field),
      ['mtime'],
    );
  });

  it('a file added to the ESP (vfat) and a new disk GUID; qcow2 is read too', () => {
    const b = copy('esp.raw');
    const f = join(work, 'extra.cfg');
    writeFileSync(f, 'x\n');
    sh('mcopy', ['-i', `${b}@@${partOffset(b, 1)}`, f, '::/extra.cfg'], { env: { MTOOLS_SKIP_CHECK: '1' } });
    sh('sgdisk', ['-U', '11111111-2222-3333-4444-555555555555', b]);
    const q = join(work, 'esp.qcow2');
    sh('qemu-img', ['convert', '-O', 'qcow2', b, q]);
    const r = runCli('kiln', ['diff', a, q]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /disk id: [0-9A-F-]+ -> 11111111-2222-3333-4444-555555555555/);
    assert.match(r.stdout, /^partition 1 \(ESP\), vfat /m);
    assert.match(r.stdout, /^ {2}\/extra\.cfg: only in B$/m);
    assert.match(r.stdout, /^disk: MBR boot code, protective MBR, GPT header and entries/m);
  });

  it('a missing image: a one-line error, exit 1, no stack trace', () => {
    const r = runCli('kiln', ['diff', a, join(work, 'nope.raw')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nope\.raw: no such file/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
