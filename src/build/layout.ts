/**
 * The layout's frame in a build: framed from the hooks' view (environment.d sourced) before the
 * bootstrap, so a bad layout fails before any work, and written as /etc/fstab after block-device.d,
 * before the finalise phases. Its sizes are computed once, at assembly (assemble.ts).
 */
import { frameBlockDevice, writeFstab } from '../block-device/index.js';
import type { Build } from './build.js';
import { hooksView, hookViewSettings } from './environment-d.js';
import { frameOptions, layoutSource } from './layout-options.js';

export async function frameLayout(b: Build): Promise<void> {
  const s = hookViewSettings(b.config, await hooksView(b));
  b.frame = frameBlockDevice(layoutSource(b.config, s, b.plan.elements), frameOptions(b.config, s, b.epoch));
  for (const w of b.frame.warnings) b.log.warn(w);
  b.log.info(`layout ${b.frame.source}: ${b.frame.filesystems.map((f) => `${f.name} (${f.type}${f.mountPoint ? ` at ${f.mountPoint}` : ''})`).join(', ')}`);
}

export async function writeLayoutFstab(b: Build): Promise<void> {
  await writeFstab(b, b.frame, b.ws.tree);
  b.log.info(`wrote /etc/fstab: ${b.frame.fstab.length} lines`);
}
