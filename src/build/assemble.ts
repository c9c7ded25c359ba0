/**
 * Assembly, once the tree is final (after cleanup.d): measure the tree, size the frame once, write
 * grub.cfg (a bootable build), then the image: filesystems made from the tree at their offsets,
 * partition tables and LVM metadata as bytes, and GRUB's boot code as bytes.
 */
import { join } from 'node:path';
import { executeBlockDevice, measureTree, planSummary, sizeBlockDevice } from '../block-device/index.js';
import { installBootCode, writeBootConfig } from './boot.js';
import type { Build } from './build.js';
import { hooksView, hookViewSettings } from './environment-d.js';
import { sizeOptions } from './layout-options.js';
import { relabelPaths } from './selinux.js';

export async function assemble(b: Build, bootable: boolean): Promise<void> {
  const env = await hooksView(b);
  const s = hookViewSettings(b.config, env);
  b.tree = { dir: b.ws.tree, usedKiB: await measureTree(b, b.ws.tree) };
  b.layout = sizeBlockDevice(b.frame, sizeOptions(s, b.tree.usedKiB));
  for (const w of b.layout.warnings.slice(b.frame.warnings.length)) b.log.warn(w);
  b.log.info(planSummary(b.layout));
  const boot = bootable ? writeBootConfig(b, b.layout, env) : undefined;
  // grub.cfg and the BLS entry came after the selinux step: label them too
  if (bootable && b.selinux) await relabelPaths(b, b.selinux, ['/boot/grub', '/boot/grub2', '/boot/loader']);
  const image = join(b.ws.image, `${b.config.imageName}.raw`);
  const made = await executeBlockDevice(b, b.layout, {
    treeDir: b.ws.tree,
    imagePath: image,
    epoch: b.epoch,
    seed: `${b.epoch}:${b.config.imageName}`,
    writeFstab: false,
    ...(b.selinux?.labels ? { selinuxLabels: b.selinux.labels } : {}),
  });
  b.rawImage = image;
  b.facts.layout = b.layout;
  b.facts.filesystemUsedKiB = made.usedKiB;
  if (boot) await installBootCode(b, b.layout, image, boot);
}
