import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveArch } from '../../../src/arch/index.js';
import { parseImageFormat, planQemuArgs, qemuBinary } from '../../../src/vm/qemu-args.js';
import { encodeProbeBootSector, PROBE_EXIT_STATUS, PROBE_MARKER } from '../../../src/vm/probe-image.js';
import { cleanConsole, lastLines } from '../../../src/vm/watch.js';

const amd64 = resolveArch('amd64');
const value = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

describe('planQemuArgs', () => {
  it('BIOS/TCG: q35, memory, cpus, serial on stdout, no reboot, the disk in snapshot mode', () => {
    const a = planQemuArgs({ arch: amd64, image: '/x/disk.qcow2', format: 'qcow2', accel: 'tcg', memoryMiB: 1024, cpus: 2 });
    assert.deepEqual(value(a, '-machine'), ['q35']);
    assert.deepEqual(value(a, '-accel'), ['tcg']);
    assert.deepEqual(value(a, '-m'), ['1024']);
    assert.deepEqual(value(a, '-smp'), ['2']);
    assert.deepEqual(value(a, '-serial'), ['stdio']);
    assert.ok(a.includes('-no-reboot') && !a.includes('-cpu'));
    assert.deepEqual(value(a, '-drive'), ['file=/x/disk.qcow2,format=qcow2,if=virtio,snapshot=on']);
  });
  it('UEFI: read-only OVMF code and a writable vars copy; KVM uses the host CPU', () => {
    const a = planQemuArgs({ arch: amd64, image: '/d,1.raw', format: 'raw', accel: 'kvm', memoryMiB: 512, cpus: 1, uefi: { code: '/c.fd', vars: '/t/v.fd' } });
    assert.deepEqual(value(a, '-drive'), [
      'if=pflash,format=raw,unit=0,readonly=on,file=/c.fd',
      'if=pflash,format=raw,unit=1,file=/t/v.fd',
      'file=/d,,1.raw,format=raw,if=virtio,snapshot=on', // a comma in the path is doubled
    ]);
    assert.deepEqual(value(a, '-cpu'), ['host']);
  });
  it('firmware log on the debug port', () => {
    const a = planQemuArgs({ arch: amd64, image: '/d', format: 'raw', accel: 'tcg', memoryMiB: 64, cpus: 1, firmwareLog: '/t/fw.log' });
    assert.deepEqual(value(a, '-chardev'), ['file,id=fwlog,path=/t/fw.log']);
    assert.deepEqual(value(a, '-device'), ['isa-debugcon,iobase=0x402,chardev=fwlog']);
  });
  it('arm64: qemu-system-aarch64, the virt machine, cortex-a57 under TCG, no ISA debug port', () => {
    const arm = resolveArch('aarch64');
    assert.equal(qemuBinary(arm), 'qemu-system-aarch64');
    const a = planQemuArgs({
      arch: arm,
      image: '/d',
      format: 'raw',
      accel: 'tcg',
      memoryMiB: 1024,
      cpus: 2,
      firmwareLog: '/t/fw.log',
      uefi: { code: '/a.fd', vars: '/v.fd' },
    });
    assert.deepEqual(value(a, '-machine'), ['virt']);
    assert.deepEqual(value(a, '-cpu'), ['cortex-a57']);
    assert.deepEqual(value(a, '-device'), []);
    assert.deepEqual(value(a, '-drive').slice(0, 1), ['if=pflash,format=raw,unit=0,readonly=on,file=/a.fd']);
  });
  it('i386: qemu-system-i386 on q35', () => {
    const x = resolveArch('i386');
    assert.equal(qemuBinary(x), 'qemu-system-i386');
    assert.deepEqual(value(planQemuArgs({ arch: x, image: '/d', format: 'raw', accel: 'tcg', memoryMiB: 512, cpus: 1 }), '-machine'), ['q35']);
  });
  it('reads the format from qemu-img info', () => {
    assert.equal(parseImageFormat('{"format": "vpc", "virtual-size": 1}'), 'vpc');
    assert.throws(() => parseImageFormat('{}'));
  });
});

describe('KVM probe boot sector', () => {
  const s = encodeProbeBootSector(3000);
  it('is a 512-byte boot sector with the read count, marker and exit value', () => {
    assert.equal(s.length, 512);
    assert.equal(s.readUInt16LE(510), 0xaa55);
    assert.equal(s.readUInt16LE(7), 3000, 'mov cx, imm16');
    assert.equal(PROBE_EXIT_STATUS, 33);
  });
  it('loop jumps back to the push, and si points at the marker', () => {
    const loop = s.indexOf(0xe2, 9);
    assert.equal(loop + 2 + ((s[loop + 1]! << 24) >> 24), 9);
    assert.equal(s[loop + 2], 0xbe);
    const msg = s.readUInt16LE(loop + 3) - 0x7c00;
    assert.equal(s.toString('latin1', msg, msg + PROBE_MARKER.length), PROBE_MARKER);
  });
});

describe('console cleanup', () => {
  it('removes terminal escapes and carriage returns', () => {
    assert.equal(cleanConsole('\x1b[2J\x1b[01;01HBdsDxe: x\r\n\x1b[1m\x1b[33mShell>\x1b[0m \x1b(B ok\r'), 'BdsDxe: x\nShell>  ok\n');
  });
  it('keeps the last non-empty lines', () => {
    assert.deepEqual(lastLines('a\n\nb  \nc\n\n', 2), ['b', 'c']);
  });
});
