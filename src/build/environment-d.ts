/**
 * The environment as the hooks see it: the build's environment after sourcing every environment.d
 * file, as kiln-run-parts does before each phase. Host-side stages that must agree with the hooks
 * (package-installs `when:` conditions, pkg-map's DISTRO_NAME and DIB_RELEASE, the disk layout,
 * grub.cfg) read their settings from it with hookViewSettings().
 */
import { join } from 'node:path';
import type { BuildConfig } from '../config/build-config.js';
import { readSettings, recordEnvOrigins, type SettingValues } from '../config/read-settings.js';
import type { HookPlan } from '../phases/plan.js';
import { runAsTreeRoot, type SandboxContext } from '../sandbox/sandbox.js';
import type { Workspace } from './workspace.js';

/** The hooks' view of a build's environment. */
export async function hooksView(
  b: SandboxContext & { ws: Workspace; plan: { hooks: HookPlan }; env: Record<string, string> },
): Promise<Record<string, string>> {
  return sourcedEnvironment(b, b.plan.hooks, b.env);
}

// between the environment dumps: not a NAME=value entry, so it cannot be one
const MARK = 'kiln-environment.d-file';

export async function sourcedEnvironment(
  ctx: SandboxContext & { ws: Workspace },
  plan: HookPlan,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  const files = plan.environment.map((e) => join(ctx.ws.hooks, e.relPath));
  // the environment before the first file and after each one, so an error can name the file that set a variable
  const script = `env -0; for f in "$@"; do . "$f" || exit 1; printf '${MARK}\\0'; env -0; done`;
  const r = await runAsTreeRoot(ctx, ['bash', '-c', script, 'environment.d', ...files], {
    env,
    extendEnv: false,
    binary: true,
    context: 'sourcing environment.d',
  });
  const dumps: Record<string, string>[] = [{}];
  for (const entry of (r.stdoutBuffer ?? Buffer.alloc(0)).toString('utf8').split('\0')) {
    if (entry === MARK) {
      dumps.push({});
      continue;
    }
    const i = entry.indexOf('=');
    if (i > 0) dumps.at(-1)![entry.slice(0, i)] = entry.slice(i + 1);
  }
  const out = dumps.at(-1)!;
  recordEnvOrigins(
    out,
    originsOf(
      dumps,
      plan.environment.map((e) => e.source),
    ),
  );
  return out;
}

/** Which file last changed each variable: dumps[i + 1] is the environment after files[i]. */
export function originsOf(dumps: Record<string, string>[], files: string[]): Map<string, string> {
  const origins = new Map<string, string>();
  for (let i = 0; i < files.length && i + 1 < dumps.length; i++) {
    const before = dumps[i]!;
    for (const [k, v] of Object.entries(dumps[i + 1]!)) if (before[k] !== v) origins.set(k, files[i]!);
  }
  return origins;
}

/** The settings of the host stages: from `env` (the hooks' view, or the build's before any hook ran); flags win. */
export function hookViewSettings(config: BuildConfig, env: Record<string, string>): SettingValues<'environment.d'> {
  return readSettings(env, config.flags, 'environment.d', { hostArch: config.arch });
}
