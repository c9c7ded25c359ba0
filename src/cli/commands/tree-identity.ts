/**
 * Who `kiln block-device create` and `kiln plan block-device` read a --root tree as. Without
 * subordinate ids (fakeroot mode), or with --fakeroot-db, that is fakeroot with a database in a
 * temporary directory of its own: a copy of the given one (moving the tree's subtrees aside and back
 * is recorded too, never in the user's file) or an empty one. The directory is removed afterwards.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../../errors.js';
import { checkEnvironment } from '../../sandbox/environment.js';
import { currentIdentity, type Identity, withFakerootDb } from '../../sandbox/identity.js';

export async function withTreeIdentity<T>(
  opts: { root?: string | undefined; fakerootDb?: string | undefined; hostPath: string },
  fn: (identity: Identity) => Promise<T>,
): Promise<T> {
  const user = currentIdentity();
  const given = opts.fakerootDb;
  if (given !== undefined && !existsSync(given)) {
    throw new KilnError(`${given} does not exist`, { where: `--fakeroot-db ${given}`, hint: 'give the file that fakeroot -s wrote' });
  }
  const env = opts.root !== undefined ? checkEnvironment(user, opts.hostPath) : undefined;
  if (env?.kind !== 'fakeroot' && given === undefined) return fn(user);
  const scratch = mkdtempSync(join(tmpdir(), 'kiln-fakeroot-'));
  try {
    const db = join(scratch, 'fakeroot.db');
    if (given !== undefined) copyFileSync(given, db);
    return await fn(withFakerootDb(user, db));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
