// --json on every command that prints results: each one run with --json prints one JSON document on
// stdout (JSON.parse takes the whole of it), and a failure prints {"error": {...}} with the exit code.
// Every kiln command is in the table below, so a new one cannot be added without its --json here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCommands } from '../../../src/cli/commands/index.js';
import { encodeProbeBootSector, PROBE_MARKER } from '../../../src/vm/probe-image.js';
import { spawn } from 'node:child_process';
import { signalExitCode } from '../../../src/errors.js';
import { BIN, processesMentioning, REPO, runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { waitFor } from '../../helpers/interrupt.js';
import { validate } from '../../helpers/json-schema.js';

const schema = (name: string) => JSON.parse(readFileSync(join(REPO, 'schemas', name), 'utf8')) as Record<string, unknown>;
const ERROR_SCHEMA = schema('error.json');
import { findTool } from '../../helpers/host-tools.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-json-all-'));
after(() => rmSync(work, { recursive: true, force: true }));
const cache = join(work, 'cache');
const layout = join(REPO, 'block-device/mbr.yaml');
const a = join(work, 'a.raw');
const b = join(work, 'b.raw');
const probe = join(work, 'probe.raw');
const disk = Buffer.alloc(1 << 20);
encodeProbeBootSector(10).copy(disk, 0);
writeFileSync(probe, disk);
const env = { DIB_IMAGE_CACHE: cache, TMP_DIR: work };
const noQemu = !findTool('qemu-system-x86_64') && process.env.CI !== 'true';
// the commands of this tree: a case for one that another branch adds waits for it (see LATER)
const LOADED = new Set((await loadCommands()).map((c) => String(c.command).split(' ')[0]!));
const lintMe = makeElementTree({ tiny: { files: { 'install.d/10-tiny': '#!/bin/bash\nset -eu\nset -o pipefail\necho tiny\n' } } }, join(work, 'lint'));

interface Case {
  cmd: string;
  args: string[];
  /** exit codes that are results, not failures (doctor: 1 = not ready; diff: 1 = they differ) */
  status?: number[];
  check(j: Record<string, unknown> | unknown[]): void;
  skip?: boolean;
}

const has = (j: unknown, ...keys: string[]) => {
  for (const k of keys) assert.ok(typeof j === 'object' && j !== null && k in j, `${k} in ${JSON.stringify(j).slice(0, 300)}`);
};

// in this order: block-device create makes the images diff compares
const CASES: Record<string, Case[]> = {
  'block-device': [
    {
      cmd: 'kiln',
      args: ['block-device', 'create', '--config', layout, '--output', a, '--image-size', '64MiB', '--json'],
      check: (j) => has(j, 'image', 'sizeBytes', 'filesystemUsedKiB', 'plan'),
    },
  ],
  plan: [
    { cmd: 'kiln', args: ['plan', '--json', '-n', 'busybox-minimal'], check: (j) => has(j, 'requested') },
    {
      cmd: 'kiln',
      args: ['plan', 'block-device', '--config', layout, '--image-size', '64MiB', '--json'],
      check: (j) => has(j, 'partitionTables', 'filesystems'),
    },
  ],
  elements: [
    { cmd: 'kiln', args: ['elements', '--json'], check: (j) => assert.ok(Array.isArray(j) && j.some((e) => (e as { name: string }).name === 'vm')) },
    { cmd: 'kiln', args: ['elements', 'busybox-minimal', '--json'], check: (j) => has(j, 'name', 'hooks', 'deps') },
    { cmd: 'kiln', args: ['elements', '--repos', '--json'], check: (j) => has(j, 'kiln', 'repos') },
  ],
  doctor: [{ cmd: 'kiln', args: ['doctor', '--json'], status: [0, 1], check: (j) => has(j, 'ready', 'checks') }],
  cache: [
    { cmd: 'kiln', args: ['cache', 'list', '--json', '--image-cache', cache], check: (j) => assert.ok(Array.isArray(j)) },
    { cmd: 'kiln', args: ['cache', 'prune', '--all', '--json', '--image-cache', cache], check: (j) => has(j, 'dir', 'removed', 'corrupt') },
  ],
  diff: [{ cmd: 'kiln', args: ['diff', a, b, '--json'], status: [0, 1], check: (j) => has(j, 'identical') }],
  'boot-test': [
    {
      cmd: 'kiln',
      args: ['boot-test', probe, '--expect', PROBE_MARKER, '--accel', 'tcg', '--timeout', '60', '--format', 'raw', '--json'],
      check: (j) => {
        assert.deepEqual(validate(schema('boot-test-result.json'), j), []);
        assert.equal((j as { report: unknown }).report, null, 'no build report beside this image');
      },
      skip: noQemu,
    },
  ],
  build: [
    {
      cmd: 'kiln',
      args: ['build', '--json', '-n', 'busybox-minimal', '-t', 'tar', '-o', join(work, 'k')],
      check: (j) => assert.deepEqual(validate(schema('build-result.json'), j), []),
    },
  ],
  'verify-reproducible': [
    {
      cmd: 'kiln',
      args: ['verify-reproducible', '--json', '-n', 'busybox-minimal', '-t', 'tar', '-o', 'v'],
      check: (j) => {
        has(j, 'reproducible', 'files', 'notCompared');
        assert.equal((j as { reproducible: boolean }).reproducible, true);
        assert.deepEqual((j as { notCompared: string[] }).notCompared, ['v.d/report.html']);
      },
    },
  ],
  lint: [{ cmd: 'kiln', args: ['lint', '--json', lintMe], status: [0, 1], check: (j) => has(j, 'errors', 'warnings', 'problems') }],
  // run a command (or a shell) of the user's in the image, whose output is theirs: --json is refused
  ...Object.fromEntries(
    (['run', 'shell'] as const).map((c) => [
      c,
      [
        {
          cmd: 'kiln',
          args: c === 'run' ? ['run', a, '--json', '--', 'true'] : ['shell', a, '--json'],
          status: [2],
          check: (j: Record<string, unknown> | unknown[]) => {
            assert.deepEqual(validate(ERROR_SCHEMA, j), []);
            assert.equal((j as { error: { kind: string } }).error.kind, 'usage');
          },
        },
      ],
    ]),
  ),
  // prints a shell script, not a result: --json is refused (a usage error, as JSON)
  completion: [
    {
      cmd: 'kiln',
      args: ['completion', 'bash', '--json'],
      status: [2],
      check: (j) => {
        assert.deepEqual(validate(ERROR_SCHEMA, j), []);
        assert.equal((j as { error: { kind: string } }).error.kind, 'usage');
      },
    },
  ],
};

const OTHER: Case[] = [
  { cmd: 'element-info', args: ['--json', 'busybox-minimal'], check: (j) => has(j, 'elements') },
  {
    cmd: 'diskimage-builder',
    args: ['--json', '--dry-run', join(REPO, 'examples/container/busybox.yaml')],
    check: (j) => assert.ok(Array.isArray(j)),
  },
  // disk-image-create --json: the same code as kiln build --json (tests/integration/cli/build-json.test.ts runs both)
];

function run(c: Case): void {
  const r = runCli(c.cmd, c.args, { env });
  const ok = c.status ?? [0];
  assert.ok(ok.includes(r.status), `${c.cmd} ${c.args.join(' ')}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  let j: Record<string, unknown> | unknown[];
  try {
    j = JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`${c.cmd} ${c.args.join(' ')}: stdout is not one JSON document (${(e as Error).message}):\n${r.stdout.slice(0, 1000)}`);
  }
  c.check(j);
}

describe('--json on every command', () => {
  it('every kiln command is covered here', async () => {
    const names = (await loadCommands()).map((c) => String(c.command).split(' ')[0]!);
    assert.deepEqual(
      names.filter((n) => !(n in CASES)),
      [],
    );
    assert.deepEqual(
      Object.keys(CASES).filter((n) => !LOADED.has(n)),
      [],
      'cases for commands that do not exist',
    );
  });

  it('kiln block-device create --json, twice (the images kiln diff compares)', () => {
    // made by the block-device case; diff compares it with a second one written the same way
    run(CASES['block-device']![0]!);
    run({ ...CASES['block-device']![0]!, args: CASES['block-device']![0]!.args.map((x) => (x === a ? b : x)) });
  });

  for (const [name, cases] of Object.entries(CASES)) {
    if (name === 'block-device') continue;
    for (const c of cases) {
      const why = c.skip ? 'qemu-system-x86_64 is not installed' : false;
      it(`${c.cmd} ${c.args.filter((x) => !x.startsWith('/')).join(' ')}`, { skip: why }, () => run(c));
    }
  }
  for (const c of OTHER) it(`${c.cmd} ${c.args.filter((x) => !x.startsWith('/')).join(' ')}`, () => run(c));

  it('a failure with --json: {"error": {kind, message, where, hint, exitCode}} on stdout, the message on stderr too', () => {
    for (const [cmd, args, kind, status] of [
      ['kiln', ['elements', 'no-such-element', '--json'], 'user', 1],
      ['kiln', ['no-such-command', '--json'], 'usage', 2],
      ['disk-image-create', ['--json', '-t', 'tar', '-o', join(work, 'x'), 'no-such-element'], 'user', 1],
      ['element-info', ['--json', 'no-such-element'], 'user', 1],
    ] as const) {
      const r = runCli(cmd, [...args], { env });
      assert.equal(r.status, status, `${cmd} ${args.join(' ')}: ${r.stderr}`);
      const j = JSON.parse(r.stdout) as { error: { kind: string; message: string; where: unknown; hint: unknown; exitCode: number } };
      assert.deepEqual(validate(ERROR_SCHEMA, j), []);
      assert.equal(j.error.kind, kind);
      assert.equal(j.error.exitCode, status);
      assert.match(r.stderr, /error: /);
      assert.ok(r.stderr.includes(j.error.message.split('\n')[0]!), 'the same message on stderr');
    }
  });

  it('interrupted with --json: kind "interrupted", exit 128 + the signal', { skip: noQemu ? 'qemu-system-x86_64 is not installed' : false }, async () => {
    const image = join(work, 'unbootable.img');
    writeFileSync(image, Buffer.alloc(1 << 20));
    const child = spawn(process.execPath, [join(BIN, 'kiln'), 'boot-test', image, '--json', '--timeout', '60', '--accel', 'tcg'], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await waitFor(() => processesMentioning(image).some((l) => l.includes('qemu-system')), 30_000, 'QEMU to start');
    child.kill('SIGTERM');
    assert.equal(await exited, signalExitCode('SIGTERM'));
    const j = JSON.parse(stdout) as { error: { kind: string; exitCode: number } };
    assert.deepEqual(validate(ERROR_SCHEMA, j), []);
    assert.deepEqual([j.error.kind, j.error.exitCode], ['interrupted', signalExitCode('SIGTERM')]);
  });
});
