import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateLvmVg } from '../../../../src/block-device/lvm/validate.js';
import { refVg } from './refvg.js';

const messages = (vg: ReturnType<typeof refVg>): string[] => validateLvmVg(vg).map((e) => `${e.where}: ${e.message}`);

test('the reference VG (written by real lvm) is valid', () => {
  assert.deepEqual(messages(refVg()), []);
});

test('each rule reports its problem and where', () => {
  const cases: [string, (vg: ReturnType<typeof refVg>) => void, RegExp][] = [
    [
      'unknown pv',
      (vg) => {
        vg.lvs[0]!.segments[0]!.pv = 'zz';
      },
      /lv 'root' segment 1: refers to unknown pv 'zz'/,
    ],
    [
      'gap in an lv',
      (vg) => {
        vg.lvs[1]!.segments[1]!.startExtent = 8;
      },
      /segment 2: starts at extent 8, expected 7/,
    ],
    [
      'past the pv end',
      (vg) => {
        vg.lvs[0]!.segments[0]!.pvStartExtent = 6;
      },
      /pv extents 6\.\.15 are outside pv 'a' \(15 extents\)/,
    ],
    [
      'bad uuid',
      (vg) => {
        vg.uuid = 'x';
      },
      /vg uuid 'x' is not 32 chars/,
    ],
    [
      'duplicate lv',
      (vg) => {
        vg.lvs[1]!.name = 'root';
      },
      /duplicate lv name 'root'/,
    ],
    [
      'duplicate pv',
      (vg) => {
        vg.pvs[1]!.name = 'a';
      },
      /duplicate pv name 'a'/,
    ],
    [
      'bad vg name',
      (vg) => {
        vg.name = 'a b';
      },
      /invalid vg name 'a b'/,
    ],
    [
      'extent size',
      (vg) => {
        vg.extentSizeSectors = 1000;
      },
      /extent size 1000 sectors is not a power of two/,
    ],
    [
      'zero-length segment',
      (vg) => {
        vg.lvs[0]!.segments[0]!.extentCount = 0;
      },
      /extent count 0 must be >= 1/,
    ],
    [
      'reserved lv prefix',
      (vg) => {
        vg.lvs[0]!.name = 'snapshot1';
      },
      /lv names starting "snapshot" are reserved/,
    ],
    [
      'reserved lv part',
      (vg) => {
        vg.lvs[0]!.name = 'pool_tmeta';
      },
      /lv names including "_tmeta" are reserved/,
    ],
    [
      'quote in hint',
      (vg) => {
        vg.pvs[0]!.deviceHint = '/dev/"x';
      },
      /device hint .* contains a quote/,
    ],
  ];
  for (const [what, mutate, expected] of cases) {
    const vg = refVg();
    mutate(vg);
    const got = messages(vg);
    assert.ok(
      got.some((m) => expected.test(m)),
      `${what}: ${JSON.stringify(got)}`,
    );
  }
});
