import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planOptionsFromSettings } from '../../../src/block-device/env-options.js';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { flagValues, NO_FLAGS, readSettings, recordEnvOrigins } from '../../../src/config/read-settings.js';
import { declarationProblems, SETTINGS } from '../../../src/config/settings.js';
import { setting } from '../../../src/config/settings/types.js';
import { text } from '../../../src/config/values.js';
import { KilnError, UsageError } from '../../../src/errors.js';

const GiB = 1024 ** 3;
const args = (...argv: string[]) => parseArgv([...argv, 'el']);

describe('readSettings', () => {
  it('a flag wins over the variables, the first variable set over the next, then the default', () => {
    assert.equal(readSettings({ DIB_ROOT_FSTYPE: 'xfs', FS_TYPE: 'btrfs' }, NO_FLAGS, 'block-device').rootFsType, 'xfs');
    assert.equal(readSettings({ FS_TYPE: 'btrfs' }, NO_FLAGS, 'block-device').rootFsType, 'btrfs');
    assert.equal(readSettings({}, NO_FLAGS, 'block-device').rootFsType, 'ext4');
    const s = readSettings({ DIB_ROOT_LABEL: 'env', ARCH: 'i386' }, args('--root-label', 'flag', '-a', 'arm64'), 'build', { hostArch: 'amd64' });
    assert.equal(s.rootLabel, 'flag');
    assert.equal(s.arch, 'arm64');
    assert.equal(readSettings({}, NO_FLAGS, 'build', { hostArch: 'riscv64' }).arch, 'riscv64', 'the host arch is the default');
  });
  it('an empty variable is unset, unless the setting says empty means something', () => {
    assert.equal(readSettings({ DIB_ROOT_FSTYPE: '', FS_TYPE: 'xfs' }, NO_FLAGS, 'block-device').rootFsType, 'xfs');
    const boot = (env: Record<string, string>) => readSettings(env, NO_FLAGS, 'environment.d', { hostArch: 'amd64' });
    assert.equal(boot({}).bootloaderVirtualTerminal, 'tty0');
    assert.equal(boot({ DIB_BOOTLOADER_VIRTUAL_TERMINAL: '' }).bootloaderVirtualTerminal, '', 'empty: no virtual terminal, as DIB');
    assert.equal(boot({ DIB_BOOTLOADER_DEFAULT_CMDLINE: '' }).bootloaderDefaultCmdline, 'nofb nomodeset gfxpayload=text');
  });
  it('defaults may depend on other settings: the serial console on ARCH, the cache on XDG_CACHE_HOME and HOME', () => {
    assert.equal(readSettings({ ARCH: 'arm64' }, NO_FLAGS, 'environment.d', { hostArch: 'amd64' }).bootloaderSerialConsole, 'ttyAMA0,115200');
    assert.equal(readSettings({}, NO_FLAGS, 'environment.d', { hostArch: 'ppc64el' }).bootloaderSerialConsole, 'hvc0');
    assert.equal(readSettings({ HOME: '/h' }, NO_FLAGS, 'kiln').imageCache, '/h/.cache/kiln');
    assert.equal(readSettings({ HOME: '/h', XDG_CACHE_HOME: '/x' }, NO_FLAGS, 'kiln').imageCache, '/x/kiln');
    assert.equal(readSettings({ HOME: '/h', DIB_IMAGE_CACHE: 'rel' }, flagValues({ imageCache: '/f' }), 'kiln').imageCache, '/f');
  });
  it('-x adds to DIB_DEBUG_TRACE; -p lists join; yes/no flags are on', () => {
    const s = readSettings({ DIB_DEBUG_TRACE: '1' }, args('-x', '-x', '-p', 'a,b', '-p', 'c', '--offline'), 'build', { hostArch: 'amd64' });
    assert.equal(s.debugTrace, 3);
    assert.deepEqual(s.packages, ['a', 'b', 'c']);
    assert.equal(s.offline, true);
    assert.equal(readSettings({ DIB_OFFLINE: '0' }, NO_FLAGS, 'build', { hostArch: 'amd64' }).offline, true, 'DIB tests DIB_OFFLINE with -n');
    assert.equal(readSettings({ KILN_NO_CACHE: 'yes' }, NO_FLAGS, 'build', { hostArch: 'amd64' }).noCache, false, 'KILN_* are on only at 1');
  });
  it('returns only the settings of its scope', () => {
    const s = readSettings({}, NO_FLAGS, 'block-device') as Record<string, unknown>;
    assert.ok('imageSize' in s && 'mkfsOpts' in s);
    assert.ok(!('grubTimeout' in s) && !('imageTypes' in s) && !('elementInstallType' in s));
    assert.ok(Object.isFrozen(s));
  });
  it('errors name the flag or the variable: usage errors at the start of a build, user errors later', () => {
    const where = (fn: () => unknown): [string | undefined, boolean] => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof KilnError, String(e));
        return [e.where, e instanceof UsageError];
      }
      throw new Error('expected an error');
    };
    assert.deepEqual(
      where(() => readSettings({}, args('--image-size', 'lots'), 'build', { hostArch: 'amd64' })),
      ['--image-size', true],
    );
    assert.deepEqual(
      where(() => readSettings({ DIB_IMAGE_SIZE: 'lots' }, NO_FLAGS, 'build', { hostArch: 'amd64' })),
      ['DIB_IMAGE_SIZE', true],
    );
    assert.deepEqual(
      where(() => readSettings({ DIB_GRUB_TIMEOUT: 'soon' }, NO_FLAGS, 'environment.d', { hostArch: 'amd64' })),
      ['DIB_GRUB_TIMEOUT', false],
    );
    assert.deepEqual(
      where(() => readSettings({ KILN_BOOTSTRAP_MAX_AGE_DAYS: 'week' }, NO_FLAGS, 'bootstrap')),
      ['KILN_BOOTSTRAP_MAX_AGE_DAYS', false],
    );
  });
  it('an error names the environment.d file that set the variable', () => {
    const env = { DIB_GRUB_TIMEOUT_STYLE: 'fancy' };
    recordEnvOrigins(env, new Map([['DIB_GRUB_TIMEOUT_STYLE', '/e/boot/environment.d/10-grub']]));
    assert.throws(
      () => readSettings(env, NO_FLAGS, 'environment.d', { hostArch: 'amd64' }),
      (e: KilnError) =>
        e.where === 'DIB_GRUB_TIMEOUT_STYLE (set in /e/boot/environment.d/10-grub)' && /'fancy' is not one of menu, countdown, hidden/.test(e.message),
    );
  });
});

describe('the image size: one syntax everywhere, Bytes to the planner', () => {
  for (const [text, bytes] of [
    ['3', 3 * GiB],
    ['1.5', 1.5 * GiB],
    ['3GiB', 3 * GiB],
    ['2500MiB', 2500 * 1024 ** 2],
    ['3G', 3e9],
  ] as const) {
    it(`${text}: disk-image-create (flag and DIB_IMAGE_SIZE), the layout after environment.d, kiln plan block-device`, () => {
      const build = (argv: string[], env: Record<string, string>) => {
        const c = createBuildConfig({ args: parseArgv([...argv, 'el']), env, hostArch: 'amd64', builtinElements: '/k' });
        // what the layout stage reads: the hooks' environment, here as an environment.d file left it
        return planOptionsFromSettings(readSettings({ ...c.env, ...env }, c.flags, 'environment.d', { hostArch: 'amd64' })).imageSizeBytes;
      };
      assert.equal(build(['--image-size', text], {}), bytes);
      assert.equal(build([], { DIB_IMAGE_SIZE: text }), bytes);
      assert.equal(planOptionsFromSettings(readSettings({}, flagValues({ imageSize: text }), 'block-device')).imageSizeBytes, bytes);
      assert.equal(planOptionsFromSettings(readSettings({ DIB_IMAGE_SIZE: text }, NO_FLAGS, 'block-device')).imageSizeBytes, bytes);
    });
  }
  it('every entry point refuses the same bad sizes', () => {
    for (const bad of ['lots', '0', '3PiB']) {
      assert.throws(() => createBuildConfig({ args: parseArgv(['--image-size', bad, 'el']), env: {}, hostArch: 'amd64', builtinElements: '/k' }), UsageError);
      assert.throws(() => readSettings({ DIB_IMAGE_SIZE: bad }, NO_FLAGS, 'environment.d', { hostArch: 'amd64' }), KilnError);
      assert.throws(() => readSettings({}, flagValues({ imageSize: bad }), 'block-device'), KilnError);
    }
  });
});

describe('the declaration', () => {
  it('declares every key, variable and flag once', () => {
    assert.deepEqual(declarationProblems(), []);
    const a = { one: setting({ env: ['X'], type: text(), group: 'build', scopes: ['build'], help: 'h', long: 'x', arg: 'value' }) };
    const b = {
      one: setting({ env: ['Y'], type: text(), group: 'build', scopes: ['build'], help: 'h' }),
      two: setting({ env: ['X'], type: text(), group: 'build', scopes: ['build'], help: 'h', long: 'x', arg: 'none' }),
    };
    assert.deepEqual(declarationProblems([a, b]), [
      'setting one is declared twice',
      'variable X belongs to both one and two',
      'disk-image-create --x belongs to both one and two',
    ]);
  });
  it('has help, a flag argument style and a scope for every setting; DIB_* and KILN_* names are well formed', () => {
    for (const s of SETTINGS) {
      assert.ok(s.help.length > 10, s.key);
      assert.ok(s.scopes.length > 0, s.key);
      assert.ok(s.env?.length || s.long || s.short, `${s.key} has neither a flag nor a variable`);
      for (const v of s.env ?? []) assert.match(v, /^([A-Z][A-Z0-9_]*(<element>)?|break|break_cmd|break_outside_target)$/, s.key);
    }
  });
});
