// The VG that lvm2 2.03.16 wrote into tests/fixtures/lvm/ (pvcreate + vgcreate of two loop devices,
// then `lvcreate -n root -L 40M` and `lvcreate -n span -L 36M`), as encoder input.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LvmVg } from '../../../../src/block-device/lvm/types.js';
import { bytes } from '../../../../src/units.js';

export const FIXTURES = fileURLToPath(new URL('../../../../../tests/fixtures/lvm/', import.meta.url));
export const fixture = (name: string): Buffer => readFileSync(FIXTURES + name);

export const REF_UNAME = 'Linux vm 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0 x86_64';
export const REF_DESCRIPTION = 'Write from lvcreate --driverloaded n --activate n --zero n -n span -L 36M refvg.';

export function refVg(): LvmVg {
  return {
    name: 'refvg',
    uuid: 'Z63HBVVScriHLbJynYvd4oy39XzrxtQ2',
    seqno: 3,
    extentSizeSectors: 8192,
    creationHost: 'vm',
    creationTime: 1795435416,
    pvs: [
      { name: 'a', uuid: 'RAJjCUXmH1o4jqp7jxN0ndquNjSJ8SOI', deviceBytes: bytes(64 << 20), peStartSectors: 2048, peCount: 15, deviceHint: '/dev/loop0' },
      { name: 'b', uuid: '0WwklqllWYVS95DRMVQIi4RNtSiobIY5', deviceBytes: bytes(32 << 20), peStartSectors: 2048, peCount: 7, deviceHint: '/dev/loop1' },
    ],
    lvs: [
      { name: 'root', uuid: 'IaCCaljYQ7e9scm09Io8mICd735QwCoY', segments: [{ startExtent: 0, extentCount: 10, pv: 'a', pvStartExtent: 0 }] },
      {
        name: 'span',
        uuid: 'sXTIjTnPeXzJl0TSeA9r6GJAW5ijmNjs',
        segments: [
          { startExtent: 0, extentCount: 7, pv: 'b', pvStartExtent: 0 },
          { startExtent: 7, extentCount: 2, pv: 'a', pvStartExtent: 10 },
        ],
      },
    ],
  };
}
