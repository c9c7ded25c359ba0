/**
 * disk-image-create and `kiln build`: parse argv with the DIB-compatible parser, build, render
 * progress, print the outputs and the timings. Interrupts (SIGINT, SIGTERM, SIGHUP: signals.ts)
 * stop every command, clean up, name the workspace and exit with 128 + the signal's number.
 */
import { checkFileTarget } from '../build/path-checks.js';
import { build, type BuildReporter } from '../build/pipeline.js';
import { loadPinRecord } from '../build/pin.js';
import { CleanupStack } from '../cleanup.js';
import { parseArgv } from '../config/argv.js';
import { createBuildConfig, type BuildConfig } from '../config/build-config.js';
import { formatHelp } from '../config/help.js';
import { InterruptedError, signalExitCode } from '../errors.js';
import { hostArch } from '../exec/host.js';
import { abortCommands } from '../exec/runner.js';
import { buildResult } from './build-result.js';
import { ConsoleLogger } from './logging.js';
import { BUILTIN_ELEMENTS, kilnVersion } from './paths.js';
import { formatTimings, ListrReporter, PlainReporter } from './progress.js';
import { jsonError } from './report.js';
import { handleInterrupts } from './signals.js';

export function parseBuildArgs(
  argv: string[],
  env: Record<string, string | undefined>,
  help: () => string = () => formatHelp(),
): { config?: BuildConfig; info?: string } {
  const args = parseArgv(argv);
  if (args.counts.get('help')) return { info: help() };
  if (args.counts.get('version')) return { info: kilnVersion() };
  const pinnedEpoch = (file: string) => loadPinRecord(file).epoch;
  return { config: createBuildConfig({ args, env, hostArch: hostArch(), builtinElements: BUILTIN_ELEMENTS, pinnedEpoch }) };
}

export async function runBuildCli(argv: string[], prog = 'disk-image-create'): Promise<number> {
  // kiln build also builds DIB build files (build-file-cli.ts): its synopsis says so
  const page = prog === 'kiln build' ? { synopsis: ['kiln build -f FILE.yaml [--jobs N] [--dry-run] [--json] (kiln build -f --help)'] } : {};
  const { config, info } = parseBuildArgs(argv, process.env, () => formatHelp(prog, page));
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
  let interrupted: NodeJS.Signals | undefined;
  let fallback: NodeJS.Timeout | undefined;
  const kept = () => (workspace ? `; the workspace is kept for debugging: ${workspace}` : '');
  const exitInterrupted = async (sig: NodeJS.Signals): Promise<number> => {
    await cleanup.run(); // joins the build's own cleanup when it is under way
    process.stderr.write(`disk-image-create: interrupted by ${sig}${kept()}\n`);
    // --json: stdout holds a document whatever happens (the error object of runMain)
    if (cfg.json) process.stdout.write(`${JSON.stringify(jsonError(new InterruptedError(sig, `interrupted by ${sig}${kept()}`)), null, 2)}\n`);
    return signalExitCode(sig);
  };
  const stopHandling = handleInterrupts('disk-image-create', (sig) => {
    interrupted = sig;
    process.stderr.write(`\ndisk-image-create: interrupted (${sig}); stopping the build and cleaning up\n`);
    // the running commands die and the build fails at its next command; a step between two
    // commands that takes too long to get there is not waited for
    void abortCommands(sig);
    fallback = setTimeout(() => void exitInterrupted(sig).then((code) => process.exit(code)), 15_000);
  });
  try {
    const report = await build(cfg, {
      log,
      reporter,
      cleanup,
      breaks: new Set(cfg.breaks),
      ...(cfg.breakCmd ? { breakCmd: cfg.breakCmd } : {}),
      breakOutsideTarget: cfg.breakOutsideTarget,
      onWorkspace: (p) => {
        workspace = p;
      },
    });
    await listr?.finished();
    if (cfg.json) {
      // stdout holds the JSON document only (no "wrote" lines, no DIB's last line)
      process.stdout.write(`${JSON.stringify(await buildResult(cfg, report), null, 2)}\n`);
      process.stderr.write(`${formatTimings(report)}\n`);
      return 0;
    }
    // a signal that came as the build finished: its outputs are whole, so it is a success
    process.stdout.write(`${report.outputs.map((o) => `wrote ${o}`).join('\n')}${report.outputs.length ? '\n' : ''}`);
    process.stderr.write(`${formatTimings(report)}\n`);
    // DIB's last line, on stdout: wrapper scripts wait for it
    process.stdout.write('Build completed successfully\n');
    return 0;
  } catch (e) {
    listr?.failAll(e as Error);
    await listr?.finished();
    if (interrupted) return await exitInterrupted(interrupted);
    if (workspace) process.stderr.write(`disk-image-create: the workspace is kept for debugging: ${workspace}\n`);
    throw e;
  } finally {
    clearTimeout(fallback);
    stopHandling();
  }
}
