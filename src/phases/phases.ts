/**
 * DIB's hook phases in execution order (dib-compat 3.2). `where` says whether a phase runs on the
 * host (with TARGET_ROOT pointing at the tree) or inside the tree's sandbox (chroot).
 */
export const PHASES = [
  { name: 'root.d', where: 'host', breakName: 'root' },
  { name: 'extra-data.d', where: 'host', breakName: 'extra-data' },
  { name: 'pre-install.d', where: 'target', breakName: 'pre-install' },
  { name: 'install.d', where: 'target', breakName: 'install' },
  { name: 'post-install.d', where: 'target', breakName: 'post-install' },
  { name: 'post-root.d', where: 'host', breakName: 'post-root' },
  { name: 'block-device.d', where: 'host', breakName: 'block-device' },
  { name: 'pre-finalise.d', where: 'host', breakName: 'pre-finalise' },
  { name: 'finalise.d', where: 'target', breakName: 'finalise' },
  { name: 'cleanup.d', where: 'host', breakName: 'cleanup' },
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
