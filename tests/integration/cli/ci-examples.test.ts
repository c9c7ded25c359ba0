/**
 * The CI and job templates under examples/ci (docs/running-many-builds.md): each parses as YAML, the
 * image it runs is the one scripts/build-kiln-image builds, the Kubernetes Job is unprivileged, and
 * every Kiln command line in them (after the matrix is expanded and, where the template runs a shell,
 * that shell's own expansion) is accepted by Kiln's option parser: `kiln plan` with those arguments
 * exits 0. The shell lines run in bash with `podman` and `disk-image-create` replaced by functions
 * that print their arguments, so quoting and word splitting are bash's, not a re-implementation.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseCacheUrl } from '../../../src/cache/remote.js';
import { BIN, REPO } from '../../helpers/cli.js';

const DIR = join(REPO, 'examples/ci');
const scratch = mkdtempSync(join(tmpdir(), 'kiln-ci-examples-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Doc = any;

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) assert.deepEqual(d.errors, [], `${file}: YAML errors`);
  return list.map((d) => d.toJS());
}

/** The tag the recipe builds: registry references must end in it. */
const TAG = spawnSync(join(REPO, 'scripts/build-kiln-image'), ['--print-tag'], { encoding: 'utf8' }).stdout.trim();

function assertKilnImage(ref: unknown, where: string): void {
  assert.equal(typeof ref, 'string', `${where}: an image reference`);
  assert.ok((ref as string).endsWith(`/${TAG}`), `${where}: ${ref} is not the image scripts/build-kiln-image builds (${TAG}) in a registry`);
}

/** `kiln plan` with disk-image-create's arguments: the options parse and the elements resolve. */
function assertPlans(args: string[], where: string, env: Record<string, string> = {}): void {
  assert.ok(args.length > 0, `${where}: a disk-image-create command line`);
  const r = spawnSync(join(BIN, 'kiln'), ['plan', ...args], { encoding: 'utf8', cwd: scratch, env: { ...process.env, KILN_CACHE_URL: '', ...env } });
  assert.equal(r.status, 0, `${where}: kiln plan ${args.join(' ')}\n${r.stderr}`);
  assert.ok(Array.isArray(JSON.parse(r.stdout).requested), `${where}: a plan`);
}

interface Call {
  cmd: string;
  args: string[];
}

/** Runs a template's shell script in bash with podman and disk-image-create as recorders; the calls they got. */
function shellCalls(script: string, env: Record<string, string>, where: string): Call[] {
  const prelude = [
    'set -eu',
    `rec() { local c=$1; shift; printf '%s\\0' "$c" "$#" "$@" >> "$KILN_TEST_CALLS"; }`,
    'podman() { rec podman "$@"; }',
    'disk-image-create() { rec disk-image-create "$@"; }',
    'sudo() { :; }',
  ].join('\n');
  const calls = join(scratch, 'calls');
  rmSync(calls, { force: true });
  const r = spawnSync('bash', ['-c', `${prelude}\n${script}`], {
    encoding: 'utf8',
    cwd: scratch,
    env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env, KILN_TEST_CALLS: calls },
  });
  assert.equal(r.status, 0, `${where}: the script fails in bash:\n${r.stderr}`);
  const words = spawnSync('cat', [calls], { encoding: 'utf8' }).stdout.split('\0');
  const out: Call[] = [];
  for (let i = 0; i + 1 < words.length; ) {
    const cmd = words[i]!;
    const n = Number(words[i + 1]);
    out.push({ cmd, args: words.slice(i + 2, i + 2 + n) });
    i += 2 + n;
  }
  return out;
}

/** The disk-image-create arguments of a `podman run ... IMAGE disk-image-create ARGS` call; checks it is unprivileged. */
function podmanBuild(call: Call, where: string): { image: string; args: string[]; options: string[] } {
  assert.equal(call.args[0], 'run', `${where}: podman run`);
  const at = call.args.indexOf('disk-image-create');
  assert.ok(at > 1, `${where}: podman runs disk-image-create`);
  const options = call.args.slice(1, at - 1);
  for (const o of options) assert.doesNotMatch(o, /^--(privileged|device|cap-add)/, `${where}: ${o}`);
  assert.ok(options.includes('--user') && options[options.indexOf('--user') + 1] === 'kiln', `${where}: runs as the image's user kiln`);
  return { image: call.args[at - 1]!, args: call.args.slice(at + 1), options };
}

/** Every combination of a matrix's lists (GitHub's strategy.matrix, one entry of GitLab's parallel.matrix). */
function combinations(matrix: Record<string, unknown>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [k, v] of Object.entries(matrix)) {
    const values = Array.isArray(v) ? v : [v];
    out = out.flatMap((c) => values.map((x) => ({ ...c, [k]: x })));
  }
  return out;
}

describe('examples/ci: the job templates', () => {
  it('the recipe names its image', () => assert.match(TAG, /^kiln\/kiln:\d+\.\d+\.\d+$/));

  it('kubernetes-job.yaml: an unprivileged Job (runAsNonRoot, no privileged or capabilities), emptyDir workspace, shared cache', () => {
    const [job] = load('kubernetes-job.yaml');
    assert.equal(job.kind, 'Job');
    const pod = job.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.notEqual(pod.securityContext.runAsUser, 0);
    assert.equal(pod.hostUsers, undefined, 'no host user namespace setting needed');
    const containers = [...(pod.initContainers ?? []), ...pod.containers];
    for (const c of containers) {
      const sc = c.securityContext ?? {};
      assert.notEqual(sc.privileged, true, `${c.name}: privileged`);
      assert.equal(sc.capabilities, undefined, `${c.name}: capabilities`);
      assert.equal(sc.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
      assert.notEqual(sc.runAsUser, 0, `${c.name}: root`);
      assertKilnImage(c.image, `${c.name}: image`);
    }
    for (const v of pod.volumes) assert.equal(v.hostPath, undefined, `volume ${v.name}: no host paths (devices)`);
    const [kiln] = pod.containers;
    const env = Object.fromEntries(kiln.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    parseCacheUrl(env.KILN_CACHE_URL);
    const emptyDirs = pod.volumes.filter((v: Doc) => v.emptyDir).map((v: Doc) => v.name);
    const work = kiln.volumeMounts.find((m: Doc) => emptyDirs.includes(m.name));
    assert.ok(work, 'an emptyDir is mounted');
    assert.equal(env.TMPDIR, work.mountPath, "the build's workspace is on the emptyDir");
    assert.equal(kiln.command[0], 'disk-image-create');
    assertPlans(kiln.command.slice(1), 'kubernetes-job.yaml');
  });

  it('github-actions.yml: every image x arch of the matrix runs an unprivileged podman build that Kiln parses', () => {
    const [wf] = load('github-actions.yml');
    const job = wf.jobs.build;
    assertKilnImage(job.env.KILN_IMAGE, 'env.KILN_IMAGE');
    parseCacheUrl(job.env.KILN_CACHE_URL);
    const combos = combinations(job.strategy.matrix);
    assert.ok(combos.length >= 4, 'images x arches');
    for (const matrix of combos) {
      const expr = (s: string) =>
        s.replace(/\$\{\{\s*matrix\.([\w.]+)\s*\}\}/g, (_, path: string) => {
          const v = path.split('.').reduce<Doc>((o, k) => o?.[k], matrix);
          assert.equal(typeof v, 'string', `matrix.${path}`);
          return v;
        });
      const where = `github-actions.yml ${JSON.stringify(matrix)}`;
      const builds = job.steps
        .filter((s: Doc) => typeof s.run === 'string')
        .flatMap((s: Doc) => shellCalls(expr(s.run), { ...job.env }, where))
        .filter((c: Call) => c.cmd === 'podman');
      assert.equal(builds.length, 1, `${where}: one podman build`);
      const b = podmanBuild(builds[0]!, where);
      assert.equal(b.image, job.env.KILN_IMAGE);
      const arch = b.args[b.args.indexOf('-a') + 1];
      assert.equal(arch, (matrix as { arch: string }).arch, `${where}: builds for the matrix's arch`);
      assertPlans(b.args, where);
    }
  });

  it('gitlab-ci.yml: every entry of the parallel matrix runs disk-image-create as kiln, and Kiln parses it', () => {
    const [ci] = load('gitlab-ci.yml');
    const job = ci['build-image'];
    assertKilnImage(job.image.name, 'image.name');
    assert.equal(job.image.docker.user, 'kiln', 'the job runs as the image user kiln');
    parseCacheUrl(job.variables.KILN_CACHE_URL);
    const combos = job.parallel.matrix.flatMap((m: Record<string, unknown>) => combinations(m));
    assert.ok(combos.length >= 4, 'images x arches');
    for (const vars of combos) {
      const where = `gitlab-ci.yml ${JSON.stringify(vars)}`;
      const calls = shellCalls(job.script.join('\n'), { ...job.variables, ...vars }, where).filter((c) => c.cmd === 'disk-image-create');
      assert.equal(calls.length, 1, `${where}: one build`);
      assert.equal(calls[0]!.args[calls[0]!.args.indexOf('-a') + 1], vars.ARCH);
      assertPlans(calls[0]!.args, where);
    }
  });

  it('zuul: each job of jobs.yaml runs the playbook, whose podman build Kiln parses', () => {
    const docs = load('zuul/jobs.yaml')[0] as Doc[];
    const jobs = new Map<string, Doc>(docs.filter((d) => d.job).map((d) => [d.job.name, d.job]));
    const vars = (j: Doc): Record<string, string> => ({ ...(j.parent ? vars(jobs.get(j.parent)) : {}), ...j.vars });
    const run = (j: Doc): string => j.run ?? run(jobs.get(j.parent));
    const project = docs.find((d) => d.project).project;
    const listed: string[] = Object.values(project).flatMap((p: Doc) => p.jobs);
    assert.ok(listed.length >= 2);
    for (const name of listed) {
      const job = jobs.get(name);
      assert.ok(job && !job.abstract, `${name}: a job`);
      const v = vars(job);
      assertKilnImage(v.kiln_image, `${name}: kiln_image`);
      parseCacheUrl(v.kiln_cache_url!);
      const [play] = load(join('zuul', run(job)))[0] as Doc[];
      const task = play.tasks.find((t: Doc) => t['ansible.builtin.shell']);
      const jinja = (s: string) =>
        s.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => {
          assert.ok(k in v, `${name}: {{ ${k} }} is a job variable`);
          return v[k]!;
        });
      const calls = shellCalls(jinja(task['ansible.builtin.shell']), {}, name).filter((c) => c.cmd === 'podman');
      assert.equal(calls.length, 1, `${name}: one podman build`);
      const b = podmanBuild(calls[0]!, name);
      assert.equal(b.image, v.kiln_image);
      assertPlans(b.args, name);
    }
  });

  it("nodepool.yaml: nodepool's DIB command line for each diskimage parses with Kiln's disk-image-create", () => {
    const [np] = load('nodepool.yaml');
    for (const d of np.diskimages) {
      assert.match(d['dib-cmd'], /\/bin\/disk-image-create$/, `${d.name}: dib-cmd is Kiln's disk-image-create`);
      parseCacheUrl(d['env-vars'].KILN_CACHE_URL);
      // nodepool's builder: DIB_RELEASE from `release`, then
      // '<dib-cmd> -x -t <formats> --checksum --no-tmpfs --qemu-img-options compat=0.10 -o <dir>/<name>-<build id> <elements>'
      const args = [
        '-x',
        '-t',
        d.formats.join(','),
        '--checksum',
        '--no-tmpfs',
        '--qemu-img-options',
        'compat=0.10',
        '-o',
        `images/${d.name}-0000000001`,
        ...d.elements,
      ];
      assertPlans(args, `nodepool.yaml ${d.name}`, { DIB_RELEASE: d.release });
    }
  });
});
