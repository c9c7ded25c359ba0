// Checks an LvmVg before encoding, so a planner bug surfaces as a clear error instead of metadata
// that lvm2 rejects. Name rules: lvm2 lib/misc/lvm-string.c validate_name() (characters
// [a-zA-Z0-9+_.-], not starting with '-', not "." or "..", at most 127 chars) and, for LVs,
// apply_lvname_restrictions() (reserved prefixes and component-LV substrings).
import { KilnError, throwIfProblems } from '../../errors.js';
import { isLvmId } from './ids.js';
import { LVM_SECTOR_BYTES, lvmPeCount, type LvmVg } from './types.js';

const NAME = /^[a-zA-Z0-9+_.][a-zA-Z0-9+_.-]{0,126}$/;
const LV_RESERVED_PREFIXES = ['pvmove', 'snapshot'];
const LV_RESERVED_STRINGS = ['_cdata', '_cmeta', '_corig', '_mimage', '_mlog', '_rimage', '_rmeta', '_tdata', '_tmeta', '_vdata', '_pmspare', '_vorigin'];

function lvNameProblem(name: string): string | undefined {
  const prefix = LV_RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `lv names starting "${prefix}" are reserved by lvm`;
  const part = LV_RESERVED_STRINGS.find((r) => name.includes(r));
  if (part) return `lv names including "${part}" are reserved by lvm`;
  return nameProblem('lv', name);
}

function nameProblem(kind: string, name: string): string | undefined {
  if (!NAME.test(name) || name === '.' || name === '..') {
    return `invalid ${kind} name '${name}' (lvm allows [a-zA-Z0-9+_.-], not starting with '-', max 127)`;
  }
  return undefined;
}

export function validateLvmVg(vg: LvmVg): KilnError[] {
  const problems: KilnError[] = [];
  const where = `lvm vg '${vg.name}'`;
  const add = (message: string, at = where): void => {
    problems.push(new KilnError(message, { where: at }));
  };
  const bad = nameProblem('vg', vg.name);
  if (bad) add(bad);
  if (!isLvmId(vg.uuid)) add(`vg uuid '${vg.uuid}' is not 32 chars of [0-9A-Za-z]`);
  if (!Number.isInteger(vg.seqno) || vg.seqno < 1) add(`seqno ${vg.seqno} must be a positive integer`);
  const es = vg.extentSizeSectors;
  if (!Number.isInteger(es) || es < 8 || (es & (es - 1)) !== 0) add(`extent size ${es} sectors is not a power of two >= 8`);
  if (vg.pvs.length === 0) add('a volume group needs at least one pv');

  const used = new Map<string, boolean[]>();
  for (const pv of vg.pvs) {
    const at = `${where} pv '${pv.name}'`;
    if (used.has(pv.name)) add(`duplicate pv name '${pv.name}'`, at);
    if (!isLvmId(pv.uuid)) add(`pv uuid '${pv.uuid}' is not 32 chars of [0-9A-Za-z]`, at);
    if (pv.deviceBytes % LVM_SECTOR_BYTES !== 0) add(`device size ${pv.deviceBytes} is not a multiple of 512`, at);
    // The metadata area runs from 4 KiB to pe_start and must hold the 512-byte mda_header and the text.
    if (!Number.isInteger(pv.peStartSectors) || pv.peStartSectors < 16) add(`pe_start ${pv.peStartSectors} sectors leaves no room for metadata`, at);
    const max = lvmPeCount(pv.deviceBytes, pv.peStartSectors, es);
    if (!Number.isInteger(pv.peCount) || pv.peCount < 0 || pv.peCount > max) add(`pe_count ${pv.peCount} does not fit the device (at most ${max})`, at);
    if (/["\\\n]/.test(pv.deviceHint)) add(`device hint '${pv.deviceHint}' contains a quote, backslash or newline`, at);
    used.set(pv.name, new Array<boolean>(Math.max(0, pv.peCount)).fill(false));
  }

  const lvNames = new Set<string>();
  for (const lv of vg.lvs) {
    const at = `${where} lv '${lv.name}'`;
    const badLv = lvNameProblem(lv.name);
    if (badLv) add(badLv, at);
    if (lvNames.has(lv.name)) add(`duplicate lv name '${lv.name}'`, at);
    lvNames.add(lv.name);
    if (!isLvmId(lv.uuid)) add(`lv uuid '${lv.uuid}' is not 32 chars of [0-9A-Za-z]`, at);
    if (lv.segments.length === 0) add('a logical volume needs at least one segment', at);
    let next = 0;
    lv.segments.forEach((seg, i) => {
      const sat = `${at} segment ${i + 1}`;
      if (seg.startExtent !== next) add(`starts at extent ${seg.startExtent}, expected ${next} (segments must be contiguous and sorted)`, sat);
      if (!Number.isInteger(seg.extentCount) || seg.extentCount < 1) add(`extent count ${seg.extentCount} must be >= 1`, sat);
      next = seg.startExtent + seg.extentCount;
      const map = used.get(seg.pv);
      if (!map) {
        add(`refers to unknown pv '${seg.pv}'`, sat);
        return;
      }
      if (seg.pvStartExtent < 0 || seg.pvStartExtent + seg.extentCount > map.length) {
        add(`pv extents ${seg.pvStartExtent}..${seg.pvStartExtent + seg.extentCount - 1} are outside pv '${seg.pv}' (${map.length} extents)`, sat);
        return;
      }
      for (let e = seg.pvStartExtent; e < seg.pvStartExtent + seg.extentCount; e++) {
        if (map[e]) {
          add(`pv '${seg.pv}' extent ${e} is already used by another segment`, sat);
          break;
        }
        map[e] = true;
      }
    });
  }
  return problems;
}

export function assertLvmVg(vg: LvmVg): void {
  throwIfProblems(`invalid lvm volume group '${vg.name}'`, validateLvmVg(vg));
}
