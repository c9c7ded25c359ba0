/**
 * The environment as the hooks see it: the build's environment after sourcing every environment.d
 * file, as kiln-run-parts does before each phase. Host-side stages that must agree with the hooks
 * (package-installs `when:` conditions, pkg-map's DISTRO_NAME and DIB_RELEASE) read it from here.
 */
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import type { HookPlan } from '../phases/plan.js';
import { runAsTreeRoot } from '../sandbox/sandbox.js';

export async function sourcedEnvironment(ctx: BuildContext, plan: HookPlan, env: Record<string, string>): Promise<Record<string, string>> {
  const files = plan.environment.map((e) => join(ctx.ws.hooks, e.relPath));
  const script = 'for f in "$@"; do . "$f" || exit 1; done; env -0';
  const r = await runAsTreeRoot(ctx, ['bash', '-c', script, 'environment.d', ...files], {
    env, extendEnv: false, binary: true, context: 'sourcing environment.d',
  });
  const out: Record<string, string> = {};
  for (const entry of (r.stdoutBuffer ?? Buffer.alloc(0)).toString('utf8').split('\0')) {
    const i = entry.indexOf('=');
    if (i > 0) out[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return out;
}
