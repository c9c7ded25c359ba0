// examples/: every build file passes diskimage-builder --dry-run as its README runs it (keys,
// options, elements, disk layout; no warning once the README's variables are set), every example
// directory has a README, and the busybox container is built for real and read back with skopeo
// and tar. (The Debian and Rocky builds are too slow for CI; the Debian path is built by the e2e tests.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';

const EXAMPLES = join(REPO, 'examples');
const dirs = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('examples/', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-examples-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const key = join(tmp, 'RPM-GPG-KEY');
  writeFileSync(key, 'a key file (the dry run does not read it)\n');
  // what examples/rpm/README.md tells the user to export
  const env = { TMP_DIR: tmp, DIB_DISTRIBUTION_MIRROR: 'https://mirror.example/rocky', DIB_DNF_GPG_KEYS: key };

  it('the five kinds of image the examples promise are there, each with a README', () => {
    assert.deepEqual(dirs, ['arm64', 'container', 'debian-cloud', 'debian-uefi-lvm', 'rpm']);
    for (const d of dirs) assert.ok(existsSync(join(EXAMPLES, d, 'README.md')), `${d}/README.md`);
  });

  for (const d of dirs) {
    for (const f of readdirSync(join(EXAMPLES, d)).filter((n) => n.endsWith('.yaml'))) {
      it(`${d}/${f}: --dry-run checks it and prints its builds, without a warning`, () => {
        const r = runCli('diskimage-builder', ['--dry-run', '--json', f], { cwd: join(EXAMPLES, d), env });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, '', 'no warning');
        const plan = JSON.parse(r.stdout) as { imageName: string; command: string[] }[];
        assert.ok(plan.length >= 1);
        for (const p of plan) assert.deepEqual(p.command.slice(0, 4), ['kiln', 'build', '--json', '-o']);
      });
    }
  }

  it('the arm64 example builds for arm64, the LVM one at 42 GB', () => {
    const arm = JSON.parse(runCli('diskimage-builder', ['--dry-run', '--json', 'debian-arm64.yaml'], { cwd: join(EXAMPLES, 'arm64') }).stdout) as {
      command: string[];
    }[];
    assert.ok(arm[0]!.command.join(' ').includes('-a arm64'));
    const lvm = JSON.parse(runCli('diskimage-builder', ['--dry-run', '--json', 'debian-uefi-lvm.yaml'], { cwd: join(EXAMPLES, 'debian-uefi-lvm') }).stdout) as {
      command: string[];
    }[];
    assert.ok(lvm[0]!.command.join(' ').includes('--image-size 42'));
  });

  it('container/busybox.yaml builds: a docker archive skopeo reads, tagged, and a tarball of the tree', () => {
    const dir = join(tmp, 'container');
    cpSync(join(EXAMPLES, 'container'), dir, { recursive: true });
    const r = runCli('diskimage-builder', ['busybox.yaml'], { cwd: dir, env });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const inspect = spawnSync('skopeo', ['inspect', `docker-archive:${join(dir, 'busybox.docker.tar')}`], { encoding: 'utf8' });
    assert.equal(inspect.status, 0, inspect.stderr);
    assert.equal((JSON.parse(inspect.stdout) as { Layers: string[] }).Layers.length, 1);
    const manifest = spawnSync('tar', ['-xOf', join(dir, 'busybox.docker.tar'), 'manifest.json'], { encoding: 'utf8' }).stdout;
    assert.match(manifest, /busybox-kiln:latest/);
    assert.match(spawnSync('tar', ['-tf', join(dir, 'busybox.tar')], { encoding: 'utf8' }).stdout, /^\.\/bin\/busybox$/m);
  });
});
