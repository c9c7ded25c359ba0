/**
 * The layer cache's key (docs/user-guide.md "Caching"): everything that can change the tree as the
 * install phases leave it (after post-install.d, the cut). sha256 over a canonical JSON of:
 *
 *  - Kiln: its version and a hash of its own code (dist/src and libexec), so a changed Kiln never
 *    reuses a layer an older one made;
 *  - the build: target architecture, how the tree's owners are kept (root, user namespace,
 *    fakeroot), -p packages, the user's SOURCE_DATE_EPOCH (or none), the host's apt settings;
 *  - every element of the build, in order, with the content of each of its files except those of
 *    the phases after the cut (post-root.d, block-device.d, pre-finalise.d, finalise.d, cleanup.d)
 *    and its README: hooks, environment.d, package-installs, pkg-map, kiln-bootstrap, bin/, ...;
 *  - the environment the hooks get, except the variables listed in VOLATILE_ENV (workspace paths,
 *    the command line, the terminal session) and SOURCE_DATE_EPOCH (keyed as the user's, above);
 *  - host files elements name with `host-file PATH` in their `kiln-cache` file.
 *
 * Some inputs cannot be keyed: the outside world that hooks read (a git branch that moved, a URL
 * fetched with cache-url). uncacheableReason() names what makes a build's layer unusable:
 * --no-cache, KILN_NO_LAYER_CACHE, a `break`, an element whose `kiln-cache` says `never`, a hook
 * before the cut that calls cache-url, source-repositories with a repository that is not pinned.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson, type CacheInputs } from '../cache/key.js';
import type { BuildConfig } from '../config/build-config.js';
import type { Element } from '../elements/element.js';
import { type Identity, isHostRoot } from '../sandbox/identity.js';
import { LIBEXEC } from '../sandbox/sandbox.js';
import { kilnVersion } from '../version.js';

/** The layer is the tree after this phase. */
export const LAYER_CUT = 'post-install.d';
/** Bumped when what a layer holds (or how it is restored) changes. */
export const LAYER_FORMAT = 1;
/** Phases after the cut: their files do not change the layer. */
export const AFTER_CUT_PHASES = ['post-root.d', 'block-device.d', 'pre-finalise.d', 'finalise.d', 'cleanup.d'] as const;
/** Phases up to the cut (bootstrap and root.d first). */
export const BEFORE_CUT_PHASES = ['root.d', 'extra-data.d', 'pre-install.d', 'install.d', 'post-install.d'] as const;

/**
 * Variables of the hooks' environment that are not keyed: where this build's workspace is, the
 * command line (its parts that matter are keyed on their own), the user's terminal session, and
 * Kiln's own cache settings.
 */
export const VOLATILE_ENV = new Set([
  'TMP_DIR',
  'TMP_BUILD_DIR',
  'TMP_IMAGE_DIR',
  'TMP_MOUNT_PATH',
  'TMP_HOOKS_PATH',
  'IMAGE_NAME',
  'DIB_ARGS',
  'SOURCE_DATE_EPOCH',
  'PWD',
  'OLDPWD',
  'SHLVL',
  '_',
  'TERM',
  'COLUMNS',
  'LINES',
  'COLORTERM',
  'DISPLAY',
  'WINDOWID',
  'XAUTHORITY',
  'SSH_AUTH_SOCK',
  'SSH_AGENT_PID',
  'SSH_CLIENT',
  'SSH_CONNECTION',
  'SSH_TTY',
  'TMUX',
  'TMUX_PANE',
  'STY',
  'INVOCATION_ID',
  'JOURNAL_STREAM',
  'SYSTEMD_EXEC_PID',
  'XDG_SESSION_ID',
  'XDG_VTNR',
  'KILN_CACHE_URL',
  'KILN_CACHE_USER',
  'KILN_CACHE_PASSWORD',
  'KILN_NO_LAYER_CACHE',
  'KILN_NO_INITRAMFS_CACHE',
]);

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Every file under `dir` (symlinks followed, as materializing the hooks does) as relpath -> sha256
 * of the content plus its executable bit; `skip(relpath)` leaves a top-level entry out.
 */
export function hashTree(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  const walk = (abs: string, rel: string): void => {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      out[rel] = 'dangling';
      return;
    }
    const st = statSync(real);
    if (st.isDirectory()) {
      if (seen.has(real)) return; // a symlink loop
      seen.add(real);
      for (const n of readdirSync(real).sort()) {
        const r = rel ? `${rel}/${n}` : n;
        if (!rel && skip(n)) continue;
        walk(join(abs, n), r);
      }
      seen.delete(real);
    } else if (st.isFile()) {
      out[rel] = `${st.mode & 0o111 ? 'x' : '-'}${sha256(readFileSync(real))}`;
    } else {
      out[rel] = 'special';
    }
  };
  walk(dir, '');
  return out;
}

let codeHash: string | undefined;

/** A hash of Kiln's own code: the compiled sources and libexec (computed once per process). */
export function kilnCodeHash(): string {
  if (codeHash) return codeHash;
  const src = join(dirname(LIBEXEC), 'dist', 'src');
  codeHash = sha256(canonicalJson({ src: existsSync(src) ? hashTree(src) : {}, libexec: hashTree(LIBEXEC) }));
  return codeHash;
}

/** What an element's `kiln-cache` file says (one directive a line; `#` starts a comment). */
export interface ElementCacheRule {
  /** `never [why]`: a build with this element never uses or stores a layer */
  never?: string;
  /** `always`: the element's hooks before the cut read nothing outside the keyed inputs */
  always?: boolean;
  /** `host-file PATH`: host files whose content is keyed (${VAR} is expanded from the environment) */
  hostFiles: string[];
}

export function readCacheRule(element: Pick<Element, 'name' | 'path'>, env: Record<string, string>): ElementCacheRule {
  const rule: ElementCacheRule = { hostFiles: [] };
  const f = join(element.path, 'kiln-cache');
  if (!existsSync(f)) return rule;
  for (const raw of readFileSync(f, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [word, ...rest] = line.split(/\s+/);
    if (word === 'never') rule.never = rest.join(' ') || 'its kiln-cache file says never';
    else if (word === 'always') rule.always = true;
    else if (word === 'host-file' && rest.length > 0) {
      rule.hostFiles.push(rest.join(' ').replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, v: string, d?: string) => env[v] || d || ''));
    } else rule.never = `its kiln-cache file has a line Kiln does not know: '${line}' (so it is not cached)`;
  }
  return rule;
}

/** The files of an element that change the layer: all but README* and the phases after the cut. */
export function elementLayerFiles(path: string): Record<string, string> {
  const after = new Set<string>(AFTER_CUT_PHASES);
  return hashTree(path, (n) => after.has(n) || /^README/.test(n));
}

export interface LayerKeyInputs {
  config: Pick<BuildConfig, 'arch' | 'packages' | 'sourceDateEpoch'>;
  elements: readonly Pick<Element, 'name' | 'path'>[];
  env: Record<string, string>;
  identity: Pick<Identity, 'privileged' | 'fakeroot' | 'nodev'>;
  hostApt: string[];
}

/** The inputs the key is the hash of (values of the environment hashed, so the metadata holds no secrets). */
export function layerInputs(k: LayerKeyInputs): CacheInputs {
  const env: Record<string, string> = {};
  for (const name of Object.keys(k.env).sort()) if (!VOLATILE_ENV.has(name)) env[name] = sha256(k.env[name]!);
  const hostFiles: Record<string, string> = {};
  for (const e of k.elements) {
    for (const f of readCacheRule(e, k.env).hostFiles) {
      try {
        hostFiles[f] = sha256(readFileSync(f));
      } catch {
        hostFiles[f] = 'missing';
      }
    }
  }
  return {
    format: LAYER_FORMAT,
    cut: LAYER_CUT,
    kiln: kilnVersion(),
    code: kilnCodeHash(),
    arch: k.config.arch,
    // a user namespace's tree (a user with subordinate ids, or its root) has no device nodes
    owners: k.identity.fakeroot ? 'fakeroot' : isHostRoot(k.identity) ? 'root' : 'user-namespace',
    packages: [...k.config.packages],
    sourceDateEpoch: k.config.sourceDateEpoch ?? null,
    hostApt: k.hostApt,
    elements: k.elements.map((e) => ({ name: e.name, files: sha256(canonicalJson(elementLayerFiles(e.path))) })),
    env: sha256(canonicalJson(env)),
    envNames: Object.keys(env),
    hostFiles,
  };
}

/** Why no layer can be used or stored for this build, or undefined when one can. */
export function uncacheableReason(k: {
  config: Pick<BuildConfig, 'useCache' | 'useLayerCache' | 'installType'>;
  elements: readonly Pick<Element, 'name' | 'path'>[];
  env: Record<string, string>;
  breaks: ReadonlySet<string>;
}): string | undefined {
  if (!k.config.useCache) return '--no-cache';
  if (!k.config.useLayerCache) return 'KILN_NO_LAYER_CACHE is set';
  if (k.breaks.size > 0) return `a break is set (${[...k.breaks].join(', ')}): every phase runs`;
  for (const e of k.elements) {
    const rule = readCacheRule(e, k.env);
    if (rule.never) return `element ${e.name}: ${rule.never}`;
    if (rule.always) continue;
    const hook = hookCallingCacheUrl(e.path);
    if (hook && e.name !== 'source-repositories')
      return `element ${e.name}: ${hook} calls cache-url (it reads a URL: add 'always' to the element's kiln-cache file if what it fetches is pinned)`;
  }
  if (k.elements.some((e) => e.name === 'source-repositories')) {
    const loose = unpinnedRepository(k.elements, k.env, k.config.installType);
    if (loose) return `source-repositories: ${loose} is not pinned to a commit (it is fetched on every build)`;
  }
  return undefined;
}

/** The first hook of a phase before the cut (or environment.d) that mentions cache-url. */
function hookCallingCacheUrl(path: string): string | undefined {
  for (const phase of [...BEFORE_CUT_PHASES, 'environment.d']) {
    const dir = join(path, phase);
    if (!existsSync(dir)) continue;
    for (const [rel] of Object.entries(hashTree(dir))) {
      try {
        if (readFileSync(join(dir, rel), 'utf8').includes('cache-url')) return `${phase}/${rel}`;
      } catch {
        /* unreadable: not a hook */
      }
    }
  }
  return undefined;
}

/**
 * source-repositories: the first repository that would be fetched and is not pinned ("NAME (TYPE
 * LOCATION REF)"). Pinned: type package, an install type other than source, or git at a 40-digit
 * commit. A line with a shell variable is taken as not pinned (its value is only known to the hook).
 */
export function unpinnedRepository(elements: readonly Pick<Element, 'path'>[], env: Record<string, string>, defaultInstallType: string): string | undefined {
  if (env.NO_SOURCE_REPOSITORIES) return undefined;
  for (const e of elements) {
    let names: string[];
    try {
      names = readdirSync(e.path).filter((n) => n.startsWith('source-repository-'));
    } catch {
      continue;
    }
    for (const n of names) {
      for (const raw of readFileSync(join(e.path, n), 'utf8').split('\n')) {
        const line = raw.trim();
        if (!line || line.startsWith('#')) continue;
        const [name = '', type0 = '', , location0 = '', ref0] = line.split(/\s+/);
        const v = name.replace(/[^A-Za-z0-9_]/g, '_');
        const type = env[`DIB_REPOTYPE_${v}`] || type0;
        const ref = env[`DIB_REPOREF_${v}`] || ref0 || (type === 'git' ? 'master' : '*');
        const location = env[`DIB_REPOLOCATION_${v}`] || location0;
        const install = env[`DIB_INSTALLTYPE_${v}`] || defaultInstallType;
        if (type === 'package' || install !== 'source') continue;
        if (type === 'git' && /^[0-9a-f]{40}$/.test(ref) && !line.includes('$')) continue;
        return `${name} (${type} ${location} ${ref})`;
      }
    }
  }
  return undefined;
}
