#!/usr/bin/env node
// Runs the compiled tests with Node's test runner. Tiers: unit, integration, e2e (default: all).
// Usage: node scripts/run-tests.mjs [unit|integration|e2e ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.js')) files.push(p);
  }
}
for (const t of tiers) walk(join('dist', 'tests', t));
if (files.length === 0) {
  console.error(`no compiled tests found for: ${tiers.join(', ')} (run 'npm run build' first)`);
  process.exit(1);
}
// One file at a time: the end-to-end tests assert that nothing on the host (mounts, loop devices)
// changes while they build, which only holds when no other test (e.g. the lvm oracle) runs beside them.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
