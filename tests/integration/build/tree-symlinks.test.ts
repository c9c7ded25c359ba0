// Hooks can leave symlinks anywhere in the tree; Kiln's host-side code must never follow one out of
// it. Each build plants links to a HOST CANARY (a directory of known files made here) at the paths
// Kiln touches, then checks the canary byte for byte (contents, modes, no new files) and that the
// build either put the right content in the image or failed with a located error (exit 1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { snapshot } from '../../helpers/canary.js';
import { isRoot } from '../../helpers/cli.js';
import { buildWith, expectLocated, listing, newCanary, out, tar, type Build } from '../../helpers/planted-build.js';
import type { Canary } from '../../helpers/canary.js';

describe('symlinks planted in the tree never lead host-side code out of it (tar builds)', () => {
  it('the reproduction from the issue: finalise.d makes /tmp a link to a host directory', () => {
    const base = mkdtempSync(join(out, 'repro-'));
    const victim = join(base, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'a'), '');
    writeFileSync(join(victim, 'b'), '');
    const c = { dir: victim, file: join(victim, 'a'), snapshot: () => snapshot(victim) };
    const r = buildWith(c, { 'finalise.d/90-plant': `mv /tmp /tmp.moved && ln -s ${victim} /tmp` }, ['-n', '-t', 'tar']);
    assert.deepEqual(readdirSync(victim).sort(), ['a', 'b']);
    // in the tree, <victim> starts with /tmp, which is the link itself: a loop, as in a chroot
    // (the first path Kiln opens under /tmp after finalise.d: the initramfs cache's)
    if (victim.startsWith('/tmp/')) expectLocated(r, /\/tmp(\/[\w.-]+)? in the image tree/, /too many levels of symbolic links/);
    else assert.equal(r.status, 0, r.stderr);
  });

  it('/tmp -> a host directory outside /tmp: nothing to empty in the tree, the build succeeds', () => {
    const c = newCanary('/var/tmp');
    const r = buildWith(c, { 'finalise.d/90-plant': 'mv /tmp /tmp.moved && ln -s "$C" /tmp' }, ['-t', 'tar']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(listing(r), new RegExp(`\\./tmp -> ${c.dir}\\n`));
  });

  it("/tmp -> /var/tmp (in the tree): the tree's /var/tmp is emptied, never the host's", {
    skip: isRoot() ? false : 'needs root for a private /var/tmp',
  }, () => {
    const c = newCanary();
    const r = buildWith(c, { 'finalise.d/90-plant': 'echo junk > /var/tmp/junk; mkdir /var/tmp/d; mv /tmp /tmp.moved; ln -s /var/tmp /tmp' }, ['-t', 'tar'], {
      privateVarTmp: true,
    });
    assert.equal(r.status, 0, r.stderr);
    const list = tar(r, '-t');
    assert.match(list, /^\.\/var\/tmp\/$/m);
    assert.doesNotMatch(list, /\.\/var\/tmp\/./, "the tree's /var/tmp is empty");
    assert.match(listing(r), /\.\/tmp -> \/var\/tmp\n/);
  });

  const fileLinks = [
    'ln -s "$C/x.log" /var/log/x', // truncate /var/log/*
    'ln -s "$C/x.log" /root/x.log', // remove /root/*.log
    'rm -f /etc/resolv.conf; ln -s "$C/precious" /etc/resolv.conf', // restore resolv.conf
  ].join('\n');
  const checkFileLinks = (r: Build, c: Canary) => {
    assert.equal(r.status, 0, r.stderr);
    const list = listing(r);
    assert.match(list, new RegExp(`\\./var/log/x -> ${c.dir}/x\\.log\\n`), 'the log link stays a link');
    assert.doesNotMatch(list, /\.\/root\/x\.log/, '/root/x.log (the link) is removed');
    assert.match(list, new RegExp(`\\./etc/resolv\\.conf -> ${c.dir}/precious\\n`), "a hook's resolv.conf link is kept, as DIB");
    assert.doesNotMatch(list, /resolv\.conf\.ORIG/);
  };

  it('file links at /var/log/x, /root/x.log, /etc/resolv.conf', () => {
    const c = newCanary();
    checkFileLinks(buildWith(c, { 'finalise.d/90-plant': fileLinks }, ['-t', 'tar']), c);
  });

  it('the same as an unprivileged user, with a canary that user could write', { skip: isRoot() ? false : 'needs root to switch to the test user' }, () => {
    const uid = Number(spawnSync('id', ['-u', 'kiln-test'], { encoding: 'utf8' }).stdout.trim());
    const c = newCanary(undefined, uid);
    checkFileLinks(buildWith(c, { 'finalise.d/90-plant': fileLinks }, ['-t', 'tar'], { user: 'kiln-test' }), c);
  });

  it('directory links at /var/log, /root, /etc', () => {
    const c = newCanary();
    const r = buildWith(
      c,
      {
        'finalise.d/90-plant': 'mv /var/log /var/log.real; ln -s "$C" /var/log\nmv /root /root.real; ln -s "$C" /root\nmv /etc /etc.real; ln -s "$C" /etc',
      },
      ['-t', 'tar'],
    );
    assert.equal(r.status, 0, r.stderr);
    const list = listing(r);
    for (const p of ['var/log', 'root', 'etc']) assert.match(list, new RegExp(`\\./${p} -> ${c.dir}\\n`));
  });

  it('/tmp/in_target.d and /proc as links: the sandbox mounts inside the tree; a resolv.conf link from root.d is restored', () => {
    const c = newCanary();
    const r = buildWith(
      c,
      {
        'root.d/90-plant': 'ln -s "$C/precious" "$TARGET_ROOT/etc/resolv.conf"',
        'post-root.d/90-plant':
          'rmdir "$TARGET_ROOT/tmp/in_target.d" 2>/dev/null || true\nln -s "$C/hooks" "$TARGET_ROOT/tmp/in_target.d"\n' +
          'mv "$TARGET_ROOT/proc" "$TARGET_ROOT/proc.real"; ln -s "$C/sub" "$TARGET_ROOT/proc"',
        'finalise.d/50-check': 'test -r /proc/self/status; test -x /tmp/in_target.d/kiln-run-parts; echo mounted > /marker',
      },
      ['-t', 'tar'],
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tar(r, '-xO', './marker'), 'mounted\n', 'proc and the hooks were mounted where the links lead in the tree');
    assert.match(listing(r), new RegExp(`\\./etc/resolv\\.conf -> ${c.dir}/precious\\n`));
  });

  it('/tmp/package-installs.json -> a host file: a located error, the host file untouched', () => {
    const c = newCanary();
    const r = buildWith(c, { 'extra-data.d/90-plant': 'ln -s "$C/precious" "$TARGET_ROOT/tmp/package-installs.json"' }, ['-t', 'tar']);
    expectLocated(r, /\/tmp\/package-installs\.json in the image tree/, /does not exist/);
  });

  it('/usr/share/pkg-map -> a host directory: the maps are written where the link leads in the tree', () => {
    const c = newCanary('/var/tmp'); // not under /tmp, which the tree empties at the end
    const r = buildWith(
      c,
      {
        'extra-data.d/90-plant': 'mkdir -p "$TARGET_ROOT/usr/share"; ln -s "$C" "$TARGET_ROOT/usr/share/pkg-map"',
        'pkg-map': '{"default": {"thing": "thing-pkg"}}',
      },
      ['-t', 'tar'],
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(tar(r, '-xO', `.${c.dir}/plant.kiln`), /^thing=thing-pkg$/m);
  });

  it('manifests: /etc/dib-manifests -> a host directory is refused by the element, not chmod-ed', () => {
    const c = newCanary();
    const r = buildWith(c, { 'finalise.d/90-plant': 'mv /etc/dib-manifests /etc/dib-manifests.real; ln -s "$C" /etc/dib-manifests' }, [
      'manifests',
      '-t',
      'tar',
    ]);
    expectLocated(r, /01-copy-manifests-dir of element 'manifests' failed/, /\/etc\/dib-manifests in the image tree is a symlink/);
  });
});
