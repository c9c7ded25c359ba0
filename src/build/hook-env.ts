/**
 * The environment contract of hooks (dib-compat 2, "Exported by DIB to every hook"): the build's
 * environment (DIB_* and the rest, unless -c) plus what DIB exports itself.
 */
import type { BuildConfig } from '../config/build-config.js';
import { readSettings } from '../config/read-settings.js';
import type { Workspace } from './workspace.js';
import type { Element } from '../elements/element.js';
import { formatElementArray, formatElementNames, formatElementYaml } from '../elements/env.js';
import { elementSources, formatElementSources, readElementRepos } from '../elements/repos.js';
import { kilnVersion } from '../version.js';
import { toolPath } from '../exec/tools.js';
import { LIBEXEC } from '../sandbox/sandbox.js';
import { hostSecurityArchive } from '../distros/host-apt.js';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Kiln's versions of DIB's shell libraries (die, common-functions, img-functions): DIB's $_LIB. */
export const DIB_LIB = join(LIBEXEC, 'dib-lib');

export function hookEnvironment(config: BuildConfig, ws: Workspace, elements: Element[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    // DIB's entry point sets it to its own interpreter (unless the environment does); hooks such as
    // dpkg's extra-data.d/99-squash-package-install run it on the host
    DIB_PYTHON_EXEC: dibPythonSite(elements) ? join(ws.build, DIB_PYTHON_WRAPPER) : 'python3',
    // with a dib-python element (DIB's own too), Python 3 unless the environment says otherwise: DIB's
    // dib-python picks Python 2 for Debian, which no Debian release Kiln builds has
    ...(elements.some((e) => e.name === 'dib-python') ? { DIB_PYTHON_VERSION: '3' } : {}),
    // DIB's own debian-minimal defaults to a security archive URL without its /debian-security path;
    // Kiln relies on the host's apt configuration instead, as for its own bootstrap
    ...debianSecurityDefault(config, elements),
    ...config.env,
    PATH: toolPath(config.hostPath),
    LC_ALL: 'C',
    ARCH: config.arch,
    // as DIB: the -o value (with its directory), so ${IMAGE_NAME}.d lands beside the image
    IMAGE_NAME: config.outDir === '/' ? `/${config.imageName}` : `${config.outDir}/${config.imageName}`,
    IMAGE_TYPES: config.imageTypes.join(','),
    ELEMENTS_PATH: config.elementsPath.join(':'),
    TMP_DIR: config.tmpDir,
    // as DIB: element hooks `source "$_LIB/die"` (and common-functions, img-functions)
    _LIB: DIB_LIB,
    TMP_BUILD_DIR: ws.build,
    TMP_IMAGE_DIR: ws.image,
    TMP_MOUNT_PATH: ws.tree,
    TMP_HOOKS_PATH: ws.hooks,
    DIB_DEBUG_TRACE: String(config.debugTrace),
    DIB_DEFAULT_INSTALLTYPE: config.installType,
    DIB_IMAGE_CACHE: config.cacheDir,
    DIB_OFFLINE: config.offline ? '1' : '',
    // as DIB's `export DIB_ARGS="$@"`: every argument, flags too, joined by spaces
    DIB_ARGS: config.argv.join(' '),
    // as DIB: `export | grep ' DIB_.*='` of the build's environment (cleanup.d/01-copy-manifests-dir writes it)
    DIB_ENV: dibEnv(config.env),
    SOURCE_DATE_EPOCH: String(config.epoch),
    IMAGE_ELEMENT: formatElementNames(elements),
    IMAGE_ELEMENT_YAML: formatElementYaml(elements),
    // bash reads exported functions from BASH_FUNC_name%% (what `export -f` produces)
    'BASH_FUNC_get_image_element_array%%': `() {  echo "${formatElementArray(elements)}"\n}`,
    // Kiln's: "ELEMENT REPO VERSION PATH" per element (versioned element repositories); the
    // manifests element records it
    KILN_ELEMENT_REPOS: formatElementSources(
      elementSources(elements, readElementRepos(config.elementsPath), {
        path: config.elementsPath[config.elementsPath.length - 1] ?? '',
        version: kilnVersion(),
      }),
    ),
    ...extra,
  };
  if (config.rootLabel) env.ROOT_LABEL = config.rootLabel;
  return env;
}

/** The per-build interpreter for DIB's own hooks when the elements come from DIB's tree (writeDibPythonWrapper). */
export const DIB_PYTHON_WRAPPER = 'kiln-dib-python';

/**
 * The Python path that holds DIB's modules when an element comes from DIB's tree
 * (SITE/diskimage_builder/elements/NAME, installed or a git checkout), so that its hooks, which
 * run `sudo -E $DIB_PYTHON_EXEC` (sudo drops PYTHONPATH), import the diskimage_builder beside them.
 */
export function dibPythonSite(elements: Element[]): string | undefined {
  for (const e of elements) {
    const m = /^(.*)\/diskimage_builder\/elements\/[^/]+$/.exec(e.path);
    if (m && existsSync(join(m[1]!, 'diskimage_builder', '__init__.py'))) return m[1]!;
  }
  return undefined;
}

/** Writes $TMP_BUILD_DIR/kiln-dib-python: python3 with DIB's modules importable, whatever sudo keeps. */
export function writeDibPythonWrapper(ws: Workspace, elements: Element[]): void {
  const site = dibPythonSite(elements);
  if (!site) return;
  const q = `'${site.replace(/'/g, "'\\''")}'`;
  writeFileSync(join(ws.build, DIB_PYTHON_WRAPPER), `#!/bin/sh\nPYTHONPATH=${q}\${PYTHONPATH:+:$PYTHONPATH} exec python3 "$@"\n`, { mode: 0o755 });
}

/** DIB_DEBIAN_SECURITY_MIRROR for a Debian element from outside Kiln (DIB's tree), unless set. */
function debianSecurityDefault(config: BuildConfig, elements: Element[]): Record<string, string> {
  if (readSettings(config.env, config.flags, 'bootstrap').securityMirror) return {};
  const last = config.elementsPath[config.elementsPath.length - 1] ?? '';
  const builtin = existsSync(last) ? realpathSync(last) : last;
  const foreign = elements.some((e) => (e.name === 'debian-minimal' || e.name === 'debian') && !e.path.startsWith(`${builtin}/`));
  if (!foreign) return {};
  const uri = hostSecurityArchive();
  return uri ? { DIB_DEBIAN_SECURITY_MIRROR: uri } : {};
}

/** DIB_ENV: bash's `export` lines of the DIB_* variables, sorted by name as bash lists them. */
export function dibEnv(env: Readonly<Record<string, string | undefined>>): string {
  return Object.keys(env)
    .filter((k) => k.startsWith('DIB_') && k !== 'DIB_ENV' && env[k] !== undefined)
    .sort()
    .map((k) => `declare -x ${k}="${env[k]!.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`)
    .join('\n');
}
