/**
 * report.html: one self-contained page (inline CSS, SVG and a few lines of script; a Content
 * Security Policy forbids every network load) from the ReportData, which the page also carries as
 * JSON so that it can be read back (readReportData) and rendered again with a boot test's result.
 */
import type { BlockDevicePlan } from '../block-device/common/plan-types.js';
import { formatBytes } from '../block-device/summary.js';
import type { ReportData } from './data.js';

const DATA_ID = 'kiln-report-data';

const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const secs = (ms: number): string => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:2px 8px;border-bottom:1px solid #eee;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777}.ok{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}
svg text{font:11px system-ui,sans-serif}
svg .disk{fill:#f4f4f4;stroke:#999}svg .partition{fill:#cfe3ff;stroke:#2f6db5}svg .extended{fill:none;stroke:#999;stroke-dasharray:4 2}
svg .pv{fill:#fde7c8;stroke:#b5762f}svg .lv{fill:#f7c98b;stroke:#8a5a1f}
svg .fs{fill:#e3f4e1;stroke:#3b8a34}svg .fs-used{fill:#8fd18a}
.bar-cell{width:45%;position:relative}.bar{position:absolute;top:4px;height:12px;min-width:1px;background:#5b8def}
tr.hook td{font-size:12px;color:#555}tr.hook .bar{background:#a9c3f7}tr.hook td:first-child{padding-left:2em}
tr.failed .bar{background:#c62828}
.use{display:inline-block;width:80px;height:8px;background:#eee;margin-right:6px}.use span{display:block;height:8px;background:#3b8a34}
input{margin:.5em 0;padding:3px;width:20em}
`;

// the package filter; errors would show in the browser's console (the tests fail on any)
const SCRIPT = `
(function(){var q=document.getElementById('pkg-filter');if(!q)return;var rows=document.querySelectorAll('#packages tbody tr');
q.addEventListener('input',function(){var v=q.value.toLowerCase();var n=0;rows.forEach(function(r){var m=r.textContent.toLowerCase().indexOf(v)>=0;r.hidden=!m;if(m)n++;});
document.getElementById('pkg-count').textContent=String(n);});})();
`;

/** The disk layout to scale: the image, its partitions, LVM PVs and LVs, and the filesystems with their use. */
export function layoutSvg(plan: BlockDevicePlan, usedKiB: Record<string, number>): string {
  const W = 960;
  const total = plan.image.sizeBytes;
  const x = (off: number) => (off / total) * W;
  const w = (size: number) => Math.max((size / total) * W, 2); // the smallest stays visible
  const out: string[] = [];
  const rows: { y: number; label: string }[] = [];
  let y = 0;
  const row = (label: string): number => {
    rows.push({ y, label });
    const at = y;
    y += 46;
    return at;
  };
  const box = (cls: string, off: number, size: number, top: number, h: number, title: string, label: string, data = ''): void => {
    const bx = x(off);
    const bw = w(size);
    out.push(`<g><title>${esc(title)}</title><rect class="${cls}"${data} x="${bx.toFixed(2)}" y="${top}" width="${bw.toFixed(2)}" height="${h}"/>`);
    // a label only where it fits (about 6.5 px a character)
    if (label && bw > label.length * 6.5 + 6)
      out.push(`<text x="${(bx + bw / 2).toFixed(2)}" y="${top + h / 2 + 4}" text-anchor="middle">${esc(label)}</text>`);
    out.push('</g>');
  };
  const diskY = row(`disk ${formatBytes(total)}`);
  out.push(`<rect class="disk" x="0" y="${diskY}" width="${W}" height="30"/>`);
  for (const t of plan.partitionTables) {
    if (t.extended) {
      const ss = t.label === 'mbr' ? 512 : plan.image.sectorSize;
      out.push(
        `<rect class="extended" x="${x(t.extended.firstLba * ss).toFixed(2)}" y="${diskY - 3}" width="${w(t.extended.sectors * ss).toFixed(2)}" height="36"/>`,
      );
    }
    for (const p of t.partitions) {
      box(
        'partition',
        p.offsetBytes,
        p.sizeBytes,
        diskY,
        30,
        `partition ${p.number} ${p.name}: ${formatBytes(p.sizeBytes)} at ${p.offsetBytes} (${t.label}, type ${p.typeCode ?? p.type})`,
        `${p.number} ${p.name}`,
        ` data-name="${esc(p.name)}"`,
      );
    }
  }
  if (plan.lvm.length > 0) {
    const lvmY = row('LVM');
    for (const l of plan.lvm) {
      for (const pv of l.pvs)
        box('pv', pv.offsetBytes, pv.sizeBytes, lvmY, 30, `PV ${pv.name} on ${pv.partition} (VG ${pv.vg}): ${formatBytes(pv.sizeBytes)}`, '');
      for (const lv of l.lvs) {
        for (const s of lv.segments)
          box(
            'lv',
            s.offsetBytes,
            s.sizeBytes,
            lvmY + 5,
            20,
            `LV ${lv.vg}/${lv.name} (${lv.request}): ${formatBytes(lv.sizeBytes)}`,
            lv.name,
            ` data-name="${esc(lv.name)}"`,
          );
      }
    }
  }
  if (plan.filesystems.length > 0) {
    const fsY = row('filesystems');
    for (const f of plan.filesystems) {
      const used = (usedKiB[f.name] ?? 0) * 1024;
      const what = `${f.type} ${f.label ? `'${f.label}' ` : ''}${f.mountPoint ?? ''}`.trim();
      for (const e of f.extents) {
        box(
          'fs',
          e.offsetBytes,
          e.sizeBytes,
          fsY,
          30,
          `${f.name}: ${what}, ${formatBytes(f.sizeBytes)}, ${formatBytes(used)} of files`,
          f.mountPoint ?? f.type,
          ` data-name="${esc(f.name)}"`,
        );
      }
      // the use, to scale, from the filesystem's first byte (a spanned LV's extents are drawn apart)
      const first = f.extents[0];
      if (first && used > 0) {
        const uw = Math.min((Math.min(used, f.sizeBytes) / total) * W, w(first.sizeBytes));
        out.push(
          `<rect class="fs-used" x="${x(first.offsetBytes).toFixed(2)}" y="${fsY + 24}" width="${uw.toFixed(2)}" height="6"><title>${esc(`${f.name}: ${formatBytes(used)} of files`)}</title></rect>`,
        );
      }
    }
  }
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const tx = t * W;
    const anchor = t === 0 ? 'start' : t === 1 ? 'end' : 'middle';
    return `<line x1="${tx}" x2="${tx}" y1="${y}" y2="${y + 5}" stroke="#999"/><text x="${tx}" y="${y + 17}" text-anchor="${anchor}" class="muted">${esc(formatBytes(Math.round(t * total)))}</text>`;
  });
  const labels = rows.map((r) => `<text x="0" y="${r.y - 4}">${esc(r.label)}</text>`);
  const height = y + 22;
  return `<svg id="layout" xmlns="http://www.w3.org/2000/svg" viewBox="0 -14 ${W} ${height + 14}" width="100%" role="img" aria-label="disk layout to scale"><g>${labels.join('')}</g>${out.join('')}${ticks.join('')}</svg>`;
}

function layoutSection(d: ReportData): string {
  const plan = d.layout;
  if (!plan) return '<p class="muted">No disk image: this build wrote no disk format (only a tree archive or container).</p>';
  const fsRows = plan.filesystems.map((f) => {
    const used = (d.filesystemUsedKiB[f.name] ?? 0) * 1024;
    const pct = f.sizeBytes > 0 ? Math.min(100, (used / f.sizeBytes) * 100) : 0;
    return `<tr><td>${esc(f.name)}</td><td>${esc(f.type)}</td><td>${esc(f.label)}</td><td>${esc(f.mountPoint ?? '')}</td><td>${esc(f.device.kind)} ${esc(f.device.name)}</td><td class="n">${esc(formatBytes(f.sizeBytes))}</td><td class="n">${esc(formatBytes(used))}</td><td><span class="use"><span style="width:${pct.toFixed(1)}%"></span></span>${pct.toFixed(1)}%</td></tr>`;
  });
  const partRows = plan.partitionTables.flatMap((t) =>
    t.partitions.map(
      (p) =>
        `<tr><td>${esc(t.label)}</td><td class="n">${p.number}</td><td>${esc(p.name)}</td><td>${esc(p.typeCode ?? p.type)}</td><td>${esc(p.flags.join(','))}</td><td class="n">${p.firstLba}</td><td class="n">${p.lastLba}</td><td class="n">${esc(formatBytes(p.sizeBytes))}</td></tr>`,
    ),
  );
  const lvmRows = plan.lvm.flatMap((l) => [
    ...l.vgs.map(
      (vg) =>
        `<tr><td>VG</td><td>${esc(vg.name)}</td><td>on ${esc(vg.pvs.join(', '))}</td><td class="n">${esc(formatBytes(vg.extentBytes * vg.extentCount))}</td><td class="n">${vg.freeExtents} extents free</td></tr>`,
    ),
    ...l.lvs.map(
      (lv) =>
        `<tr><td>LV</td><td>${esc(lv.vg)}/${esc(lv.name)}</td><td>${esc(lv.request)}</td><td class="n">${esc(formatBytes(lv.sizeBytes))}</td><td class="n">${lv.segments.length} segment${lv.segments.length === 1 ? '' : 's'}</td></tr>`,
    ),
  ]);
  const sizeNote = plan.image.sizeReport
    ? ` Measured: ${plan.image.sizeReport.treeKiB} KiB of files, ${plan.image.sizeReport.totalKiB} KiB with DIB's allowances.`
    : '';
  return [
    `<p>Image ${esc(formatBytes(plan.image.sizeBytes))} (${plan.image.sizeBytes} bytes, ${plan.image.sectorSize}-byte sectors, size from ${esc(plan.image.sizeFrom)}).${esc(sizeNote)} Drawn to scale; the smallest parts are at least 2 px wide. The green strip under a filesystem is its files.</p>`,
    layoutSvg(plan, d.filesystemUsedKiB),
    partRows.length
      ? `<h3>Partitions</h3><table id="partitions"><thead><tr><th>table</th><th class="n">#</th><th>name</th><th>type</th><th>flags</th><th class="n">first LBA</th><th class="n">last LBA</th><th class="n">size</th></tr></thead><tbody>${partRows.join('')}</tbody></table>`
      : '',
    lvmRows.length ? `<h3>LVM</h3><table id="lvm"><tbody>${lvmRows.join('')}</tbody></table>` : '',
    `<h3>Filesystems</h3><table id="filesystems"><thead><tr><th>node</th><th>type</th><th>label</th><th>mount</th><th>on</th><th class="n">size</th><th class="n">files</th><th>use</th></tr></thead><tbody>${fsRows.join('')}</tbody></table>`,
  ].join('\n');
}

function timelineSection(d: ReportData): string {
  const total = Math.max(d.totalMs, 1);
  const bar = (startMs: number, ms: number) =>
    `<td class="bar-cell"><div class="bar" style="left:${((startMs / total) * 100).toFixed(2)}%;width:${((ms / total) * 100).toFixed(2)}%"></div></td>`;
  const rows: string[] = [];
  for (const s of d.steps) {
    const hooks = d.hooks.filter((h) => h.phase === s.id);
    rows.push(`<tr class="step"><td>${esc(s.title)}</td><td class="n">${secs(s.startMs)}</td><td class="n">${secs(s.ms)}</td>${bar(s.startMs, s.ms)}</tr>`);
    for (const h of hooks) {
      rows.push(
        `<tr class="hook${h.ok ? '' : ' failed'}"><td>${esc(h.script)} <span class="muted">(${esc(h.element)})</span></td><td class="n">${secs(h.startMs)}</td><td class="n">${secs(h.ms)}</td>${bar(h.startMs, h.ms)}</tr>`,
      );
    }
  }
  return `<p>Total ${secs(d.totalMs)} s. Each step of the build, and under each hook phase its scripts.</p><table id="timeline"><thead><tr><th>step</th><th class="n">start (s)</th><th class="n">took (s)</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function packagesSection(d: ReportData): string {
  const links = [`<a href="${esc(d.sbom)}">SBOM (SPDX 2.3 JSON)</a>`, ...d.manifests.map((m) => `<a href="${esc(m)}">${esc(m)}</a>`)];
  const head = `<p>${links.join(' · ')}</p>`;
  if (!d.packages) return `${head}<p class="muted">The image has no package database Kiln reads (dpkg or RPM): no package list.</p>`;
  const rows = d.packages.packages.map(
    (p) =>
      `<tr><td>${esc(p.name)}</td><td>${esc(p.version)}</td><td>${esc(p.arch)}</td><td>${esc(p.source)}${p.sourceVersion !== p.version ? ` ${esc(p.sourceVersion)}` : ''}</td></tr>`,
  );
  return `${head}<p><span id="pkg-count">${rows.length}</span> of ${rows.length} ${esc(d.packages.format)} packages. <input id="pkg-filter" type="search" placeholder="filter" aria-label="filter the packages"></p><table id="packages"><thead><tr><th>package</th><th>version</th><th>arch</th><th>source</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function bootTestSection(d: ReportData): string {
  const b = d.bootTest;
  if (!b) {
    return `<p id="boot-test" class="muted">Not run. <code>kiln boot-test ${esc(d.outputs.find((o) => /\.(qcow2|raw|vhd|vmdk|vhdx)$/.test(o.file))?.file ?? `${d.imageName}.qcow2`)}</code> adds its result here.</p>`;
  }
  const how = [b.firmware, b.accel?.toUpperCase(), b.format].filter(Boolean).join(', ');
  return `<p id="boot-test" data-ok="${b.ok}"><span class="${b.ok ? 'ok' : 'fail'}">${b.ok ? 'passed' : 'failed'}</span>: ${esc(b.image)} ${b.ok ? `showed <code>${esc(b.expect)}</code> in ${b.seconds.toFixed(1)} s` : `did not show <code>${esc(b.expect)}</code>`}${how ? ` (${esc(how)})` : ''}, ${esc(b.at)}, by ${esc(b.by)}.${b.error ? ` <span class="fail">${esc(b.error)}</span>` : ''}</p>`;
}

export function renderReport(d: ReportData): string {
  // the data, as JSON that cannot end the script element early
  const json = JSON.stringify(d).replace(/</g, '\\u003c');
  const outputs = d.outputs.map((o) => `<tr><td>${esc(o.file)}</td><td class="n">${esc(formatBytes(o.sizeBytes))}</td></tr>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.imageName)}: Kiln build report</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(d.imageName)}</h1>
<p>Built by Kiln ${esc(d.kilnVersion)} for ${esc(d.arch)}, finished ${esc(d.finished)}${d.os?.prettyName ? `; ${esc(d.os.prettyName)}` : ''}.</p>
<p>Elements asked for: ${esc(d.requestedElements.join(' '))}<br><span class="muted">Resolved: ${esc(d.elements.join(' '))}</span></p>
<h2>Outputs</h2>
<table id="outputs"><tbody>${outputs}</tbody></table>
<h2>Disk layout</h2>
${layoutSection(d)}
<h2>Boot test</h2>
${bootTestSection(d)}
<h2>Timeline</h2>
${timelineSection(d)}
<h2>Packages</h2>
${packagesSection(d)}
<script type="application/json" id="${DATA_ID}">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** The data a report.html carries, or undefined when the page holds none (not Kiln's, or damaged). */
export function readReportData(html: string): ReportData | undefined {
  const m = new RegExp(`<script type="application/json" id="${DATA_ID}">([^<]*)</script>`).exec(html);
  if (!m) return undefined;
  try {
    const d = JSON.parse(m[1]!) as ReportData;
    return typeof d === 'object' && d !== null && typeof d.reportVersion === 'number' ? d : undefined;
  } catch {
    return undefined;
  }
}
