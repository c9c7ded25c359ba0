/**
 * The container driver (DIB's containerfile element, without a container runtime): the root tree is
 * the Containerfile's FROM image, pulled with skopeo into Kiln's cache (cache/images.ts) and unpacked
 * with umoci as root of the tree (so its owners are kept, also unprivileged: the user namespace maps
 * them to the subordinate ids; umoci resolves every path inside the tree and applies the layers'
 * whiteouts), then its RUN lines run chrooted in the tree's sandbox, like in-target hooks.
 * Planning is container-plan.ts and containerfile*.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES } from '../arch/index.js';
import { imageLayout, imageLayoutLock, imageTag, lookupImage, recordImage } from '../cache/images.js';
import { KilnError } from '../errors.js';
import { asTreeRoot } from '../sandbox/identity.js';
import { runInTree } from '../sandbox/sandbox.js';
import { installHostResolvConf, restoreResolvConf } from '../tree/resolv-conf.js';
import { Tree } from '../tree/fs.js';
import { planContainerfile, type RunStep } from './containerfile-plan.js';
import { planContainerBootstrap, planSkopeoCopy, type ContainerBootstrapPlan } from './container-plan.js';
import type { BootstrapRequest, DistroDriver, ToolNeed } from './types.js';

export const containerDriver: DistroDriver = {
  name: 'container',
  // the rpm-based container elements; an element's kiln-bootstrap `family: apt` says otherwise (describe() reports it)
  family: 'rpm',
  tools: containerTools,
  architectures: () => [...ARCHES.keys()],
  describe: (req) => {
    const p = planContainerBootstrap(req, req.settings);
    return {
      driver: 'container',
      family: p.family,
      tool: 'skopeo, umoci',
      release: p.release,
      arch: p.arch,
      packages: [],
      containerfile: p.containerfile,
      image: p.plan.ref,
      platform: p.platform,
      instructions: [`${p.parsed.from.line} FROM ${p.plan.ref}`, ...p.plan.runs.map((r) => `${r.line} RUN ${r.text}`)],
      ignored: p.plan.ignored,
    };
  },
  bootstrap: bootstrapContainer,
};

function containerTools(req: BootstrapRequest): ToolNeed[] {
  const need: ToolNeed[] = [
    { tool: 'skopeo', why: "pulls the Containerfile's FROM image into Kiln's cache" },
    { tool: 'umoci', why: "unpacks the image's layers into the tree" },
    { tool: 'flock', why: 'one pull at a time into the cache (util-linux)' },
  ];
  if (!req.identity.privileged) {
    need.push({ tool: 'unshare', why: 'unpacks and runs RUN lines as root of the tree (util-linux)' });
    need.push({ tool: 'newuidmap', why: "maps the subordinate ids that keep the image's owners (package uidmap)" });
  }
  return need;
}

interface PulledImage {
  layout: string;
  tag: string;
  digest: string;
  /** the argv prefix that holds the cache layout's lock (shared or exclusive) while a command runs */
  lock(shared: boolean): string[];
}

/** flock(1) on the shared layout's lock file; nothing for a layout of the build's own (--no-cache). */
function layoutLock(req: BootstrapRequest): (shared: boolean) => string[] {
  if (!req.useCache) return () => [];
  const file = imageLayoutLock(req.cacheDir);
  return (shared) => ['flock', ...(shared ? ['--shared'] : []), file];
}

async function bootstrapContainer(req: BootstrapRequest): Promise<void> {
  const settings = req.settingsAfterEnvironmentD ? await req.settingsAfterEnvironmentD() : req.settings;
  const p = planContainerBootstrap(req, settings);
  if (settings.containerRuntime) {
    req.log.info(`DIB_CONTAINERFILE_RUNTIME=${settings.containerRuntime} is ignored: Kiln builds the tree without a container runtime`);
  }
  if (req.identity.fakeroot) {
    throw new KilnError("Kiln cannot unpack a container image without subordinate ids (umoci's chown is not recorded by fakeroot)", {
      where: p.containerfile,
      hint: `add a subordinate id range ('usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${req.identity.user}'), or run as root`,
    });
  }
  const tmp = req.tmpDir ?? join(req.target, '..', 'tmp');
  mkdirSync(tmp, { recursive: true });
  let baseEnv: string[] = [];
  if (p.plan.scratch) {
    req.log.info(`bootstrap: FROM scratch (${p.containerfile}): an empty tree`);
  } else {
    const image = await pullImage(req, p, tmp);
    baseEnv = imageEnv(image);
    req.log.info(`bootstrap: unpacking ${p.plan.ref} (${image.digest.slice(0, 19)}) with umoci`);
    const argv = [...asTreeRoot(req.identity), ...image.lock(true), 'umoci', 'raw', 'unpack', '--image', `${image.layout}:${image.tag}`, req.target];
    await req.runner.run(argv[0]!, argv.slice(1), { context: `bootstrap (unpack ${p.plan.ref})` });
  }
  const plan = planContainerfile(p.parsed, { buildArgs: p.opts.buildArgs, baseEnv, ...(p.opts.from ? { from: p.opts.from } : {}) });
  if (plan.runs.length > 0) await runSteps(req, plan.runs, tmp, p.containerfile);
}

async function pullImage(req: BootstrapRequest, p: ContainerBootstrapPlan, tmp: string): Promise<PulledImage> {
  const ref = p.plan.ref;
  const tag = imageTag(ref, p.platform);
  if (req.offline) {
    const hit = req.useCache ? lookupImage(req.cacheDir, ref, p.platform) : undefined;
    if (!hit) {
      throw new KilnError(`offline, and ${ref} (${p.platform}) is not in the cache`, {
        where: `${p.containerfile}:${p.parsed.from.line}`,
        hint: 'build once online (without DIB_OFFLINE or --no-cache) to pull it',
      });
    }
    req.log.info(`bootstrap: ${ref} (${p.platform}) from the cache, pulled ${hit.pulled}`);
    return { layout: imageLayout(req.cacheDir), tag, digest: hit.digest, lock: layoutLock(req) };
  }
  const layout = req.useCache ? imageLayout(req.cacheDir) : join(tmp, 'oci');
  mkdirSync(layout, { recursive: true });
  req.log.info(`bootstrap: pulling ${ref} (${p.platform}) with skopeo`);
  const lock = layoutLock(req);
  const argv = [...lock(false), ...planSkopeoCopy(ref, p.platform, p.opts.pull, layout, tag)];
  await req.runner.run(argv[0]!, argv.slice(1), {
    stream: true,
    env: { TMPDIR: tmp },
    context: `bootstrap (pull ${ref}, ${p.containerfile}:${p.parsed.from.line})`,
  });
  if (req.useCache) {
    const rec = recordImage(req.cacheDir, ref, p.platform);
    if (!rec) throw new Error(`skopeo left no ${tag} in ${layout}`);
    return { layout, tag, digest: rec.digest, lock };
  }
  const digest = readJson<{ manifests: { digest: string }[] }>(join(layout, 'index.json')).manifests[0]?.digest ?? '';
  return { layout, tag, digest, lock };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function blob(layout: string, digest: string): string {
  return join(layout, 'blobs', ...digest.split(':'));
}

/** The image config's Env: the RUN lines' environment starts from it, as in a container build. */
function imageEnv(image: PulledImage): string[] {
  const manifest = readJson<{ config?: { digest?: string } }>(blob(image.layout, image.digest));
  if (!manifest.config?.digest) return [];
  return readJson<{ config?: { Env?: string[] } }>(blob(image.layout, manifest.config.digest)).config?.Env ?? [];
}

/** The RUN lines, chrooted in the tree's sandbox, with the host's resolv.conf lent meanwhile (as for hooks). */
async function runSteps(req: BootstrapRequest, runs: RunStep[], tmp: string, file: string): Promise<void> {
  const tree = new Tree(req.target);
  const hooks = mkdtempSync(join(tmp, 'containerfile-hooks-'));
  installHostResolvConf(tree);
  try {
    for (const r of runs) {
      req.log.info(`bootstrap: RUN (${file}:${r.line}) ${r.text}`);
      // WORKDIR is created as Docker does, by the tree's own sh
      const argv = r.workdir === '/' ? r.argv : ['/bin/sh', '-c', 'mkdir -p "$0" && cd "$0" && exec "$@"', r.workdir, ...r.argv];
      await runInTree(req, req.target, hooks, argv, {
        env: { HOME: '/root', ...r.env },
        extendEnv: false,
        stream: true,
        context: `bootstrap (RUN, ${file}:${r.line})`,
      });
    }
  } finally {
    restoreResolvConf(tree);
    rmSync(hooks, { recursive: true, force: true });
  }
}
