/** `kiln block-device create` and the `plan block-device` module as a user runs them. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import yargs from 'yargs';
import { planBlockDeviceCommand } from '../../../src/cli/commands/plan-block-device.js';
import { runCli } from '../../helpers/cli.js';
import { REPO } from '../../helpers/block-device.js';
import { sh } from './bd-tree.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-bd-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('kiln block-device create', () => {
  it('an invalid layout: exit 1, every problem with its file:line, no image written', () => {
    const out = join(tmp, 'bad.raw');
    const cfg = join(REPO, 'tests/fixtures/block-device/invalid/many-problems.yaml');
    const r = runCli('kiln', ['block-device', 'create', '--config', cfg, '--output', out, '--image-size', '1']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /many-problems\.yaml:13: Unknown flag: bootable/);
    assert.match(r.stderr, /File system label \[same\] used more than once/);
    assert.throws(() => statSync(out));
  });
  it('no tree: empty filesystems in a valid MBR image', () => {
    const out = join(tmp, 'empty.raw');
    const r = runCli('kiln', ['block-device', 'create', '--quiet', '--config', join(REPO, 'block-device/mbr.yaml'), '--output', out, '--image-size', '64MiB']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(sh('sfdisk', ['--json', out]).stdout);
    assert.equal(j.partitiontable.label, 'dos');
    assert.deepEqual(
      j.partitiontable.partitions.map((p: { start: number; size: number; bootable?: boolean }) => [p.start, p.size, p.bootable]),
      [[2048, 131072 - 4096, true]],
    );
    assert.equal(sh('e2fsck', ['-fn', `${out}?offset=${2048 * 512}`]).status, 0);
  });
  it('an --output that cannot be written: exit 1 naming --output, before planning; /proc does not hang', () => {
    const cfg = join(REPO, 'block-device/mbr.yaml');
    for (const [out, msg] of [
      ['/proc/kiln-nothing/img', /--output \/proc\/kiln-nothing\/img: \/proc is on a proc filesystem/],
      [join(tmp, 'no/such/img'), /--output \S+no\/such\/img: \S+no\/such does not exist/],
      [tmp, /--output \S+: \S+ is a directory/],
    ] as const) {
      const r = runCli('kiln', ['block-device', 'create', '--config', cfg, '--output', out, '--image-size', '1'], { timeoutMs: 60_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, msg);
      assert.doesNotMatch(r.stderr, /internal error/);
    }
  });
  it('a tree with no filesystem at / to put it in: exit 1 naming the layout line', () => {
    const cfg = join(REPO, 'tests/fixtures/block-device/invalid/no-root-mount.yaml');
    const r = runCli('kiln', ['block-device', 'create', '--config', cfg, '--root', tmp, '--output', join(tmp, 'nr.raw'), '--image-size', '1']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no-root-mount\.yaml:12: no filesystem is mounted at \//);
  });
  it('missing --output is a usage error (exit 2)', () => {
    const r = runCli('kiln', ['block-device', 'create', '--config', join(REPO, 'block-device/mbr.yaml')]);
    assert.equal(r.status, 2, r.stderr);
  });
});

describe('plan block-device (command module)', () => {
  it('prints the plan as JSON', async () => {
    let printed = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      printed += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      await yargs(['block-device', '--config', join(REPO, 'block-device/efi.yaml'), '--image-size', '2', '--json'])
        .command(planBlockDeviceCommand)
        .parseAsync();
    } finally {
      process.stdout.write = write;
    }
    const plan = JSON.parse(printed);
    assert.deepEqual(
      plan.partitionTables[0].partitions.map((p: { name: string }) => p.name),
      ['ESP', 'BSP', 'root'],
    );
    assert.equal(plan.image.sizeBytes, 2 * 1024 ** 3);
  });
});
