// report.html from a planned layout: one rect per partition, LV segment and filesystem extent, drawn
// to scale; the data the page carries reads back as it was, even with markup in names; the boot test's
// section for each outcome.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planBlockDevice } from '../../../src/block-device/plan.js';
import { readReportData, renderReport, type ReportData } from '../../../src/report/index.js';
import { bytes } from '../../../src/units.js';
import { REPO } from '../../helpers/cli.js';

const GiB = 1024 ** 3;
const plan = planBlockDevice(
  { text: readFileSync(join(REPO, 'elements/block-device-efi-lvm/block-device-default.yaml'), 'utf8'), file: 'efi-lvm.yaml' },
  { seed: 'test', imageSizeBytes: bytes(42 * GiB) },
);

function data(over: Partial<ReportData> = {}): ReportData {
  return {
    reportVersion: 1,
    kilnVersion: '0.1.0',
    imageName: 'lvm',
    arch: 'amd64',
    finished: '2026-01-01T00:00:00.000Z',
    requestedElements: ['debian-minimal', 'vm', 'block-device-efi-lvm'],
    elements: ['debian-minimal'],
    outputs: [{ file: 'lvm.qcow2', sizeBytes: 1234 }],
    layout: plan,
    filesystemUsedKiB: { fs_root: 1024 * 1024 },
    steps: [{ id: 'install.d', title: 'install.d', startMs: 100, ms: 900 }],
    hooks: [{ phase: 'install.d', script: '10-x', element: 'x', startMs: 150, ms: 800, ok: true }],
    totalMs: 1000,
    os: null,
    packages: { format: 'dpkg', packages: [{ name: 'a', version: '1', arch: 'all', source: 'a', sourceVersion: '1' }] },
    manifests: [],
    sbom: 'sbom.spdx.json',
    bootTest: null,
    ...over,
  };
}

const count = (html: string, cls: string) => html.match(new RegExp(`<rect class="${cls}"`, 'g'))?.length ?? 0;

describe('report.html', () => {
  it('draws every partition, PV, LV segment and filesystem extent of the layout, to scale', () => {
    const html = renderReport(data());
    const parts = plan.partitionTables.flatMap((t) => t.partitions);
    assert.equal(count(html, 'partition'), parts.length);
    assert.equal(count(html, 'pv'), plan.lvm.flatMap((l) => l.pvs).length);
    assert.equal(count(html, 'lv'), plan.lvm.flatMap((l) => l.lvs.flatMap((lv) => lv.segments)).length);
    assert.equal(count(html, 'fs'), plan.filesystems.flatMap((f) => f.extents).length);
    assert.equal(count(html, 'fs-used'), 1, 'fs_root has files');
    // the root partition (40 GiB of 42) spans its share of the 960 px
    const root = parts.find((p) => p.name === 'root')!;
    const w = Number(/data-name="root" x="[\d.]+" y="\d+" width="([\d.]+)"/.exec(html)?.[1]);
    assert.ok(Math.abs(w - (root.sizeBytes / plan.image.sizeBytes) * 960) < 0.01, `${w}`);
  });

  it('the page carries its data; markup in names stays text', () => {
    const d = data({ imageName: '</script><script>alert(1)</script>', requestedElements: ['<b>x</b>'] });
    const html = renderReport(d);
    assert.deepEqual(readReportData(html), d);
    assert.ok(!html.includes('<script>alert(1)'), 'escaped');
    assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(1)'));
    assert.equal(readReportData('<html>not a report</html>'), undefined);
  });

  it('no disk: no drawing; the boot test: not run, passed, failed', () => {
    assert.match(renderReport(data({ layout: null })), /No disk image/);
    assert.match(renderReport(data()), /id="boot-test" class="muted">Not run\. <code>kiln boot-test lvm\.qcow2<\/code>/);
    const at = '2026-01-01T00:00:00.000Z';
    const passed = renderReport(
      data({
        bootTest: { ok: true, image: 'lvm.qcow2', at, seconds: 12.34, firmware: 'UEFI', accel: 'kvm', format: 'qcow2', expect: 'login:', by: 'kiln boot-test' },
      }),
    );
    assert.match(passed, /data-ok="true"><span class="ok">passed<\/span>: lvm\.qcow2 showed <code>login:<\/code> in 12\.3 s \(UEFI, KVM, qcow2\)/);
    const failed = renderReport(
      data({ bootTest: { ok: false, image: 'lvm.qcow2', at, seconds: 0, expect: 'login:', error: 'no login: prompt in 300 s', by: 'kiln boot-test' } }),
    );
    assert.match(failed, /data-ok="false"><span class="fail">failed<\/span>: lvm\.qcow2 did not show <code>login:<\/code>.*no login: prompt in 300 s/);
  });
});
