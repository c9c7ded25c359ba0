/** Running mkfs tools, as root of the tree when they read a source directory (owners come out right). */
import { asTreeRoot } from '../../sandbox/identity.js';
import type { RunOptions, RunResult } from '../../exec/runner.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export function runTool(ctx: MkfsContext, asRoot: boolean, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const prefix = asRoot ? asTreeRoot(ctx.identity) : [];
  const [c, ...rest] = [...prefix, cmd, ...args];
  return ctx.runner.run(c!, rest, opts);
}

export function where(req: MkfsRequest): string {
  return `${req.type} filesystem at byte ${req.offsetBytes} of ${req.image}`;
}
