/** planSummary(): a BlockDevicePlan as a few human lines for the build log. */
import type { BlockDevicePlan } from './common/plan-types.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

export function planSummary(plan: BlockDevicePlan): string {
  const out: string[] = [];
  const img = plan.image;
  out.push(`image ${img.name}: ${formatBytes(img.sizeBytes)} (${img.sizeBytes} bytes), ${img.sectorSize}-byte sectors, size from ${img.sizeFrom}`);
  if (img.sizeReport) {
    const r = img.sizeReport;
    out.push(
      `  measured: tree ${r.treeKiB} KiB -> ${r.scaledKiB} KiB${r.extraMiB !== undefined ? ` (+${r.extraMiB} MiB extra)` : ' (/0.6)'} + journal ${r.journalKiB} KiB + ESP ${r.espKiB} KiB = ${r.totalKiB} KiB`,
    );
  }
  for (const t of plan.partitionTables) {
    out.push(`${t.label} ${t.name} (${t.diskSignature ?? t.diskGuid}):`);
    if (t.extended) out.push(`  ${t.extended.number} (extended) ${t.extended.firstLba}+${t.extended.sectors} type 0x0f`);
    for (const p of t.partitions) {
      out.push(
        `  ${p.number} ${p.name}: sectors ${p.firstLba}-${p.lastLba} (${formatBytes(p.sizeBytes)}) type ${p.typeCode ?? p.type}${p.flags.length ? ` [${p.flags.join(',')}]` : ''}${p.logical ? ` EBR@${p.ebrLba}` : ''}`,
      );
    }
  }
  for (const l of plan.lvm) {
    for (const vg of l.vgs) out.push(`lvm vg ${vg.name} on ${vg.pvs.join(',')}: ${vg.extentCount} extents of 4 MiB, ${vg.freeExtents} free`);
    for (const lv of l.lvs)
      out.push(
        `  lv ${lv.name} (${lv.request}): ${lv.extents} extents (${formatBytes(lv.sizeBytes)}) on ${lv.segments.map((s) => `${s.pv}+${s.pvStartExtent}`).join(', ')}`,
      );
  }
  for (const f of plan.filesystems) {
    out.push(
      `fs ${f.name}: ${f.type} '${f.label}' on ${f.device.kind} ${f.device.name} at ${f.offsetBytes} (${formatBytes(f.sizeBytes)})${f.mountPoint ? ` -> ${f.mountPoint}` : ''}`,
    );
  }
  for (const l of plan.fstab) out.push(`fstab: ${l.spec} ${l.mountPoint} ${l.type} ${l.options} ${l.dumpFreq} ${l.passno}`);
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}
