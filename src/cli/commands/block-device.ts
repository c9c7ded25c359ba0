/**
 * `kiln block-device create --config FILE [--root DIR] --output IMAGE [--image-size SIZE]`: write a
 * disk image from a DIB block-device layout and a root tree, without loop devices, as root or as an
 * unprivileged user: with a subordinate id range, or without one in fakeroot mode (owners from
 * --fakeroot-db, else root's; tree-identity.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkFileTarget } from '../../build/path-checks.js';
import { KilnError } from '../../errors.js';
import { executeBlockDevice } from '../../block-device/execute.js';
import { planSummary } from '../../block-device/summary.js';
import { Runner } from '../../exec/runner.js';
import { ConsoleLogger } from '../logging.js';
import { commandOptions } from '../yargs-options.js';
import { blockDeviceSettings, planFromArgs, type BlockDeviceArgs } from './plan-block-device.js';
import { withTreeIdentity } from './tree-identity.js';
import type { KilnCommand } from './types.js';

export const createCommand: KilnCommand = {
  command: 'create',
  describe: 'write the image: partition tables, LVM, filesystems made from the tree',
  builder: (y) => y.options(commandOptions('block-device create')),
  handler: async (args) => {
    const a = args as unknown as BlockDeviceArgs & { output: string; quiet?: boolean; debug?: boolean; json?: boolean; 'fakeroot-db'?: string };
    // with --json the log lines stay on stderr and stdout holds the result alone
    const log = new ConsoleLogger({ quiet: a.quiet ?? false, debug: a.debug ?? false, timestamps: false });
    const output = resolve(a.output);
    const where = `--output ${a.output}`;
    const hint = 'give --output a file in an existing directory you can write to';
    const bad = await checkFileTarget({ path: output, where, hint });
    if (bad) throw bad;
    if (!existsSync(dirname(output))) throw new KilnError(`${dirname(output)} does not exist`, { where, hint });
    const settings = blockDeviceSettings(a);
    const result = await withTreeIdentity({ root: a.root, fakerootDb: a['fakeroot-db'], hostPath: settings.hostPath }, async (identity) => {
      const plan = await planFromArgs(a, log, identity);
      log.info(planSummary(plan));
      const epoch = settings.sourceDateEpoch;
      const made = await executeBlockDevice({ runner: new Runner(log), identity, log }, plan, {
        imagePath: output,
        ...(a.root !== undefined ? { treeDir: resolve(a.root) } : {}),
        ...(epoch !== undefined ? { epoch } : {}),
      });
      return { image: output, sizeBytes: plan.image.sizeBytes, filesystemUsedKiB: made.usedKiB, plan };
    });
    process.stdout.write(a.json ? `${JSON.stringify(result, null, 2)}\n` : `${output}\n`);
  },
};

export const command: KilnCommand = {
  command: 'block-device',
  describe: 'DIB block-device layouts without loop devices (`create`)',
  subcommands: [createCommand],
  builder: (y) => y.command(createCommand).demandCommand(1, 'name an action: create'),
  handler: () => {},
};
