// Kiln's shipped host-phase hooks (root.d, cleanup.d) change the tree chrooted into it, so a symlink
// that an earlier hook or a package left there never leads them to a host file. Each build plants
// links to a HOST CANARY at the directories the hooks write or delete in (/usr/sbin, /etc/apt,
// /etc/dpkg, /var/lib/apt, /etc/ssh, /bin, /etc), with the same files at the link targets inside
// the tree. The shipped hooks run unchanged (the test element's hooks exec them); the canary must
// stay byte for byte and the tree's copies must show that each hook did its job there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lchownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { Canary } from '../../helpers/canary.js';
import { isRoot, REPO } from '../../helpers/cli.js';
import { buildWith, expectLocated, listing, newCanary, out, tar, type Build } from '../../helpers/planted-build.js';

/** relative path -> file content; a path ending in '/' is a directory */
type Layout = Record<string, string>;

/** The test element's hook that runs a shipped hook as it is (same environment, same phase). */
const shipped = (rel: string): string => `exec ${join(REPO, 'elements', rel)}`;

/** Put the layout in the host canary (owned by `owner`, so an unprivileged build could change it). */
function fillCanary(c: Canary, layout: Layout, owner?: number): void {
  for (const [rel, content] of Object.entries(layout)) {
    const p = join(c.dir, rel);
    const dir = rel.endsWith('/') ? p : dirname(p);
    mkdirSync(dir, { recursive: true });
    if (!rel.endsWith('/')) writeFileSync(p, content);
    if (owner !== undefined) for (let d = p; d.startsWith(`${c.dir}/`); d = dirname(d)) lchownSync(d, owner, owner);
  }
}

/**
 * Shell that makes the same layout in the tree at the canary's path ($C) and the links to it; `root`
 * is '"$TARGET_ROOT"' in a host phase, '' in the tree. A directory already at a link's place is
 * moved aside.
 */
function plant(root: string, layout: Layout, links: Record<string, string>): string {
  const lines: string[] = [];
  for (const [rel, content] of Object.entries(layout)) {
    const p = `${root}"$C/${rel}"`;
    if (rel.endsWith('/')) lines.push(`mkdir -p ${p}`);
    else lines.push(`mkdir -p "$(dirname ${p})"`, `printf '%s' '${content}' > ${p}`);
  }
  for (const [at, target] of Object.entries(links)) {
    const p = `${root}${at}`;
    lines.push(`if [ -d ${p} ]; then mv ${p} ${p}.real; fi`, `mkdir -p "$(dirname ${p})"`, `ln -s "$C/${target}" ${p}`);
  }
  return lines.join('\n');
}

const entry = (c: Canary, rel: string) => `.${c.dir}/${rel}`;
const content = (r: Build, c: Canary, rel: string) => tar(r, '-xO', entry(c, rel));
const names = (r: Build) => new Set(tar(r, '-t').split('\n'));

describe("Kiln's host-phase hooks never follow the tree's symlinks on the host", () => {
  it('dpkg and debian-minimal root.d: /usr/sbin, /etc/apt, /etc/dpkg, /var/lib/apt linked to a host canary', () => {
    const c = newCanary('/var/tmp'); // not under /tmp, which the tree empties at the end
    const layout: Layout = {
      'sbin/': '',
      'apt/apt.conf.d/': '',
      'apt/trusted.gpg.d/': '',
      'apt/sources.list.d/': '',
      'apt/sources.list': 'deb host\n',
      'dpkg/dpkg.cfg.d/': '',
      'aptlib/lists/x_i18n_Translation-en': 'tr\n',
      'aptlib/lists/y_Packages': 'pk\n',
      'aptlib/lists/partial/z_i18n_Translation-de': 'partial\n',
    };
    fillCanary(c, layout);
    const keys = mkdtempSync(join(out, 'keys-'));
    writeFileSync(join(keys, 'extra.gpg'), 'extra key\n');
    writeFileSync(join(out, 'keyring.gpg'), 'keyring\n');
    const r = buildWith(
      c,
      {
        'root.d/08-plant': plant('"$TARGET_ROOT"', layout, { '/usr/sbin': 'sbin', '/etc/apt': 'apt', '/etc/dpkg': 'dpkg', '/var/lib/apt': 'aptlib' }),
        'root.d/09-dpkg-apt-keyring': shipped('dpkg/root.d/09-apt-keyring'),
        'root.d/50-dpkg-block-apt-translations': shipped('dpkg/root.d/50-block-apt-translations'),
        'root.d/50-dpkg-block-daemons': shipped('dpkg/root.d/50-block-daemons'),
        'root.d/50-dpkg-build-with-http-cache': shipped('dpkg/root.d/50-build-with-http-cache'),
        'root.d/50-dpkg-trim-dpkg': shipped('dpkg/root.d/50-trim-dpkg'),
        'root.d/75-debian-minimal-baseinstall': shipped('debian-minimal/root.d/75-debian-minimal-baseinstall'),
      },
      ['-n', '-t', 'tar'],
      {
        env: {
          DIB_ADD_APT_KEYS: keys,
          DIB_APT_KEYRING: join(out, 'keyring.gpg'),
          http_proxy: 'http://proxy.example.invalid:3128',
          DIB_APT_SOURCES_CONF: 'main:deb http://deb.example.invalid/debian stable main\nsec:deb http://sec.example.invalid stable-security main',
        },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(listing(r), new RegExp(`^-rwxr-xr-x .* \\.${c.dir}/sbin/policy-rc\\.d$`, 'm'));
    assert.equal(content(r, c, 'sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n');
    assert.equal(content(r, c, 'apt/apt.conf.d/95no-translations'), 'Acquire::Languages "none";\n');
    assert.equal(content(r, c, 'apt/apt.conf.d/no-languages'), 'Acquire::Languages "none";\n');
    assert.equal(content(r, c, 'apt/apt.conf.d/60img-build-proxy'), 'Acquire::http::Proxy "http://proxy.example.invalid:3128";\n');
    assert.equal(content(r, c, 'dpkg/dpkg.cfg.d/02apt-speedup'), 'force-unsafe-io\n');
    assert.equal(content(r, c, 'apt/trusted.gpg.d/extra.gpg'), 'extra key\n');
    assert.equal(content(r, c, 'apt/trusted.gpg.d/dib-apt-keyring.gpg'), 'keyring\n');
    assert.equal(content(r, c, 'apt/sources.list.d/main.list'), 'deb http://deb.example.invalid/debian stable main\n');
    assert.equal(content(r, c, 'apt/sources.list.d/sec.list'), 'deb http://sec.example.invalid stable-security main\n');
    const n = names(r);
    assert.ok(!n.has(entry(c, 'apt/sources.list')), 'DIB_APT_SOURCES_CONF replaces sources.list');
    assert.ok(!n.has(entry(c, 'aptlib/lists/x_i18n_Translation-en')), 'translations are removed from the lists');
    assert.ok(n.has(entry(c, 'aptlib/lists/y_Packages')) && n.has(entry(c, 'aptlib/lists/partial/z_i18n_Translation-de')));
    assert.match(listing(r), new RegExp(`\\./etc/apt -> ${c.dir}/apt\\n`), 'the links stay links');
  });

  // what the cleanup.d hooks remove, and what they must keep, at the links' targets
  const cleanupLayout: Layout = {
    'sbin/policy-rc.d': '#!/bin/sh\nexit 101\n',
    'sbin/keep': 'k\n',
    'apt/apt.conf.d/60img-build-proxy': 'p\n',
    'apt/apt.conf.d/no-languages': 'l\n',
    'apt/apt.conf.d/keep': 'k\n',
    'dpkg/dpkg.cfg.d/02apt-speedup': 'force-unsafe-io\n',
    'dpkg/dpkg.cfg.d/keep': 'k\n',
    'aptlib/lists/partial/': '',
    'aptlib/lists/lock': '',
    'aptlib/lists/foo_InRelease': 'r\n',
    'aptlib/lists/dir/bar_Packages': 'p\n',
    'ssh/ssh_host_ed25519_key': 'secret\n',
    'ssh/ssh_host_ed25519_key.pub': 'public\n',
    'ssh/sshd_config': 'c\n',
  };
  const cleanupHooks = (): Record<string, string> => ({
    // in the tree, as a package script would leave them
    'finalise.d/90-plant': plant('', cleanupLayout, {
      '/usr/sbin': 'sbin',
      '/etc/apt': 'apt',
      '/etc/dpkg': 'dpkg',
      '/var/lib/apt': 'aptlib',
      '/etc/ssh': 'ssh',
    }),
    'cleanup.d/40-dpkg-unblock-daemons': shipped('dpkg/cleanup.d/40-unblock-daemons'),
    'cleanup.d/50-dpkg-remove-img-build-proxy': shipped('dpkg/cleanup.d/50-remove-img-build-proxy'),
    'cleanup.d/60-dpkg-untrim-dpkg': shipped('dpkg/cleanup.d/60-untrim-dpkg'),
    'cleanup.d/90-remove-ssh-host-keys': shipped('runtime-ssh-host-keys/cleanup.d/90-remove-ssh-host-keys'),
    'cleanup.d/99-debootstrap-clean-up-cache': shipped('debootstrap/cleanup.d/99-clean-up-cache'),
  });
  const checkCleanup = (r: Build, c: Canary) => {
    assert.equal(r.status, 0, r.stderr);
    const left = [...names(r)]
      .filter((p) => p.startsWith(`.${c.dir}/`))
      .map((p) => p.slice(c.dir.length + 2))
      .filter(Boolean)
      .sort();
    assert.deepEqual(
      left,
      [
        'apt/',
        'apt/apt.conf.d/',
        'apt/apt.conf.d/keep',
        'aptlib/',
        'aptlib/lists/',
        'aptlib/lists/lock',
        'aptlib/lists/partial/',
        'dpkg/',
        'dpkg/dpkg.cfg.d/',
        'dpkg/dpkg.cfg.d/keep',
        'sbin/',
        'sbin/keep',
        'ssh/',
        'ssh/sshd_config',
      ],
      'each hook removed its files inside the tree, and only those',
    );
    assert.match(listing(r), new RegExp(`\\./etc/ssh -> ${c.dir}/ssh\\n`));
  };

  it('dpkg, debootstrap and runtime-ssh-host-keys cleanup.d: the same links, made in the tree by finalise.d', () => {
    const c = newCanary('/var/tmp');
    fillCanary(c, cleanupLayout);
    checkCleanup(buildWith(c, cleanupHooks(), ['-n', '-t', 'tar']), c);
  });

  it('the same unprivileged (chroot as root of the user namespace), with a canary that user could change', {
    skip: isRoot() ? false : 'needs root to switch to the test user',
  }, () => {
    const uid = Number(spawnSync('id', ['-u', 'kiln-test'], { encoding: 'utf8' }).stdout.trim());
    const c = newCanary('/var/tmp', uid);
    fillCanary(c, cleanupLayout, uid);
    checkCleanup(buildWith(c, cleanupHooks(), ['-n', '-t', 'tar'], { user: 'kiln-test' }), c);
  });

  it('busybox-minimal root.d: /bin and /etc linked to a host canary before it runs; the tree is built where they lead in it', () => {
    const c = newCanary('/var/tmp');
    const r = buildWith(
      c,
      {
        'root.d/05-plant': 'mkdir -p "$TARGET_ROOT$C/sub"\nln -s "$C" "$TARGET_ROOT/bin"\nln -s "$C/sub" "$TARGET_ROOT/etc"',
        'finalise.d/50-check': '[ "$(cat /etc/hostname)" = busybox ] && /bin/busybox true && echo ok > /marker',
      },
      ['-n', '-t', 'tar'],
    );
    assert.equal(r.status, 0, r.stderr);
    const list = listing(r);
    assert.match(list, new RegExp(`^-rwxr-xr-x .* \\.${c.dir}/busybox$`, 'm'));
    assert.match(list, new RegExp(`\\.${c.dir}/sh -> /bin/busybox\\n`));
    assert.match(list, new RegExp(`^-rw-r----- 0/42 .* \\.${c.dir}/sub/shadow$`, 'm'));
    assert.equal(content(r, c, 'sub/hostname'), 'busybox\n');
    assert.equal(tar(r, '-xO', './marker'), 'ok\n', 'the tree works in the sandbox');
    assert.doesNotMatch(list, /kiln-busybox/, 'the staged busybox is removed');
  });

  it('busybox-minimal: a DIB_BUSYBOX that cannot run chrooted (not static) is a located error', () => {
    const c = newCanary();
    const r = buildWith(c, {}, ['-n', '-t', 'tar'], { env: { DIB_BUSYBOX: '/usr/bin/true' } });
    expectLocated(
      r,
      /root\.d\/08-busybox of element 'busybox-minimal' failed/,
      /\/usr\/bin\/true does not run chrooted into the tree: a static busybox is needed/,
    );
  });
});
