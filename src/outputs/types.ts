/**
 * The contract between the build pipeline and the output formats (docs/outputs.md).
 * The pipeline hands over the assembled raw disk (or bare filesystem) image and the final root
 * tree; each format writes and verifies its output in a temporary file that writeOutputs made,
 * and writeOutputs renames it into place (write.ts, commit.ts).
 */
import type { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import type { Identity } from '../sandbox/identity.js';

export type ChecksumAlgorithm = 'md5' | 'sha256';
export type OutputCompression = 'zstd' | 'xz';

export interface OutputRequest {
  imageName: string;
  outDir: string;
  /** the assembled disk (or bare filesystem) image, for disk formats */
  rawImage?: string;
  /** the final root tree, for tar/tgz/docker/oci/squash */
  tree: string;
  arch: string;
  /** SOURCE_DATE_EPOCH: tar mtimes are clamped to it, container metadata uses it */
  epoch: number;
  /** false with -u: qcow2 is written uncompressed */
  compress: boolean;
  /** QEMU_IMG_OPTIONS / --qemu-img-options: appended as -o to every qemu-img convert */
  qemuImgOptions?: string;
  /** NAME:TAG, required by docker; also the OCI ref name (default NAME:latest) */
  dockerTarget?: string;
  /** --push REGISTRY/NAME:TAG: the oci (else docker) output copied there with skopeo (push.ts) */
  push?: string;
  checksums: ChecksumAlgorithm[];
  /** OVERWRITE_OLD_IMAGE: replace an existing output instead of keeping it under a dated name */
  overwrite?: boolean;
  runner: Runner;
  log: Logger;
  identity: Identity;
  /** compress raw and tar outputs after writing: NAME.raw.zst, NAME.tar.xz */
  compression?: OutputCompression;
  /** shrink the raw image (in place, before the disk formats) to its ext2/3/4 root's minimum: shrink.ts */
  shrink?: boolean;
  /** qcow2 compression; default zstd when the host qemu-img supports it (DIB_QCOW2_COMPRESSION) */
  qcow2Compression?: 'zstd' | 'zlib';
  /** vhd (qemu 'vpc') subformat: dynamic by default, fixed for Azure (DIB_VHD_SUBFORMAT) */
  vhdSubformat?: 'dynamic' | 'fixed';
  /** squash compressor (default xz, as DIB; DIB_SQUASHFS_COMPRESSION) */
  squashCompression?: 'xz' | 'zstd';
  /** the tgz compressor (DIB_GZIP_BIN), default gzip */
  gzipBin?: string;
  /** raw: rename rawImage into place instead of a sparse copy (it is then gone) */
  moveRaw?: boolean;
}

export interface ToolNeed {
  tool: string;
  why: string;
}

/** Where a format writes: never the final path itself. */
export interface OutputTarget {
  /** NAME.EXT, where the output will appear: for messages only */
  final: string;
  /** an empty file, created for this output (O_EXCL, hidden, in the output directory): write here */
  file: string;
  /** one more temporary file in the output directory (a layer, an intermediate tar), removed afterwards */
  temp(purpose: string): string;
}

export interface OutputFormat {
  name: string;
  needs: 'disk' | 'tree';
  /** file extension after NAME. (e.g. 'qcow2', 'docker.tar') */
  extension: string;
  /** the qemu-img driver that converts the raw image to it (qcow2, vpc, ...); --qemu-img-options go there */
  qemuFormat?: string;
  tools(req: OutputRequest): ToolNeed[];
  /** write the output into `target.file` (overwriting it) and verify it there */
  write(req: OutputRequest, target: OutputTarget): Promise<void>;
}
