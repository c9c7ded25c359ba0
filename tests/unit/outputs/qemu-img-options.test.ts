import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Runner } from '../../../src/exec/runner.js';
import { findTool } from '../../helpers/host-tools.js';
import { checkQemuImgOptions, parseQemuImgOptions } from '../../../src/outputs/qemu-img-options.js';

const messages = (text: string): string[] => parseQemuImgOptions(text).problems.map((p) => p.message);

describe('--qemu-img-options syntax', () => {
  it('takes key=value items; ",," is a comma inside a value', () => {
    assert.deepEqual(parseQemuImgOptions('compat=1.1,lazy_refcounts=on').keys, ['compat', 'lazy_refcounts']);
    assert.deepEqual(parseQemuImgOptions('backing_file=a,,b.img,encrypt.format=luks'), { keys: ['backing_file', 'encrypt.format'], problems: [] });
  });
  it('names each malformed item', () => {
    assert.deepEqual(messages('compat=1.1,lazy_refcounts'), ["'lazy_refcounts' is not key=value"]);
    assert.deepEqual(messages('compat=1.1,'), ["'compat=1.1,' has an empty item"]);
    assert.deepEqual(messages('=on'), ["'' is not an option name"]);
    assert.deepEqual(messages('-o compat=1.1'), ["'-o compat' is not an option name"]);
  });
});

describe('--qemu-img-options names, from qemu-img itself', { skip: findTool('qemu-img') ? false : 'no qemu-img' }, () => {
  const runner = new Runner();
  it('accepts the create options of each output format', async () => {
    assert.deepEqual(await checkQemuImgOptions(runner, 'compat=1.1,lazy_refcounts=on', [{ name: 'qcow2', qemuFormat: 'qcow2' }]), []);
    assert.deepEqual(await checkQemuImgOptions(runner, 'subformat=fixed', [{ name: 'vhd', qemuFormat: 'vpc' }]), []);
    // a file protocol option, listed only when qemu-img is given a file name
    assert.deepEqual(await checkQemuImgOptions(runner, 'nocow=on', [{ name: 'qcow2', qemuFormat: 'qcow2' }]), []);
  });
  it('refuses a name one of the requested formats does not have, listing what it takes', async () => {
    const p = await checkQemuImgOptions(runner, 'compat=1.1', [
      { name: 'qcow2', qemuFormat: 'qcow2' },
      { name: 'vhd', qemuFormat: 'vpc' },
    ]);
    assert.deepEqual(
      p.map((e) => e.message),
      ["'compat' is not an option of qemu-img for vhd output"],
    );
    assert.match(p[0]!.hint ?? '', /^vhd takes: .*subformat/);
    assert.equal(p[0]!.where, '--qemu-img-options');
  });
});
