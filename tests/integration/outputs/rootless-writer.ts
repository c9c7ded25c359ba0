// Helper for rootless.test.ts: run writeOutputs as the calling (unprivileged) user.
// argv[2]: JSON {outDir, tree, types, dockerTarget}. Prints the result as JSON.
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { writeOutputs } from '../../../src/outputs/write.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';

const a = JSON.parse(process.argv[2] ?? '{}') as { outDir: string; tree: string; types: string[]; dockerTarget?: string };
const r = await writeOutputs(
  {
    imageName: 'img',
    outDir: a.outDir,
    tree: a.tree,
    arch: 'amd64',
    epoch: 1_700_000_000,
    compress: true,
    checksums: ['sha256'],
    runner: new Runner(silentLogger),
    log: silentLogger,
    identity: currentIdentity(),
    ...(a.dockerTarget ? { dockerTarget: a.dockerTarget } : {}),
  },
  a.types,
);
process.stdout.write(JSON.stringify(r));
