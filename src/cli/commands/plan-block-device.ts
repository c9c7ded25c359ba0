/**
 * `kiln plan block-device --config FILE [--image-size SIZE] [--root DIR] [--json]`: validate a DIB
 * block-device layout and print its plan (a summary, or the BlockDevicePlan JSON). With --root and
 * no size, the tree is measured as disk-image-create does. Writes nothing.
 */
import { readFileSync } from 'node:fs';
import { KilnError } from '../../errors.js';
import { Runner } from '../../exec/runner.js';
import { silentLogger, type Logger } from '../../log.js';
import { currentIdentity } from '../../sandbox/identity.js';
import { measureTree } from '../../block-device/mount/tree.js';
import { parseImageSizeArg, planOptionsFromEnv } from '../../block-device/env-options.js';
import { planBlockDevice } from '../../block-device/plan.js';
import type { BlockDevicePlan } from '../../block-device/common/plan-types.js';
import { planSummary } from '../../block-device/summary.js';
import type { KilnCommand } from './types.js';

export interface BlockDeviceArgs {
  config: string;
  'image-size'?: string;
  root?: string;
}

/** Shared by `kiln plan block-device` and `kiln block-device create`. */
export async function planFromArgs(args: BlockDeviceArgs, log: Logger = silentLogger): Promise<BlockDevicePlan> {
  let text: string;
  try {
    text = readFileSync(args.config, 'utf8');
  } catch (err) {
    throw new KilnError(`cannot read ${args.config}: ${(err as Error).message}`, { hint: 'give --config a block-device YAML file' });
  }
  const opts = planOptionsFromEnv(process.env);
  if (args['image-size'] !== undefined) opts.imageSizeBytes = parseImageSizeArg(args['image-size']);
  if (args.root !== undefined) opts.requireRoot = true;
  if (args.root !== undefined && opts.imageSizeBytes === undefined) {
    const usedKiB = await measureTree({ runner: new Runner(log), identity: currentIdentity(), log }, args.root);
    opts.tree = { usedKiB };
  }
  return planBlockDevice({ text, file: args.config }, opts);
}

export const planBlockDeviceCommand: KilnCommand = {
  command: 'block-device',
  describe: 'validate a block-device layout and print its plan (nothing is written)',
  builder: (y) => y
    .option('config', { type: 'string', demandOption: true, describe: 'DIB block-device YAML (tree or graph form)' })
    .option('image-size', { type: 'string', describe: "image size: GiB as a bare number (as --image-size), or a DIB size like '3GiB'" })
    .option('root', { type: 'string', describe: 'root tree to measure when no size is given' })
    .option('json', { type: 'boolean', describe: 'print the BlockDevicePlan as JSON' }),
  handler: async (args) => {
    const a = args as unknown as BlockDeviceArgs & { json?: boolean };
    const plan = await planFromArgs(a);
    process.stdout.write(a.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planSummary(plan)}\n`);
  },
};
