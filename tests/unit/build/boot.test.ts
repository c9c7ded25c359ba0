import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveArch } from '../../../src/arch/index.js';
import { espPaths } from '../../../src/bootloader/esp.js';
import type { BootTarget } from '../../../src/bootloader/index.js';
import type { Build } from '../../../src/build/build.js';
import { efiVendorOf, grubPlatformsOf, wantsBls } from '../../../src/build/boot.js';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { REPO } from '../../helpers/block-device.js';

const config = createBuildConfig({
  args: parseArgv(['busybox-minimal']),
  env: { HOME: '/h', PATH: '/usr/bin:/bin' },
  hostArch: 'amd64',
  builtinElements: join(REPO, 'elements'),
});
const target = (over: Partial<BootTarget>): BootTarget => ({
  arch: resolveArch('amd64'),
  image: '',
  sectorSize: 512,
  label: 'mbr',
  rootFsUuid: 'u',
  treeDir: '',
  ...over,
});

describe('the boot code of the Red Hat family', () => {
  it("efiVendorOf: the distro data's EFI directory for the Red Hat family, none (EFI/debian) for the others", () => {
    assert.equal(efiVendorOf(config, { DISTRO_NAME: 'rhel' }), 'redhat');
    assert.equal(efiVendorOf(config, { DISTRO_NAME: 'fedora' }), 'fedora');
    assert.equal(efiVendorOf(config, { DISTRO_NAME: 'debian' }), undefined);
    assert.equal(efiVendorOf(config, {}), undefined);
    assert.deepEqual(espPaths('BOOTX64.EFI', 'redhat'), ['::/EFI/BOOT/BOOTX64.EFI', '::/EFI/redhat/grubx64.efi']);
  });

  it('grubPlatformsOf: the platforms the disk boots with', () => {
    assert.deepEqual(grubPlatformsOf(target({}), 'bios'), ['i386-pc']);
    assert.deepEqual(grubPlatformsOf(target({}), 'both'), ['i386-pc', 'x86_64-efi']);
    assert.deepEqual(grubPlatformsOf(target({ arch: resolveArch('arm64') }), 'both'), ['arm64-efi']);
    assert.deepEqual(grubPlatformsOf(target({}), undefined), []);
  });

  it('wantsBls: a Red Hat family build whose tree has blscfg for its platforms; never Debian', () => {
    const tree = mkdtempSync(join(tmpdir(), 'kiln-wants-bls-'));
    try {
      mkdirSync(join(tree, 'usr/lib/grub/i386-pc'), { recursive: true });
      for (const f of ['kernel.img', 'blscfg.mod']) writeFileSync(join(tree, 'usr/lib/grub/i386-pc', f), '');
      const b = (plan: object): Pick<Build, 'plan' | 'ws' | 'config'> => ({ plan, ws: { tree }, config }) as unknown as Pick<Build, 'plan' | 'ws' | 'config'>;
      const t = target({ treeDir: tree });
      assert.equal(wantsBls(b({ bootstrap: { driver: 'centos', element: 'centos-minimal', settings: {}, plan: { family: 'rpm' } } }), t, {}), true);
      assert.equal(wantsBls(b({}), t, { DISTRO_NAME: 'rocky' }), true, 'DISTRO_NAME when no Kiln bootstrap');
      assert.equal(
        wantsBls(b({ bootstrap: { driver: 'debian', element: 'debian-minimal', settings: {}, plan: { family: 'apt' } } }), t, { DISTRO_NAME: 'debian' }),
        false,
      );
      assert.equal(
        wantsBls(b({}), target({ treeDir: tree, label: 'gpt', esp: { offsetBytes: 0, sizeBytes: 1 } }), { DISTRO_NAME: 'fedora' }),
        false,
        'no EFI modules with blscfg',
      );
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
