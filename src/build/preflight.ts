/**
 * Before anything runs: every host tool the build needs, found at once; all missing ones are
 * reported in one error, each with why it is needed.
 */
import type { BuildConfig } from '../config/build-config.js';
import { KilnError } from '../errors.js';
import { findTool } from '../exec/tools.js';
import type { BuildPlan } from './plan.js';
import type { Step } from './steps.js';

export function requiredTools(config: BuildConfig, steps: Step[]): { tool: string; why: string }[] {
  const tools = [
    { tool: 'bash', why: 'runs hook phases' },
    { tool: 'unshare', why: 'sandboxes the in-target phases; gives every command a pid namespace that dies with Kiln (util-linux)' },
    { tool: 'setpriv', why: 'ties every command to Kiln\'s life (--pdeathsig; util-linux)' },
    { tool: 'chroot', why: 'enters the tree (coreutils)' },
  ];
  if ((process.getuid?.() ?? 0) !== 0) tools.push({ tool: 'newuidmap', why: 'maps subordinate ids for a rootless build (uidmap)' });
  for (const s of steps) tools.push(...(s.tools ?? []));
  void config;
  return tools;
}

export function preflight(config: BuildConfig, plan: BuildPlan, steps: Step[]): void {
  void plan;
  const missing = new Map<string, string[]>();
  for (const { tool, why } of requiredTools(config, steps)) {
    if (findTool(tool)) continue;
    missing.set(tool, [...(missing.get(tool) ?? []), why]);
  }
  if (missing.size > 0) {
    const lines = [...missing].map(([t, whys]) => `  ${t}: ${[...new Set(whys)].join('; ')}`).join('\n');
    throw new KilnError(`missing host tools:\n${lines}`, { hint: 'run scripts/setup, or install the packages that provide them' });
  }
}
