import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARCHES, findArch, hostArchInfo, resolveArch, runsNatively } from '../../../src/arch/index.js';
import { KilnError } from '../../../src/errors.js';
import { hostArch } from '../../../src/exec/host.js';
import { goArch } from '../../../src/outputs/image-config.js';
import { serialConsoleFor } from '../../../src/config/settings/bootloader.js';

describe('the architecture table', () => {
  it("takes DIB's names and aliases to one canonical (Debian) name", () => {
    const cases: [string, string][] = [
      ['amd64', 'amd64'],
      ['x86_64', 'amd64'],
      ['arm64', 'arm64'],
      ['aarch64', 'arm64'],
      ['i386', 'i386'],
      ['i686', 'i386'],
      ['armhf', 'armhf'],
      ['armv7l', 'armhf'],
      ['ppc64el', 'ppc64el'],
      ['ppc64le', 'ppc64el'],
      ['s390x', 's390x'],
      ['AARCH64', 'arm64'],
    ];
    for (const [given, want] of cases) assert.equal(resolveArch(given).name, want, given);
  });

  it('refuses an unknown name, listing the known ones', () => {
    assert.throws(
      () => resolveArch('sparc'),
      (e: unknown) => e instanceof KilnError && /unknown architecture 'sparc'/.test(e.message) && /arm64 \(aarch64/.test(e.hint ?? ''),
    );
    assert.equal(findArch('sparc'), undefined);
  });

  it('no name or alias stands for two architectures', () => {
    const seen = new Map<string, string>();
    for (const a of ARCHES.values()) {
      for (const n of [a.name, ...a.aliases]) {
        assert.equal(seen.get(n), undefined, `${n} is used by ${seen.get(n)} and ${a.name}`);
        seen.set(n, a.name);
      }
    }
  });

  it('gives the ELF machine, OCI platform, qemu-user CPU and GRUB platforms per arch', () => {
    const arm = resolveArch('arm64');
    assert.deepEqual(arm.elf, { machine: 0xb7, bits: 64 });
    assert.deepEqual(arm.oci, { architecture: 'arm64', variant: 'v8' });
    assert.equal(arm.qemuCpu, 'aarch64');
    assert.deepEqual(arm.grub, { efi: 'arm64-efi' });
    assert.equal(arm.efiBootFile, 'BOOTAA64.EFI');
    const x86 = resolveArch('i386');
    assert.deepEqual(x86.elf, { machine: 0x03, bits: 32 });
    assert.deepEqual(x86.oci, { architecture: '386' });
    assert.equal(x86.grub.bios, 'i386-pc');
    assert.deepEqual(resolveArch('armhf').oci, { architecture: 'arm', variant: 'v7' });
  });

  it('the outputs, the serial console and the host lookup read the table', () => {
    assert.deepEqual(goArch('aarch64'), { architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(goArch('ppc64el'), { architecture: 'ppc64le' });
    assert.equal(serialConsoleFor('aarch64'), 'ttyAMA0,115200');
    assert.equal(serialConsoleFor('ppc64le'), 'hvc0');
    assert.equal(serialConsoleFor('amd64'), 'ttyS0,115200');
    assert.equal(hostArch('x64'), 'amd64');
    assert.equal(hostArch('arm64'), 'arm64');
    assert.equal(hostArch('ia32'), 'i386');
    assert.equal(hostArchInfo('mips'), undefined);
  });

  it('an amd64 host runs i386 natively, not arm64', () => {
    const amd = resolveArch('amd64');
    assert.equal(runsNatively(amd, amd), true);
    assert.equal(runsNatively(amd, resolveArch('i386')), true);
    assert.equal(runsNatively(amd, resolveArch('arm64')), false);
    assert.equal(runsNatively(resolveArch('arm64'), amd), false);
  });
});
