/**
 * BLS for the Red Hat family on a fixture tree (a Fedora-like /boot and os-release): the files
 * writeBlsConfig writes are read back, grub.cfg is parsed by GRUB's own grub-script-check, and the
 * GRUB image built for a BLS image (host modules: Debian's GRUB has no blscfg, so only the prefix is
 * checked here) looks for grub.cfg in /boot/grub2.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeBlsConfig } from '../../../src/bootloader/bls.js';
import { buildGrubImage } from '../../../src/bootloader/grub-image.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { findTool } from '../../helpers/host-tools.js';

const UUID = '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10';
const VERSION = '6.5.6-300.fc39.x86_64';
const EFI_MODULES = '/usr/lib/grub/x86_64-efi';

describe('BLS on a fixture tree', () => {
  for (const t of ['grub-script-check', 'grub-mkimage']) assert.ok(findTool(t), `${t} is not installed (grub-common)`);
  assert.ok(existsSync(join(EFI_MODULES, 'kernel.img')), `${EFI_MODULES} is missing (grub-efi-amd64-bin)`);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bls-it-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'boot/loader/entries'), { recursive: true });
  mkdirSync(join(tree, 'etc'));
  writeFileSync(join(tree, `boot/vmlinuz-${VERSION}`), 'kernel');
  writeFileSync(join(tree, `boot/initramfs-${VERSION}.img`), 'initramfs');
  writeFileSync(join(tree, 'etc/os-release'), 'NAME="Fedora Linux"\nVERSION="39 (Cloud Edition)"\nID=fedora\n');
  writeFileSync(join(tree, 'etc/machine-id'), '');

  it('writes an entry and a grub.cfg that GRUB parses', () => {
    const paths = writeBlsConfig(tree, { rootUuid: UUID, searchUuid: UUID, defaultCmdline: 'console=hvc0 "quoted" $notavar' });
    assert.deepEqual(paths, [join(tree, `boot/loader/entries/${VERSION}.conf`), join(tree, 'boot/grub2/grub.cfg')]);
    const cfg = join(tree, 'boot/grub2/grub.cfg');
    execFileSync('grub-script-check', [cfg]); // exits non-zero on a syntax error
    assert.match(readFileSync(cfg, 'utf8'), /\ninsmod blscfg\nblscfg\n$/);
    const entry = readFileSync(paths[0]!, 'utf8');
    assert.match(
      entry,
      new RegExp(`^title Fedora Linux \\(${VERSION.replace(/\./g, '\\.')}\\) 39 \\(Cloud Edition\\)\\nversion ${VERSION.replace(/\./g, '\\.')}\\n`),
    );
    assert.ok(entry.includes(`\noptions root=UUID=${UUID} ro console=tty0 console=ttyS0,115200 no_timer_check console=hvc0 "quoted" $notavar\n`), entry);
  });

  it('a syntax error is caught by the same check (the check can fail)', () => {
    const bad = join(dir, 'bad.cfg');
    writeFileSync(bad, "set kernelopts='unterminated\n");
    assert.throws(() => execFileSync('grub-script-check', [bad], { stdio: 'pipe' }));
  });

  it('the GRUB image of a BLS image has its prefix in /boot/grub2', async () => {
    const img = await buildGrubImage(
      { runner: new Runner(silentLogger), log: silentLogger },
      {
        platform: 'x86_64-efi',
        grubDir: EFI_MODULES,
        fsUuid: UUID,
        bootIsSeparate: false,
        tmpDir: dir,
        cfgDir: 'grub2',
      },
    );
    assert.ok(img.includes(Buffer.from('set prefix=($root)/boot/grub2\n')), 'embedded early config');
    assert.ok(img.includes(Buffer.from('/boot/grub2\0')), 'the image prefix (grub-mkimage -p)');
  });
});
