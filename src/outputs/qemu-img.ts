/** qemu-img: convert the raw image, probe what the host's qemu-img supports, verify the result. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '../exec/runner.js';
import { removeScratchDir } from '../sandbox/mounts.js';
import { OutputVerificationError } from './verify/error.js';

export interface ImageInfo {
  format: string;
  virtualSize: number;
}

let zstdProbe: Promise<boolean> | undefined;

/**
 * Can this qemu-img write zstd-compressed qcow2 (qemu >= 5.1)? Probed once per process, in a
 * scratch directory made in `tmpDir` (a build's workspace).
 */
export function qemuImgSupportsZstd(runner: Runner, tmpDir: string = tmpdir()): Promise<boolean> {
  zstdProbe ??= (async () => {
    const dir = mkdtempSync(join(tmpDir, '.kiln-qemu-probe-'));
    try {
      await runner.run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', 'compression_type=zstd', join(dir, 'p.qcow2'), '1M']);
      return true;
    } catch {
      return false;
    } finally {
      removeScratchDir(dir);
    }
  })();
  return zstdProbe;
}

export async function imageInfo(runner: Runner, file: string, format?: string): Promise<ImageInfo> {
  const args = ['info', '--output=json', ...(format ? ['-f', format] : []), file];
  const r = await runner.run('qemu-img', args);
  const j = JSON.parse(r.stdout) as { format?: string; 'virtual-size'?: number };
  return { format: j.format ?? '?', virtualSize: j['virtual-size'] ?? -1 };
}

/** Formats whose qemu driver implements `qemu-img check`. */
const CHECKABLE = new Set(['qcow2', 'vhdx', 'vmdk']);

/**
 * The written file must be of the expected format, with the raw image's virtual size, and pass
 * `qemu-img check` where the driver has one. Anything else is an internal error naming the output.
 */
export async function verifyDiskImage(runner: Runner, file: string, qemuFormat: string, rawImage: string): Promise<void> {
  const want = await imageInfo(runner, rawImage, 'raw');
  let got: ImageInfo;
  try {
    // -f: a fixed VHD has no header, only a footer, and is probed as raw without it
    got = await imageInfo(runner, file, qemuFormat);
  } catch (e) {
    throw new OutputVerificationError(file, `qemu-img info cannot read it as ${qemuFormat}`, e);
  }
  if (got.format !== qemuFormat) throw new OutputVerificationError(file, `qemu-img sees format ${got.format}, expected ${qemuFormat}`);
  if (got.virtualSize !== want.virtualSize) {
    throw new OutputVerificationError(file, `virtual size ${got.virtualSize} differs from the raw image's ${want.virtualSize}`);
  }
  if (CHECKABLE.has(qemuFormat)) {
    try {
      await runner.run('qemu-img', ['check', '-q', '-f', qemuFormat, file]);
    } catch (e) {
      throw new OutputVerificationError(file, 'qemu-img check found problems', e);
    }
  }
}
