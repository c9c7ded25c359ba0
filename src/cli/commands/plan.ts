/**
 * `kiln plan [build options] ELEMENT...`: print the resolved elements and the hook plan as JSON,
 * without building. `kiln plan block-device ...` prints a block-device plan.
 */
import { formatBuildPlan, planBuild } from '../../build/plan.js';
import { formatHookPlan } from '../../phases/plan.js';
import { parseBuildArgs } from '../build-command.js';
import type { KilnCommand } from './types.js';
import { planBlockDeviceCommand } from './plan-block-device.js';

export function planJson(args: string[]): unknown {
  const { config, info } = parseBuildArgs(args, process.env);
  if (!config) return { info };
  const plan = planBuild(config);
  return formatBuildPlan(plan, formatHookPlan(plan.hooks));
}

const subcommands: KilnCommand[] = [planBlockDeviceCommand];
export function addPlanSubcommand(c: KilnCommand): void {
  subcommands.push(c);
}

export const command: KilnCommand = {
  command: 'plan',
  describe: 'print what a build would do, as JSON: `kiln plan [disk-image-create options] ELEMENT...`',
  subcommands,
  builder: (y) => {
    for (const c of subcommands) y.command(c);
    return y.strict(false).parserConfiguration({ 'unknown-options-as-args': true });
  },
  handler: () => {
    const i = process.argv.indexOf('plan');
    process.stdout.write(`${JSON.stringify(planJson(process.argv.slice(i + 1)), null, 2)}\n`);
  },
};
