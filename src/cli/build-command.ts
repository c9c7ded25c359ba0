/**
 * disk-image-create and `kiln build`: parse argv with the DIB-compatible parser, build, render
 * progress, print the outputs and the timings. Interrupts clean up and name the workspace.
 */
import { checkFileTarget } from '../build/path-checks.js';
import { build, type BuildReporter } from '../build/pipeline.js';
import { CleanupStack } from '../cleanup.js';
import { parseArgv } from '../config/argv.js';
import { createBuildConfig, type BuildConfig } from '../config/build-config.js';
import { formatHelp } from '../config/help.js';
import { hostArch } from '../exec/host.js';
import { ConsoleLogger } from './logging.js';
import { BUILTIN_ELEMENTS, kilnVersion } from './paths.js';
import { formatTimings, ListrReporter, PlainReporter } from './progress.js';

export function parseBuildArgs(argv: string[], env: Record<string, string | undefined>): { config?: BuildConfig; info?: string } {
  const args = parseArgv(argv);
  if (args.counts.get('help')) return { info: formatHelp() };
  if (args.counts.get('version')) return { info: kilnVersion() };
  return { config: createBuildConfig({ args, env, hostArch: hostArch(), builtinElements: BUILTIN_ELEMENTS }) };
}

export async function runBuildCli(argv: string[]): Promise<number> {
  const { config, info } = parseBuildArgs(argv, process.env);
  if (info !== undefined) {
    process.stdout.write(`${info}\n`);
    return 0;
  }
  const cfg = config!;
  const tty = !!process.stderr.isTTY && !cfg.ci && !cfg.debug && cfg.debugTrace === 0;
  const quiet = tty || (cfg.quiet ?? !!cfg.logfile);
  if (cfg.logfile) {
    // before the logger creates it: a path under /proc would hang a synchronous mkdir for ever
    const bad = await checkFileTarget({ path: cfg.logfile, where: `--logfile ${cfg.logfile}`, hint: 'give --logfile a file in a writable directory' });
    if (bad) throw bad;
  }
  const log = new ConsoleLogger({ quiet, debug: cfg.debug, timestamps: !cfg.noTimestamp && !tty, ...(cfg.logfile ? { logfile: cfg.logfile } : {}) });
  const listr = tty ? new ListrReporter() : undefined;
  const reporter: BuildReporter = listr ?? new PlainReporter((l) => log.info(l));
  const cleanup = new CleanupStack(log);
  let workspace = '';
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\ndisk-image-create: interrupted (${sig}); cleaning up\n`);
    void cleanup.run().finally(() => {
      if (workspace) process.stderr.write(`disk-image-create: the workspace is kept for debugging: ${workspace}\n`);
      process.exit(130);
    });
  };
  // `on`, not `once`: execa's signal-exit re-raises the signal when no other listener is left
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await build(cfg, {
      log, reporter, cleanup, breaks: new Set(cfg.breaks),
      ...(cfg.breakCmd ? { breakCmd: cfg.breakCmd } : {}),
      breakOutsideTarget: cfg.breakOutsideTarget,
      onWorkspace: (p) => { workspace = p; },
    });
    await listr?.finished();
    process.stdout.write(`${report.outputs.map((o) => `wrote ${o}`).join('\n')}${report.outputs.length ? '\n' : ''}`);
    process.stderr.write(`${formatTimings(report)}\n`);
    return 0;
  } catch (e) {
    listr?.failAll(e as Error);
    await listr?.finished();
    if (workspace) process.stderr.write(`disk-image-create: the workspace is kept for debugging: ${workspace}\n`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
