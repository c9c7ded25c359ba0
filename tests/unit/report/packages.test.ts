// The dpkg status parser against dpkg-query reading the same database (this host's), and the
// cases a status file holds: a Source with its own version, config-files leftovers, continuation lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseDpkgStatus, parseRpmQuery, readOsRelease } from '../../../src/report/index.js';
import { readDpkgPackages } from '../../../src/report/packages.js';
import { Tree } from '../../../src/tree/fs.js';
import { findTool } from '../../helpers/host-tools.js';

// dpkg-query's own ${field} syntax
const DPKG_FORMAT = `${['db:Status-Status', 'Package', 'Version', 'Architecture', 'source:Package', 'source:Version'].map((f) => `\${${f}}`).join('\t')}\n`;

const STATUS = `Package: libfoo1
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: foo (1.2-3)
Version: 1.2-3+b1
Description: a library
 with a long description
 Package: not-a-field

Package: removed-one
Status: deinstall ok config-files
Architecture: all
Version: 0.9

Package: bar
Status: install ok installed
Architecture: all
Version: 2:4.5-1
Source: bar-src
`;

describe('dpkg status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-dpkg-status-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installed packages only, with their source package and its version', () => {
    assert.deepEqual(parseDpkgStatus(STATUS), [
      { name: 'bar', version: '2:4.5-1', arch: 'all', source: 'bar-src', sourceVersion: '2:4.5-1' },
      { name: 'libfoo1', version: '1.2-3+b1', arch: 'amd64', source: 'foo', sourceVersion: '1.2-3' },
    ]);
  });

  it('rpm -qa lines: epoch kept in the version, the source rpm split, imported keys left out', () => {
    const text =
      'bash\t5.2.26-3.fc40\tx86_64\tbash-5.2.26-3.fc40.src.rpm\ngpg-pubkey\ta15b79cc-63d04c2c\t(none)\t(none)\nopenssl-libs\t1:3.2.1-2.fc40\tx86_64\topenssl-3.2.1-2.fc40.src.rpm\n';
    assert.deepEqual(parseRpmQuery(text), [
      { name: 'bash', version: '5.2.26-3.fc40', arch: 'x86_64', source: 'bash', sourceVersion: '5.2.26-3.fc40' },
      { name: 'openssl-libs', version: '1:3.2.1-2.fc40', arch: 'x86_64', source: 'openssl', sourceVersion: '3.2.1-2.fc40' },
    ]);
  });

  it("reads the tree's database and os-release through the tree; none: null", () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'var/lib/dpkg'), { recursive: true });
    mkdirSync(join(tree, 'usr/lib'), { recursive: true });
    writeFileSync(join(tree, 'var/lib/dpkg/status'), STATUS);
    writeFileSync(join(tree, 'usr/lib/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
    const t = new Tree(tree);
    assert.equal(readDpkgPackages(t)?.packages.length, 2);
    assert.deepEqual(readOsRelease(t), { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    mkdirSync(join(dir, 'empty'));
    assert.equal(readDpkgPackages(new Tree(join(dir, 'empty'))), null);
    assert.equal(readOsRelease(new Tree(join(dir, 'empty'))), null);
  });

  it("this host's status file: the same list as dpkg-query shows", {
    skip: !existsSync('/var/lib/dpkg/status') || !findTool('dpkg-query') ? 'not a dpkg host' : false,
  }, () => {
    const q = spawnSync('dpkg-query', ['-W', '-f', DPKG_FORMAT], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    assert.equal(q.status, 0, q.stderr);
    const expected = q.stdout
      .split('\n')
      .filter((l) => l.startsWith('installed\t'))
      .map((l) => l.split('\t').slice(1).join(' '))
      .sort();
    const got = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8'))
      .map((p) => [p.name, p.version, p.arch, p.source, p.sourceVersion].join(' '))
      .sort();
    assert.ok(got.length > 50, `${got.length} packages`);
    assert.deepEqual(got, expected);
  });
});
