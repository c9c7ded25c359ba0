import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';

const elements = (argv: string[]) => createBuildConfig({ args: parseArgv(argv), env: {}, hostArch: 'amd64', builtinElements: '/k' }).elements;

describe('the element list is word-split as DIB splits it', () => {
  it('takes elements in one argument, and skips empty arguments', () => {
    assert.deepEqual(elements(['debian-minimal vm', '', 'growroot']), ['debian-minimal', 'vm', 'growroot']);
    assert.deepEqual(elements(['-o', 'x', ' debian-minimal\tvm \n']), ['debian-minimal', 'vm']);
    assert.deepEqual(elements(['debian-minimal', 'vm']), ['debian-minimal', 'vm']);
  });
});
