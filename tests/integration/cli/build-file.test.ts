// Build files (diskimage-builder FILE.yaml, kiln build -f): three busybox-minimal images of
// different types built with --jobs 3 (each output read back with tar, sfdisk and debugfs, skopeo;
// the builds overlapped, by their recorded times; --json validates against the schemas), the
// problems of a file reported with file:line before anything is built, --dry-run, --stop-on-failure,
// the progress view on a terminal, and an interrupt that stops every build and leaves no process behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { BIN, FIXTURE_ELEMENTS, REPO, runCli } from '../../helpers/cli.js';
import { markedProcesses, sleep, startKiln, waitFor, workspaces, workspaceTree } from '../../helpers/interrupt.js';
import { validate } from '../../helpers/json-schema.js';

const schema = (f: string) => JSON.parse(readFileSync(join(REPO, 'schemas', f), 'utf8')) as Record<string, unknown>;

const sh = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

interface Run {
  imageName: string;
  status: string;
  exitCode: number | null;
  startedAt: string | null;
  endedAt: string | null;
  seconds: number | null;
  result: { outputs: { path: string; type: string }[] } | null;
  errorTail: string | null;
}

describe('build files', () => {
  const base = mkdtempSync(join(tmpdir(), 'kiln-buildfile-'));
  chmodSync(base, 0o755);
  const out = join(base, 'out');
  const tmp = join(base, 'tmp');
  mkdirSync(tmp);
  after(() => rmSync(base, { recursive: true, force: true }));
  const env = { TMP_DIR: tmp };
  const layout = join(base, 'layout.yaml');
  writeFileSync(
    layout,
    [
      '- local_loop:',
      '    name: image0',
      '    size: 64MiB',
      '- partitioning:',
      '    base: image0',
      '    label: gpt',
      '    partitions:',
      '      - name: root',
      '        size: 100%',
      '        mkfs:',
      '          type: ext4',
      '          mount:',
      '            mount_point: /',
      '',
    ].join('\n'),
  );
  const three = join(base, 'three.yaml');
  writeFileSync(
    three,
    `# three images, three kinds of output
- imagename: ${out}/bb-tar
  elements: [busybox-minimal]
  skip-base: true
  types: [tar]
- imagename: ${out}/bb-raw
  elements: [busybox-minimal]
  skip-base: true
  types: [raw]
  environment:
    DIB_BLOCK_DEVICE_CONFIG: file://${layout}
- imagename: ${out}/bb-docker
  elements: [busybox-minimal]
  skip-base: true
  types: [docker]
  docker-target: kiln/bb:1
`,
  );

  it('diskimage-builder --jobs 3 --json: three images, built at once, each output what it should be', () => {
    const r = runCli('diskimage-builder', ['--jobs', '3', '--json', three], { env });
    assert.equal(r.status, 0, r.stderr.slice(-4000));
    const runs = JSON.parse(r.stdout) as Run[];
    assert.deepEqual(validate(schema('build-file-result.json'), runs), []);
    for (const x of runs) assert.deepEqual(validate(schema('build-result.json'), x.result), [], x.imageName);
    assert.deepEqual(
      runs.map((x) => [x.imageName, x.status, x.exitCode]),
      [
        [`${out}/bb-tar`, 'ok', 0],
        [`${out}/bb-raw`, 'ok', 0],
        [`${out}/bb-docker`, 'ok', 0],
      ],
    );
    // overlapped: every build started before any of them ended
    const starts = runs.map((x) => Date.parse(x.startedAt!));
    const ends = runs.map((x) => Date.parse(x.endedAt!));
    assert.ok(Math.max(...starts) < Math.min(...ends), `the builds overlap: started ${runs.map((x) => x.startedAt)}, ended ${runs.map((x) => x.endedAt)}`);
    // the summary table on stderr
    assert.match(r.stderr, /IMAGE +OUTPUTS +TIME +STATUS\n/);
    assert.match(r.stderr, new RegExp(`${out}/bb-raw +${out}/bb-raw\\.raw +[0-9.]+s +ok`));

    // tar: the tree
    assert.deepEqual(
      runs[0]!.result!.outputs.map((o) => o.path),
      [`${out}/bb-tar.tar`],
    );
    assert.match(sh('tar', ['-tf', `${out}/bb-tar.tar`]), /^\.\/bin\/busybox$/m);
    // raw: the layout of the block-device config, an ext4 root holding the tree
    const raw = `${out}/bb-raw.raw`;
    const table = JSON.parse(sh('sfdisk', ['-J', raw])) as {
      partitiontable: { label: string; sectorsize?: number; partitions: { start: number; size: number; name?: string }[] };
    };
    assert.equal(table.partitiontable.label, 'gpt');
    assert.equal(table.partitiontable.partitions.length, 1);
    const part = table.partitiontable.partitions[0]!;
    const fs = join(base, 'root.ext4');
    sh('dd', [`if=${raw}`, `of=${fs}`, 'bs=512', `skip=${part.start}`, `count=${part.size}`, 'status=none']);
    assert.match(sh('debugfs', ['-R', 'stat /bin/busybox', fs]), /Type: regular/);
    // docker: an archive skopeo reads, with the docker-target tag
    const docker = JSON.parse(sh('skopeo', ['inspect', `docker-archive:${out}/bb-docker.docker.tar`])) as { RepoTags?: string[]; Layers: string[] };
    assert.equal(docker.Layers.length, 1);
    assert.match(sh('tar', ['-xOf', `${out}/bb-docker.docker.tar`, 'manifest.json']), /kiln\/bb:1/);
  });

  it('kiln build -f --dry-run: the command of each image, nothing built', () => {
    const dry = join(base, 'dry');
    const f = join(base, 'dry.yaml');
    writeFileSync(
      f,
      `- imagename: ${dry}/a\n  elements: [busybox-minimal]\n  types: [tar]\n  environment: {DIB_X: 'a b'}\n- imagename: ${dry}/b\n  elements: [busybox-minimal, vm]\n  packages: [x, y]\n`,
    );
    const r = runCli('kiln', ['build', '-f', f, '--dry-run'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `DIB_X='a b' kiln build --json -o ${dry}/a -t tar busybox-minimal\nkiln build --json -o ${dry}/b -p x,y busybox-minimal vm\n`);
    assert.equal(existsSync(dry), false, 'nothing was built');
    const j = runCli('diskimage-builder', ['--dry-run', '--json', f], { env });
    assert.equal(j.status, 0, j.stderr);
    const plan = JSON.parse(j.stdout) as { imageName: string; command: string[]; environment: Record<string, string> }[];
    assert.deepEqual(plan[0]!.environment, { DIB_X: 'a b' });
    assert.deepEqual(plan[1]!.command.slice(0, 3), ['kiln', 'build', '--json']);
  });

  it('a file with problems: all of them, with file:line, exit 1, nothing built', () => {
    const bad = join(base, 'bad.yaml');
    const never = join(base, 'never');
    writeFileSync(
      bad,
      `- imagename: ${never}/a\n  elements: [busybox-minimal]\n  type: [tar]\n- imagename: ${never}/b\n  elements: [busybox-minimla]\n  image-size: big\n`,
    );
    const r = runCli('diskimage-builder', [bad], { env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${bad}:3: unknown key 'type'; did you mean types\\?`));
    assert.match(r.stderr, new RegExp(`${bad}:6: image-size: expected an integer, got the string 'big'`));
    assert.doesNotMatch(r.stderr, / at .*\.js:\d+/, 'no stack trace');
    // once the keys are right, the elements are checked before any build starts
    writeFileSync(bad, `- imagename: ${never}/a\n  elements: [busybox-minimal]\n  skip-base: true\n- imagename: ${never}/b\n  elements: [busybox-minimla]\n`);
    const e = runCli('kiln', ['build', '-f', bad], { env });
    assert.equal(e.status, 1, e.stderr);
    assert.match(e.stderr, new RegExp(`${bad}:4: image ${never}/b: .*did you mean busybox-minimal`));
    assert.equal(existsSync(never), false, 'no image was built');
    const u = runCli('kiln', ['build', '-f', bad, '--jobs', '0'], { env });
    assert.equal(u.status, 2, u.stderr);
  });

  it('a failed image: the others still build (exit 1); with --stop-on-failure no more start', () => {
    const els = join(base, 'elements');
    mkdirSync(join(els, 'fails', 'install.d'), { recursive: true });
    writeFileSync(join(els, 'fails', 'element-deps'), 'busybox-minimal\n');
    writeFileSync(join(els, 'fails', 'install.d', '10-fail'), '#!/bin/sh\necho "this hook fails on purpose"\nexit 3\n', { mode: 0o755 });
    const f = join(base, 'fail.yaml');
    const o = join(base, 'fail-out');
    writeFileSync(
      f,
      `- imagename: ${o}/first\n  elements: [fails]\n  skip-base: true\n  types: [tar]\n  environment: {ELEMENTS_PATH: ${els}}\n- imagename: ${o}/second\n  elements: [busybox-minimal]\n  skip-base: true\n  types: [tar]\n`,
    );
    const r = runCli('diskimage-builder', ['--json', '--jobs', '2', f], { env });
    assert.equal(r.status, 1, r.stderr);
    const runs = JSON.parse(r.stdout) as Run[];
    assert.deepEqual(validate(schema('build-file-result.json'), runs), []);
    assert.deepEqual(
      runs.map((x) => x.status),
      ['failed', 'ok'],
    );
    assert.match(runs[0]!.errorTail!, /this hook fails on purpose/);
    assert.match(r.stderr, /\[.*first\] .*this hook fails on purpose/, 'the failing build prints as it runs');
    assert.ok(existsSync(`${o}/second.tar`));
    rmSync(o, { recursive: true });
    const s = runCli('diskimage-builder', ['--json', '--stop-on-failure', f], { env });
    assert.equal(s.status, 1, s.stderr);
    assert.deepEqual(
      (JSON.parse(s.stdout) as Run[]).map((x) => [x.status, x.startedAt]),
      [
        ['failed', (JSON.parse(s.stdout) as Run[])[0]!.startedAt],
        ['skipped', null],
      ],
    );
    assert.equal(existsSync(`${o}/second.tar`), false);
    assert.match(s.stderr, /second +- +- +skipped/);

    // on a terminal: one line per image, then the failed build's last lines and the table
    const e = { ...process.env, ...env } as Record<string, string>;
    delete e.CI; // CI=true turns the progress display off
    const t = spawnSync('script', ['-qec', `stty cols 120 rows 50; ${join(BIN, 'kiln')} build -f ${f} --jobs 2`, '/dev/null'], {
      env: e,
      encoding: 'utf8',
      timeout: 300_000,
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
    const text = (t.stdout ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    assert.equal(t.status, 1, text);
    assert.match(text, new RegExp(`✖ ${o}/first`));
    assert.match(text, new RegExp(`✔ ${o}/second \\([0-9.]+s\\)`));
    assert.match(text, new RegExp(`--- ${o}/first \\(${f}:1\\): last lines ---\n[\\s\\S]*this hook fails on purpose`));
    assert.match(text, /first +- +[0-9.]+s +failed\n.*second +\S+second\.tar +[0-9.]+s +ok/);
    assert.doesNotMatch(text, /\[.*second\] /, 'no plain prefixed lines on a terminal');
  });

  for (const sig of ['SIGINT', 'SIGKILL'] as const) {
    it(`${sig} while two builds run: both stop, no process of theirs is left`, async () => {
      const d = mkdtempSync(join(base, `kill-${sig}-`));
      chmodSync(d, 0o755);
      const t = join(d, 'tmp');
      mkdirSync(t);
      const f = join(d, 'kill.yaml');
      writeFileSync(
        f,
        [1, 2]
          .map(
            (n) =>
              `- imagename: ${d}/out/k${n}\n  elements: [kill-points]\n  skip-base: true\n  types: [tar]\n  environment: {ELEMENTS_PATH: ${FIXTURE_ELEMENTS}, KILN_TEST_BLOCK_PHASE: install}\n`,
          )
          .join(''),
      );
      const run = startKiln('diskimage-builder', ['--jobs', '2', f], { TMP_DIR: t }, d);
      try {
        await waitFor(
          () => workspaces(t).filter((w) => existsSync(join(workspaceTree(w), 'kiln-test-ready'))).length === 2,
          60_000,
          'both builds to block in install.d',
        );
        run.child.kill(sig);
        const end = await run.exited;
        if (sig === 'SIGKILL') {
          await waitFor(() => markedProcesses(d).length === 0, 10_000, 'the builds to die with diskimage-builder');
        } else {
          assert.equal(end.code, 130, run.stderr());
          assert.match(run.stderr(), /interrupted \(SIGINT\); stopping 2 build/);
          assert.match(run.stderr(), /k1 +- +[0-9.]+s +interrupted/);
          await sleep(1000);
          assert.deepEqual(markedProcesses(d), [], 'no process of the builds is left');
          // each build cleaned up as a lone interrupted one does: only its workspace is kept
          assert.equal(workspaces(t).length, 2);
          assert.equal(readdirSync(join(d, 'out')).filter((n) => n.endsWith('.tar')).length, 0);
        }
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  }
});
