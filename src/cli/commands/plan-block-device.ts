/**
 * `kiln plan block-device --config FILE [--image-size SIZE] [--root DIR] [--json]`: validate a DIB
 * block-device layout and print its plan (a summary, or the BlockDevicePlan JSON). With --root and
 * no size, the tree is measured as disk-image-create does. Writes nothing.
 */
import { readFileSync } from 'node:fs';
import { KilnError } from '../../errors.js';
import { Runner } from '../../exec/runner.js';
import { silentLogger, type Logger } from '../../log.js';
import { currentIdentity, type Identity } from '../../sandbox/identity.js';
import { measureTree } from '../../block-device/mount/tree.js';
import { planOptionsFromSettings } from '../../block-device/env-options.js';
import { planBlockDevice } from '../../block-device/plan.js';
import type { BlockDevicePlan } from '../../block-device/common/plan-types.js';
import { planSummary } from '../../block-device/summary.js';
import { flagValues, readSettings } from '../../config/read-settings.js';
import { commandOptions } from '../yargs-options.js';
import { withTreeIdentity } from './tree-identity.js';
import type { KilnCommand } from './types.js';

export interface BlockDeviceArgs {
  config: string;
  'image-size'?: string;
  root?: string;
}

/** Shared by `kiln plan block-device` and `kiln block-device create`. */
export async function planFromArgs(args: BlockDeviceArgs, log: Logger = silentLogger, identity: Identity = currentIdentity()): Promise<BlockDevicePlan> {
  let text: string;
  try {
    text = readFileSync(args.config, 'utf8');
  } catch (err) {
    throw new KilnError(`cannot read ${args.config}: ${(err as Error).message}`, { hint: 'give --config a block-device YAML file' });
  }
  const opts = planOptionsFromSettings(blockDeviceSettings(args));
  if (args.root !== undefined) opts.requireRoot = true;
  if (args.root !== undefined && opts.imageSizeBytes === undefined) {
    const usedKiB = await measureTree({ runner: new Runner(log), identity, log }, args.root);
    opts.tree = { usedKiB };
  }
  return planBlockDevice({ text, file: args.config }, opts);
}

/** The block-device settings of these commands: --image-size, else DIB_IMAGE_SIZE, and the other DIB_* variables. */
export function blockDeviceSettings(args: BlockDeviceArgs) {
  return readSettings(process.env, flagValues({ imageSize: args['image-size'] }), 'block-device');
}

export const planBlockDeviceCommand: KilnCommand = {
  command: 'block-device',
  describe: 'validate a block-device layout and print its plan (nothing is written)',
  builder: (y) => y.options(commandOptions('plan block-device')).help(),
  handler: async (args) => {
    const a = args as unknown as BlockDeviceArgs & { json?: boolean };
    const plan = await withTreeIdentity({ root: a.root, hostPath: blockDeviceSettings(a).hostPath }, (identity) => planFromArgs(a, silentLogger, identity));
    process.stdout.write(a.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planSummary(plan)}\n`);
  },
};
