import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { preflight } from '../../../src/build/preflight.js';
import type { BuildPlan } from '../../../src/build/plan.js';
import { stage } from '../../../src/build/step.js';

const noop = async (): Promise<void> => {};

describe('preflight', () => {
  const config = createBuildConfig({ args: parseArgv(['x']), env: { HOME: '/h', PATH: '/usr/bin:/bin' }, hostArch: 'amd64', builtinElements: '/e' });
  const plan = {} as BuildPlan;
  it('names every missing tool once, with every reason, in one error', async () => {
    const steps = [
      stage('a', 'a', noop, () => [
        { tool: 'kiln-no-such-tool', why: 'makes the first thing' },
        { tool: 'sh', why: 'is there' },
      ]),
      stage('b', 'b', noop, () => [
        { tool: 'kiln-no-such-tool', why: 'makes the second thing' },
        { tool: 'kiln-other-missing', why: 'writes bytes' },
      ]),
    ];
    await assert.rejects(preflight(config, plan, steps), (e: Error) => {
      assert.match(
        e.message,
        /missing host tools:\n {2}kiln-no-such-tool: makes the first thing; makes the second thing\n {2}kiln-other-missing: writes bytes$/,
      );
      return true;
    });
  });
  it('passes when everything is there', async () => {
    await preflight(config, plan, [stage('a', 'a', noop, () => [{ tool: 'sh', why: 'x' }])]);
  });
});
