import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { Build } from '../../../src/build/build.js';
import { planBuild } from '../../../src/build/plan.js';
import { baseTools, requiredTools } from '../../../src/build/preflight.js';
import { buildSteps } from '../../../src/build/steps.js';
import { REPO } from '../../helpers/block-device.js';

const configOf = (argv: string[], env: Record<string, string> = {}) =>
  createBuildConfig({ args: parseArgv(argv), env: { HOME: '/h', PATH: '/usr/bin:/bin', ...env }, hostArch: 'amd64', builtinElements: join(REPO, 'elements') });

const ids = (argv: string[]) => {
  const config = configOf(argv);
  return buildSteps(config, planBuild(config)).map((s) => `${s.kind}:${s.id}`);
};

describe('buildSteps', () => {
  it('a tarball of busybox: the phases and the tree stages, no layout, no bootstrap', () => {
    assert.deepEqual(ids(['-t', 'tar', 'busybox-minimal']), [
      'phase:root.d',
      'stage:check-tree',
      'phase:extra-data.d',
      'stage:packages-squash',
      'phase:pre-install.d',
      'phase:install.d',
      'phase:post-install.d',
      'phase:post-root.d',
      'phase:block-device.d',
      'phase:pre-finalise.d',
      'phase:finalise.d',
      'phase:cleanup.d',
      'stage:finalise-tree',
      'stage:selinux',
      'stage:outputs',
      'stage:pin-record',
    ]);
  });

  it('apt trees: the package cache around the install phases, their sources noted; --pin adds its apply and check', () => {
    const apt = ids(['-t', 'tar', 'busybox-minimal', 'dpkg']);
    const at = (id: string) => apt.indexOf(id);
    assert.ok(at('stage:package-cache-in') >= 0 && at('stage:package-cache-in') < at('phase:pre-install.d'));
    assert.ok(at('stage:package-cache-out') > at('phase:post-install.d') && at('stage:package-cache-out') < at('phase:post-root.d'));
    assert.ok(at('stage:package-sources') > at('phase:post-install.d') && at('stage:package-sources') < at('phase:cleanup.d'));
    assert.ok(!ids(['--no-cache', '-t', 'tar', 'busybox-minimal', 'dpkg']).includes('stage:package-cache-in'), '--no-cache: no package cache');
    assert.ok(!apt.some((s) => s.startsWith('stage:pin-a') || s === 'stage:pin-check'));
    const pinned = ids(['--pin', '/x/pin.json', '-t', 'tar', 'busybox-minimal', 'dpkg']);
    const p = (id: string) => pinned.indexOf(id);
    assert.ok(p('stage:pin-apply') > p('stage:package-cache-in') && p('stage:pin-apply') < p('phase:pre-install.d'));
    assert.ok(p('stage:pin-check') > p('phase:cleanup.d') && p('stage:pin-check') < p('stage:finalise-tree'));
  });

  it('a disk: the layout is framed first, its fstab written after block-device.d, sized at assembly', () => {
    const s = ids(['-t', 'qcow2', 'busybox-minimal']);
    assert.equal(s[0], 'stage:frame-layout');
    assert.equal(s.indexOf('stage:fstab'), s.indexOf('phase:block-device.d') + 1);
    // the tree is labelled for its SELinux policy (if it has one) once final, before any filesystem is made
    assert.equal(s.indexOf('stage:selinux'), s.indexOf('stage:finalise-tree') + 1);
    assert.equal(s.indexOf('stage:assemble'), s.indexOf('stage:selinux') + 1);
    assert.ok(s.indexOf('phase:cleanup.d') < s.indexOf('stage:assemble'), 'cleanup.d runs before assembly');
  });

  it('a Debian disk with -p and --boot-test: bootstrap after the frame, -p after install.d, boot-test last', () => {
    const s = ids(['-t', 'qcow2', '-p', 'vim', '--boot-test', 'debian-minimal', 'vm']);
    assert.deepEqual(s.slice(0, 3), ['stage:frame-layout', 'stage:bootstrap', 'phase:root.d']);
    assert.equal(s.indexOf('stage:packages'), s.indexOf('phase:install.d') + 1);
    assert.equal(s.at(-1), 'stage:boot-test');
  });

  it("preflight's tools are the base tools and the union of every step's needs", () => {
    const config = configOf(['-t', 'qcow2', '--boot-test', 'debian-minimal', 'vm']);
    const plan = planBuild(config);
    const steps = buildSteps(config, plan);
    const union = steps.flatMap((s) => s.needs(config, plan));
    assert.deepEqual(requiredTools(config, plan, steps), [...baseTools(), ...union]);
    const tools = new Set(union.map((t) => t.tool));
    for (const t of ['bash', 'chroot', 'du', 'mke2fs', 'grub-mkimage', 'qemu-img', 'qemu-system-x86_64']) assert.ok(tools.has(t), `${t} is needed`);
    // each need comes from the step that uses it
    const needsOf = (id: string) =>
      steps
        .find((s) => s.id === id)!
        .needs(config, plan)
        .map((t) => t.tool);
    assert.ok(needsOf('assemble').includes('mke2fs'));
    assert.deepEqual(needsOf('root.d'), ['bash']);
    assert.deepEqual(needsOf('install.d'), ['bash', 'chroot']);
    assert.deepEqual(needsOf('boot-test'), ['qemu-system-x86_64']);
  });

  it('a tarball needs no mkfs and no du', () => {
    const config = configOf(['-t', 'tar', 'busybox-minimal']);
    const plan = planBuild(config);
    const tools = requiredTools(config, plan, buildSteps(config, plan)).map((t) => t.tool);
    assert.ok(!tools.some((t) => t.startsWith('mk') || t === 'du'));
  });
});

describe('Build', () => {
  it('a product read before its step ran is an internal error; made twice too', () => {
    const b = new Build({ env: {}, epochRecord: { epoch: 1, source: 'SOURCE_DATE_EPOCH' } } as unknown as ConstructorParameters<typeof Build>[0]);
    assert.throws(() => b.layout, /internal: the sized layout is read before the step that makes it ran/);
    b.rawImage = '/x.raw';
    assert.equal(b.rawImage, '/x.raw');
    assert.throws(() => {
      b.rawImage = '/y.raw';
    }, /internal: the raw image is made twice/);
  });

  it('the hooks see the epoch the build settles on', () => {
    const b = new Build({ env: {}, epochRecord: { epoch: 100, source: 'inputs', elements: 100 } } as unknown as ConstructorParameters<typeof Build>[0]);
    assert.equal(b.env.SOURCE_DATE_EPOCH, '100');
    b.epochRecord = { epoch: 200, source: 'inputs', elements: 100, bootstrap: 200 };
    assert.equal(b.epoch, 200);
    assert.equal(b.env.SOURCE_DATE_EPOCH, '200');
  });
});
