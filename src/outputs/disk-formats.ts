import { dirname } from 'node:path';
import { KilnError } from '../errors.js';
import { normalizeVhd, normalizeVhdx, normalizeVmdk } from './deterministic.js';
import { qemuImgSupportsZstd, verifyDiskImage } from './qemu-img.js';
import type { OutputFormat, OutputRequest, ToolNeed } from './types.js';

interface QemuFormatSpec {
  name: string;
  extension: string;
  qemuFormat: string;
  /** options of `qemu-img convert` before -O (compression, parallelism) */
  convertArgs(req: OutputRequest): Promise<string[]>;
  /** rewrite what qemu-img stamps with the clock or a random id (deterministic.ts) */
  normalize?(req: OutputRequest, file: string, final: string): Promise<void>;
}

export function requireRawImage(req: OutputRequest, format: string): string {
  if (!req.rawImage) {
    throw new KilnError(`output type ${format} needs a disk image, but this build made none`, {
      hint: 'disk formats need a block-device layout; use a tree format (tar, docker, oci, squash) instead',
    });
  }
  return req.rawImage;
}

function qemuImgFormat(spec: QemuFormatSpec): OutputFormat {
  return {
    name: spec.name,
    needs: 'disk',
    extension: spec.extension,
    qemuFormat: spec.qemuFormat,
    tools: (): ToolNeed[] => [{ tool: 'qemu-img', why: `convert the raw image to ${spec.name}` }],
    async write(req, { file, final }) {
      const raw = requireRawImage(req, spec.name);
      const extra = req.qemuImgOptions ? ['-o', req.qemuImgOptions] : [];
      await req.runner.run('qemu-img', ['convert', ...(await spec.convertArgs(req)), ...extra, '-f', 'raw', '-O', spec.qemuFormat, raw, file], {
        context: `output ${spec.name}`,
      });
      await spec.normalize?.(req, file, final);
      await verifyDiskImage(req.runner, file, spec.qemuFormat, raw);
    },
  };
}

async function qcow2CompressionType(req: OutputRequest): Promise<'zstd' | 'zlib'> {
  const asked = req.qcow2Compression;
  const zstd = await qemuImgSupportsZstd(req.runner, req.rawImage ? dirname(req.rawImage) : undefined);
  if (asked === 'zstd' && !zstd) {
    throw new KilnError('this qemu-img cannot write zstd-compressed qcow2', { hint: 'use DIB_QCOW2_COMPRESSION=zlib, or qemu-img >= 5.1' });
  }
  return asked === 'zlib' || !zstd ? 'zlib' : 'zstd';
}

export const qcow2 = qemuImgFormat({
  name: 'qcow2',
  extension: 'qcow2',
  qemuFormat: 'qcow2',
  // -m 4: 4 coroutines; no -W, so clusters are written in order and the same raw image gives the
  // same qcow2 bytes (out-of-order writes place clusters by completion order)
  async convertArgs(req) {
    if (!req.compress) return ['-m', '4'];
    const type = await qcow2CompressionType(req);
    return ['-m', '4', '-c', ...(type === 'zstd' ? ['-o', 'compression_type=zstd'] : [])];
  },
});

// force_size=on keeps the exact virtual size (without it qemu rounds up to a CHS geometry).
// Dynamic by default (small file); Azure needs subformat=fixed (and a size that is a whole MiB).
export const vhd = qemuImgFormat({
  name: 'vhd',
  extension: 'vhd',
  qemuFormat: 'vpc',
  async convertArgs(req) {
    const sub = req.vhdSubformat ?? 'dynamic';
    return ['-o', `subformat=${sub},force_size=on`];
  },
  normalize: (req, file) => normalizeVhd(file, req.epoch, req.imageName),
});

export const vhdx = qemuImgFormat({
  name: 'vhdx',
  extension: 'vhdx',
  qemuFormat: 'vhdx',
  convertArgs: async () => ['-o', 'subformat=dynamic'],
  normalize: (req, file) => normalizeVhdx(file, req.epoch, req.imageName),
});

// streamOptimized (compressed, sequential) is what OVF/OVA importers and vSphere expect.
export const vmdk = qemuImgFormat({
  name: 'vmdk',
  extension: 'vmdk',
  qemuFormat: 'vmdk',
  convertArgs: async () => ['-o', 'subformat=streamOptimized'],
  normalize: (req, file, final) => normalizeVmdk(file, final, req.epoch, req.imageName),
});
