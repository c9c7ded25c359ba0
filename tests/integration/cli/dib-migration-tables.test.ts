// docs/dib-migration.md's tables of DIB's commands, disk-image-create options and core variables are
// complete against DIB's own sources (the test oracle), and every row that says Kiln has it ("same" or
// "different") names something Kiln really reads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SETTINGS } from '../../../src/config/settings.js';
import { REPO, runCli } from '../../helpers/cli.js';
import { DIB_ORACLE_PREFIX, DIB_PY, dibOracleSkip } from '../../helpers/dib-oracle.js';

const DOC = readFileSync(join(REPO, 'docs/dib-migration.md'), 'utf8');

/** the rows of the table under a `### title` heading: first cell's `code` names -> status */
function table(title: string): Map<string, string> {
  const start = DOC.indexOf(`### ${title}\n`);
  assert.ok(start >= 0, `no section ${title}`);
  const rows = new Map<string, string>();
  for (const line of DOC.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const cells = line.split(' | ');
    if (!line.startsWith('| `') || cells.length < 2) continue;
    const status = cells[1]!.trim();
    assert.match(status, /^(same|different|missing)$/, `status of ${line}`);
    for (const m of cells[0]!.matchAll(/`([^`]+)`/g)) rows.set(m[1]!.split(' ')[0]!, status);
  }
  return rows;
}

describe('the DIB migration tables', { skip: dibOracleSkip() }, () => {
  const lib = join(DIB_PY, 'lib');

  it("list every option of DIB's disk-image-create; Kiln's --help has every one it claims", () => {
    const script = readFileSync(join(lib, 'disk-image-create'), 'utf8');
    const loop = script.slice(script.indexOf('eval set -- "$TEMP"'), script.indexOf('--) shift ; break ;;'));
    const dib = [...loop.matchAll(/^\s+((?:-[a-z]|--[a-z-]+)(?:\|(?:-[a-z]|--[a-z-]+))*)\)/gm)].flatMap((m) => m[1]!.split('|'));
    assert.ok(dib.length >= 25, `parsed ${dib.length} options`);
    const rows = table('`disk-image-create` options');
    const missingRows = dib.filter((o) => !rows.has(o));
    assert.deepEqual(missingRows, [], 'options with no row');
    const help = runCli('disk-image-create', ['--help']).stdout;
    for (const [o, status] of rows) {
      if (status === 'missing') continue;
      assert.match(help, new RegExp(`(^|[ ,])${o}\\b`, 'm'), `${o} is "${status}" but not in disk-image-create --help`);
    }
  });

  it("list every DIB_ variable of DIB's lib/; each one Kiln claims is read by a setting or set for hooks", () => {
    const names = new Set<string>();
    for (const f of readdirSync(lib)) {
      const p = join(lib, f);
      if (!statSync(p).isFile()) continue;
      for (const m of readFileSync(p, 'utf8').matchAll(/\b(DIB_[A-Z0-9_]+)/g)) names.add(m[1]!);
    }
    assert.ok(names.size >= 25, `found ${names.size}`);
    const rows = table('Core variables');
    assert.deepEqual(
      [...names].filter((n) => !rows.has(n)),
      [],
      'variables with no row',
    );
    const read = new Set(SETTINGS.flatMap((s) => s.env ?? []));
    const sources = ['src/build/hook-env.ts', 'src/phases', 'elements', 'libexec/dib-lib'].map((p) => grepTree(join(REPO, p))).join('\n');
    for (const [v, status] of rows) {
      if (status === 'missing') continue;
      assert.ok(read.has(v) || new RegExp(`\\b${v}\\b`).test(sources), `${v} is "${status}" but Kiln neither reads nor sets it`);
    }
  });

  it('list every command DIB installs', () => {
    const rows = table('Commands');
    const installed = readdirSync(join(DIB_ORACLE_PREFIX, 'usr/bin'));
    // and the console scripts of DIB's setup.cfg that Debian's package leaves out
    for (const c of [...installed, 'element-info', 'dib-block-device', 'diskimage-builder']) assert.ok(rows.has(c), `no row for ${c}`);
  });
});

function grepTree(p: string): string {
  const st = statSync(p);
  if (st.isFile()) return readFileSync(p, 'utf8');
  return readdirSync(p)
    .map((n) => grepTree(join(p, n)))
    .join('\n');
}
