/**
 * The container driver's planning: Containerfile parsing (continuations, comments, exec form,
 * ARG/ENV/WORKDIR/USER/SHELL), refusals naming file:line, DIB_CONTAINERFILE_BUILDOPTS, DIB's
 * containerfile lookup, the skopeo argv, and the shipped *-container elements' containerfiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { parseContainerfile } from '../../../src/distros/containerfile.js';
import { planContainerfile, substitute } from '../../../src/distros/containerfile-plan.js';
import { findContainerfile, parseBuildOpts, planContainerBootstrap, planSkopeoCopy, platformOf } from '../../../src/distros/container-plan.js';
import { distroDriver, unsupportedDistroElement } from '../../../src/distros/index.js';
import { KilnError } from '../../../src/errors.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { resolveElementSet } from '../../../src/elements/resolve.js';
import { scanElements } from '../../../src/elements/scan.js';

const F = '/x/Containerfile';
const settings = (env: Record<string, string>) => readSettings(env, NO_FLAGS, 'bootstrap');

/** assert.throws that the error is a KilnError at `where` whose message matches `re`. */
function refuses(text: string, where: string, re: RegExp): void {
  assert.throws(
    () => planContainerfile(parseContainerfile(text, F)),
    (e: unknown) => {
      assert.ok(e instanceof KilnError, String(e));
      assert.equal(e.where, where);
      assert.match(e.message, re);
      assert.ok(e.hint, 'has a hint');
      return true;
    },
  );
}

test('DIB-style file: FROM, continued RUN lines, comments; shell form runs with /bin/sh -c', () => {
  const text = [
    'FROM rockylinux/rockylinux:9',
    '',
    "RUN dnf group install -y 'Minimal Install' && \\",
    '    dnf install -y findutils',
    '# a comment',
    'RUN systemd-machine-id-setup',
  ].join('\n');
  const plan = planContainerfile(parseContainerfile(text, F));
  assert.equal(plan.ref, 'rockylinux/rockylinux:9');
  assert.equal(plan.scratch, false);
  assert.deepEqual(
    plan.runs.map((r) => [r.line, r.argv]),
    [
      [3, ['/bin/sh', '-c', "dnf group install -y 'Minimal Install' &&     dnf install -y findutils"]],
      [6, ['/bin/sh', '-c', 'systemd-machine-id-setup']],
    ],
  );
  assert.ok(plan.runs.every((r) => r.workdir === '/'));
});

test('ARG (global and in the stage), ENV forms, WORKDIR, SHELL, exec form, build args, base env', () => {
  const text = [
    'ARG TAG=1',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax, not a template
    'FROM reg.invalid/img:${TAG}',
    'ARG WHO=world',
    'ENV A=1 B="two words" C=$WHO',
    'ENV LEGACY some value',
    'ENV PATH=/opt/bin:$PATH',
    'WORKDIR /srv',
    'WORKDIR sub',
    'SHELL ["/bin/bash", "-euc"]',
    'RUN echo $A',
    'RUN ["/bin/touch", "/f"]',
    'CMD ["/bin/sh"]',
    'LABEL a=b',
  ].join('\n');
  const parsed = parseContainerfile(text, F);
  const plan = planContainerfile(parsed, { buildArgs: { TAG: '2', WHO: 'you' }, baseEnv: ['PATH=/usr/bin:/bin', 'X=y'] });
  assert.equal(plan.ref, 'reg.invalid/img:2');
  const [shellRun, execRun] = plan.runs;
  assert.deepEqual(shellRun!.argv, ['/bin/bash', '-euc', 'echo $A']);
  assert.deepEqual(execRun!.argv, ['/bin/touch', '/f']);
  assert.equal(shellRun!.workdir, '/srv/sub');
  assert.deepEqual(shellRun!.env, { PATH: '/opt/bin:/usr/bin:/bin', X: 'y', A: '1', B: 'two words', C: 'you', LEGACY: 'some value', WHO: 'you' });
  assert.deepEqual(plan.ignored, ['12 CMD', '13 LABEL']);
  // without build args: the defaults; --from replaces FROM's image
  const plain = planContainerfile(parsed, { from: 'other:tag' });
  assert.equal(plain.ref, 'other:tag');
  assert.equal(plain.runs[0]!.env.C, 'world');
  assert.equal(planContainerfile(parsed).ref, 'reg.invalid/img:1');
  // proxies are Docker's predefined ARGs: given as build args, the RUN lines get them without an ARG line
  const proxied = planContainerfile(parsed, { buildArgs: { https_proxy: 'http://proxy.invalid:3128', OTHER: 'x' } });
  assert.equal(proxied.runs[0]!.env.https_proxy, 'http://proxy.invalid:3128');
  assert.equal(proxied.runs[0]!.env.OTHER, undefined, 'an undeclared build arg is not passed');
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax, not a template
test('substitution: ${V:-d}, ${V:+x}, \\$, unknown is empty; a bad one names the line', () => {
  const v = { A: 'a', E: '' };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax, not a template
  assert.equal(substitute('${A:-d} ${E:-d} ${A:+x} ${E:+x}| \\$A $NOPE', v, F, 1), 'a d x | $A ');
  assert.throws(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax, not a template
    () => substitute('${A%%x}', v, F, 7),
    (e: unknown) => e instanceof KilnError && e.where === `${F}:7`,
  );
});

test('FROM scratch is an empty tree with nothing to pull', () => {
  const plan = planContainerfile(parseContainerfile('FROM scratch\nRUN ["/bin/busybox", "true"]\n', F));
  assert.equal(plan.scratch, true);
  // no image config: the RUN lines get the usual PATH
  assert.equal(plan.runs[0]!.env.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test('what Kiln cannot build is refused with file:line and a hint', () => {
  refuses('FROM a\nCOPY x /x\n', `${F}:2`, /COPY changes the tree/);
  refuses('FROM a\nRUN true\nADD http://x /x\n', `${F}:3`, /ADD changes the tree/);
  refuses('FROM a AS one\nRUN true\nFROM b\n', `${F}:3`, /second FROM/);
  refuses('FROM a\nRUN <<EOF\necho\nEOF\n', `${F}:2`, /heredoc/);
  refuses('FROM a\nRUN --mount=type=cache,target=/x true\n', `${F}:2`, /RUN --mount=type=cache,target=\/x is not supported/);
  refuses('FROM a\nUSER nobody\nRUN id\n', `${F}:3`, /RUN as user 'nobody' \(USER on line 2\)/);
  refuses('RUN true\nFROM a\n', `${F}:1`, /RUN before FROM/);
  refuses('FROM a\nFROBNICATE\n', `${F}:2`, /unknown instruction FROBNICATE/);
  refuses('FROM a\n\\\nRUN\n', `${F}:2`, /RUN without a command/);
  refuses('FROM --foo=bar a\n', `${F}:1`, /FROM --foo=bar is not supported/);
  refuses('FROM a b\n', `${F}:1`, /one image reference/);
  refuses('FROM a\nSHELL /bin/bash\n', `${F}:2`, /SHELL needs a JSON array/);
  refuses('FROM a\nENV A="x\n', `${F}:2`, /unterminated " quote/);
  refuses('# escape=`\nFROM a\n', `${F}:1`, /escape=` is not supported/);
  assert.throws(
    () => parseContainerfile('# only a comment\n', F),
    (e: unknown) => e instanceof KilnError && e.where === F && /no FROM/.test(e.message),
  );
  // USER root and USER after the last RUN are fine
  planContainerfile(parseContainerfile('FROM a\nUSER root\nRUN id\nUSER nobody\n', F));
});

test('DIB_CONTAINERFILE_BUILDOPTS: build args, --from, the pull options; unknown options refused', () => {
  const o = parseBuildOpts('--build-arg=A=1 --build-arg B=2=3 --from x:y --tls-verify=false --cert-dir /c --authfile=/a --network host');
  assert.deepEqual(o, { buildArgs: { A: '1', B: '2=3' }, from: 'x:y', pull: { tlsVerify: false, certDir: '/c', authfile: '/a' } });
  assert.deepEqual(parseBuildOpts(undefined), { buildArgs: {}, pull: {} });
  for (const bad of ['--squash', '--build-arg', '--build-arg=X', '--tls-verify=maybe', 'word']) {
    assert.throws(
      () => parseBuildOpts(bad),
      (e: unknown) => e instanceof KilnError && e.where === 'DIB_CONTAINERFILE_BUILDOPTS' && e.hint !== undefined,
      bad,
    );
  }
});

test('skopeo argv: platform as global options, TLS off only when asked, into the layout tag', () => {
  assert.deepEqual(planSkopeoCopy('a/b:1', 'linux/arm64/v8', { tlsVerify: false, certDir: '/c' }, '/cache/oci', 'kiln-x'), [
    'skopeo',
    '--override-os',
    'linux',
    '--override-arch',
    'arm64',
    '--override-variant',
    'v8',
    'copy',
    '--retry-times',
    '2',
    '--src-tls-verify=false',
    '--src-cert-dir',
    '/c',
    'docker://a/b:1',
    'oci:/cache/oci:kiln-x',
  ]);
  assert.ok(!planSkopeoCopy('a', 'linux/amd64', {}, '/l', 't').some((a) => a.includes('tls')));
  assert.equal(platformOf('x86_64'), 'linux/amd64');
  assert.equal(platformOf('amd64', 'linux/arm64'), 'linux/arm64');
});

test("DIB's lookup: DIB_CONTAINERFILE_DOCKERFILE, else containerfiles/DIB_RELEASE of the first element with it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-cf-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(join(a, 'containerfiles'), { recursive: true });
    mkdirSync(join(b, 'containerfiles'), { recursive: true });
    writeFileSync(join(b, 'containerfiles', '9'), 'FROM b9\n');
    writeFileSync(join(a, 'containerfiles', '8'), 'FROM a8\n');
    const els = [
      { name: 'a', path: a },
      { name: 'b', path: b },
    ];
    assert.equal(findContainerfile(settings({}), els, '9'), join(b, 'containerfiles', '9'));
    const own = join(dir, 'Dockerfile');
    writeFileSync(own, 'FROM mine\n');
    assert.equal(findContainerfile(settings({ DIB_CONTAINERFILE_DOCKERFILE: own }), els, '9'), own);
    assert.throws(
      () => findContainerfile(settings({}), els, '7'),
      (e: unknown) => e instanceof KilnError && /no element has containerfiles\/7/.test(e.message) && /a, b/.test(e.hint ?? ''),
    );
    assert.throws(
      () => findContainerfile(settings({ DIB_CONTAINERFILE_DOCKERFILE: join(dir, 'nope') }), els, '9'),
      (e: unknown) => e instanceof KilnError && e.where === 'DIB_CONTAINERFILE_DOCKERFILE',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const ELEMENTS = resolve('elements');

function describeWith(names: string[], env: Record<string, string>) {
  const { elements } = resolveElementSet(scanElements([ELEMENTS]), names);
  return distroDriver('container').describe({
    arch: 'amd64',
    settings: settings(env),
    cacheDir: '/nonexistent',
    useCache: true,
    offline: false,
    target: '',
    runner: new Runner(),
    log: silentLogger,
    identity: currentIdentity(),
    elements,
    options: { driver: 'container' },
  });
}

test('the *-container elements: their default release (kiln-container, same as environment.d), unqualified images', () => {
  for (const [name, release, image] of [
    ['rocky-container', '9', 'rockylinux/rockylinux:9'],
    ['almalinux-container', '10', 'almalinux:10'],
    ['fedora-container', '43', 'fedora:43'],
  ] as const) {
    const d = describeWith([name], {});
    assert.equal(d.driver, 'container');
    assert.equal(d.family, 'rpm');
    assert.equal(d.release, release, name);
    assert.equal(d.image, image, name);
    assert.ok((d.instructions as string[])[0]?.startsWith(`1 FROM ${image}`));
    const env = readFileSync(join(ELEMENTS, name, 'environment.d', readdirSync(join(ELEMENTS, name, 'environment.d'))[0]!), 'utf8');
    assert.match(env, new RegExp(`DIB_RELEASE=\\$\\{DIB_RELEASE:-${release}\\}`), `${name}: environment.d agrees with kiln-container`);
    // every shipped containerfile parses, and names no registry host (skopeo's configuration decides)
    for (const rel of readdirSync(join(ELEMENTS, name, 'containerfiles'))) {
      const f = join(ELEMENTS, name, 'containerfiles', rel);
      const p = planContainerfile(parseContainerfile(readFileSync(f, 'utf8'), f));
      // a reference names a registry host only when its first component, before a '/', has '.' or ':'
      assert.ok(!p.ref.includes('/') || !/[.:]/.test(p.ref.split('/')[0]!), `${f}: ${p.ref} is unqualified`);
      assert.ok(p.runs.length > 0);
    }
  }
  assert.equal(describeWith(['rocky-container'], { DIB_RELEASE: '8' }).image, 'rockylinux/rockylinux:8');
  assert.equal(unsupportedDistroElement('rocky-container'), undefined);
  assert.match(unsupportedDistroElement('ubuntu-systemd-container')?.message ?? '', /ubuntu-minimal/);
});

test('containerfile alone without DIB_CONTAINERFILE_DOCKERFILE: the plan says what to set', () => {
  assert.throws(() => describeWith(['containerfile'], {}), /DIB_CONTAINERFILE_DOCKERFILE not specified/);
  const p = planContainerBootstrap(
    { arch: 'arm64', elements: [], options: {} },
    settings({ DIB_CONTAINERFILE_DOCKERFILE: join(ELEMENTS, 'fedora-container', 'containerfiles', '43') }),
  );
  assert.equal(p.platform, 'linux/arm64/v8');
});
