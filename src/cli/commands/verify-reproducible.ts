/** `kiln verify-reproducible [--cold] [--warm] [--keep] BUILD-ARGS...`: build twice, compare every output. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_FLAGS, readSettings } from '../../config/read-settings.js';
import { KilnError, UsageError } from '../../errors.js';
import { Runner } from '../../exec/runner.js';
import { compareOutputDirs, formatComparison, runRecords, splitOutputName } from '../../inspect/verify.js';
import { REPO_ROOT } from '../paths.js';
import type { KilnCommand } from './types.js';

export const command: KilnCommand = {
  command: 'verify-reproducible [args..]',
  describe: 'build the same image twice (one SOURCE_DATE_EPOCH, separate workspaces) and compare every output; exit 1 when one differs',
  builder: (y) => y.strict(false).help(false).parserConfiguration({ 'unknown-options-as-args': true }),
  handler: async () => {
    const i = process.argv.indexOf('verify-reproducible');
    let args = process.argv.slice(i + 1);
    if (args.includes('-h') || args.includes('--help')) {
      process.stdout.write(
        [
          'kiln verify-reproducible [--cold] [--warm] [--keep] [disk-image-create options] ELEMENT...',
          '',
          'Builds the image twice with the same SOURCE_DATE_EPOCH (yours, or the time of the first build),',
          'each into its own directory, and compares every output and the NAME.d manifests by sha256. A disk',
          'image that differs is explained as kiln diff would. Exit 0: every output is the same; 1: one differs.',
          '',
          '  --cold   the second build bootstraps afresh (--no-cache): a cold and a warm build must agree',
          '  --warm   the second build starts from the layer and the initramfs the first stored (without it',
          '           both run every phase): a build from the caches must agree with one without',
          "  --keep   keep both builds' outputs (their directory is printed)",
          '  --json   print the comparison as JSON: {reproducible, files: [{file, same, a, b}], notCompared, kept}',
          '',
          "NAME.d/report.html records the build's run (its times): it is not compared.",
          '',
        ].join('\n'),
      );
      return;
    }
    const cold = args.includes('--cold');
    const keep = args.includes('--keep');
    const json = args.includes('--json');
    const warm = args.includes('--warm');
    if (cold && warm)
      throw new UsageError('--cold and --warm cannot be given together', {
        hint: "--cold bootstraps the second build afresh; --warm makes it from the first one's layer",
      });
    args = args.filter((a) => a !== '--cold' && a !== '--keep' && a !== '--json' && a !== '--warm');
    const [rest, name] = splitOutputName(args);
    if (!rest.some((a) => !a.startsWith('-')))
      throw new KilnError('name the elements to build', { hint: 'kiln verify-reproducible -o NAME debian-minimal vm' });
    const epoch = String(readSettings(process.env, NO_FLAGS, 'kiln').sourceDateEpoch ?? Math.floor(Date.now() / 1000));
    const work = mkdtempSync(join(tmpdir(), 'kiln-verify-'));
    try {
      for (const [run, fresh] of [
        ['first', false],
        ['second', cold],
      ] as const) {
        process.stderr.write(`kiln verify-reproducible: ${run} build (SOURCE_DATE_EPOCH=${epoch})\n`);
        // the same argv for both (DIB_ARGS and the manifests record it): each build runs in its own
        // directory, and --cold goes through the environment (KILN_NO_CACHE), not the command line
        mkdirSync(join(work, run));
        const r = spawnSync(resolve(REPO_ROOT, 'bin/disk-image-create'), [...rest, '-o', name], {
          cwd: join(work, run),
          stdio: ['ignore', 2, 2], // the report alone on stdout
          // every phase runs in both builds unless --warm: a layer or an initramfs the first one
          // stored would make the second a copy of it (bootstraps are shared unless --cold)
          env: {
            ...process.env,
            SOURCE_DATE_EPOCH: epoch,
            KILN_NO_LAYER_CACHE: warm ? '0' : '1',
            KILN_NO_INITRAMFS_CACHE: warm ? '0' : '1',
            ...(fresh ? { KILN_NO_CACHE: '1' } : {}),
          },
        });
        if (r.status !== 0) throw new KilnError(`the ${run} build failed (exit ${r.status ?? r.signal})`, { hint: 'its messages are above' });
      }
      const files = compareOutputDirs(join(work, 'first'), join(work, 'second'));
      const bad = files.filter((f) => !f.same).length;
      const notCompared = runRecords(join(work, 'first'));
      if (json) {
        const result = { reproducible: bad === 0, files, notCompared, kept: keep ? work : null };
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(await formatComparison(new Runner(), join(work, 'first'), join(work, 'second'), files));
        for (const f of notCompared) process.stdout.write(`skipped  ${f}: records the build's run (its times)\n`);
        process.stdout.write(bad ? `not reproducible: ${bad} of ${files.length} files differ\n` : `reproducible: all ${files.length} files are the same\n`);
        if (keep) process.stdout.write(`the builds are kept in ${work}\n`);
      }
      if (bad) process.exitCode = 1;
    } finally {
      if (!keep) rmSync(work, { recursive: true, force: true });
    }
  },
};
