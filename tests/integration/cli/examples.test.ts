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
  // examples/ci holds job templates, not build files (tests/integration/cli/ci-examples.test.ts)
  .filter((n) => n !== 'ci')
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

  it('every build file passes --dry-run, without a warning; the arm64 one is for arm64, the LVM one 42 GB', () => {
    const files = dirs.flatMap((d) =>
      readdirSync(join(EXAMPLES, d))
        .filter((n) => n.endsWith('.yaml'))
        .map((n) => join(EXAMPLES, d, n)),
    );
    assert.ok(files.length >= 6, files.join(' '));
    // one run for all of them: the files are one list, as several files are to diskimage-builder
    const r = runCli('diskimage-builder', ['--dry-run', '--json', ...files], { cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warning');
    const plan = JSON.parse(r.stdout) as { imageName: string; definedAt: string; command: string[] }[];
    for (const f of files)
      assert.ok(
        plan.some((p) => p.definedAt.startsWith(`${f}:`)),
        `${f} has an image`,
      );
    for (const p of plan) assert.deepEqual(p.command.slice(0, 4), ['kiln', 'build', '--json', '-o'], p.imageName);
    const command = (name: string) => plan.find((p) => p.imageName === name)!.command.join(' ');
    assert.match(command('debian-arm64'), / -a arm64 /);
    assert.match(command('debian-uefi-lvm'), / --image-size 42 /);
    assert.match(command('debian-cloud'), / growroot /);
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
