/** Map a planned VG onto the LVM encoder's input (types.ts) and the byte offset of each of its PVs. */
import type { Bytes } from '../../units.js';
import type { BlockDevicePlan, LvmPlan } from '../common/plan-types.js';
import { LVM_DEFAULT_EXTENT_SECTORS, LVM_DEFAULT_PE_START_SECTORS, type LvmVg } from './types.js';

export function lvmVgOf(plan: BlockDevicePlan, l: LvmPlan, vgName: string, epoch: number): { vg: LvmVg; offsets: Record<string, Bytes> } {
  const vg = l.vgs.find((v) => v.name === vgName)!;
  const partNumber = (name: string): number => plan.partitionTables.flatMap((t) => t.partitions).find((p) => p.name === name)?.number ?? 1;
  const pvs = vg.pvs.map((n) => l.pvs.find((p) => p.name === n)!);
  const offsets: Record<string, Bytes> = {};
  for (const p of pvs) offsets[p.name] = p.offsetBytes;
  return {
    offsets,
    vg: {
      name: vg.name,
      uuid: vg.uuid,
      seqno: 1,
      extentSizeSectors: LVM_DEFAULT_EXTENT_SECTORS,
      pvs: pvs.map((p) => ({
        name: p.name,
        uuid: p.uuid,
        deviceBytes: p.sizeBytes,
        peStartSectors: LVM_DEFAULT_PE_START_SECTORS,
        peCount: p.peCount,
        deviceHint: `/dev/vda${partNumber(p.partition)}`,
      })),
      lvs: l.lvs
        .filter((x) => x.vg === vg.name)
        .map((x) => ({
          name: x.name,
          uuid: x.uuid,
          segments: x.segments.map((s) => ({ startExtent: s.startExtent, extentCount: s.extentCount, pv: s.pv, pvStartExtent: s.pvStartExtent })),
        })),
      creationHost: 'kiln',
      creationTime: epoch,
    },
  };
}
