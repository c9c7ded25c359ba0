// DIB's YAML build files: the keys, types, argument order and merging of diskimage-builder
// (its own tests' cases, with the script replaced by Kiln's command line), every problem with its
// file:line, and the arguments parsed by disk-image-create's own parser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgv } from '../../../src/config/argv.js';
import { entryArgs, placeProblem, PROPERTIES, readBuildFiles } from '../../../src/cli/build-file.js';
import { checkImages, shellLine, summaryTable, type ImageRun } from '../../../src/cli/build-file-run.js';
import { KilnError, ValidationErrors } from '../../../src/errors.js';

const files = (texts: Record<string, string>) => (f: string) => {
  const t = texts[f];
  if (t === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return t;
};
const read = (text: string) => readBuildFiles(['b.yaml'], files({ 'b.yaml': text }));
const problems = (text: string): string[] => {
  try {
    read(text);
  } catch (e) {
    const k = e as KilnError;
    const list = e instanceof ValidationErrors ? e.problems : [k];
    return list.map((p) => `${p.where}: ${p.message} | ${p.hint ?? ''}`);
  }
  assert.fail('no problem found');
};

// diskimage-builder's test_build_commands_all_arguments, in YAML
const ALL = `
- arch: amd64
  imagename: everyoption
  types: [qcow2]
  debug-trace: 2
  uncompressed: true
  clear: true
  logfile: ./logfile.log
  checksum: true
  image-size: 40
  image-extra-size: 1
  image-cache: ~/.cache/dib
  max-online-resize: 1000
  min-tmpfs: 7
  mkfs-journal-size: 1
  mkfs-options: -D
  no-tmpfs: true
  offline: true
  qemu-img-options: {size: '10'}
  ramdisk-element: dracut-ramdisk
  install-type: package
  root-label: root
  docker-target: everyoption:latest
  packages: [wget, tmux]
  skip-base: true
  elements: [centos, vm]
`;

describe('build files: DIB format', () => {
  it('every key becomes the argument diskimage-builder passes, in its order', () => {
    const [img] = read(ALL);
    assert.deepEqual(
      img!.args,
      // diskimage-builder's expected command, after "bash /lib/disk-image-create"
      '-o everyoption -a amd64 -t qcow2 -x -x -u -c --logfile ./logfile.log --checksum --image-size 40 --image-extra-size 1 --image-cache ~/.cache/dib --max-online-resize 1000 --min-tmpfs 7 --mkfs-journal-size 1 --mkfs-options -D --no-tmpfs --offline --qemu-img-options size=10 --root-label root --ramdisk-element dracut-ramdisk --install-type package --docker-target everyoption:latest -p wget,tmux -n centos vm'.split(
        ' ',
      ),
    );
    assert.equal(PROPERTIES.length, 27, "diskimage-builder's 27 keys");
  });

  it("disk-image-create's parser takes every argument a build file can produce", () => {
    const a = parseArgv(read(ALL)[0]!.args);
    assert.deepEqual(a.positionals, ['centos', 'vm']);
    assert.equal(a.counts.get('debugTrace'), 2);
    assert.deepEqual(a.values.get('packages'), ['wget,tmux']);
    assert.deepEqual(a.values.get('imageSize'), ['40']);
    assert.deepEqual(a.values.get('mkfsOptions'), ['-D']);
  });

  it('false flags, debug-trace 0 and empty values add nothing (DIB: to_argument)', () => {
    assert.deepEqual(entryArgs({ checksum: false, 'debug-trace': 0, logfile: '', packages: [], elements: ['a'] }), ['a']);
  });

  it('merges as diskimage-builder: no imagename continues the previous one, a repeated one is merged into the first', () => {
    // diskimage-builder's test_build_commands_merged
    const images = read(`
- imagename: centos-minimal
  elements: [centos, vm]
  environment: {foo: bar, zip: zap}
- elements: [devuser]
  logfile: centos-minimal.log
- imagename: other
  elements: [debian-minimal]
- imagename: centos-minimal
  environment: {foo: baz, one: two}
`);
    assert.deepEqual(
      images.map((i) => i.name),
      ['centos-minimal', 'other'],
    );
    assert.deepEqual(images[0]!.args, ['-o', 'centos-minimal', '--logfile', 'centos-minimal.log', 'centos', 'vm', 'devuser']);
    assert.deepEqual(images[0]!.environment, { foo: 'baz', zip: 'zap', one: 'two' });
    assert.equal(images[0]!.where, 'b.yaml:2');
    assert.equal(images[1]!.where, 'b.yaml:7');
  });

  it("the first entry without imagename is DIB's default image, without -o", () => {
    const [img] = read('- elements: [busybox-minimal]\n');
    assert.equal(img!.name, 'image');
    assert.deepEqual(img!.args, ['busybox-minimal']);
  });

  it('several files are one list (DIB: definitions.extend)', () => {
    const images = readBuildFiles(['a.yaml', 'b.yaml'], files({ 'a.yaml': '- imagename: x\n  elements: [a]\n', 'b.yaml': '- elements: [b]\n' }));
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.args, ['-o', 'x', 'a', 'b']);
  });
});

describe('build files: problems, each at its file:line, all at once', () => {
  it('unknown keys, with a suggestion', () => {
    const p = problems('- imagename: a\n  elements: [x]\n  image_size: 3\n  release: bookworm\n');
    assert.equal(p.length, 2, p.join('\n'));
    assert.match(p[0]!, /^b\.yaml:3: unknown key 'image_size'; did you mean image-size\?/);
    assert.match(p[1]!, /^b\.yaml:4: unknown key 'release'/);
    assert.match(p[1]!, /\| variables go in environment: environment: \{DIB_RELEASE: '\.\.\.'\}/);
    const q = problems('- elements: [x]\n  DIB_RELEASE: trixie\n  colour: red\n');
    assert.match(q[0]!, /^b\.yaml:2: unknown key 'DIB_RELEASE' \| variables go in environment: environment: \{DIB_RELEASE/);
    assert.match(q[1]!, /^b\.yaml:3: unknown key 'colour' \| the keys are disk-image-create's options: imagename, arch/);
  });

  it('wrong types, each with a hint that says how to write it', () => {
    const p = problems(`- imagename: a
  elements: busybox-minimal vm
  image-size: '3'
  checksum: yes please
  environment:
    DIB_RELEASE: bookworm
    DIB_IMAGE_SIZE: 3
  debug-trace: 3
  arch: amd65
  types: [tar, 7]
  qemu-img-options: compat=1.1
  image-extra-size: 0
`);
    const expect = [
      /^b\.yaml:2: elements: expected a list of strings, got the string 'busybox-minimal vm' \| write a YAML list, e\.g\. elements: \[busybox-minimal, vm\]/,
      /^b\.yaml:3: image-size: expected an integer, got the string '3'/,
      /^b\.yaml:4: checksum: expected true or false/,
      /^b\.yaml:7: environment: DIB_IMAGE_SIZE: expected a string, got the integer 3 \| quote the value, as DIB requires: DIB_IMAGE_SIZE: '3'/,
      /^b\.yaml:8: debug-trace: 3 is not one of 0, 1, 2/,
      /^b\.yaml:9: arch: 'amd65' is not one of aarch64, amd64/,
      /^b\.yaml:10: types\[1\]: expected a string, got the integer 7/,
      /^b\.yaml:11: qemu-img-options: expected a map of strings/,
      /^b\.yaml:12: image-extra-size: 0 is less than 1/,
    ];
    assert.equal(p.length, expect.length, p.join('\n'));
    for (const [i, re] of expect.entries()) assert.match(p[i]!, re);
  });

  it('the shape: not a list, not a map, no elements, YAML syntax, a missing file', () => {
    assert.match(problems('imagename: a\nelements: [x]\n')[0]!, /^b\.yaml:1: a build file is a list of images; this one is a map/);
    assert.match(problems('- imagename: a\n  elements: [x]\n- just-a-string\n')[0]!, /^b\.yaml:3: an image is a map of options/);
    assert.match(problems('- imagename: a\n  types: [tar]\n')[0]!, /^b\.yaml:1: image a: no elements \| add elements:/);
    assert.match(problems('- imagename: a\n  elements: [x\n')[0]!, /^b\.yaml:\d: not valid YAML/);
    assert.match(problems('- imagename: a\n  imagename: b\n  elements: [x]\n')[0]!, /^b\.yaml:2: not valid YAML: Map keys must be unique/);
    assert.match(problems('')[0]!, /^b\.yaml:1: /);
    assert.throws(() => readBuildFiles(['nope.yaml'], files({})), /cannot read the build file: ENOENT/);
  });

  it('ramdisk images are refused at the ramdisk key', () => {
    assert.match(problems('- imagename: r\n  elements: [x]\n  ramdisk: true\n')[0]!, /^b\.yaml:3: image r: ramdisk images are not supported yet/);
  });

  it("what the build's own checks find (elements, options) is placed at the image, or at its key", () => {
    const images = read(`- imagename: /tmp/kiln-bf-unit/a
  elements: [busybox-minimla]
  skip-base: true
- imagename: /tmp/kiln-bf-unit/b
  elements: [busybox-minimal]
  skip-base: true
  types: [tar, floppy]
- imagename: /tmp/kiln-bf-unit//a
  elements: [busybox-minimal]
`);
    try {
      checkImages(images, { PATH: process.env.PATH });
      assert.fail('no problem found');
    } catch (e) {
      assert.ok(e instanceof ValidationErrors, String(e));
      const p = e.problems.map((x) => `${x.where}: ${x.message}`);
      assert.equal(p.length, 3, p.join('\n'));
      assert.match(p[0]!, /^b\.yaml:1: image \/tmp\/kiln-bf-unit\/a: .*busybox-minimla.*did you mean busybox-minimal/s);
      assert.match(p[1]!, /^b\.yaml:7: image \/tmp\/kiln-bf-unit\/b: .*floppy/s);
      assert.match(p[2]!, /^b\.yaml:8: images \/tmp\/kiln-bf-unit\/a and \/tmp\/kiln-bf-unit\/\/a write the same outputs \(\/tmp\/kiln-bf-unit\/a\.\*\)/);
    }
  });
});

describe('build files: placing a problem found later', () => {
  const [image] = read('- imagename: x\n  elements: [busybox-minimal]\n  types: [tar]\n');
  it('at the key whose option the message names, as a whole word', () => {
    const at = (msg: string) => (placeProblem(image!, new KilnError(msg)) as KilnError).where;
    assert.equal(at("-t: unknown output type 'floppy'"), 'b.yaml:3');
    // "--mkfs-options" holds "-o" (imagename's option), but not as a word: the image, not imagename's line
    assert.equal(at('--mkfs-options: bad'), 'b.yaml:1');
    assert.equal(at("option '-o' needs a value"), 'b.yaml:1', 'imagename is the first key: its line is the image line');
    assert.match((placeProblem(image!, new KilnError('m')) as KilnError).message, /^image x: m$/);
    const internal = new Error('a bug');
    assert.equal(placeProblem(image!, internal), internal, 'an internal error stays one');
  });
});

describe('build files: output', () => {
  it("--dry-run's lines are shell lines, the environment first (DIB's Command repr)", () => {
    assert.equal(shellLine({ A: '/p', B: '~/x y' }, ['kiln', 'build', '-o', "it's"]), "A=/p B='~/x y' kiln build -o 'it'\\''s'");
  });
  it('the summary is a table: image, outputs, time, status', () => {
    const run = (imageName: string, status: ImageRun['status'], seconds: number | null, outputs: string[]): ImageRun => ({
      imageName,
      definedAt: 'b.yaml:1',
      status,
      command: [],
      exitCode: status === 'ok' ? 0 : 1,
      startedAt: null,
      endedAt: null,
      seconds,
      result: status === 'ok' ? ({ outputs: outputs.map((path) => ({ path })) } as never) : null,
      errorTail: null,
    });
    assert.equal(
      summaryTable([run('a', 'ok', 3.25, ['/o/a.tar', '/o/a.raw']), run('bb', 'failed', 75, []), run('c', 'skipped', null, [])]),
      [
        'IMAGE  OUTPUTS            TIME   STATUS',
        'a      /o/a.tar /o/a.raw  3.3s   ok',
        'bb     -                  1m15s  failed',
        'c      -                  -      skipped',
      ].join('\n'),
    );
  });
});
