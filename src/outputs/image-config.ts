/**
 * Container image metadata shared by the docker and oci outputs: the reference NAME:TAG, the
 * Go architecture name, and the image config (OCI image-spec config.md; docker reads the same).
 */
import { findArch } from '../arch/index.js';
import { KilnError } from '../errors.js';

export interface ImageRef {
  name: string;
  tag: string;
}

/** DIB's --docker-target: NAME[:TAG] (tag defaults to latest), names lower case as registries require. */
export function parseImageRef(target: string | undefined, what: string): ImageRef {
  if (!target) {
    throw new KilnError(`${what} output needs --docker-target NAME:TAG`, { where: '--docker-target', hint: 'e.g. --docker-target kiln/debian:12' });
  }
  const slash = target.lastIndexOf('/');
  const colon = target.lastIndexOf(':');
  const [name, tag] = colon > slash ? [target.slice(0, colon), target.slice(colon + 1)] : [target, 'latest'];
  if (!/^[a-z0-9]+(?:[._-]+[a-z0-9]+|\/[a-z0-9]+|:[0-9]+\/[a-z0-9]+)*$/.test(name) || !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new KilnError(`'${target}' is not a valid NAME:TAG`, {
      where: '--docker-target',
      hint: 'lower-case name components separated by /, then :tag (letters, digits, . _ -)',
    });
  }
  return { name, tag };
}

/** The OCI ref name: --docker-target, else NAME:latest. */
export function ociRefName(req: { dockerTarget?: string; imageName: string }): string {
  return req.dockerTarget ?? `${req.imageName.toLowerCase()}:latest`;
}

/** dpkg/uname architecture -> GOARCH (and variant), as image configs name them (the arch table). */
export function goArch(arch: string): { architecture: string; variant?: string } {
  return findArch(arch)?.oci ?? { architecture: arch };
}

export function isoTime(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
}

/** The image config JSON; `diffId` is sha256:<hex> of the uncompressed layer tar. */
export function encodeImageConfig(arch: string, epoch: number, diffId: string): Buffer {
  const created = isoTime(epoch);
  const config = {
    ...goArch(arch),
    os: 'linux',
    created,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: 'kiln (root tree of the build)' }],
  };
  return Buffer.from(JSON.stringify(config));
}
