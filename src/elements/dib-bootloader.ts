/**
 * DIB's own `bootloader` element (taken from DIB's tree through ELEMENTS_PATH) runs grub-install and
 * grub-mkconfig in finalise.d against IMAGE_BLOCK_DEVICE, the mounted image's loop device. Kiln has no
 * block device at that point, by design (docs/dib-migration.md): there, Kiln's own `bootloader`
 * element takes its place. It has the same name, reads the same DIB_BOOTLOADER_* / DIB_GRUB_* variables
 * and has no dependencies either, so the element set is unchanged; Kiln writes the boot code as bytes.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Element } from './element.js';

export interface ElementSubstitution {
  name: string;
  /** the element directory set aside */
  replaced: string;
  /** the directory used in its place */
  by: string;
  why: string;
}

/** A bootloader element whose finalise.d/50-bootloader needs IMAGE_BLOCK_DEVICE is DIB's contract. */
function needsBlockDevice(el: Element): boolean {
  const hook = join(el.path, 'finalise.d', '50-bootloader');
  return existsSync(hook) && /\bIMAGE_BLOCK_DEVICE\b/.test(readFileSync(hook, 'utf8'));
}

export function substituteDibBootloader(elements: Element[], builtinDir: string): { elements: Element[]; substitutions: ElementSubstitution[] } {
  const own = existsSync(join(builtinDir, 'bootloader')) ? realpathSync(join(builtinDir, 'bootloader')) : join(builtinDir, 'bootloader');
  const at = elements.findIndex((e) => e.name === 'bootloader' && e.path !== own && needsBlockDevice(e));
  const found = elements[at];
  if (!found || !existsSync(own)) return { elements, substitutions: [] };
  const out = [...elements];
  out[at] = { ...found, path: own };
  const why = 'its finalise.d/50-bootloader runs grub-install on IMAGE_BLOCK_DEVICE; Kiln has no block device and writes the boot code itself';
  return { elements: out, substitutions: [{ name: 'bootloader', replaced: found.path, by: own, why }] };
}
