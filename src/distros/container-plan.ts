/**
 * The container driver's plan, pure over the request: which Containerfile (DIB's lookup), the
 * platform to pull for ARCH, the pull options and build args of DIB_CONTAINERFILE_BUILDOPTS, and
 * the skopeo command. Executing it is container.ts's job.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveArch } from '../arch/index.js';
import { KilnError } from '../errors.js';
import { parseContainerfile, type ParsedContainerfile } from './containerfile.js';
import { planContainerfile, type ContainerfilePlan } from './containerfile-plan.js';
import type { BootstrapRequest, BootstrapSettings, DistroFamily } from './types.js';

export interface PullOptions {
  /** false: plain http or an unverified certificate (a local registry) */
  tlsVerify?: boolean;
  certDir?: string;
  authfile?: string;
}

export interface BuildOpts {
  buildArgs: Record<string, string>;
  from?: string;
  pull: PullOptions;
}

export interface ContainerBootstrapPlan {
  family: DistroFamily;
  release: string;
  arch: string;
  /** OCI platform pulled: os/architecture[/variant] */
  platform: string;
  containerfile: string;
  parsed: ParsedContainerfile;
  opts: BuildOpts;
  /** the plan without the base image's environment (what `kiln plan` shows) */
  plan: ContainerfilePlan;
}

const BUILDOPTS_HINT =
  'DIB_CONTAINERFILE_BUILDOPTS takes --build-arg=NAME=VALUE, --from=IMAGE, --tls-verify=false, --cert-dir=DIR, --authfile=FILE (and --network=..., ignored)';

/** DIB_CONTAINERFILE_BUILDOPTS: podman build's options that mean something without podman. */
export function parseBuildOpts(text: string | undefined): BuildOpts {
  const out: BuildOpts = { buildArgs: {}, pull: {} };
  const words = (text ?? '').split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = /^(--[a-z-]+)(?:=([\s\S]*))?$/.exec(w);
    if (!m) throw new KilnError(`unexpected '${w}'`, { where: 'DIB_CONTAINERFILE_BUILDOPTS', hint: BUILDOPTS_HINT });
    const name = m[1]!;
    const value = (): string => {
      if (m[2] !== undefined) return m[2];
      const next = words[++i];
      if (next === undefined) throw new KilnError(`${name} needs a value`, { where: 'DIB_CONTAINERFILE_BUILDOPTS', hint: BUILDOPTS_HINT });
      return next;
    };
    switch (name) {
      case '--build-arg': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new KilnError(`--build-arg needs NAME=VALUE, got '${v}'`, { where: 'DIB_CONTAINERFILE_BUILDOPTS', hint: BUILDOPTS_HINT });
        out.buildArgs[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case '--from':
        out.from = value();
        break;
      case '--tls-verify': {
        const v = m[2] ?? 'true';
        if (v !== 'true' && v !== 'false')
          throw new KilnError(`--tls-verify=${v}: true or false`, { where: 'DIB_CONTAINERFILE_BUILDOPTS', hint: BUILDOPTS_HINT });
        out.pull.tlsVerify = v === 'true';
        break;
      }
      case '--cert-dir':
        out.pull.certDir = value();
        break;
      case '--authfile':
        out.pull.authfile = value();
        break;
      case '--network':
        value();
        break;
      default:
        throw new KilnError(`${name} is not supported by Kiln (it builds without podman)`, { where: 'DIB_CONTAINERFILE_BUILDOPTS', hint: BUILDOPTS_HINT });
    }
  }
  return out;
}

/** DIB's lookup: DIB_CONTAINERFILE_DOCKERFILE, else containerfiles/DIB_RELEASE of the first element that has it. */
export function findContainerfile(settings: BootstrapSettings, elements: readonly { name: string; path: string }[], release: string | undefined): string {
  if (settings.containerfile) {
    if (!existsSync(settings.containerfile)) {
      throw new KilnError(`the Containerfile ${settings.containerfile} does not exist`, {
        where: 'DIB_CONTAINERFILE_DOCKERFILE',
        hint: 'set DIB_CONTAINERFILE_DOCKERFILE to the path of a Containerfile (Dockerfile)',
      });
    }
    return settings.containerfile;
  }
  if (release) {
    for (const el of elements) {
      const f = join(el.path, 'containerfiles', release);
      if (existsSync(f)) return f;
    }
  }
  const have = elements.flatMap((el) => (existsSync(join(el.path, 'containerfiles')) ? [el.name] : []));
  throw new KilnError(`DIB_CONTAINERFILE_DOCKERFILE not specified, and no element has containerfiles/${release ?? '(DIB_RELEASE is not set)'}`, {
    hint:
      have.length > 0
        ? `set DIB_RELEASE to a release ${have.join(', ')} has a containerfile for, or set DIB_CONTAINERFILE_DOCKERFILE`
        : 'set DIB_CONTAINERFILE_DOCKERFILE to the path of a Containerfile, or use rocky-container, almalinux-container, fedora-container',
  });
}

/** The OCI platform of ARCH, or the one FROM --platform names. */
export function platformOf(arch: string, fromPlatform?: string): string {
  if (fromPlatform) return fromPlatform.includes('/') ? fromPlatform : `linux/${fromPlatform}`;
  const a = resolveArch(arch);
  return `linux/${a.oci.architecture}${a.oci.variant ? `/${a.oci.variant}` : ''}`;
}

/**
 * The distro's defaults: a `kiln-container` file (YAML: family, release) of the first element that
 * has one (rocky-container, ...), over the OS element's kiln-bootstrap keys.
 */
export function containerOptions(req: Pick<BootstrapRequest, 'elements' | 'options'>): Record<string, unknown> {
  for (const el of req.elements ?? []) {
    const f = join(el.path, 'kiln-container');
    if (!existsSync(f)) continue;
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new KilnError(`cannot parse: ${(e as Error).message}`, { where: f, hint: 'kiln-container is YAML: family: rpm|apt, release: DEFAULT' });
    }
    if (!doc || typeof doc !== 'object')
      throw new KilnError('not a YAML mapping', { where: f, hint: 'kiln-container is YAML: family: rpm|apt, release: DEFAULT' });
    return { ...req.options, ...(doc as Record<string, unknown>) };
  }
  return { ...req.options };
}

export function planContainerBootstrap(req: Pick<BootstrapRequest, 'arch' | 'elements' | 'options'>, settings: BootstrapSettings): ContainerBootstrapPlan {
  const options = containerOptions(req);
  const release = settings.release || (options.release !== undefined ? String(options.release) : undefined);
  const containerfile = findContainerfile(settings, req.elements ?? [], release);
  const parsed = parseContainerfile(readFileSync(containerfile, 'utf8'), containerfile);
  const opts = parseBuildOpts(settings.containerBuildOpts);
  const family: DistroFamily = options.family === 'apt' ? 'apt' : 'rpm';
  return {
    family,
    release: release ?? '',
    arch: resolveArch(req.arch).name,
    platform: platformOf(req.arch, parsed.from.platform),
    containerfile,
    parsed,
    opts,
    plan: planContainerfile(parsed, { buildArgs: opts.buildArgs, ...(opts.from ? { from: opts.from } : {}) }),
  };
}

/** skopeo copy of `ref` for `platform` into `layout:tag`. */
export function planSkopeoCopy(ref: string, platform: string, pull: PullOptions, layout: string, tag: string): string[] {
  const [os, architecture, variant] = platform.split('/');
  // the platform options are skopeo's global ones: they come before the subcommand
  const argv = [
    'skopeo',
    '--override-os',
    os!,
    '--override-arch',
    architecture!,
    ...(variant ? ['--override-variant', variant] : []),
    'copy',
    '--retry-times',
    '2',
  ];
  if (pull.tlsVerify === false) argv.push('--src-tls-verify=false');
  if (pull.certDir) argv.push('--src-cert-dir', pull.certDir);
  if (pull.authfile) argv.push('--src-authfile', pull.authfile);
  argv.push(`docker://${ref}`, `oci:${layout}:${tag}`);
  return argv;
}
