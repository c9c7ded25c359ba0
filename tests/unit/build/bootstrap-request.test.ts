import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapRequest } from '../../../src/build/bootstrap.js';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { cacheKey } from '../../../src/cache/index.js';
import { debianCacheInputs } from '../../../src/distros/debian.js';
import { loadDebianData } from '../../../src/distros/debian-data.js';
import { planDebianBootstrap } from '../../../src/distros/debian-plan.js';

const config = (env: Record<string, string>, now: number) =>
  createBuildConfig({ args: parseArgv(['debian-minimal', 'vm']), env, hostArch: 'amd64', builtinElements: '/k', now });
// the hooks' environment always has SOURCE_DATE_EPOCH: the user's, or the build's start
const key = (env: Record<string, string>, now: number) => {
  const c = config(env, now);
  const req = bootstrapRequest(c, undefined, { ...env, SOURCE_DATE_EPOCH: String(c.epoch) });
  return { sde: req.settings.sourceDateEpoch, key: cacheKey(debianCacheInputs(planDebianBootstrap(loadDebianData(), 'amd64', req.settings))) };
};

test("the bootstrap keys on the user's SOURCE_DATE_EPOCH, never on the build's start time", () => {
  const a = key({}, 1800000000);
  const b = key({}, 1800000999);
  assert.equal(a.sde, undefined);
  assert.equal(a.key, b.key, 'two builds without SOURCE_DATE_EPOCH share the cached bootstrap');
  const s = key({ SOURCE_DATE_EPOCH: '1700000000' }, 1800000000);
  assert.equal(s.sde, 1700000000);
  assert.notEqual(s.key, a.key);
  assert.equal(key({ SOURCE_DATE_EPOCH: '1700000000' }, 1800000999).key, s.key);
});
