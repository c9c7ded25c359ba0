import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { formatHelp } from '../../../src/config/help.js';
import { readSettings } from '../../../src/config/read-settings.js';
import { SETTINGS } from '../../../src/config/settings.js';
import { UsageError } from '../../../src/errors.js';

const cfg = (argv: string[], env: Record<string, string> = {}) =>
  createBuildConfig({ args: parseArgv(argv), env: { HOME: '/home/u', ...env }, hostArch: 'amd64', builtinElements: '/kiln/elements' });
/** what the layout stage reads (before environment.d: the build's own environment) */
const layout = (c: ReturnType<typeof cfg>) => readSettings(c.env, c.flags, 'environment.d', { hostArch: c.arch });

describe('parseArgv (GNU getopt compatible)', () => {
  it('takes clustered short flags and attached values', () => {
    const a = parseArgv(['-xxu', '-oout', '-t', 'raw', 'el']);
    assert.equal(a.counts.get('debugTrace'), 2);
    assert.equal(a.counts.get('uncompressed'), 1);
    assert.deepEqual(a.values.get('imageName'), ['out']);
    assert.deepEqual(a.positionals, ['el']);
  });
  it('takes long options with = or a separate value, and unambiguous prefixes', () => {
    const a = parseArgv(['--image-size=2', '--image-s', '3', '--qemu', 'x=1']);
    assert.deepEqual(a.values.get('imageSize'), ['2', '3']);
    assert.deepEqual(a.values.get('qemuImgOptions'), ['x=1']);
  });
  it('permutes options after positionals, and stops at --', () => {
    const a = parseArgv(['a', '-n', 'b', '--', '-c']);
    assert.deepEqual(a.positionals, ['a', 'b', '-c']);
    assert.equal(a.counts.get('skipBase'), 1);
  });
  it('refuses unknown, ambiguous and argument-less options with usage errors', () => {
    assert.throws(
      () => parseArgv(['--bogus']),
      (e) => e instanceof UsageError && /unrecognized option '--bogus'/.test(e.message),
    );
    assert.throws(
      () => parseArgv(['--image']),
      (e) => e instanceof UsageError && /ambiguous/.test(e.message),
    );
    assert.throws(
      () => parseArgv(['-o']),
      (e) => e instanceof UsageError && /requires an argument -- 'o'/.test(e.message),
    );
    assert.throws(
      () => parseArgv(['-q']),
      (e) => e instanceof UsageError && /invalid option -- 'q'/.test(e.message),
    );
  });
  it('accepts every DIB option of dib-compat 1.1 (including the two DIB breaks)', () => {
    for (const flag of [
      '-a',
      '-o',
      '-t',
      '-x',
      '-u',
      '-c',
      '-n',
      '-p',
      '-h',
      '--image-size',
      '--image-extra-size',
      '--image-cache',
      '--max-online-resize',
      '--min-tmpfs',
      '--mkfs-journal-size',
      '--mkfs-options',
      '--no-tmpfs',
      '--offline',
      '--qemu-img-options',
      '--ramdisk-element',
      '--root-label',
      '--install-type',
      '--docker-target',
      '--checksum',
      '--logfile',
      '--version',
      '--help',
    ]) {
      const s = SETTINGS.find((x) => (flag.startsWith('--') ? x.long === flag.slice(2) : x.short === flag.slice(1)));
      assert.ok(s, `missing ${flag}`);
      assert.ok(formatHelp().includes(flag), `help does not mention ${flag}`);
    }
  });
});

describe('createBuildConfig', () => {
  it('uses DIB defaults', () => {
    const c = cfg(['debian-minimal']);
    assert.equal(c.imageName, 'image');
    assert.deepEqual(c.imageTypes, ['qcow2']);
    assert.equal(c.arch, 'amd64');
    assert.equal(c.compress, true);
    assert.equal(layout(c).mkfsJournalSize, 64);
    assert.equal(c.installType, 'source');
    assert.equal(c.cacheDir, '/home/u/.cache/kiln');
    assert.deepEqual(c.elementsPath, ['/kiln/elements']);
  });
  it('lets flags win over DIB_* variables, which win over defaults', () => {
    const c = cfg(['-a', 'arm64', 'x'], { ARCH: 'i386', DIB_IMAGE_SIZE: '3', DIB_IMAGE_CACHE: '/c', ELEMENTS_PATH: '/a:/b' });
    assert.equal(c.arch, 'arm64');
    assert.equal(layout(c).imageSize, 3 * 1024 ** 3);
    assert.equal(c.cacheDir, '/c');
    assert.deepEqual(c.elementsPath, ['/a', '/b', '/kiln/elements']);
  });
  it('strips .TYPE from -o with exactly one type, and splits the directory', () => {
    const c = cfg(['-o', '/out/dir/img.qcow2', 'x']);
    assert.equal(c.imageName, 'img');
    assert.equal(c.outDir, '/out/dir');
    assert.equal(cfg(['-o', 'img.qcow2', '-t', 'qcow2,raw', 'x']).imageName, 'img.qcow2');
  });
  it('parses checksums as DIB_CHECKSUM does', () => {
    assert.deepEqual(cfg(['--checksum', 'x']).checksums, ['md5', 'sha256']);
    assert.deepEqual(cfg(['x'], { DIB_CHECKSUM: 'sha256' }).checksums, ['sha256']);
    assert.deepEqual(cfg(['x'], { DIB_CHECKSUM: '0' }).checksums, []);
    assert.throws(
      () => cfg(['x'], { DIB_CHECKSUM: 'crc' }),
      (e) => e instanceof UsageError && e.where === 'DIB_CHECKSUM' && /'crc' is not a list of md5\/sha256/.test(e.message),
    );
  });
  it('makes the flags that DIB breaks work', () => {
    const c = cfg(['--image-extra-size', '100', '--mkfs-journal-size', '32', 'x']);
    assert.equal(layout(c).imageExtraSize, 100);
    assert.equal(layout(c).mkfsJournalSize, 32);
  });
  it('says what it does not support, and what it ignores', () => {
    assert.throws(() => cfg(['--ramdisk-element', 'r', 'x']), /not supported yet/);
    assert.match(cfg(['--no-tmpfs', 'x']).notices.join(), /never mounts a tmpfs/);
  });
  it('refuses bad values and a missing element', () => {
    assert.throws(
      () => cfg([]),
      (e) => e instanceof UsageError && /At least one distribution root element/.test(e.message),
    );
    assert.throws(
      () => cfg(['--image-size', 'big', 'x']),
      (e) => e instanceof UsageError && e.where === '--image-size' && /'big' is not a size/.test(e.message),
    );
    assert.throws(
      () => cfg(['x'], { DIB_IMAGE_SIZE: '0' }),
      (e) => e instanceof UsageError && e.where === 'DIB_IMAGE_SIZE',
    );
    assert.throws(
      () => cfg(['--install-type', 'magic', 'x']),
      (e) => e instanceof UsageError && e.where === '--install-type' && /'magic' is not source or package/.test(e.message),
    );
    assert.throws(
      () => cfg(['-o', '', 'x']),
      (e) => e instanceof UsageError && e.where === '-o' && /image name is empty/.test(e.message),
    );
  });
  it('clears the environment with -c but keeps what it needs', () => {
    const c = cfg(['-c', 'x'], { DIB_FOO: '1', PATH: '/bin' });
    assert.equal(c.env.DIB_FOO, undefined);
    assert.equal(c.env.PATH, '/bin');
  });
});
