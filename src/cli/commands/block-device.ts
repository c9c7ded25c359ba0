/**
 * `kiln block-device create --config FILE [--root DIR] --output IMAGE [--image-size SIZE]`: write a
 * disk image from a DIB block-device layout and a root tree, without loop devices, as root or as an
 * unprivileged user: with a subordinate id range, or without one in fakeroot mode (owners from
 * --fakeroot-db, else root's), the ownership database a copy in a temporary directory.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkFileTarget } from '../../build/path-checks.js';
import { KilnError } from '../../errors.js';
import { executeBlockDevice } from '../../block-device/execute.js';
import { planSummary } from '../../block-device/summary.js';
import { Runner } from '../../exec/runner.js';
import { checkEnvironment } from '../../sandbox/environment.js';
import { currentIdentity, withFakerootDb } from '../../sandbox/identity.js';
import { ConsoleLogger } from '../logging.js';
import { commandOptions } from '../yargs-options.js';
import { blockDeviceSettings, planFromArgs, type BlockDeviceArgs } from './plan-block-device.js';
import type { KilnCommand } from './types.js';

export const createCommand: KilnCommand = {
  command: 'create',
  describe: 'write the image: partition tables, LVM, filesystems made from the tree',
  builder: (y) => y.options(commandOptions('block-device create')),
  handler: async (args) => {
    const a = args as unknown as BlockDeviceArgs & { output: string; quiet?: boolean; debug?: boolean; 'fakeroot-db'?: string };
    const log = new ConsoleLogger({ quiet: a.quiet ?? false, debug: a.debug ?? false, timestamps: false });
    const output = resolve(a.output);
    const where = `--output ${a.output}`;
    const hint = 'give --output a file in an existing directory you can write to';
    const bad = await checkFileTarget({ path: output, where, hint });
    if (bad) throw bad;
    if (!existsSync(dirname(output))) throw new KilnError(`${dirname(output)} does not exist`, { where, hint });
    const user = currentIdentity();
    const settings = blockDeviceSettings(a);
    const given = a['fakeroot-db'];
    if (given !== undefined && !existsSync(given)) {
      throw new KilnError(`${given} does not exist`, { where: `--fakeroot-db ${given}`, hint: 'give the file fakeroot -s wrote' });
    }
    const env = a.root !== undefined ? checkEnvironment(user, settings.hostPath) : undefined;
    const scratch = env?.kind === 'fakeroot' || given !== undefined ? mkdtempSync(join(tmpdir(), 'kiln-fakeroot-')) : undefined;
    try {
      let identity = user;
      if (scratch) {
        // a copy: moving the tree's subtrees aside and back is recorded too, never in the user's file
        const db = join(scratch, 'fakeroot.db');
        if (given !== undefined) copyFileSync(given, db);
        identity = withFakerootDb(user, db);
      }
      const plan = await planFromArgs(a, log, identity);
      log.info(planSummary(plan));
      const epoch = settings.sourceDateEpoch;
      await executeBlockDevice({ runner: new Runner(log), identity, log }, plan, {
        imagePath: output,
        ...(a.root !== undefined ? { treeDir: resolve(a.root) } : {}),
        ...(epoch !== undefined ? { epoch } : {}),
      });
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
    process.stdout.write(`${output}\n`);
  },
};

export const command: KilnCommand = {
  command: 'block-device',
  describe: 'DIB block-device layouts without loop devices (`create`)',
  subcommands: [createCommand],
  builder: (y) => y.command(createCommand).demandCommand(1, 'name an action: create'),
  handler: () => {},
};
