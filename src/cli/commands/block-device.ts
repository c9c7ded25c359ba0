/**
 * `kiln block-device create --config FILE [--root DIR] --output IMAGE [--image-size SIZE]`: write a
 * disk image from a DIB block-device layout and a root tree, without loop devices, as root or as an
 * unprivileged user (with a subordinate id range).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkFileTarget } from '../../build/path-checks.js';
import { KilnError } from '../../errors.js';
import { executeBlockDevice } from '../../block-device/execute.js';
import { planSummary } from '../../block-device/summary.js';
import { Runner } from '../../exec/runner.js';
import { checkRootless, currentIdentity } from '../../sandbox/identity.js';
import { ConsoleLogger } from '../logging.js';
import { planFromArgs, type BlockDeviceArgs } from './plan-block-device.js';
import type { KilnCommand } from './types.js';

const create: KilnCommand = {
  command: 'create',
  describe: 'write the image: partition tables, LVM, filesystems made from the tree',
  builder: (y) => y
    .option('config', { type: 'string', demandOption: true, describe: 'DIB block-device YAML (tree or graph form)' })
    .option('root', { type: 'string', describe: 'root tree to put into the filesystems (absent: empty filesystems)' })
    .option('output', { type: 'string', demandOption: true, describe: 'image file to write' })
    .option('image-size', { type: 'string', describe: "image size: GiB as a bare number, or a DIB size like '3GiB'" })
    .option('quiet', { type: 'boolean', describe: 'only warnings and errors' }),
  handler: async (args) => {
    const a = args as unknown as BlockDeviceArgs & { output: string; quiet?: boolean; debug?: boolean };
    const log = new ConsoleLogger({ quiet: a.quiet ?? false, debug: a.debug ?? false, timestamps: false });
    const output = resolve(a.output);
    const where = `--output ${a.output}`;
    const hint = 'give --output a file in an existing directory you can write to';
    const bad = await checkFileTarget({ path: output, where, hint });
    if (bad) throw bad;
    if (!existsSync(dirname(output))) throw new KilnError(`${dirname(output)} does not exist`, { where, hint });
    const identity = currentIdentity();
    if (a.root !== undefined) checkRootless(identity);
    const plan = await planFromArgs(a, log);
    log.info(planSummary(plan));
    const epoch = process.env['SOURCE_DATE_EPOCH'] ? Number(process.env['SOURCE_DATE_EPOCH']) : undefined;
    await executeBlockDevice({ runner: new Runner(log), identity, log }, plan, {
      imagePath: output, ...(a.root !== undefined ? { treeDir: resolve(a.root) } : {}), ...(epoch !== undefined ? { epoch } : {}),
    });
    process.stdout.write(`${output}\n`);
  },
};

export const command: KilnCommand = {
  command: 'block-device',
  describe: 'DIB block-device layouts without loop devices (`create`)',
  builder: (y) => y.command(create).demandCommand(1, 'name an action: create'),
  handler: () => {},
};
