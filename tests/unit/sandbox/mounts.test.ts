import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../../src/errors.js';
import type { Runner } from '../../../src/exec/runner.js';
import { MemoryLogger } from '../../../src/log.js';
import type { MountEntry } from '../../../src/sandbox/mountinfo.js';
import { assertNoMountsUnder, unmountUnder } from '../../../src/sandbox/mounts.js';

const WS = '/nonexistent-kiln-ws';

/** A mount table and a fake umount/mount that change it as the kernel would. */
function fakeHost(
  entries: [id: number, parent: number, mountPoint: string, opt?: string][],
  behave: { busy?: Set<string>; eperm?: Set<string>; goneAnyway?: Set<string> } = {},
) {
  let table: MountEntry[] = entries.map(([id, parentId, mountPoint, opt]) => ({
    id,
    parentId,
    mountPoint,
    root: '/',
    optional: opt ? [opt] : [],
    fsType: 'tmpfs',
    source: 'none',
  }));
  const calls: string[] = [];
  const fail = (msg: string) => Object.assign(new Error(msg), { stderrTail: `umount: ${msg}` });
  const runner = {
    log: new MemoryLogger(),
    async run(cmd: string, args: string[]) {
      calls.push([cmd, ...args].join(' '));
      const path = args.at(-1)!;
      const top = [...table].reverse().find((m) => m.mountPoint === path);
      if (!top) throw fail(`${path}: not mounted.`);
      if (cmd === 'mount') {
        top.optional = [];
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      if (behave.eperm?.has(path)) throw fail(`${path}: must be superuser to unmount.`);
      if (behave.goneAnyway?.has(path)) {
        table = table.filter((m) => m !== top);
        throw fail(`${path}: not mounted.`);
      }
      if (behave.busy?.has(path) && !args.includes('-l')) throw fail(`${path}: target is busy.`);
      table = table.filter((m) => m !== top);
      return { stdout: '', stderr: '', exitCode: 0 };
    },
  } as unknown as Runner;
  const log = new MemoryLogger();
  return { ctx: { runner, log, readMounts: () => table.map((m) => ({ ...m })) }, calls, log, table: () => table };
}

test('unmounts the last mounted first, re-reading: a mount hidden under a later one goes after it', async () => {
  const h = fakeHost([
    [1, 0, '/'],
    [10, 1, `${WS}/mnt/a`],
    [11, 10, `${WS}/mnt/a/b`],
    [12, 10, `${WS}/mnt/a`],
    [13, 1, '/elsewhere'],
  ]);
  const done = await unmountUnder(h.ctx, WS);
  assert.deepEqual(h.calls, [`umount ${WS}/mnt/a`, `umount ${WS}/mnt/a/b`, `umount ${WS}/mnt/a`]);
  assert.deepEqual(done, [`${WS}/mnt/a`, `${WS}/mnt/a/b`, `${WS}/mnt/a`]);
  assert.deepEqual(
    h.table().map((m) => m.id),
    [1, 13],
    'nothing outside the directory touched',
  );
});

test('nothing mounted: no command at all', async () => {
  const h = fakeHost([
    [1, 0, '/'],
    [2, 1, `${WS}-sibling`],
  ]);
  assert.deepEqual(await unmountUnder(h.ctx, WS), []);
  assert.deepEqual(h.calls, []);
});

test('a shared parent under the directory is made private first, so the unmount cannot propagate to the host', async () => {
  // a hook's `mount --rbind /dev $TARGET_ROOT/dev` on a host whose mounts are shared
  const h = fakeHost([
    [1, 0, '/', 'shared:1'],
    [20, 1, `${WS}/mnt/dev`, 'shared:2'],
    [21, 20, `${WS}/mnt/dev/pts`, 'shared:3'],
  ]);
  await unmountUnder(h.ctx, WS);
  assert.deepEqual(
    h.calls,
    [`mount --make-private ${WS}/mnt/dev`, `umount ${WS}/mnt/dev/pts`, `umount ${WS}/mnt/dev`],
    "the host's / (outside the directory) is left as it is",
  );
});

test('a busy mount is detached lazily, with a warning naming it', async () => {
  const h = fakeHost(
    [
      [1, 0, '/'],
      [30, 1, `${WS}/mnt/var/cache/apt/archives`],
    ],
    { busy: new Set([`${WS}/mnt/var/cache/apt/archives`]) },
  );
  await unmountUnder(h.ctx, WS);
  assert.deepEqual(h.calls, [`umount ${WS}/mnt/var/cache/apt/archives`, `umount -l ${WS}/mnt/var/cache/apt/archives`]);
  assert.match(h.log.text(), /mnt\/var\/cache\/apt\/archives was busy \(umount: .*target is busy\.\); detached it lazily/);
});

test('a mount that cannot be unmounted (EPERM) stops with an error naming it; nothing else is tried', async () => {
  const h = fakeHost(
    [
      [1, 0, '/'],
      [40, 1, `${WS}/mnt/x`],
      [41, 1, `${WS}/mnt/y`],
    ],
    { eperm: new Set([`${WS}/mnt/y`]) },
  );
  await assert.rejects(unmountUnder(h.ctx, WS), (e: unknown) => {
    assert.ok(e instanceof KilnError);
    assert.match(e.message, new RegExp(`^${WS}/mnt/y \\(tmpfs none\\) is mounted under ${WS} and cannot be unmounted: umount: .*must be superuser`));
    assert.match(e.hint ?? '', /umount \/nonexistent-kiln-ws\/mnt\/y/);
    return true;
  });
  assert.deepEqual(h.calls, [`umount ${WS}/mnt/y`, `umount -l ${WS}/mnt/y`]);
  assert.equal(h.table().length, 3, 'x is still mounted: the caller must not remove anything');
});

test('an umount that fails because the mount went meanwhile (a concurrent cleanup) is no error', async () => {
  const h = fakeHost(
    [
      [1, 0, '/'],
      [50, 1, `${WS}/mnt/z`],
    ],
    { goneAnyway: new Set([`${WS}/mnt/z`]) },
  );
  assert.deepEqual(await unmountUnder(h.ctx, WS), [`${WS}/mnt/z`]);
  assert.deepEqual(h.calls, [`umount ${WS}/mnt/z`]);
});

test('assertNoMountsUnder names what is mounted', () => {
  const h = fakeHost([
    [1, 0, '/'],
    [60, 1, `${WS}/tmp/a`],
  ]);
  assert.throws(
    () => assertNoMountsUnder(WS, 'the scratch dir', h.ctx.readMounts),
    /^KilnError: not removing the scratch dir: \/nonexistent-kiln-ws\/tmp\/a is mounted under it$/m,
  );
  assert.doesNotThrow(() => assertNoMountsUnder(`${WS}/other`, 'x', h.ctx.readMounts));
});
