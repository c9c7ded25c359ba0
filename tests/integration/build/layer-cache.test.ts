// The layer cache with whole busybox-minimal builds to a tar: the second build of the same inputs
// unpacks the layer instead of running the bootstrap and the phases up to post-install.d (the
// host hook that counts its runs outside the tree did not run; the in-tree install.d hook's log
// holds one line) and gives the same bytes; a changed finalise.d hook still hits, a changed
// install.d hook or environment variable misses (IMAGE_TYPES is keyed: every build writes tar and raw); --no-cache, KILN_NO_LAYER_CACHE, `kiln-cache:
// never` and a hook writing to TMP_IMAGE_DIR keep it out; `kiln cache list` and `prune`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, runCli } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-layers-'));
after(() => rmSync(work, { recursive: true, force: true }));
const elements = join(work, 'elements');
cpSync(join(FIXTURE_ELEMENTS, 'layer-probe'), join(elements, 'layer-probe'), { recursive: true });
const cache = join(work, 'cache');
const runsFile = join(work, 'runs');
const probe = join(elements, 'layer-probe');

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const runs = () => (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n').length : 0);
function tarFile(tar: string, path: string): string {
  const r = spawnSync('tar', ['-xOf', tar, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar -xOf ${path}: ${r.stderr}`);
  return r.stdout;
}

let n = 0;
function build(env: Record<string, string> = {}, args: string[] = [], types = 'tar,raw'): { tar: string; log: string; raw: string } {
  const out = join(work, `out-${n++}`, 'bb');
  const r = runCli('disk-image-create', ['-n', 'layer-probe', '-t', types, ...args, '-o', out], {
    env: {
      ELEMENTS_PATH: elements,
      DIB_IMAGE_CACHE: cache,
      TMP_DIR: join(work, 'tmp'),
      SOURCE_DATE_EPOCH: '1700000000',
      LAYER_PROBE_RUNS: runsFile,
      LAYER_PROBE_VALUE: 'a',
      ...env,
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return { tar: `${out}.tar`, log: r.stderr, raw: `${out}.raw` };
}
const kiln = (...args: string[]) => runCli('kiln', ['cache', ...args, '--image-cache', cache]);

describe('layer cache (busybox-minimal builds)', () => {
  let cold: { tar: string; log: string; raw: string };

  it('a cold build runs every phase and stores the tree after post-install.d', () => {
    cold = build();
    assert.equal(runs(), 1);
    assert.match(cold.log, /layer cache: no layer [0-9a-f]{12} yet/);
    assert.match(cold.log, /layer cache: stored the tree after post-install\.d as layer [0-9a-f]{12}/);
  });

  it('the same build again starts from the layer: no phase up to post-install.d runs, the same bytes', () => {
    const warm = build();
    assert.equal(runs(), 1, 'the extra-data.d hook did not run');
    assert.match(
      warm.log,
      /layer cache: the tree after post-install\.d from layer [0-9a-f]{12} .*skipped: root\.d check-tree extra-data\.d packages-squash pre-install\.d install\.d post-install\.d/,
    );
    assert.doesNotMatch(warm.log, /==> install\.d/);
    assert.equal(tarFile(warm.tar, './var/lib/layer-probe/install'), 'install.d a\n', 'install.d ran once, in the cold build');
    assert.equal(sha(warm.tar), sha(cold.tar), 'a build from the layer gives the bytes of a cold one');
    assert.equal(sha(warm.raw), sha(cold.raw), 'the disk image (ext4) too');
  });

  it('a changed finalise.d hook uses the layer and runs the new hook', () => {
    const hook = join(probe, 'finalise.d/50-layer-probe');
    writeFileSync(hook, readFileSync(hook, 'utf8').replace('marker: 1', 'marker: 2'));
    const b = build();
    assert.equal(runs(), 1);
    assert.match(b.log, /from layer/);
    assert.equal(tarFile(b.tar, './var/lib/layer-probe/finalise'), 'finalise.d marker: 2\n');
  });

  it('a changed install.d hook misses', () => {
    const hook = join(probe, 'install.d/50-layer-probe');
    writeFileSync(hook, readFileSync(hook, 'utf8').replace('marker: 1', 'marker: 2'));
    const b = build();
    assert.equal(runs(), 2);
    assert.match(b.log, /no layer [0-9a-f]{12} yet/);
  });

  it('a changed environment variable misses; a workspace path does not', () => {
    const b = build({ LAYER_PROBE_VALUE: 'b' });
    assert.equal(runs(), 3);
    assert.equal(tarFile(b.tar, './var/lib/layer-probe/install'), 'install.d b\n');
    const c = build({ LAYER_PROBE_VALUE: 'b', TMP_DIR: join(work, 'tmp2') });
    assert.equal(runs(), 3, 'another TMP_DIR: the same layer');
    assert.match(c.log, /from layer/);
  });

  it('--no-cache and KILN_NO_LAYER_CACHE run every phase', () => {
    const a = build({}, ['--no-cache']);
    assert.match(a.log, /layer cache: not used: --no-cache/);
    const b = build({ KILN_NO_LAYER_CACHE: '1' });
    assert.match(b.log, /layer cache: not used: KILN_NO_LAYER_CACHE is set/);
    assert.equal(runs(), 5);
  });

  it('a hook that writes to TMP_IMAGE_DIR before the cut: no layer is stored', () => {
    const a = build({ LAYER_PROBE_WRITE_IMAGE_DIR: '1' });
    assert.match(a.log, /no layer stored: a hook wrote to \$TMP_IMAGE_DIR \(layer-probe\)/);
    build({ LAYER_PROBE_WRITE_IMAGE_DIR: '1' });
    assert.equal(runs(), 7, 'both builds ran extra-data.d');
  });

  it("an element whose kiln-cache file says 'never' keeps the build out of the layer cache", () => {
    writeFileSync(join(probe, 'kiln-cache'), '# reads the outside world\nnever it reads the weather\n');
    try {
      const a = build();
      assert.match(a.log, /layer cache: not used: element layer-probe: it reads the weather/);
      assert.equal(runs(), 8);
    } finally {
      rmSync(join(probe, 'kiln-cache'));
    }
  });

  it('kiln cache list shows the layers; prune --max-size removes the least recently used first', () => {
    const list = kiln('list');
    assert.equal(list.status, 0, list.stderr);
    const layers = list.stdout.split('\n').filter((l) => l.startsWith('layer '));
    assert.equal(layers.length, 3, list.stdout);
    for (const l of layers)
      assert.match(
        l,
        /^layer {6}[0-9a-f]{12} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ s +\d+ MiB {2}after post-install\.d, parent none, elements: .*busybox-minimal.*layer-probe/,
      );
    const json = JSON.parse(kiln('list', '--json').stdout) as { kind: string; size: number; key: string; created: string; used?: string }[];
    const ls = json.filter((e) => e.kind === 'layer');
    // the newest by use: the layer of LAYER_PROBE_VALUE=b (used by the TMP_DIR build)
    const newest = ls.reduce((a, b) => ((b.used ?? b.created) > (a.used ?? a.created) ? b : a));
    assert.equal(kiln('prune', '--older-than', '1').stdout.trim().split('\n').at(-1), `0 entries removed from ${cache}`);
    const p = kiln('prune', '--max-size', String(newest.size));
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /2 entries removed/);
    const left = (JSON.parse(kiln('list', '--json').stdout) as { key: string }[]).map((e) => e.key);
    assert.deepEqual(left, [newest.key]);
    assert.equal(kiln('prune', '--max-size', '0').status, 0);
    assert.match(kiln('list').stdout, /nothing cached/);
  });
});
