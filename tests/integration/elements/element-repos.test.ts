// Versioned element repositories (kiln-repo.yaml) in busybox builds: `kiln elements --repos` lists
// them, element-info and the manifests record where each element came from, and an incompatible
// requirement stops the build before any work, naming both sides.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { dibPython } from '../../helpers/dib-oracle.js';
import { tarFile } from '../../helpers/tar.js';

describe('versioned element repositories', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-element-repos-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const lib = makeElementTree(
    { 'lib-el': { deps: ['busybox-minimal'], files: { 'install.d/50-lib': '#!/bin/sh\necho lib > /lib-was-here\n' } } },
    join(out, 'lib'),
  );
  const app = makeElementTree({ 'app-el': { deps: ['lib-el'] } }, join(out, 'app'));
  const plain = makeElementTree({ 'plain-el': {} }, join(out, 'plain'));
  const manifest = (dir: string, text: string) => writeFileSync(join(dir, 'kiln-repo.yaml'), text);
  manifest(lib, 'name: lib\nversion: 1.3.0\n');
  manifest(app, "name: app\nversion: 2.0.1\nrequires:\n  kiln: '>=0.1'\n  lib: ^1.2\n");
  const env = { ELEMENTS_PATH: `${app}:${lib}:${plain}`, TMP_DIR: out };
  const { version } = JSON.parse(spawnSync('cat', [join(REPO, 'package.json')], { encoding: 'utf8' }).stdout) as { version: string };

  it('kiln elements --repos lists each repository with its version and requirements', () => {
    const r = runCli('kiln', ['elements', '--repos'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `kiln ${version}  (${join(REPO, 'elements')})\napp 2.0.1  (${app})  requires kiln >=0.1, lib ^1.2\nlib 1.3.0  (${lib})\n`);
    const j = runCli('kiln', ['elements', '--repos', '--json'], { env });
    assert.equal(j.status, 0, j.stderr);
    const parsed = JSON.parse(j.stdout) as { kiln: string; repos: { name: string; problems: string[] }[] };
    assert.equal(parsed.kiln, version);
    assert.deepEqual(
      parsed.repos.map((x) => [x.name, x.problems]),
      [
        ['app', []],
        ['lib', []],
      ],
    );
  });

  it('a build records which repository and version each element came from (manifests), element-info --env too', () => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'img'), 'app-el', 'plain-el', 'manifests'], { env });
    assert.equal(r.status, 0, r.stderr);
    const lines = (tarFile(join(out, 'img.tar'), './etc/dib-manifests/kiln_element_repos') ?? '').trim().split('\n');
    assert.ok(lines.includes(`app-el app 2.0.1 ${app}/app-el`), lines.join('\n'));
    assert.ok(lines.includes(`lib-el lib 1.3.0 ${lib}/lib-el`), lines.join('\n'));
    assert.ok(lines.includes(`plain-el - - ${plain}/plain-el`), lines.join('\n'));
    assert.ok(lines.includes(`busybox-minimal kiln ${version} ${join(REPO, 'elements', 'busybox-minimal')}`), lines.join('\n'));
    assert.equal(tarFile(join(out, 'img.tar'), './lib-was-here'), 'lib\n');
    // and next to the image
    assert.match(spawnSync('cat', [join(out, 'img.d', 'dib-manifests', 'kiln_element_repos')], { encoding: 'utf8' }).stdout, /^app-el app 2\.0\.1 /m);
    const info = runCli('element-info', ['--env', 'app-el'], { env });
    assert.equal(info.status, 0, info.stderr);
    const evald = spawnSync('bash', ['-c', `${info.stdout}\nprintf '%s' "$KILN_ELEMENT_REPOS"`], { encoding: 'utf8' });
    assert.ok(evald.stdout.split('\n').includes(`lib-el lib 1.3.0 ${lib}/lib-el`), evald.stdout);
    const noRepos = runCli('element-info', ['--env', 'plain-el', 'busybox-minimal'], { env: { ELEMENTS_PATH: plain } });
    assert.equal(noRepos.status, 0, noRepos.stderr);
    assert.doesNotMatch(noRepos.stdout, /KILN_ELEMENT_REPOS/, "without versioned repositories, DIB's output only");
  });

  it("DIB's own element-info reads a repository that carries kiln-repo.yaml as any other", () => {
    const withOs = makeElementTree({ 'some-os': { provides: ['operating-system'] } }, join(out, 'with-os'));
    manifest(withOs, 'name: with-os\nversion: 0.1.0\n');
    const driver = "import sys; sys.argv = ['element-info', 'some-os']; from diskimage_builder import element_dependencies as ed; ed.main()";
    const r = dibPython(['-c', driver], { env: { ...process.env, ELEMENTS_PATH: withOs } });
    assert.equal(r.status, 0, `DIB's oracle (scripts/setup --test unpacks it) must be there: ${r.stderr}`);
    assert.equal(r.stdout, 'some-os\n');
  });

  it('an incompatible requirement is refused before the build, naming both sides', () => {
    const lib2 = makeElementTree({ 'lib-el': { deps: ['busybox-minimal'] } }, join(out, 'lib2'));
    manifest(lib2, 'name: lib\nversion: 2.0.0\n');
    const bad = { ELEMENTS_PATH: `${app}:${lib2}`, TMP_DIR: out };
    const before = readdirSync(out).filter((n) => n.startsWith('kiln-'));
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'bad'), 'app-el'], { env: bad });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`app 2\\.0\\.1 \\(${app}/kiln-repo\\.yaml\\) requires lib \\^1\\.2, but lib is 2\\.0\\.0 \\(${lib2}/kiln-repo\\.yaml\\)`),
    );
    assert.match(r.stderr, /hint: use a version of lib that satisfies \^1\.2, or a version of app that accepts lib 2\.0\.0/);
    assert.doesNotMatch(r.stderr + r.stdout, /root\.d/, 'no phase ran');
    assert.deepEqual(
      readdirSync(out).filter((n) => n.startsWith('kiln-')),
      before,
      'no workspace was made',
    );
    const info = runCli('element-info', ['app-el'], { env: bad });
    assert.equal(info.status, 1, info.stderr);
    assert.match(info.stderr, /requires lib \^1\.2, but lib is 2\.0\.0/);
    const list = runCli('kiln', ['elements', '--repos'], { env: bad });
    assert.equal(list.status, 1, list.stderr);
    assert.match(list.stdout, /^ {2}unmet: app 2\.0\.1 .* requires lib \^1\.2, but lib is 2\.0\.0/m);
    manifest(lib2, "name: lib\nversion: '2'\n");
    const malformed = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'bad'), 'app-el'], { env: bad });
    assert.equal(malformed.status, 1, malformed.stderr);
    assert.match(malformed.stderr, new RegExp(`${lib2}/kiln-repo\\.yaml:2: 'version' must be a semantic version`));
  });
});
