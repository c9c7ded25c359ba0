/**
 * Which block-device config a build uses (DIB lib/common-functions block_device_create_config_file):
 *  1. DIB_BLOCK_DEVICE_CONFIG: `file://PATH`, else inline YAML;
 *  2. the first element (in the order given) with block-device-<ARCH>.yaml (ppc64le and ppc64el
 *     both look for block-device-ppc64el.yaml), else block-device-default.yaml;
 *  3. the fallback: local_loop image0 -> mkfs_root -> mount / -> fstab (a bare filesystem).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import type { BlockDeviceSource } from './plan.js';

export const FALLBACK_CONFIG = `- local_loop:
    name: image0
    mkfs:
      name: mkfs_root
      mount:
        mount_point: /
        fstab:
          options: "defaults"
          fsck-passno: 1
`;

export interface ConfigChoice {
  /** the value of DIB_BLOCK_DEVICE_CONFIG, if set */
  blockDeviceConfig?: string;
  /** directories of the build's elements, in search order */
  elementDirs: { name: string; path: string }[];
  arch: string;
}

export function selectBlockDeviceConfig(c: ConfigChoice): BlockDeviceSource & { from: 'env-file' | 'env-inline' | 'element' | 'fallback' } {
  const v = c.blockDeviceConfig;
  if (v !== undefined && v !== '') {
    if (v.startsWith('file://')) {
      const path = v.slice('file://'.length);
      try {
        return { text: readFileSync(path, 'utf8'), file: path, from: 'env-file' };
      } catch (err) {
        throw new KilnError(`cannot read the block-device config ${path}: ${(err as Error).message}`, {
          where: 'DIB_BLOCK_DEVICE_CONFIG',
          hint: 'give file:///absolute/path/to/layout.yaml',
        });
      }
    }
    return { text: v, file: 'DIB_BLOCK_DEVICE_CONFIG', from: 'env-inline' };
  }
  const archFile = c.arch === 'ppc64le' || c.arch === 'ppc64el' ? 'block-device-ppc64el.yaml' : `block-device-${c.arch}.yaml`;
  for (const e of c.elementDirs) {
    for (const f of [archFile, 'block-device-default.yaml']) {
      const p = join(e.path, f);
      if (existsSync(p)) return { text: readFileSync(p, 'utf8'), file: p, from: 'element' };
    }
  }
  return { text: FALLBACK_CONFIG, file: 'fallback', from: 'fallback' };
}
