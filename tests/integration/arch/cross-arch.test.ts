// Foreign-architecture builds on this host: busybox-minimal takes the target's busybox (arm64 through
// qemu-user and binfmt_misc, i386 natively), the container outputs are labelled with the target, and
// what cannot be built is refused before any work, with the fix.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { ELF_MACHINE, elfMachine } from '../../helpers/elf.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-cross-'));
after(() => rmSync(work, { recursive: true, force: true }));

function sh(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** /bin/busybox of an OCI archive's only layer, and the config's platform (read with skopeo, not Kiln). */
function fromOci(archive: string): { busybox: Buffer; architecture: string; variant?: string } {
  const dir = mkdtempSync(join(work, 'oci-'));
  sh('skopeo', ['copy', '-q', `oci-archive:${archive}`, `dir:${dir}`]);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  const blob = (d: string) => join(dir, d.replace(/^sha256:/, ''));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as { architecture: string; variant?: string };
  assert.equal(manifest.layers.length, 1);
  return { busybox: sh('tar', ['-xOf', blob(manifest.layers[0]!.digest), './bin/busybox']), ...config };
}

describe('cross-architecture builds', () => {
  for (const [arch, machine, platform] of [
    ['aarch64', ELF_MACHINE.aarch64, { architecture: 'arm64', variant: 'v8' }],
    ['i386', ELF_MACHINE.i386, { architecture: '386' }],
  ] as const) {
    it(`-a ${arch} -n busybox-minimal -t tar,oci holds ${arch} binaries and says so`, () => {
      const out = join(work, arch);
      mkdirSync(out);
      const r = runCli('disk-image-create', ['-a', arch, '-n', 'busybox-minimal', '-t', 'tar,oci', '-o', join(out, 'bb')], {
        env: { DIB_IMAGE_CACHE: join(work, 'cache') },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(elfMachine(sh('tar', ['-xOf', join(out, 'bb.tar'), './bin/busybox'])), machine);
      const oci = fromOci(join(out, 'bb.oci.tar'));
      assert.equal(elfMachine(oci.busybox), machine);
      assert.equal(oci.architecture, platform.architecture);
      assert.equal(oci.variant, 'variant' in platform ? platform.variant : undefined);
    });
  }

  it('an unprivileged user (kiln-test, with subordinate ids) builds arm64 the same way', () => {
    const out = mkdtempSync(join(tmpdir(), 'kiln-cross-user-'));
    try {
      chmodSync(out, 0o777);
      const r = runCli('disk-image-create', ['-a', 'arm64', '-n', 'busybox-minimal', '-t', 'tar', '-o', join(out, 'bb')], {
        user: 'kiln-test',
        env: { DIB_IMAGE_CACHE: join(out, 'cache') },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(elfMachine(sh('tar', ['-xOf', join(out, 'bb.tar'), './bin/busybox'])), ELF_MACHINE.aarch64);
      assert.match(sh('tar', ['--numeric-owner', '-tvf', join(out, 'bb.tar'), './bin/busybox']).toString(), / 0\/0 /, 'owned by root in the image');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a DIB_BUSYBOX of another architecture is refused, naming both', () => {
    const r = runCli('disk-image-create', ['-a', 'arm64', '-n', 'busybox-minimal', '-t', 'tar', '-o', join(work, 'wrong')], {
      env: { DIB_BUSYBOX: '/bin/busybox', DIB_IMAGE_CACHE: join(work, 'cache') },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/bin\/busybox is not built for arm64 \(ELF machine 3e 00, arm64 is b7 00\)/);
  });

  it('-a sparc is a usage error that lists the architectures', () => {
    const r = runCli('disk-image-create', ['-a', 'sparc', '-n', 'busybox-minimal', '-o', join(work, 'sparc')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /-a: 'sparc' is not a known architecture/);
    assert.match(r.stderr, /hint: use one of amd64 \(x86_64.*arm64 \(aarch64/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('a host without qemu-user-static gets the one-line explanation before any work', () => {
    const binfmt = join(work, 'binfmt_misc');
    mkdirSync(binfmt);
    writeFileSync(join(binfmt, 'status'), 'enabled\n');
    const tmp = join(work, 'tmp-none');
    mkdirSync(tmp);
    const t = Date.now();
    const r = runCli('disk-image-create', ['-a', 'arm64', 'debian-minimal', 'vm', '-o', join(work, 'arm')], {
      env: { KILN_BINFMT_DIR: binfmt, KILN_BINFMT_DATA_DIR: join(work, 'no-binfmts'), TMP_DIR: tmp, DIB_IMAGE_CACHE: join(work, 'cache') },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: arm64 on an amd64 host needs qemu-user-static and binfmt_misc\n\s+hint: apt-get install qemu-user-static binfmt-support\n/);
    assert.deepEqual(readdirSync(tmp), [], 'no workspace was made');
    assert.ok(Date.now() - t < 15_000);
  });

  it('an architecture the distro does not have is refused before any work', () => {
    const r = runCli('disk-image-create', ['-a', 'armhf', 'debian-minimal', 'vm', '-o', join(work, 'armhf')], {
      env: { DIB_IMAGE_CACHE: join(work, 'cache') },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /debian-minimal cannot build armhf images/);
    assert.match(r.stderr, /hint: Kiln builds debian for amd64, arm64, i386/);
  });
});
