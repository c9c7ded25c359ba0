/**
 * DIB's hook phases in execution order (docs/element-authoring.md, "Phases"). `where` says whether a phase runs on the
 * host (with TARGET_ROOT pointing at the tree) or inside the tree's sandbox (chroot).
 *
 * `unmountAfter`: when the phase has run, everything host hooks mounted under the workspace is
 * unmounted (sandbox/mounts.ts; the build's cleanup also does it at the end, on failure and on
 * interrupt). Mounts made in root.d and extra-data.d stay until post-root.d has run, as in DIB
 * (its first unmount_image): they serve the package installs of the in-tree phases, e.g. the host
 * apt cache DIB's dpkg element binds into the tree. Kiln measures the tree after block-device.d,
 * so that phase unmounts at once; pre-finalise.d mounts stay for finalise.d, as in DIB, until
 * cleanup.d has run, before the tree is finalised and split into filesystems.
 */
export const PHASES = [
  { name: 'root.d', where: 'host', breakName: 'root', unmountAfter: false },
  { name: 'extra-data.d', where: 'host', breakName: 'extra-data', unmountAfter: false },
  { name: 'pre-install.d', where: 'target', breakName: 'pre-install', unmountAfter: false },
  { name: 'install.d', where: 'target', breakName: 'install', unmountAfter: false },
  { name: 'post-install.d', where: 'target', breakName: 'post-install', unmountAfter: false },
  { name: 'post-root.d', where: 'host', breakName: 'post-root', unmountAfter: true },
  { name: 'block-device.d', where: 'host', breakName: 'block-device', unmountAfter: true },
  { name: 'pre-finalise.d', where: 'host', breakName: 'pre-finalise', unmountAfter: false },
  { name: 'finalise.d', where: 'target', breakName: 'finalise', unmountAfter: false },
  { name: 'cleanup.d', where: 'host', breakName: 'cleanup', unmountAfter: true },
] as const;

export type PhaseName = (typeof PHASES)[number]['name'];
export type PhaseWhere = (typeof PHASES)[number]['where'];
export type Phase = (typeof PHASES)[number];

export function phase(name: PhaseName): Phase {
  return PHASES.find((p) => p.name === name)!;
}

/** DIB's default hook file name filter (RUN_PARTS_REGEX). */
export const RUN_PARTS_REGEX = /^[0-9A-Za-z_-]+$/;
/** environment.d file names. */
export const ENV_D_REGEX = /^[0-9A-Za-z_.-]+$/;
