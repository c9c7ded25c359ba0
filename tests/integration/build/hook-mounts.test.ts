// Host-phase hooks mount in the host's mount table (as in DIB). Whatever they mount under the
// workspace is unmounted at DIB's points and at the end of every build, succeeded, failed or
// interrupted, and nothing is ever removed through a mount: a host directory bind-mounted into the
// tree (a "canary" with files) keeps its files. Each build runs in a private mount namespace of its
// own (helpers/mount-ns.ts): the machine's mount table never sees these mounts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, isRoot, processesMentioning } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { workspaceTree } from '../../helpers/interrupt.js';
import { interruptInMountNs, runInMountNs, type NsResult } from '../../helpers/mount-ns.js';
import { DIB_PY, dibOracleSkip } from '../../helpers/dib-oracle.js';

const skip = !isRoot() ? 'needs root: the hooks mount' : false;
const DIB_APT_HOOK = join(DIB_PY, 'elements/dpkg/root.d/50-shared-apt-cache');
const bash = (body: string) => `#!/bin/bash\nset -eu -o pipefail\n${body}\n`;

describe('mounts made by host-phase hooks', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-hookmnt-'));
  chmodSync(tmp, 0o755);
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const canary = join(tmp, `canary-${process.pid}`);
  const CANARY_FILES: Record<string, string> = { 'keep.txt': 'host data\n', 'sub/deep.txt': 'more host data\n' };
  const fillCanary = (dir: string) => {
    for (const [rel, content] of Object.entries(CANARY_FILES)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), content);
    }
  };
  fillCanary(canary);
  const tmpfsName = `kiln-test-tmpfs-${process.pid}`;

  const elements = makeElementTree({
    'bind-root': {
      deps: ['busybox-minimal'],
      files: {
        'root.d/60-bind-canary': bash('mkdir -p "$TARGET_ROOT/var/cache/x"\nmount --bind "$KILN_TEST_CANARY" "$TARGET_ROOT/var/cache/x"'),
        // mounts of root.d serve the in-tree phases (DIB's shared apt cache), then go after post-root.d
        'install.d/60-sees-canary': '#!/bin/sh\nset -eu\ntest -f /var/cache/x/keep.txt\n',
        'block-device.d/60-unmounted': bash(
          'if grep -qF "$(basename "$KILN_TEST_CANARY")" /proc/self/mountinfo; then echo "root.d mount still there" >&2; exit 1; fi',
        ),
      },
    },
    'try-mount': {
      deps: ['busybox-minimal'],
      files: {
        'root.d/60-try-mount': bash(
          'mkdir -p "$TARGET_ROOT/var/cache/x"\nif mount --bind "$KILN_TEST_CANARY" "$TARGET_ROOT/var/cache/x" 2>/dev/null; then echo "mounted unprivileged" >&2; exit 1; fi',
        ),
      },
    },
    'fail-later': { files: { 'extra-data.d/70-fail': '#!/bin/sh\necho failing on purpose\nexit 3\n' } },
    'sleep-later': { files: { 'extra-data.d/70-sleep': '#!/bin/sh\necho sleeping\nsleep 779\n' } },
    'tmpfs-extra': {
      deps: ['busybox-minimal'],
      files: {
        'extra-data.d/60-tmpfs': bash(
          'mkdir -p "$TARGET_ROOT/srv/scratch"\nmount -t tmpfs "$KILN_TEST_TMPFS" "$TARGET_ROOT/srv/scratch"\necho x > "$TARGET_ROOT/srv/scratch/in-tmpfs"',
        ),
      },
    },
    'bind-late': {
      deps: ['busybox-minimal'],
      files: {
        'block-device.d/60-bind': bash('mkdir -p "$TARGET_ROOT/var/cache/y"\nmount --bind "$KILN_TEST_CANARY" "$TARGET_ROOT/var/cache/y"'),
        'pre-finalise.d/60-bind': bash(
          'grep -qF " $TARGET_ROOT/var/cache/y " /proc/self/mountinfo && exit 1\nmkdir -p "$TARGET_ROOT/var/cache/w"\nmount --bind "$KILN_TEST_CANARY" "$TARGET_ROOT/var/cache/w"',
        ),
        'finalise.d/60-sees-canary': '#!/bin/sh\nset -eu\ntest -f /var/cache/w/keep.txt\n',
        // the tree's /tmp is emptied after cleanup.d: through this mount, but for the unmount
        'cleanup.d/60-bind': bash('mkdir -p "$TARGET_ROOT/tmp/z"\nmount --bind "$KILN_TEST_CANARY" "$TARGET_ROOT/tmp/z"'),
      },
    },
    'rbind-shared': {
      deps: ['busybox-minimal'],
      files: {
        'root.d/60-rbind': bash('mkdir -p "$TARGET_ROOT/srv/dev"\nmount --rbind "$KILN_TEST_SHARED/dev" "$TARGET_ROOT/srv/dev"'),
      },
    },
    'dib-apt-cache': {
      deps: ['busybox-minimal'],
      files: {
        'root.d/10-apt-dirs': bash('mkdir -p "$TARGET_ROOT/var/cache/apt/archives"'),
        ...(existsSync(DIB_APT_HOOK) ? { 'root.d/50-shared-apt-cache': readFileSync(DIB_APT_HOOK, 'utf8') } : {}),
        'install.d/60-use-cache': '#!/bin/sh\nset -eu\ntest -f /var/cache/apt/archives/fake_1.0_all.deb\ntouch /var/cache/apt/archives/new_2.0_all.deb\n',
        // as DIB's dpkg finalise.d/99-clean-up-cache (apt-get clean): after the unmount, the tree's own
        'finalise.d/99-clean-up-cache': '#!/bin/sh\nset -eu\nrm -rf /var/cache/apt/archives/*\n',
      },
    },
  });
  chmodSync(elements, 0o755);
  after(() => rmSync(elements, { recursive: true, force: true }));
  // DIB's hooks call sudo; as root it only runs the command
  const shim = join(tmp, 'shim');
  mkdirSync(shim);
  writeFileSync(join(shim, 'sudo'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });

  let n = 0;
  function build(elementNames: string[], opts: { env?: Record<string, string>; setup?: string } = {}) {
    const dir = join(tmp, `b${n++}`);
    const ws = join(dir, 'ws');
    mkdirSync(ws, { recursive: true });
    const env = { ELEMENTS_PATH: elements, TMP_DIR: ws, KILN_TEST_CANARY: canary, KILN_TEST_TMPFS: tmpfsName, ...opts.env };
    const cmd = [join(BIN, 'disk-image-create'), '-t', 'tar', '-o', join(dir, 'img'), ...elementNames];
    return { dir, ws, tar: join(dir, 'img.tar'), cmd, env, run: () => runInMountNs(dir, cmd, { env, ...(opts.setup ? { setup: opts.setup } : {}) }) };
  }

  function assertCanaryIntact(dir = canary): void {
    for (const [rel, content] of Object.entries(CANARY_FILES)) assert.equal(readFileSync(join(dir, rel), 'utf8'), content, `${rel} kept`);
  }
  function assertNothingMounted(r: NsResult, ws: string): void {
    const left = r.mounts.filter((m) => m.mountPoint.startsWith(`${ws}/`) || m.root.includes(basename(canary)) || m.source === tmpfsName);
    assert.deepEqual(
      left.map((m) => `${m.mountPoint} (${m.source}[${m.root}])`),
      [],
      'no mount left in the workspace or of the canary',
    );
  }
  const workspaces = (ws: string) => readdirSync(ws).filter((f) => f.startsWith('kiln-'));
  const tarList = (tar: string) => spawnSync('tar', ['-tf', tar], { encoding: 'utf8' }).stdout.split('\n');

  it('root.d bind mount: seen by install.d, gone after post-root.d; the build succeeds and the workspace is removed', () => {
    const b = build(['bind-root']);
    const r = b.run();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /post-root\.d: unmounted what host hooks mounted in the workspace: \S+\/mnt\/var\/cache\/x/);
    assertCanaryIntact();
    assertNothingMounted(r, b.ws);
    assert.deepEqual(workspaces(b.ws), [], 'workspace removed');
    assert.ok(!tarList(b.tar).includes('./var/cache/x/keep.txt'), 'the host directory is not in the image');
  });

  it('a later hook fails: the build fails, the workspace is kept, nothing stays mounted', () => {
    const b = build(['bind-root', 'fail-later']);
    const r = b.run();
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /extra-data\.d\/70-fail of element 'fail-later' failed with exit code 3/);
    assert.match(r.stderr, /unmounted what host hooks left mounted in the workspace: \S+\/var\/cache\/x/);
    assertCanaryIntact();
    assertNothingMounted(r, b.ws);
    const [kept] = workspaces(b.ws);
    assert.ok(kept && r.stderr.includes(`workspace is kept for debugging: ${join(b.ws, kept)}`), r.stderr);
    assert.deepEqual(readdirSync(join(workspaceTree(join(b.ws, kept!)), 'var/cache/x')), [], 'the kept tree holds the empty mount point only');
  });

  it('SIGINT while a later hook sleeps: exit 130, nothing stays mounted, the canary is intact', async () => {
    const b = build(['bind-root', 'sleep-later']);
    const r = await interruptInMountNs(b.dir, b.cmd, () => processesMentioning('sleep 779').length > 0, { env: b.env });
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /interrupted \(SIGINT\)/);
    assertCanaryIntact();
    assertNothingMounted(r, b.ws);
    assert.deepEqual(processesMentioning('sleep 779'), []);
    assert.equal(workspaces(b.ws).length, 1, 'the workspace is kept');
  });

  it('a tmpfs mounted in extra-data.d is gone before the image is made: its file is not in the image', () => {
    const b = build(['tmpfs-extra']);
    const r = b.run();
    assert.equal(r.status, 0, r.stderr);
    assertNothingMounted(r, b.ws);
    const list = tarList(b.tar);
    assert.ok(list.includes('./srv/scratch/'), 'the mount point stays, empty');
    assert.ok(!list.includes('./srv/scratch/in-tmpfs'));
    assert.deepEqual(workspaces(b.ws), []);
  });

  it('block-device.d, pre-finalise.d and cleanup.d bind mounts: unmounted in time, the canary survives emptying /tmp', () => {
    const b = build(['bind-late']);
    const r = b.run();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /block-device\.d: unmounted [^\n]*\/var\/cache\/y/);
    assert.match(r.stderr, /cleanup\.d: unmounted [^\n]*\/tmp\/z, \S+\/var\/cache\/w\n/);
    assertCanaryIntact();
    assertNothingMounted(r, b.ws);
    const list = tarList(b.tar);
    for (const p of ['./var/cache/y/keep.txt', './var/cache/w/keep.txt', './tmp/z/keep.txt']) assert.ok(!list.includes(p), p);
    assert.deepEqual(workspaces(b.ws), []);
  });

  it('an rbind of a shared mount with a submount: unmounting the copies leaves the originals mounted', () => {
    // every systemd host's mounts are shared: unmounting the tree's copy of dev/pts would
    // propagate to the original unless its parent copy is made private first
    const shared = join(tmp, 'shared');
    mkdirSync(shared);
    const setup = `mount -t tmpfs kiln-shared "${shared}" && mount --make-shared "${shared}" && mkdir -p "${shared}/dev/pts" &&
      mount -t tmpfs kiln-shared-sub "${shared}/dev/pts" && mkdir "${shared}/dev/pts/c" && ${Object.entries(CANARY_FILES)
        .map(([rel, c]) => `mkdir -p "$(dirname "${shared}/dev/pts/c/${rel}")" && printf '%s' '${c}' > "${shared}/dev/pts/c/${rel}"`)
        .join(' && ')}`;
    const b = build(['rbind-shared'], {
      env: { KILN_TEST_SHARED: shared },
      setup: `${setup} && trap 'cat "${shared}/dev/pts/c/keep.txt" > "${join(tmp, 'shared-keep')}"' EXIT`,
    });
    const r = b.run();
    assert.equal(r.status, 0, r.stderr);
    assertNothingMounted(r, b.ws);
    assert.deepEqual(
      r.mounts.filter((m) => m.mountPoint.startsWith(shared)).map((m) => `${m.mountPoint} ${m.source}`),
      [`${shared} kiln-shared`, `${shared}/dev/pts kiln-shared-sub`],
      'the originals are still mounted',
    );
    assert.equal(readFileSync(join(tmp, 'shared-keep'), 'utf8'), CANARY_FILES['keep.txt']);
    assert.deepEqual(workspaces(b.ws), []);
  });

  it("DIB's own dpkg root.d/50-shared-apt-cache, unmodified: the host apt cache serves install.d and keeps its files", {
    skip: dibOracleSkip(),
  }, () => {
    const cache = join(tmp, 'image-cache');
    const archives = join(cache, 'apt/busybox'); // $DIB_IMAGE_CACHE/apt/$DISTRO_NAME
    fillCanary(archives);
    writeFileSync(join(archives, 'fake_1.0_all.deb'), 'not really a deb\n');
    const b = build(['dib-apt-cache'], { env: { DIB_IMAGE_CACHE: cache, PATH: `${shim}:${process.env.PATH}` } });
    const r = b.run();
    assert.equal(r.status, 0, r.stderr);
    assertCanaryIntact(archives);
    assert.ok(existsSync(join(archives, 'fake_1.0_all.deb')), "the finalise.d clean-up emptied the tree's directory, not the host cache");
    assert.ok(existsSync(join(archives, 'new_2.0_all.deb')), 'install.d wrote through the bind mount into the host cache, as in DIB');
    assert.deepEqual(
      r.mounts.filter((m) => m.root.includes('image-cache') || m.mountPoint.startsWith(`${b.ws}/`)),
      [],
    );
    assert.deepEqual(workspaces(b.ws), []);
  });

  it('unprivileged, a host hook cannot mount, and every unmount point passes: the build succeeds, the workspace is removed', {
    skip: spawnSync('id', ['kiln-test']).status === 0 ? false : 'no kiln-test user',
  }, () => {
    const b = build(['try-mount']);
    chmodSync(b.dir, 0o777);
    chmodSync(b.ws, 0o777);
    const env = Object.entries({ ...b.env, HOME: '/home/kiln-test', CI: 'true' }).map(([k, v]) => `${k}=${v}`);
    const r = runInMountNs(b.dir, ['runuser', '-u', 'kiln-test', '--', 'env', ...env, ...b.cmd]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /unmounted/);
    assertCanaryIntact();
    assertNothingMounted(r, b.ws);
    assert.deepEqual(workspaces(b.ws), []);
  });
});
