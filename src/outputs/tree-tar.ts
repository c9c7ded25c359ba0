/**
 * A tar of the root tree with GNU tar, run as root of the tree (so the tree's owners, as the user
 * namespace sees them, are what is stored). Chosen for fidelity and reproducibility:
 *  - --numeric-owner: owners by number; the host's passwd is not the image's;
 *  - --xattrs --xattrs-include='*' --acls: capabilities, SELinux labels, POSIX ACLs (pax records);
 *  - --sort=name, --mtime=@EPOCH --clamp-mtime, pax exthdr.name without %p (GNU tar before 1.32
 *    put the PID in every extended header name) and no atime/ctime records: same tree, same bytes;
 *  - ./proc/* and ./sys/* contents excluded (the directories themselves are kept), as DIB;
 *  - no --dereference: the tree's symlinks are stored as symlinks, never followed out of the tree.
 */
import { asTreeRoot } from '../sandbox/identity.js';
import type { OutputRequest } from './types.js';

export function treeTarArgs(req: Pick<OutputRequest, 'tree' | 'epoch'>, outFile: string): string[] {
  return [
    '--create',
    '--file',
    outFile,
    '--directory',
    req.tree,
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--sort=name',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '--acls',
    `--mtime=@${req.epoch}`,
    '--clamp-mtime',
    '--anchored',
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '.',
  ];
}

export async function writeTreeTar(req: OutputRequest, outFile: string, context: string): Promise<void> {
  const argv = [...asTreeRoot(req.identity), 'tar', ...treeTarArgs(req, outFile)];
  await req.runner.run(argv[0]!, argv.slice(1), { context });
}

export function treeTarTools(req: OutputRequest): { tool: string; why: string }[] {
  const t = [{ tool: 'tar', why: 'GNU tar of the root tree (xattrs, ACLs, numeric owners)' }];
  if (!req.identity.privileged) t.push({ tool: 'unshare', why: 'read the tree as its root in a user namespace' });
  return t;
}
