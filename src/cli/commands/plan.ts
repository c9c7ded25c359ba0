/**
 * `kiln plan [build options] ELEMENT...`: print the resolved elements and the hook plan as JSON,
 * without building. `kiln plan block-device ...` prints a block-device plan.
 */
import { formatBuildPlan, planBuild } from '../../build/plan.js';
import { formatHookPlan } from '../../phases/plan.js';
import { formatHelp } from '../../config/help.js';
import { parseBuildArgs } from '../build-command.js';
import type { KilnCommand } from './types.js';
import { planBlockDeviceCommand } from './plan-block-device.js';

export const PLAN_HELP = {
  summary: 'print what a build would do, as JSON, without building',
  description:
    'Takes the options and ELEMENTs of disk-image-create and prints the resolved elements, the hook plan ' +
    '(which scripts run in each phase, in order) and the build settings as JSON; nothing is written. ' +
    '`kiln plan block-device` validates a block-device layout and prints its plan.',
  synopsis: ['kiln plan block-device --config FILE [OPTIONS]'],
};

/** The plan as JSON, or undefined when argv asked for help or the version (printed as text). */
export function planJson(args: string[]): { json?: unknown; text?: string } {
  const { config, info } = parseBuildArgs(args, process.env, () => formatHelp('kiln plan', PLAN_HELP));
  if (!config) return { text: info ?? '' };
  const plan = planBuild(config);
  return { json: formatBuildPlan(plan, formatHookPlan(plan.hooks)) };
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
    // -h/--help is the build's option (formatHelp for kiln plan), not yargs' short list
    return y.strict(false).help(false).parserConfiguration({ 'unknown-options-as-args': true });
  },
  handler: () => {
    const i = process.argv.indexOf('plan');
    const { json, text } = planJson(process.argv.slice(i + 1));
    process.stdout.write(json !== undefined ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  },
};
