/** The bootstrap: the OS element's distro driver fills the empty tree before root.d (src/distros). */
import type { BuildConfig } from '../config/build-config.js';
import { readSettings } from '../config/read-settings.js';
import { sharedCache } from '../distros/cached-bootstrap.js';
import { distroDriver } from '../distros/index.js';
import type { BootstrapRequest } from '../distros/types.js';
import { Runner } from '../exec/runner.js';
import { silentLogger } from '../log.js';
import { checkEnvironment } from '../sandbox/environment.js';
import { currentIdentity, type Identity } from '../sandbox/identity.js';
import type { Build } from './build.js';
import { hooksView } from './environment-d.js';
import { formatEpoch, treeNewestMtime, withBootstrapEpoch } from './epoch.js';
import { stage, type StageStep } from './step.js';

/** The driver's request; without a build (preflight asks for the tools), a request with no tree yet. */
export function bootstrapRequest(config: BuildConfig, b: Build | undefined, env: Record<string, string>): BootstrapRequest {
  return {
    arch: config.arch,
    // the user's SOURCE_DATE_EPOCH, not the hooks' (always set, to the build's start when the user gave
    // none): it is part of the cache key, so a build without one must not key on its start time
    settings: { ...readSettings(env, config.flags, 'bootstrap'), sourceDateEpoch: config.sourceDateEpoch },
    cacheDir: config.cacheDir,
    useCache: config.useCache,
    offline: config.offline,
    target: b?.ws.tree ?? '',
    ...(b ? { tmpDir: b.ws.tmp } : {}),
    runner: b?.runner ?? new Runner(),
    log: b?.log ?? silentLogger,
    identity: b?.identity ?? identityBeforeBuild(config),
    ...(b
      ? {
          elements: b.plan.elements,
          ...(b.plan.bootstrap ? { options: b.plan.bootstrap.settings } : {}),
          onCacheEntry: (entry) => {
            b.bootstrapEntry = entry;
          },
          settingsAfterEnvironmentD: async () => ({
            ...readSettings(await hooksView(b), config.flags, 'bootstrap'),
            sourceDateEpoch: config.sourceDateEpoch,
          }),
        }
      : {}),
  };
}

/**
 * Without a build (preflight, kiln plan): the identity the build will have, so the driver names the
 * tools of its mode. Fakeroot mode is told from the environment; its database is made with the
 * workspace, so none is named yet.
 */
function identityBeforeBuild(config: BuildConfig): Identity {
  const id = currentIdentity();
  try {
    if (checkEnvironment(id, config.hostPath).kind === 'fakeroot') return { ...id, fakeroot: { db: '' } };
  } catch {
    /* the build reports the environment's problem itself, before preflight */
  }
  return id;
}

export function bootstrapStep(driverName: string): StageStep {
  const driver = distroDriver(driverName);
  return stage(
    'bootstrap',
    `bootstrap the tree (${driverName})`,
    async (b) => {
      await driver.bootstrap(bootstrapRequest(b.config, b, b.env));
      await settleEpoch(b);
    },
    (config) => {
      const req = bootstrapRequest(config, undefined, { ...config.env });
      sharedCache(req); // a KILN_CACHE_URL Kiln cannot use is refused before any work
      return driver.tools(req);
    },
  );
}

/** Without SOURCE_DATE_EPOCH, the bootstrapped tree is an input of the default epoch (epoch.ts). */
async function settleEpoch(b: Build): Promise<void> {
  if (b.epochRecord.source === 'inputs') b.epochRecord = withBootstrapEpoch(b.epochRecord, await treeNewestMtime(b.runner, b.identity, b.ws.tree));
  b.log.info(formatEpoch(b.epochRecord));
}
