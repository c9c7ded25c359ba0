/** `element-info [--env|-e] ELEMENT...`: DIB's element-info over ELEMENTS_PATH (plus Kiln's elements). */
import { NO_FLAGS, readSettings } from '../config/read-settings.js';
import { KilnError, UsageError } from '../errors.js';
import { expandRequestedElements } from '../elements/expand.js';
import { hostArch } from '../exec/host.js';
import { formatElementEnv, formatElementNames } from '../elements/env.js';
import { checkRepoRequirements, elementSources, formatElementSources, readElementRepos } from '../elements/repos.js';
import { resolveElements } from '../elements/resolve.js';
import { scanElements } from '../elements/scan.js';
import { BUILTIN_ELEMENTS, kilnVersion } from './paths.js';
import { runMain } from './report.js';

const argv = process.argv.slice(2);

/**
 * DIB's element-info fails on `vm` without a block-device element; disk-image-create adds one (its
 * _arg_defaults_hack). Where DIB would fail, Kiln resolves as disk-image-create does and says so
 * on stderr, so `element-info debian-minimal vm` shows what a build gets. Elsewhere the output is DIB's.
 */
function resolveWithVmDefault(index: ReturnType<typeof scanElements>, names: string[]): ReturnType<typeof resolveElements> {
  try {
    return resolveElements(index, names);
  } catch (e) {
    const { arch } = readSettings(process.env, NO_FLAGS, 'build', { hostArch: hostArch() });
    const expanded = expandRequestedElements(names, { skipBase: true, arch });
    if (!(e instanceof KilnError) || !/'block-device' not found/.test(e.message) || expanded.length === names.length) throw e;
    const added = expanded.slice(names.length);
    process.stderr.write(`element-info: vm needs a block-device element; resolving with ${added.join(' ')}, as disk-image-create adds it\n`);
    return resolveElements(index, expanded);
  }
}
await runMain(
  'element-info',
  async () => {
    if (argv.includes('-h') || argv.includes('--help')) {
      process.stdout.write(
        'usage: element-info [--env|-e] [--json] ELEMENT...\n\nPrint the elements the given ones expand to along ELEMENTS_PATH.\n' +
          'With --env, print eval-able bash (IMAGE_ELEMENT, IMAGE_ELEMENT_YAML, get_image_element_array) as DIB does.\n' +
          'With versioned element repositories (kiln-repo.yaml) on the path, --env also exports KILN_ELEMENT_REPOS:\n' +
          'one "ELEMENT REPOSITORY VERSION PATH" line per element. An unmet repository requirement is an error.\n' +
          "KILN_NO_BUILTIN_ELEMENTS=1 leaves Kiln's own elements out of the path.\n" +
          'With --json (Kiln only), print {"elements": [{"name", "path", "repo", "version"}]}, in build order.\n',
      );
      return 0;
    }
    const env = argv.includes('--env') || argv.includes('-e');
    const json = argv.includes('--json');
    const names = argv.filter((a) => a !== '--env' && a !== '-e' && a !== '--debug' && a !== '--json');
    const bad = names.find((a) => a.startsWith('-'));
    if (bad) throw new UsageError(`unrecognized argument: ${bad}`, { hint: 'usage: element-info [--env|-e] [--json] ELEMENT...' });
    if (names.length === 0) throw new UsageError('the following arguments are required: elements', { hint: 'usage: element-info [--env|-e] ELEMENT...' });
    const s = readSettings(process.env, NO_FLAGS, 'kiln');
    const paths = [...s.elementsPath, ...(s.noBuiltinElements ? [] : [BUILTIN_ELEMENTS])];
    const repos = readElementRepos(paths);
    checkRepoRequirements(repos, kilnVersion());
    const index = scanElements(paths);
    const elements = resolveWithVmDefault(index, names);
    if (json) {
      const sources = elementSources(elements, repos, { path: BUILTIN_ELEMENTS, version: kilnVersion() });
      const rows = sources.map((s) => ({ name: s.element, path: s.path, repo: s.repo ?? null, version: s.version ?? null }));
      process.stdout.write(`${JSON.stringify({ elements: rows }, null, 2)}\n`);
      return 0;
    }
    // with versioned element repositories on the path, --env also says where each element came from
    const sources =
      repos.length > 0
        ? `\nexport KILN_ELEMENT_REPOS='${formatElementSources(elementSources(elements, repos, { path: BUILTIN_ELEMENTS, version: kilnVersion() })).replace(/'/g, "'\\''")}'`
        : '';
    process.stdout.write(`${env ? formatElementEnv(elements) + sources : formatElementNames(elements)}\n`);
    return 0;
  },
  () => argv.includes('--debug'),
  () => argv.includes('--json'),
);
