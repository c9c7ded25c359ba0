/**
 * LVM layout (DIB diskimage_builder/block_device/level1/lvm.py semantics, lvm2 defaults): each PV
 * is a whole partition with its first extent at 1 MiB (pe_start) and 4 MiB extents; a VG spans its
 * PVs in `base` order; LVs are allocated in config order, linearly from the first free extent,
 * spilling onto the next PV.
 * `size` is rounded DOWN to whole extents (DIB passes -L <bytes rounded down to 4 MiB>B);
 * `extents` is N, N%VG or N%FREE, floored as lvm2's percent_of_extents(..., roundup=0).
 */
import { KilnError } from '../../errors.js';
import { bytes } from '../../units.js';
import type { LvmLvPlan, LvmPlan, LvmPvPlan, LvmSegmentPlan, PartitionPlan } from '../common/plan-types.js';
import type { LvmNode } from '../graph/types.js';
import { lvmId } from './ids.js';
import { LVM_DEFAULT_EXTENT_SECTORS, LVM_DEFAULT_PE_START_SECTORS, LVM_SECTOR_BYTES, lvmPeCount } from './types.js';

export const EXTENT_BYTES = bytes(LVM_DEFAULT_EXTENT_SECTORS * LVM_SECTOR_BYTES);
export const PE_START_BYTES = bytes(LVM_DEFAULT_PE_START_SECTORS * LVM_SECTOR_BYTES);

export function planLvm(l: LvmNode, partitions: Map<string, PartitionPlan>, seed: string, problems: KilnError[]): LvmPlan {
  const plan: LvmPlan = { name: l.name, pvs: [], vgs: [], lvs: [] };
  const pvVg = new Map<string, string>();
  for (const vg of l.vgs) for (const pv of vg.base) pvVg.set(pv, vg.name);
  for (const pv of l.pvs) {
    const part = partitions.get(pv.base);
    if (!part) continue; // base problems are reported by validate/resolve
    const vg = pvVg.get(pv.name);
    if (vg === undefined) {
      problems.push(new KilnError(`pv ${pv.name} is in no vg`, { where: pv.where, hint: 'list it in a vgs[].base' }));
      continue;
    }
    const peCount = lvmPeCount(part.sizeBytes);
    if (peCount === 0)
      problems.push(
        new KilnError(`pv ${pv.name}: partition ${part.name} (${part.sizeBytes} bytes) is too small for one 4 MiB extent after the 1 MiB header`, {
          where: pv.where,
        }),
      );
    plan.pvs.push({
      name: pv.name,
      partition: part.name,
      vg,
      uuid: lvmId(seed, `pv:${pv.name}`),
      offsetBytes: part.offsetBytes,
      sizeBytes: part.sizeBytes,
      peStartBytes: PE_START_BYTES,
      peCount,
    });
  }
  // free extent cursor per PV
  const used = new Map<string, number>(plan.pvs.map((p) => [p.name, 0]));
  for (const vg of l.vgs) {
    const pvs = vg.base.map((n) => plan.pvs.find((p) => p.name === n)).filter((p): p is LvmPvPlan => p !== undefined);
    const extentCount = pvs.reduce((s, p) => s + p.peCount, 0);
    plan.vgs.push({
      name: vg.name,
      uuid: lvmId(seed, `vg:${vg.name}`),
      pvs: pvs.map((p) => p.name),
      extentBytes: EXTENT_BYTES,
      extentCount,
      freeExtents: extentCount,
    });
  }
  for (const lv of l.lvs) {
    const vg = plan.vgs.find((v) => v.name === lv.base);
    if (!vg || lv.lvType !== undefined) continue;
    let want: number | undefined;
    let request: string;
    if (lv.sizeBytes !== undefined) {
      request = lv.sizeText ?? String(lv.sizeBytes);
      want = Math.floor(lv.sizeBytes / EXTENT_BYTES);
    } else {
      request = lv.extents ?? '';
      const m = /^(\d+(?:\.\d+)?)(%(VG|FREE))?$/i.exec(request.trim());
      if (!m) {
        problems.push(new KilnError(`lv ${lv.name}: extents '${request}' not supported`, { where: lv.where, hint: 'use N, N%VG or N%FREE' }));
        continue;
      }
      const n = Number(m[1]);
      const unit = m[3]?.toUpperCase();
      want = unit === undefined ? Math.floor(n) : Math.floor((n * (unit === 'VG' ? vg.extentCount : vg.freeExtents)) / 100);
    }
    if (want <= 0) {
      problems.push(new KilnError(`lv ${lv.name}: ${request} is less than one 4 MiB extent`, { where: lv.where }));
      continue;
    }
    if (want > vg.freeExtents) {
      problems.push(
        new KilnError(`lv ${lv.name} does not fit: ${want} extents (${want * EXTENT_BYTES} bytes) asked, vg ${vg.name} has ${vg.freeExtents} free`, {
          where: lv.where,
          hint: 'make the logical volumes smaller or the PV partitions bigger',
        }),
      );
      continue;
    }
    const segments: LvmSegmentPlan[] = [];
    let left = want;
    for (const pvName of vg.pvs) {
      const pv = plan.pvs.find((p) => p.name === pvName)!;
      const start = used.get(pvName)!;
      const n = Math.min(left, pv.peCount - start);
      if (n <= 0) continue;
      segments.push({
        pv: pvName,
        startExtent: want - left,
        pvStartExtent: start,
        extentCount: n,
        offsetBytes: bytes(pv.offsetBytes + pv.peStartBytes + start * EXTENT_BYTES),
        sizeBytes: bytes(n * EXTENT_BYTES),
      });
      used.set(pvName, start + n);
      left -= n;
      if (left === 0) break;
    }
    vg.freeExtents -= want;
    const out: LvmLvPlan = {
      name: lv.name,
      vg: vg.name,
      uuid: lvmId(seed, `lv:${vg.name}/${lv.name}`),
      extents: want,
      sizeBytes: bytes(want * EXTENT_BYTES),
      request,
      segments,
    };
    plan.lvs.push(out);
  }
  return plan;
}

/**
 * Kiln writes the metadata itself: pvcreate/vgcreate/lvcreate options have nothing to go to (flags
 * that only answer prompts mean nothing here: the metadata is always written fresh).
 */
export function unappliedOptionWarnings(l: LvmNode): string[] {
  const out: string[] = [];
  for (const item of [...l.pvs, ...l.vgs, ...l.lvs]) {
    const options = item.options.filter((o) => !['--force', '-f', '-ff', '--yes', '-y'].includes(o));
    if (options.length > 0)
      out.push(`lvm ${item.kind} ${item.name}: options ${JSON.stringify(options)} are not applied (Kiln writes LVM metadata without the lvm tools)`);
  }
  return out;
}
