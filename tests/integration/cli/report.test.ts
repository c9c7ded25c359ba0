// NAME.d/report.html and NAME.d/sbom.spdx.json of a busybox build with a GPT + ESP + ext4 layout
// (block-device-efi) and a planted dpkg database: the page renders in headless Chromium without an
// exception, console message or network load, draws one rect per partition that sfdisk reads from
// the image, lists the packages, links the SBOM; kiln boot-test adds its result to the page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readReportData, type SpdxDocument } from '../../../src/report/index.js';
import { encodeProbeBootSector, PROBE_MARKER } from '../../../src/vm/probe-image.js';
import { chromiumSkip, renderInChromium } from '../../helpers/chromium.js';
import { runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { findTool } from '../../helpers/host-tools.js';
import { buildRpmRepo, missingRpmFixtureTools } from '../../helpers/rpm-repo.js';
import { spdxProblems } from '../../helpers/spdx.js';

const STATUS = `Package: busybox
Status: install ok installed
Architecture: amd64
Version: 1:1.35.0-4+b3
Description: the tools

Package: libkiln-test1
Status: install ok installed
Architecture: amd64
Source: kiln-test (2.0-1)
Version: 2.0-1+b1
Description: a library
 of the test

Package: gone
Status: deinstall ok config-files
Architecture: all
Version: 1
`;

interface Measured {
  partitions: { name: string; width: number }[];
  filesystems: number;
  packages: number;
  sbomHref: string | null;
  manifests: string[];
  bootTest: string | null;
}

const MEASURE = `{
  partitions: [].map.call(document.querySelectorAll('svg#layout rect.partition'), function (r) { return { name: r.getAttribute('data-name'), width: r.getBoundingClientRect().width }; }),
  filesystems: document.querySelectorAll('svg#layout rect.fs').length,
  packages: document.querySelectorAll('#packages tbody tr').length,
  sbomHref: (document.querySelector('a[href="sbom.spdx.json"]') || {}).href || null,
  manifests: [].map.call(document.querySelectorAll('a[href^="dib-manifests/"]'), function (a) { return a.getAttribute('href'); }),
  bootTest: (document.getElementById('boot-test') || {}).textContent || null
}`;

describe('build report and SBOM', { skip: chromiumSkip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-report-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const elements = makeElementTree(
    {
      'with-dpkg': {
        deps: ['busybox-minimal'],
        files: {
          'extra-data.d/10-dpkg-status': `#!/bin/sh\nset -eu\nmkdir -p "$TARGET_ROOT/var/lib/dpkg"\ncat > "$TARGET_ROOT/var/lib/dpkg/status" <<'EOF'\n${STATUS}EOF\n`,
        },
      },
    },
    join(work, 'elements'),
  );
  const out = join(work, 'out');
  const image = join(out, 'bb.raw');
  const reportHtml = join(out, 'bb.d', 'report.html');
  let built = false;

  it('every build writes NAME.d/report.html and a valid SPDX 2.3 NAME.d/sbom.spdx.json; --json names them', () => {
    const r = runCli('disk-image-create', ['-n', 'with-dpkg', 'block-device-efi', 'manifests', '-t', 'raw', '-o', join(out, 'bb'), '--json'], {
      env: { ELEMENTS_PATH: elements, TMP_DIR: work },
    });
    assert.equal(r.status, 0, r.stderr);
    built = true;
    const j = JSON.parse(r.stdout) as { report: { html: string; sbom: string } };
    assert.deepEqual(j.report, { html: reportHtml, sbom: join(out, 'bb.d', 'sbom.spdx.json') });
    const sbom = JSON.parse(readFileSync(j.report.sbom, 'utf8')) as SpdxDocument;
    assert.deepEqual(spdxProblems(sbom), []);
    assert.deepEqual(
      sbom.packages.slice(1).map((p) => `${p.name} ${p.versionInfo}`),
      ['busybox 1:1.35.0-4+b3', 'libkiln-test1 2.0-1+b1'],
      'the installed packages, not the config-files leftover',
    );
    assert.match(sbom.packages[2]!.sourceInfo!, /kiln-test 2\.0-1/);
  });

  it('renders in headless Chromium: no exception, console message or network load; one rect per partition of the image', (t) => {
    if (!built) return t.skip('the build failed');
    const r = renderInChromium(reportHtml, MEASURE);
    assert.deepEqual(r.problems, [], r.stderr.slice(-2000));
    const m = r.measured as Measured;
    // the partitions as sfdisk reads them from the image's GPT
    const sf = JSON.parse(spawnSync('sfdisk', ['--json', image], { encoding: 'utf8' }).stdout) as { partitiontable: { partitions: { name: string }[] } };
    assert.deepEqual(
      m.partitions.map((p) => p.name),
      sf.partitiontable.partitions.map((p) => p.name),
    );
    assert.equal(m.partitions.length, 3, 'ESP, BIOS boot, root');
    for (const p of m.partitions) assert.ok(p.width > 0, `${p.name} is drawn`);
    assert.equal(m.filesystems, 2, 'vfat and ext4');
    assert.equal(m.packages, 2);
    assert.ok(m.sbomHref?.endsWith('/bb.d/sbom.spdx.json'), String(m.sbomHref));
    assert.match(m.bootTest ?? '', /Not run/);
    assert.ok(m.manifests.includes('dib-manifests/dib_arguments'), `the manifests element's files are linked: ${m.manifests.join(' ')}`);
    // to scale: the ESP (550 MiB) is drawn wider than root in proportion to the sizes in the plan
    const data = readReportData(readFileSync(reportHtml, 'utf8'))!;
    const parts = data.layout!.partitionTables[0]!.partitions;
    const esp = m.partitions.find((p) => p.name === 'ESP')!;
    const root = m.partitions.find((p) => p.name === 'root')!;
    const want = parts.find((p) => p.name === 'ESP')!.sizeBytes / parts.find((p) => p.name === 'root')!.sizeBytes;
    assert.ok(Math.abs(esp.width / root.width - want) / want < 0.02, `ESP/root ${esp.width / root.width}, sizes ${want}`);
    // each filesystem's files: the root holds busybox, the ESP (almost) nothing
    assert.ok((data.filesystemUsedKiB.mkfs_root ?? 0) > 500, JSON.stringify(data.filesystemUsedKiB));
    assert.ok(data.steps.some((s) => s.id === 'extra-data.d') && data.hooks.some((h) => h.script === '10-dpkg-status' && h.ok), 'hooks are timed');
  });

  it('the recorder catches what a broken page does (the check above can fail)', (t) => {
    if (!built) return t.skip('the build failed');
    const bad = join(out, 'bb.d', 'broken.html');
    const html = readFileSync(reportHtml, 'utf8').replace('</body>', '<script>null.x;</script><img src="http://192.0.2.1/x.png"></body>');
    writeFileSync(bad, html);
    const r = renderInChromium(bad);
    assert.ok(
      r.problems.some((p) => /exception: .*null/.test(p)),
      r.problems.join('\n'),
    );
    assert.ok(
      r.problems.some((p) => /csp: img-src/.test(p)),
      r.problems.join('\n'),
    );
  });

  it('an RPM database: the packages rpm reads from the packages themselves; a report without a disk renders too', (t) => {
    const missing = missingRpmFixtureTools();
    if (missing.length && process.env.CI !== 'true') return t.skip(`${missing.join(', ')} not installed`);
    const repo = buildRpmRepo(join(work, 'rpms'), [
      { name: 'kiln-fixture-tools', version: '1.2', release: '3', files: { '/usr/share/kiln-fixture/a': 'a\n' } },
      { name: 'kiln-fixture-lib', version: '0.9', release: '1.fc40', files: { '/usr/share/kiln-fixture/b': 'b\n' } },
    ]);
    const rpms = spawnSync('find', [repo, '-name', '*.rpm'], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
    const rpmElements = makeElementTree(
      {
        'with-rpm': {
          deps: ['busybox-minimal'],
          files: {
            'extra-data.d/10-rpmdb': `#!/bin/sh\nset -eu\nrpm --root "$TARGET_ROOT" --dbpath /var/lib/rpm --initdb\nrpm --root "$TARGET_ROOT" --dbpath /var/lib/rpm -i --justdb --nodeps --noscripts --nosignature ${rpms.join(' ')}\n`,
          },
        },
      },
      join(work, 'rpm-elements'),
    );
    const r = runCli('kiln', ['build', '-n', 'with-rpm', '-t', 'tar', '-o', join(out, 'rp'), '--json'], { env: { ELEMENTS_PATH: rpmElements, TMP_DIR: work } });
    assert.equal(r.status, 0, r.stderr);
    const sbom = JSON.parse(readFileSync(join(out, 'rp.d', 'sbom.spdx.json'), 'utf8')) as SpdxDocument;
    assert.deepEqual(spdxProblems(sbom), []);
    // what rpm says of the package files
    const want = rpms
      .map((f) => spawnSync('rpm', ['-qp', '--qf', '%{NAME} %{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}', f], { encoding: 'utf8' }).stdout)
      .sort();
    assert.deepEqual(
      sbom.packages
        .slice(1)
        .map((p) => `${p.name} ${p.versionInfo} ${/arch=([^&]+)/.exec(p.externalRefs![0]!.referenceLocator)![1]} ${p.name}-${p.versionInfo}.src.rpm`)
        .sort(),
      want,
    );
    assert.match(sbom.packages[1]!.externalRefs![0]!.referenceLocator, /^pkg:rpm\/[^/]+\/kiln-fixture-lib@0\.9-1\.fc40\?arch=noarch/);
    const page = renderInChromium(
      join(out, 'rp.d', 'report.html'),
      "{ packages: document.querySelectorAll('#packages tbody tr').length, layout: !!document.getElementById('layout') }",
    );
    assert.deepEqual(page.problems, []);
    assert.deepEqual(page.measured, { packages: 2, layout: false });
  });

  it('kiln boot-test IMAGE puts its result into NAME.d/report.html beside it', {
    skip: !findTool('qemu-system-x86_64') && process.env.CI !== 'true' ? 'qemu-system-x86_64 is not installed' : false,
  }, (t) => {
    if (!built) return t.skip('the build failed');
    // the KVM probe's boot code in the protective MBR's code area (the GPT is left as it is): it prints a marker
    const booting = join(out, 'bb.raw');
    const fd = openSync(booting, 'r+');
    writeSync(fd, encodeProbeBootSector(10).subarray(0, 440), 0, 440, 0);
    closeSync(fd);
    const r = runCli('kiln', ['boot-test', booting, '--expect', PROBE_MARKER, '--accel', 'tcg', '--timeout', '60', '--format', 'raw', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ok: boolean; report: string; firmware: string };
    assert.deepEqual([j.ok, j.report, j.firmware], [true, reportHtml, 'BIOS']);
    const page = renderInChromium(reportHtml, MEASURE);
    assert.deepEqual(page.problems, []);
    const m = page.measured as Measured;
    assert.match(m.bootTest ?? '', /^passed: bb\.raw showed KILN-KVM-PROBE-OK in [\d.]+ s \(BIOS, TCG, raw\)/);
    assert.equal(m.partitions.length, 3, 'the rest of the page is as it was');
    assert.equal(readReportData(readFileSync(reportHtml, 'utf8'))!.bootTest!.by, 'kiln boot-test');
    assert.ok(existsSync(join(out, 'bb.d', 'sbom.spdx.json')));
    // a later boot test that fails replaces the result
    const failed = runCli('kiln', ['boot-test', booting, '--expect', 'never-printed', '--accel', 'tcg', '--timeout', '3', '--format', 'raw']);
    assert.equal(failed.status, 1, failed.stderr);
    const after = readReportData(readFileSync(reportHtml, 'utf8'))!.bootTest!;
    assert.deepEqual([after.ok, after.expect], [false, 'never-printed']);
    assert.match(after.error ?? '', /no match for \/never-printed\/ within 3 s/);
  });
});
