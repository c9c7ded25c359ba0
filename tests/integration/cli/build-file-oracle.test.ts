// Build files against DIB's own diskimage-builder: for the same YAML, DIB's build_commands and
// `diskimage-builder --dry-run --json` give the same disk-image-create arguments and environment,
// image by image (merging included). DIB has the command since 3.29; the oracle scripts/setup
// installs is older, so this runs where KILN_DIB_ORACLE names a newer DIB's prefix (and python3 has
// jsonschema, which DIB's module imports).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { DIB_PY, dibPython } from '../../helpers/dib-oracle.js';

const HAS = existsSync(join(DIB_PY, 'diskimage_builder.py'));
// DIB's module imports jsonschema (python3-jsonschema)
const JSONSCHEMA = HAS && dibPython(['-c', 'import jsonschema']).status === 0;
const skip = !HAS
  ? `this DIB has no diskimage_builder.py (${DIB_PY}); KILN_DIB_ORACLE=PREFIX of DIB >= 3.29`
  : !JSONSCHEMA
    ? 'python3 has no jsonschema (python3-jsonschema)'
    : false;

const FILE = `
- imagename: a
  elements: [busybox-minimal]
  types: [tar, raw]
  environment: {X: '1'}
  debug-trace: 1
- elements: [vm]
  packages: [p1]
  checksum: false
- imagename: b
  elements: [debian-minimal]
  qemu-img-options: {compat: '1.1', lazy_refcounts: 'on'}
  skip-base: true
  uncompressed: true
  arch: arm64
  install-type: package
- imagename: a
  packages: [p2]
  environment: {Y: '2', X: '3'}
  logfile: a.log
  image-size: 3
  no-tmpfs: true
  root-label: r
`;

describe("build files: the same commands as DIB's diskimage-builder", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bf-oracle-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('arguments and environment of each image, merged entries included', () => {
    const f = join(dir, 'images.yaml');
    writeFileSync(f, FILE);
    const py = dibPython([
      '-c',
      `import yaml, json
from unittest import mock
from diskimage_builder import diskimage_builder as dib
with mock.patch('diskimage_builder.paths.get_path', return_value='/lib'):
    cmds = dib.build_commands(yaml.safe_load(open(${JSON.stringify(f)})))
print(json.dumps([[c.command()[2:], c.environ] for c in cmds]))`,
    ]);
    assert.equal(py.status, 0, py.stderr);
    const r = runCli('diskimage-builder', ['--dry-run', '--json', f], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const kiln = (JSON.parse(r.stdout) as { command: string[]; environment: Record<string, string> }[]).map((p) => [p.command.slice(3), p.environment]);
    assert.deepEqual(kiln, JSON.parse(py.stdout));
  });
});
