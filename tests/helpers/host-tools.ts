/** findTool for the tests: the library takes PATH as an argument; here it is the test's own. */
import { findTool as find } from '../../src/exec/tools.js';

export function findTool(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  return find(name, pathEnv);
}
