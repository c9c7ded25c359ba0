/**
 * Running one phase: the planned scripts, in order, on the host or in the tree's sandbox, with
 * environment.d sourced first (libexec/kiln-run-parts), progress per script, DIB's break points,
 * and a failing script reported with its element and the tail of its output.
 */
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { CommandError, Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import type { Identity } from '../sandbox/identity.js';
import { unmountUnder } from '../sandbox/mounts.js';
import { runAsTreeRoot, runInTree, TARGET_PATH, treeShell } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import { phase as phaseInfo, type PhaseName } from './phases.js';
import type { HookPlan } from './plan.js';

export interface PhaseEvents {
  scriptStart?(phase: PhaseName, script: string, element: string): void;
  scriptEnd?(phase: PhaseName, script: string, element: string, ok: boolean, ms: number): void;
}

export interface PhaseContext {
  log: Logger;
  identity: Identity;
  hooksDir: string;
  treeDir: string;
  /** the build's workspace: what host hooks mount under it is unmounted (phases.ts unmountAfter) */
  workspace: string;
  plan: HookPlan;
  /** environment every hook gets (DIB_*, IMAGE_ELEMENT, TMP_MOUNT_PATH, ...) */
  env: Record<string, string>;
  /** DIB's `break`: before-PHASE, after-PHASE, after-error */
  breaks: Set<string>;
  breakCmd?: string;
  breakOutsideTarget: boolean;
  events?: PhaseEvents;
  /** in-target hooks only: prepended to their PATH (Kiln's wrappers, e.g. /tmp/in_target.d/kiln-bin:) */
  targetPathPrefix?: string;
  /** in-target hooks only: more environment (Kiln's initramfs cache) */
  targetEnv?: Record<string, string>;
}

export interface PhaseResult {
  phase: PhaseName;
  scripts: { name: string; element: string; ms: number }[];
  ms: number;
}

export async function executePhase(ctx: PhaseContext, name: PhaseName): Promise<PhaseResult> {
  const info = phaseInfo(name);
  const scripts = ctx.plan.phases[name];
  const started = Date.now();
  const result: PhaseResult = { phase: name, scripts: [], ms: 0 };
  if (ctx.breaks.has(`before-${info.breakName}`)) await breakShell(ctx, name);
  if (scripts.length > 0) {
    const tail: string[] = [];
    const runner = new Runner(tailLogger(ctx.log, tail));
    // scripts are passed to kiln-run-parts relative to the phase directory: an install-types script
    // stays in its install.d/<prefix>-<type>-install/ subdirectory of the merged hooks
    const inPhase = (s: (typeof scripts)[number]) => s.relPath.slice(name.length + 1);
    const byName = new Map(scripts.map((s) => [inPhase(s), s]));
    let current: { name: string; t: number } | undefined;
    let lastFailed: string | undefined;
    const onFd3Line = (line: string) => {
      const [what, script, rc] = line.split(' ');
      const s = byName.get(script ?? '');
      if (!s) return;
      if (what === 'start') {
        current = { name: inPhase(s), t: Date.now() };
        // the tail is not reset here: fd 3 and the scripts' stdout/stderr are separate pipes, read in
        // no fixed order, so a script's first lines can arrive before its start line (on a TTY the
        // failing script's output was lost that way). The phase stops at the first failure, so the
        // tail ends with the failing script's output.
        ctx.log.debug(`${name}: running ${s.element}/${s.relPath}`);
        ctx.events?.scriptStart?.(name, s.name, s.element);
      } else if (what === 'end' && current) {
        const ms = Date.now() - current.t;
        result.scripts.push({ name: s.name, element: s.element, ms });
        if (rc !== '0') lastFailed = inPhase(s);
        ctx.events?.scriptEnd?.(name, s.name, s.element, rc === '0', ms);
        current = undefined;
      }
    };
    const names = scripts.map(inPhase);
    const env = { ...ctx.env, KILN_ENV_FILES: ctx.plan.environment.map((e) => e.name).join(' ') };
    try {
      if (info.where === 'target') {
        const shell = treeShell(ctx.treeDir);
        const targetEnv: Record<string, string> = {
          ...env,
          ...ctx.targetEnv,
          PATH: `${ctx.targetPathPrefix ?? ''}${ctx.env.PATH ?? ''}:${TARGET_PATH}`,
          HOME: '/root',
        };
        delete targetEnv.TMPDIR;
        delete targetEnv.VIRTUAL_ENV;
        await runInTree(
          { runner, identity: ctx.identity },
          ctx.treeDir,
          ctx.hooksDir,
          [shell, '/tmp/in_target.d/kiln-run-parts', '/tmp/in_target.d', name, ...names],
          { env: targetEnv, extendEnv: false, stream: true, onFd3Line, context: `phase ${name}` },
        );
      } else {
        await runAsTreeRoot({ runner, identity: ctx.identity }, ['bash', join(ctx.hooksDir, 'kiln-run-parts'), ctx.hooksDir, name, ...names], {
          env: { ...env, TARGET_ROOT: ctx.treeDir },
          extendEnv: false,
          stream: true,
          onFd3Line,
          context: `phase ${name}`,
        });
      }
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      const failedName = lastFailed ?? current?.name;
      const failed = failedName ? byName.get(failedName) : undefined;
      if (ctx.breaks.has('after-error')) await breakShell(ctx, name).catch(() => undefined);
      const output = tail
        .join('')
        .split('\n')
        .filter((l) => l.trim())
        .slice(-12)
        .map((l) => `    ${l}`)
        .join('\n');
      if (failed) {
        throw new KilnError(
          `${name}/${failed.name} of element '${failed.element}' failed with exit code ${e.commandExitCode}${output ? `; its last output:\n${output}` : ''}`,
          {
            where: failed.source,
            hint: /is not in this tree$/m.test(output)
              ? `the image's tree lacks the script's interpreter: element '${failed.element}' needs an operating-system element that has it (e.g. debian-minimal rather than busybox-minimal)`
              : 'fix the script, or run again with -x to trace it and break=after-error to get a shell there',
            cause: e,
          },
        );
      }
      throw new KilnError(`phase ${name} failed before its first script (environment.d?): exit code ${e.commandExitCode}${output ? `\n${output}` : ''}`, {
        hint: "check the environment.d files of the build's elements",
        cause: e,
      });
    } finally {
      if (info.where === 'target') tidyMountPoint(ctx.treeDir);
    }
  }
  if (ctx.breaks.has(`after-${info.breakName}`)) await breakShell(ctx, name);
  if (info.unmountAfter) await unmountHookMounts(ctx, name);
  result.ms = Date.now() - started;
  return result;
}

/** Host hooks share the host's mount table: unmount what they left under the workspace. */
async function unmountHookMounts(ctx: PhaseContext, name: PhaseName): Promise<void> {
  try {
    const done = await unmountUnder({ runner: new Runner(ctx.log), log: ctx.log }, ctx.workspace);
    if (done.length > 0) ctx.log.info(`${name}: unmounted what host hooks mounted in the workspace: ${done.join(', ')}`);
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    throw new KilnError(`after ${name}: ${e.message}`, { ...(e.hint ? { hint: e.hint } : {}), cause: e });
  }
}

/** Remove the (empty) directory the hooks were mounted on; resolved in the tree as the sandbox did. */
function tidyMountPoint(treeDir: string): void {
  const tree = new Tree(treeDir);
  try {
    if (tree.isDirectory('/tmp/in_target.d')) tree.remove(tree.resolve('/tmp/in_target.d').resolved);
  } catch {
    /* not empty: a hook wrote there; leave it */
  }
}

function tailLogger(log: Logger, tail: string[]): Logger {
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => log.error(m),
    output: (chunk) => {
      tail.push(chunk);
      if (tail.length > 200) tail.splice(0, tail.length - 200);
      log.output(chunk);
    },
  };
}

/** DIB's break=: an interactive shell (break_cmd) in the tree, or on the host with break_outside_target. */
async function breakShell(ctx: PhaseContext, name: PhaseName): Promise<void> {
  const info = phaseInfo(name);
  const cmd = ctx.breakCmd ?? 'bash';
  ctx.log.warn(`break in ${name}: running '${cmd}'; exit the shell to continue`);
  const runner = new Runner(ctx.log);
  if (info.where === 'target' && !ctx.breakOutsideTarget) {
    await runInTree({ runner, identity: ctx.identity }, ctx.treeDir, ctx.hooksDir, ['/bin/sh', '-c', cmd], {
      env: { ...ctx.env, PATH: TARGET_PATH, HOME: '/root' },
      interactive: true,
      okExitCodes: [1, 2, 127, 130],
    });
  } else {
    await runAsTreeRoot({ runner, identity: ctx.identity }, ['sh', '-c', cmd], {
      env: { ...ctx.env, TARGET_ROOT: ctx.treeDir },
      interactive: true,
      okExitCodes: [1, 2, 127, 130],
    });
  }
}
