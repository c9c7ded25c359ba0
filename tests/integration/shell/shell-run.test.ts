/**
 * `kiln run IMAGE -- CMD` and `kiln shell IMAGE` on busybox-minimal images (seconds to build): the
 * tree of a raw GPT disk (ext4 root read with debugfs), its ESP at /boot/efi (vfat, from the
 * image's fstab), the same tree from qcow2, tar, docker and squashfs outputs and a directory; the
 * command's exit status; changes discarded; no temporary directory left; layouts Kiln cannot read
 * refused by name; an unprivileged user with subordinate ids.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, processesMentioning, runCli, type CliResult } from '../../helpers/cli.js';
import { startKiln, waitFor } from '../../helpers/interrupt.js';
import { makeElementTree } from '../../helpers/element-tree.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-shell-run-'));
chmodSync(work, 0o755);
// the sessions' temporary copies go here, so "nothing left" is about this test alone
const tmp = join(work, 'tmp');
mkdirSync(tmp, { mode: 0o1777 });
chmodSync(tmp, 0o1777);
after(() => rmSync(work, { recursive: true, force: true }));

const PLANT = `#!/bin/sh
set -eu
echo planted-by-the-test > /etc/planted
echo on-the-esp > /boot/efi/planted-esp.txt 2>/dev/null || true
mkdir -p /home/owned && chown 1234:2345 /home/owned
echo suid > /bin/suid-file && chmod 4755 /bin/suid-file
`;
const elements = makeElementTree(
  {
    plant: { deps: ['busybox-minimal'], files: { 'install.d/50-plant': PLANT } },
    'plant-esp': { deps: ['plant'], files: { 'install.d/40-esp-dir': '#!/bin/sh\nmkdir -p /boot/efi\n' } },
  },
  join(work, 'elements'),
);

function build(name: string, elementNames: string[], types: string, env: Record<string, string> = {}, extra: string[] = []): string {
  const r = runCli('disk-image-create', [...elementNames, '-t', types, ...extra, '-o', join(work, name)], {
    env: { ELEMENTS_PATH: elements, TMP_DIR: work, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return join(work, name);
}

const run = (image: string, argv: string[], opts: { user?: string } = {}): CliResult =>
  runCli('kiln', ['run', image, '--', ...argv], { env: { TMPDIR: tmp }, ...opts });
const leftovers = () => readdirSync(tmp).filter((n) => n.startsWith('kiln-shell-'));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('kiln run and kiln shell', () => {
  let gpt = '';
  let efi = '';
  before(() => {
    gpt = build('gpt', ['plant', 'block-device-gpt'], 'raw,qcow2,tar,docker,squash', {}, ['--docker-target', 'kiln/shell-test:1']);
    efi = build('efi', ['plant-esp', 'block-device-efi'], 'raw');
  });

  it('runs a command in the tree of a raw GPT disk image: the planted file, owners, set-user-id bits', () => {
    const r = run(`${gpt}.raw`, ['sh', '-c', 'cat /etc/planted /etc/os-release; stat -c "%u:%g %n" /home/owned; stat -c "%a %n" /bin/suid-file /tmp']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^planted-by-the-test\n/);
    assert.match(r.stdout, /ID=busybox/);
    assert.match(r.stdout, /^1234:2345 \/home\/owned$/m);
    assert.match(r.stdout, /^4755 \/bin\/suid-file$/m);
    assert.match(r.stdout, /^1777 \/tmp$/m);
    assert.match(r.stderr, /kiln run: .*gpt\.raw \(disk\) opened in a temporary copy at .*; changes are discarded when it ends/);
  });

  it("exits with the command's status", () => {
    assert.equal(run(`${gpt}.raw`, ['sh', '-c', 'exit 7']).status, 7);
    assert.equal(run(`${gpt}.raw`, ['false']).status, 1);
    const missing = run(`${gpt}.raw`, ['no-such-command']);
    assert.equal(missing.status, 127, missing.stderr);
  });

  it('discards changes and leaves no temporary directory', () => {
    const before = sha(`${gpt}.raw`);
    const r = run(`${gpt}.raw`, ['sh', '-c', 'echo changed > /etc/planted; rm /bin/busybox; mkdir /new']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sha(`${gpt}.raw`), before, 'the image is not changed');
    assert.match(run(`${gpt}.raw`, ['cat', '/etc/planted']).stdout, /^planted-by-the-test$/m);
    assert.deepEqual(leftovers(), []);
  });

  it('extracts what the fstab mounts: the ESP (vfat) at /boot/efi', () => {
    const r = run(`${efi}.raw`, ['sh', '-c', 'cat /etc/fstab /boot/efi/planted-esp.txt']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/boot\/efi vfat/);
    assert.match(r.stdout, /^on-the-esp$/m);
  });

  it('opens qcow2, tar, docker and squashfs outputs and a directory alike', () => {
    const dir = join(work, 'tree-dir');
    mkdirSync(dir);
    assert.equal(spawnSync('tar', ['-xpf', `${gpt}.tar`, '-C', dir]).status, 0);
    for (const [image, kind] of [
      [`${gpt}.qcow2`, 'disk'],
      [`${gpt}.tar`, 'tar'],
      [`${gpt}.docker.tar`, 'docker'],
      [`${gpt}.squash`, 'squashfs'],
      [dir, 'directory'],
    ] as const) {
      const r = run(image, ['sh', '-c', 'cat /etc/planted; stat -c "%u:%g" /home/owned']);
      assert.equal(r.status, 0, `${image}: ${r.stderr}`);
      assert.equal(r.stdout, 'planted-by-the-test\n1234:2345\n', image);
      assert.match(r.stderr, new RegExp(`\\(${kind}\\) opened`), image);
    }
    assert.deepEqual(leftovers(), []);
  });

  it("kiln shell: the tree's shell, reading the terminal (here a pipe)", () => {
    const r = spawnSync(join(BIN, 'kiln'), ['shell', `${gpt}.raw`], {
      input: 'cat /etc/planted\nexit 3\n',
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp },
    });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /planted-by-the-test/);
    assert.deepEqual(leftovers(), []);
  });

  it('refuses a filesystem it cannot read, naming the fstab line, the partition and the type', () => {
    const layout = `- local_loop:
    name: image0
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: root
        size: 200MiB
        mkfs: { type: ext4, mount: { mount_point: /, fstab: { options: defaults, fsck-passno: 1 } } }
      - name: var
        size: 100%
        mkfs: { type: xfs, mount: { mount_point: /var, fstab: { options: defaults, fsck-passno: 2 } } }
`;
    const image = build('xfs', ['plant'], 'raw', { DIB_BLOCK_DEVICE_CONFIG: layout, DIB_IMAGE_SIZE: '1' });
    const r = run(`${image}.raw`, ['true']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /\/etc\/fstab line 2: \/var is on partition 2 \(var\) \(xfs\): kiln shell and kiln run read only ext2\/3\/4 and vfat/);
    assert.match(r.stderr, /hint: /);
    assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
    assert.deepEqual(leftovers(), []);
  });

  it('refuses a root filesystem it cannot read (a bare xfs image) and a file that is no image', () => {
    const bare = join(work, 'bare-xfs.img');
    writeFileSync(bare, '');
    truncateSync(bare, 300 * 1024 * 1024);
    assert.equal(spawnSync('mkfs.xfs', ['-q', bare]).status, 0);
    const r = run(bare, ['true']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the root filesystem is on the whole image \(xfs\)/);
    const junk = join(work, 'junk.bin');
    writeFileSync(junk, Buffer.alloc(4096));
    const j = run(junk, ['true']);
    assert.equal(j.status, 1, j.stderr);
    assert.match(j.stderr, /no root filesystem found/);
    assert.equal(runCli('kiln', ['run', `${gpt}.raw`]).status, 2, 'no command: a usage error');
    assert.deepEqual(leftovers(), []);
  });

  it('SIGTERM: the command is stopped, the copy removed, exit 143', async () => {
    const marker = `kiln-shell-test-${process.pid}`;
    const k = startKiln('kiln', ['run', `${gpt}.raw`, '--', 'sh', '-c', `sleep 300; : ${marker}`], { TMPDIR: tmp }, marker);
    await waitFor(() => processesMentioning(`: ${marker}`).some((l) => /^\d+: sh -c /.test(l)), 60_000, 'the command to start');
    process.kill(k.child.pid!, 'SIGTERM');
    const end = await k.exited;
    assert.equal(end.code, 143, k.stderr());
    assert.match(k.stderr(), /kiln run interrupted by SIGTERM; the temporary copy is removed/);
    assert.deepEqual(processesMentioning(`: ${marker}`), []);
    assert.deepEqual(leftovers(), []);
  });

  it('an unprivileged user with subordinate ids (kiln-test) sees the same owners', () => {
    const r = run(`${gpt}.raw`, ['sh', '-c', 'id -u; stat -c "%u:%g" /home/owned /etc/planted'], { user: 'kiln-test' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '0\n1234:2345\n0:0\n');
    assert.deepEqual(leftovers(), []);
  });
});
